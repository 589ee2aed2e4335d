//! The control plane's model routes: get one model and list one page of an account's models,
//! from an in-memory table of the generated `Model` type. The guard has checked the `Bearer` key
//! before these run; errors have the control plane's grpc-gateway shape.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use fireworks_ai::models::{
    BaseModelDetails, CheckpointFormat, Model, ModelKind, ModelPage, ModelState, ModelStatus,
};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::job::lock;
use crate::server::Shared;
use crate::surface::{self, Surface};

/// The account that owns the public catalog models.
pub const PUBLIC_ACCOUNT: &str = "fireworks";

/// Page size when `pageSize` is unset or 0, and the cap for larger values (FIREWORKS_API.md
/// section 2.4).
const DEFAULT_PAGE_SIZE: usize = 50;
const MAX_PAGE_SIZE: usize = 200;

/// Prefix of the emulator's page tokens; the rest is the last model id of the previous page.
/// Real tokens are opaque, so clients must not rely on this form.
const TOKEN_PREFIX: &str = "after:";

/// Models by account, then by model id; ordered, so a list is ordered by `name`.
#[derive(Debug, Default)]
pub(crate) struct ModelTable {
    models: Mutex<BTreeMap<String, BTreeMap<String, Model>>>,
}

impl ModelTable {
    /// A table holding the demo models of the public catalog.
    pub(crate) fn with_demo_models() -> Self {
        let table = Self::default();
        for (id, model) in demo_models() {
            table.insert(PUBLIC_ACCOUNT, id, model);
        }
        table
    }

    /// Adds or replaces a model; an unset `name` becomes `accounts/{account}/models/{id}`.
    pub(crate) fn insert(&self, account_id: &str, model_id: &str, mut model: Model) {
        if model.name.is_none() {
            model.name = Some(format!("accounts/{account_id}/models/{model_id}"));
        }
        lock(&self.models)
            .entry(account_id.to_owned())
            .or_default()
            .insert(model_id.to_owned(), model);
    }

    fn get(&self, account_id: &str, model_id: &str) -> Option<Model> {
        lock(&self.models).get(account_id)?.get(model_id).cloned()
    }

    /// Up to `size` models with ids after `after`, the id to continue after when more
    /// follow, and the account's total.
    pub(crate) fn page(
        &self,
        account_id: &str,
        after: Option<&str>,
        size: usize,
    ) -> (Vec<Model>, Option<String>, usize) {
        let models = lock(&self.models);
        let Some(account) = models.get(account_id) else {
            return (Vec::new(), None, 0);
        };
        let mut rest = account
            .iter()
            .filter(|(id, _)| after.is_none_or(|after| id.as_str() > after));
        let page: Vec<(&String, &Model)> = rest.by_ref().take(size).collect();
        let next = match (page.last(), rest.next()) {
            (Some((last, _)), Some(_)) => Some((*last).clone()),
            _ => None,
        };
        let page = page.into_iter().map(|(_, model)| model.clone()).collect();
        (page, next, account.len())
    }
}

/// The demo catalog: illustrative values in the real API's shape, not Fireworks' metadata.
fn demo_models() -> [(&'static str, Model); 2] {
    let ready = || ModelStatus::new().code("OK");
    [
        (
            "llama-v3p1-8b-instruct",
            Model::new()
                .display_name("Llama 3.1 8B Instruct")
                .description("An 8B instruction-tuned text model (emulator demo data).")
                .create_time("2024-07-23T00:00:00Z")
                .update_time("2024-07-23T00:00:00Z")
                .state(ModelState::Ready)
                .status(ready())
                .kind(ModelKind::HfBaseModel)
                .context_length(131_072)
                .supports_image_input(false)
                .supports_tools(true)
                .supports_lora(true)
                .supports_serverless(true)
                .public(true)
                .base_model_details(
                    BaseModelDetails::new()
                        .world_size(1)
                        .checkpoint_format(CheckpointFormat::Huggingface)
                        .parameter_count(8_030_261_248)
                        .moe(false)
                        .tunable(true)
                        .model_type("llama")
                        .default_precision("FP8"),
                ),
        ),
        (
            "whisper-v3",
            Model::new()
                .display_name("Whisper V3 Large")
                .description("Speech recognition and translation (emulator demo data).")
                .create_time("2024-03-01T00:00:00Z")
                .update_time("2024-03-01T00:00:00Z")
                .state(ModelState::Ready)
                .status(ready())
                .kind(ModelKind::HfBaseModel)
                .supports_image_input(false)
                .supports_tools(false)
                .supports_lora(false)
                .supports_serverless(true)
                .public(true)
                .base_model_details(
                    BaseModelDetails::new()
                        .world_size(1)
                        .checkpoint_format(CheckpointFormat::Huggingface)
                        .parameter_count(1_550_000_000)
                        .moe(false)
                        .tunable(false)
                        .model_type("whisper")
                        .default_precision("FP16"),
                ),
        ),
    ]
}

/// A 400 `INVALID_ARGUMENT` in the grpc-gateway shape.
fn invalid(message: &str) -> Response {
    surface::error(Surface::Control, StatusCode::BAD_REQUEST, message)
}

/// Query parameters of `GET .../models/{model_id}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GetQuery {
    read_mask: Option<String>,
}

