//! The control plane's models: the demo catalog and typed access for `seed_model` and the
//! inference host's model list. The routes themselves (get, list, create, update, delete and
//! the verbs) are the generic control plane's (`control/`), over the same store; `mask` trims
//! any resource to a `readMask`.

use std::sync::Arc;

use fireworks_ai::Timestamp;
use fireworks_ai::models::{
    BaseModelDetails, CheckpointFormat, Model, ModelKind, ModelState, ModelStatus,
};
use serde_json::{Map, Value};

use crate::control::store::{Entry, Store};

/// The account that owns the public catalog models.
pub const PUBLIC_ACCOUNT: &str = "fireworks";

/// The models, kept in the control plane's store (`accounts/{account}/models`), so the
/// generic create, update and delete routes and these typed views see the same models.
#[derive(Debug)]
pub(crate) struct ModelTable {
    store: Arc<Store>,
}

impl ModelTable {
    /// A table over `store`, seeded with the demo models of the public catalog.
    pub(crate) fn with_demo_models(store: Arc<Store>) -> Self {
        let table = Self { store };
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
        let value = serde_json::to_value(&model).unwrap_or(Value::Null);
        self.store.put(
            &format!("accounts/{account_id}/models"),
            model_id,
            Entry {
                value,
                polls: 0,
                progress: false,
            },
        );
    }

    /// Up to `size` models with ids after `after`, the id to continue after when more
    /// follow, and the account's total. A stored model that no longer decodes as `Model` is
    /// left out.
    pub(crate) fn page(
        &self,
        account_id: &str,
        after: Option<&str>,
        size: usize,
    ) -> (Vec<Model>, Option<String>, usize) {
        let page = self
            .store
            .page(&format!("accounts/{account_id}/models"), after, size);
        let models = page
            .items
            .into_iter()
            .filter_map(|value| serde_json::from_value(value).ok())
            .collect();
        (models, page.after, page.total)
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
                // 2024-07-23T00:00:00Z
                .create_time(Timestamp::constant(1_721_692_800, 0))
                .update_time(Timestamp::constant(1_721_692_800, 0))
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
                // 2024-03-01T00:00:00Z
                .create_time(Timestamp::constant(1_709_251_200, 0))
                .update_time(Timestamp::constant(1_709_251_200, 0))
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

/// Trims a JSON object to a field mask: comma-separated camelCase paths, `.` into nested
/// objects. Unset, empty or `*` keeps everything; paths naming no field are ignored.
pub(crate) fn mask(value: &mut Value, read_mask: Option<&str>) {
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