/// `GET /v1/accounts/{account_id}/models/{model_id}`: one model, trimmed to `readMask`.
pub(crate) async fn get_model(
    State(state): State<Arc<Shared>>,
    Path((account_id, model_id)): Path<(String, String)>,
    query: Result<Query<GetQuery>, QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return invalid("invalid query parameters");
    };
    match state.models.get(&account_id, &model_id) {
        Some(model) => Json(masked(&model, query.read_mask.as_deref())).into_response(),
        None => surface::error(
            Surface::Control,
            StatusCode::NOT_FOUND,
            &format!("model \"accounts/{account_id}/models/{model_id}\" not found"),
        ),
    }
}

/// Query parameters of `GET .../models`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListQuery {
    page_size: Option<i32>,
    page_token: Option<String>,
    filter: Option<String>,
    order_by: Option<String>,
    read_mask: Option<String>,
}

/// `GET /v1/accounts/{account_id}/models`: one page ordered by name. Filters are refused, and
/// `orderBy` may only be `name`; an account with no models has an empty list.
pub(crate) async fn list_models(
    State(state): State<Arc<Shared>>,
    Path(account_id): Path<String>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return invalid("invalid query parameters");
    };
    if query
        .filter
        .as_deref()
        .is_some_and(|f| !f.trim().is_empty())
    {
        return invalid("the emulator does not evaluate `filter`; leave it unset");
    }
    if !matches!(
        query.order_by.as_deref().map(str::trim),
        None | Some("" | "name")
    ) {
        return invalid("the emulator orders by `name` only");
    }
    let size = match query.page_size {
        None | Some(0) => DEFAULT_PAGE_SIZE,
        Some(n) => match usize::try_from(n) {
            Ok(n) => n.min(MAX_PAGE_SIZE),
            Err(_) => return invalid("`pageSize` must not be negative"),
        },
    };
    let after = match query.page_token.as_deref() {
        None | Some("") => None,
        Some(token) => match token.strip_prefix(TOKEN_PREFIX) {
            Some(after) => Some(after),
            None => return invalid("invalid page token"),
        },
    };
    let (models, after, total) = state.models.page(&account_id, after, size);
    let next = after.map(|id| format!("{TOKEN_PREFIX}{id}"));
    let mut page = ModelPage::new().total_size(i32::try_from(total).unwrap_or(i32::MAX));
    // proto3 JSON leaves out empty lists and strings, so the last page has no token and an
    // empty page no `models`.
    if !models.is_empty() {
        page = page.models(models);
    }
    if let Some(next) = next {
        page = page.next_page_token(next);
    }
    let mut body = serde_json::to_value(&page).unwrap_or(Value::Null);
    if let Some(Value::Array(models)) = body.get_mut("models") {
        for model in models {
            mask(model, query.read_mask.as_deref());
        }
    }
    Json(body).into_response()
}

/// A model as JSON, keeping only the fields `read_mask` names.
fn masked(model: &Model, read_mask: Option<&str>) -> Value {
    let mut value = serde_json::to_value(model).unwrap_or(Value::Null);
    mask(&mut value, read_mask);
    value
}

/// Trims a JSON object to a field mask: comma-separated camelCase paths, `.` into nested
/// objects. Unset, empty or `*` keeps everything; paths naming no field are ignored.
fn mask(value: &mut Value, read_mask: Option<&str>) {
    let paths: Vec<&str> = read_mask
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|path| !path.is_empty())
        .collect();
    if paths.is_empty() || paths.contains(&"*") {
        return;
    }
    if let Value::Object(object) = value {
        keep(object, &paths);
    }
}

/// Keeps the keys of `object` that `paths` name, recursing for nested paths.
fn keep(object: &mut Map<String, Value>, paths: &[&str]) {
    let kept = std::mem::take(object);
    for (key, mut value) in kept {
        let mut whole = false;
        let mut nested = Vec::new();
        for path in paths {
            match path.split_once('.') {
                None if *path == key => whole = true,
                Some((head, rest)) if head == key => nested.push(rest),
                _ => {}
            }
        }
        if whole {
            object.insert(key, value);
        } else if !nested.is_empty()
            && let Value::Object(inner) = &mut value
        {
            keep(inner, &nested);
            object.insert(key, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_keep_named_fields_and_nested_paths() {
        let full = json!({"name": "n", "displayName": "d", "baseModelDetails": {"moe": true, "worldSize": 1}});
        let table: &[(Option<&str>, Value)] = &[
            (None, full.clone()),
            (Some(""), full.clone()),
            (Some("*"), full.clone()),
            (Some("name"), json!({"name": "n"})),
            (
                Some(" name , displayName "),
                json!({"name": "n", "displayName": "d"}),
            ),
            (
                Some("baseModelDetails.moe"),
                json!({"baseModelDetails": {"moe": true}}),
            ),
            (
                Some("baseModelDetails,name.x"),
                json!({"baseModelDetails": {"moe": true, "worldSize": 1}}),
            ),
            (Some("nosuch"), json!({})),
        ];
        for (read_mask, want) in table {
            let mut value = full.clone();
            mask(&mut value, *read_mask);
            assert_eq!(&value, want, "{read_mask:?}");
        }
    }
}
