//! The route table of the control plane, derived at build time from the spec: `build.rs` runs
//! `fireworks_ai_codegen::describe` over `spec/*.yaml` and writes the catalog as JSON; this
//! module reads the part it needs (a subset of codegen's `Catalog`, unknown fields ignored) and
//! turns every `/v1/accounts...` operation into a [`Route`] with the behaviour its method and path
//! shape say: create, get, list, update, delete, or a custom verb.

use std::collections::BTreeMap;

use axum::http::Method;
use heck_free::{camel, singular};
use serde::Deserialize;

/// The catalog JSON written by `build.rs`.
const CATALOG_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/catalog.json"));

#[derive(Debug, Deserialize)]
struct Catalog {
    areas: Vec<Area>,
}

#[derive(Debug, Deserialize)]
struct Area {
    area: String,
    operations: Vec<Op>,
    types: Vec<TypeInfo>,
}

#[derive(Debug, Deserialize)]
struct Op {
    id: String,
    http_method: String,
    server: String,
    path: String,
    segments: Vec<Seg>,
    body: Option<Body>,
    response: String,
    pagination: Option<Pagination>,
    wait: Option<Wait>,
}

/// A piece of a path template.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Seg {
    Literal(String),
    Param(String),
}

#[derive(Debug, Deserialize)]
struct Body {
    encoding: String,
    ty: String,
}

#[derive(Debug, Deserialize)]
struct Pagination {
    items: String,
    next_token: String,
}

/// A waiter as the spec declares it: which states end a job, and where its message goes.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Wait {
    pub(crate) state_field: String,
    pub(crate) done: Vec<String>,
    pub(crate) failed: Vec<String>,
    pub(crate) pending: Vec<String>,
    pub(crate) message_path: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct TypeInfo {
    name: String,
    fields: Vec<FieldInfo>,
    values: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct FieldInfo {
    wire: String,
    ty: String,
    required: bool,
}

/// What a route does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `POST .../<collection>`.
    Create,
    /// `GET .../<collection>`.
    List,
    /// `GET .../<collection>/{id}`.
    Get,
    /// `PATCH .../<collection>/{id}`.
    Update,
    /// `DELETE .../<collection>/{id}`.
    Delete,
    /// `.../<collection>/{id}:<verb>`.
    Verb(String),
    /// `.../<collection>:<verb>`.
    CollectionVerb(String),
}

/// One control-plane operation.
#[derive(Debug, Clone)]
pub(crate) struct Route {
    /// The spec id (`create_dataset`).
    pub(crate) op_id: String,
    pub(crate) method: Method,
    pub(crate) segments: Vec<Seg>,
    pub(crate) kind: Kind,
    /// The collection's key in [`Routes::collections`].
    pub(crate) collection: String,
    /// `json` or `multipart`, when there is a body.
    pub(crate) body_encoding: Option<String>,
    /// Required top-level body fields.
    pub(crate) required: Vec<String>,
    /// The body field holding the resource (`dataset` of `CreateDatasetBody`), when the body
    /// wraps it; otherwise the body is the resource.
    pub(crate) resource_field: Option<String>,
    /// Whether the response is the resource itself (else a verb-specific object).
    pub(crate) returns_resource: bool,
    /// The response type's fields (wire name, type text), for verb responses.
    pub(crate) response_fields: Vec<(String, String)>,
}

/// What every route of one collection shares.
#[derive(Debug, Clone, Default)]
pub(crate) struct Collection {
    /// `dataset`, for messages.
    pub(crate) singular: String,
    /// The create id parameter (`datasetId`), from the item path parameter.
    pub(crate) id_key: Option<String>,
    /// The list response's items field (`datasets`).
    pub(crate) items: Option<String>,
    /// The list response's next-token field.
    pub(crate) next_token: Option<String>,
    /// The waiter on its get operation.
    pub(crate) wait: Option<Wait>,
    /// The resource's `state` enum values, if it has one.
    pub(crate) states: Vec<String>,
    /// Whether the collection has an upload flow (`:upload`, `:validateUpload`): its state
    /// changes on upload, not by polling.
    pub(crate) uploads: bool,
    /// The resource type's field names.
    pub(crate) fields: Vec<String>,
}

/// The route table.
#[derive(Debug, Default)]
pub(crate) struct Routes {
    pub(crate) routes: Vec<Route>,
    pub(crate) collections: BTreeMap<String, Collection>,
}

/// The outcome of matching a request path.
#[derive(Debug)]
pub(crate) enum Found<'a> {
    /// A route, with its path parameters in order.
    Route(&'a Route, Vec<String>),
    /// The path is known, but not with this method: the methods it takes.
    WrongMethod(Vec<Method>),
    /// No operation has this path.
    Nothing,
}

impl Routes {
    /// The table of the spec the emulator was built with. A catalog that does not parse (which
    /// `build.rs` makes impossible) gives an empty table, so every control route is a 404.
    pub(crate) fn from_spec() -> Self {
        serde_json::from_str::<Catalog>(CATALOG_JSON)
            .map(|catalog| Self::build(&catalog))
            .unwrap_or_default()
    }

    fn build(catalog: &Catalog) -> Self {
        let types: BTreeMap<(&str, &str), &TypeInfo> = catalog
            .areas
            .iter()
            .flat_map(|area| {
                area.types
                    .iter()
                    .map(move |ty| ((area.area.as_str(), ty.name.as_str()), ty))
            })
            .collect();
        let find_type = |area: &str, text: &str| match text.split_once('.') {
            Some((alias, name)) => types.get(&(alias, name)).copied(),
            None => types.get(&(area, text)).copied(),
        };
        let mut table = Routes::default();
        for area in &catalog.areas {
            for op in &area.operations {
                // The control host's account-scoped operations (not the audio batch status,
                // whose path is under `/v1/accounts` too, nor the inference host's model list).
                if op.server != "control" || !op.path.starts_with("/v1/accounts") {
                    continue;
                }
                let Ok(method) = op.http_method.parse::<Method>() else {
                    continue;
                };
                let Some((kind, collection_name, item_param)) = classify(&method, &op.segments)
                else {
                    continue;
                };
                let key = format!("{}/{}", area.area, collection_name);
                let collection = table.collections.entry(key.clone()).or_default();
                collection.singular = singular(&collection_name);
                if let Some(param) = &item_param
                    && kind == Kind::Get
                {
                    collection.id_key = Some(camel(param));
                    collection.wait = op.wait.clone();
                    if let Some(resource) = find_type(&area.area, &op.response) {
                        collection.fields =
                            resource.fields.iter().map(|f| f.wire.clone()).collect();
                        if let Some(state) = resource.fields.iter().find(|f| f.wire == "state")
                            && let Some(states) = find_type(&area.area, &state.ty)
                        {
                            collection.states = states.values.clone();
                        }
                    }
                }
                if kind == Kind::Create
                    && collection.fields.is_empty()
                    && let Some(resource) = find_type(&area.area, &op.response)
                {
                    // A collection without a getter (API keys): the created type's fields.
                    collection.fields = resource.fields.iter().map(|f| f.wire.clone()).collect();
                }
                if let Some(page) = &op.pagination {
                    collection.items = Some(page.items.clone());
                    collection.next_token = Some(page.next_token.clone());
                }
                if let Kind::Verb(verb) = &kind
                    && matches!(verb.as_str(), "upload" | "validateUpload")
                {
                    collection.uploads = true;
                }
                let body_type = op.body.as_ref().and_then(|b| find_type(&area.area, &b.ty));
                let resource_field = body_type.and_then(|body| {
                    body.fields
                        .iter()
                        .find(|field| field.ty == op.response)
                        .map(|field| field.wire.clone())
                });
                let response = find_type(&area.area, &op.response);
                let returns_resource = response.is_some_and(|ty| {
                    ty.fields.iter().any(|f| f.wire == "name")
                        && ty.fields.iter().any(|f| f.wire == "createTime")
                });
                table.routes.push(Route {
                    op_id: op.id.clone(),
                    method,
                    segments: op.segments.clone(),
                    kind,
                    collection: key,
                    body_encoding: op.body.as_ref().map(|b| b.encoding.clone()),
                    required: body_type
                        .map(|body| {
                            body.fields
                                .iter()
                                .filter(|f| f.required)
                                .map(|f| f.wire.clone())
                                .collect()
                        })
                        .unwrap_or_default(),
                    resource_field,
                    returns_resource,
                    response_fields: response
                        .map(|ty| {
                            ty.fields
                                .iter()
                                .map(|f| (f.wire.clone(), f.ty.clone()))
                                .collect()
                        })
                        .unwrap_or_default(),
                });
            }
        }
        table
    }

    /// The route for a method and a path (as sent, still percent-encoded).
    pub(crate) fn find(&self, method: &Method, path: &str) -> Found<'_> {
        let mut allowed = Vec::new();
        for route in &self.routes {
            if let Some(params) = match_path(&route.segments, path) {
                if route.method == method {
                    return Found::Route(route, params);
                }
                allowed.push(route.method.clone());
            }
        }
        if allowed.is_empty() {
            Found::Nothing
        } else {
            Found::WrongMethod(allowed)
        }
    }

    /// The spec ids of the operations the table serves, in spec order.
    pub(crate) fn operation_ids(&self) -> Vec<String> {
        self.routes.iter().map(|r| r.op_id.clone()).collect()
    }
}

/// The route kind, the collection's name (`datasets`; a `V2` suffix as in `evaluatorsV2`
/// dropped) and the item path parameter, from the method and the template's shape.
fn classify(method: &Method, segments: &[Seg]) -> Option<(Kind, String, Option<String>)> {
    let collection_before = |index: usize| -> Option<String> {
        match segments.get(index)? {
            Seg::Literal(text) => Some(collection_name(text.trim_end_matches('/'))),
            Seg::Param(_) => None,
        }
    };
    let last = segments.len().checked_sub(1)?;
    match segments.get(last)? {
        Seg::Param(param) => {
            let kind = match *method {
                Method::GET => Kind::Get,
                Method::PATCH => Kind::Update,
                Method::DELETE => Kind::Delete,
                _ => Kind::Verb(String::new()),
            };
            Some((
                kind,
                collection_before(last.checked_sub(1)?)?,
                Some(param.clone()),
            ))
        }
        Seg::Literal(text) if text.starts_with(':') => {
            let Some(Seg::Param(param)) = segments.get(last.checked_sub(1)?) else {
                return None;
            };
            let collection = collection_before(last.checked_sub(2)?)?;
            Some((
                Kind::Verb(text.trim_start_matches(':').to_owned()),
                collection,
                Some(param.clone()),
            ))
        }
        Seg::Literal(text) => {
            if let Some((head, verb)) = text.rsplit_once(':') {
                return Some((
                    Kind::CollectionVerb(verb.to_owned()),
                    collection_name(head),
                    None,
                ));
            }
            let kind = match *method {
                Method::POST => Kind::Create,
                Method::GET => Kind::List,
                _ => return None,
            };
            Some((kind, collection_name(text), None))
        }
    }
}

/// The last path component of a literal, without a version suffix (`/evaluatorsV2` is the
/// create path of `evaluators`).
pub(crate) fn collection_name(literal: &str) -> String {
    let last = literal.rsplit('/').next().unwrap_or(literal);
    strip_version(last).to_owned()
}

/// `evaluatorsV2` → `evaluators`; anything else unchanged.
pub(crate) fn strip_version(name: &str) -> &str {
    let digits = name.trim_end_matches(|c: char| c.is_ascii_digit());
    match digits.strip_suffix('V') {
        Some(base) if digits.len() < name.len() && !base.is_empty() => base,
        _ => name,
    }
}

/// Matches a path against a template: a parameter takes a non-empty run up to the next `/` or
/// `:`. The path parameters in order, still percent-encoded, or `None`.
fn match_path(segments: &[Seg], path: &str) -> Option<Vec<String>> {
    let mut rest = path;
    let mut params = Vec::new();
    for segment in segments {
        match segment {
            Seg::Literal(text) => rest = rest.strip_prefix(text.as_str())?,
            Seg::Param(_) => {
                let end = rest.find(['/', ':']).unwrap_or(rest.len());
                let (value, tail) = rest.split_at(end);
                if value.is_empty() {
                    return None;
                }
                params.push(value.to_owned());
                rest = tail;
            }
        }
    }
    rest.is_empty().then_some(params)
}

/// Small case helpers (the emulator does not need `heck` for two conversions).
mod heck_free {
    /// `dataset_id` → `datasetId`.
    pub(crate) fn camel(snake: &str) -> String {
        let mut out = String::with_capacity(snake.len());
        let mut upper = false;
        for c in snake.chars() {
            if c == '_' {
                upper = true;
            } else if upper {
                out.extend(c.to_uppercase());
                upper = false;
            } else {
                out.push(c);
            }
        }
        out
    }

    /// `datasets` → `dataset`, `batchInferenceJobs` → `batchInferenceJob`.
    pub(crate) fn singular(plural: &str) -> String {
        plural.strip_suffix('s').unwrap_or(plural).to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_control_operation_of_the_spec_is_routed() {
        let routes = Routes::from_spec();
        assert!(
            routes.operation_ids().len() >= 90,
            "{:?}",
            routes.operation_ids()
        );
        assert!(
            !routes
                .operation_ids()
                .iter()
                .any(|id| id == "get_batch_status")
        );
        let find = |method: Method, path: &str| match routes.find(&method, path) {
            Found::Route(route, params) => (route.op_id.clone(), route.kind.clone(), params),
            other => panic!("{method} {path}: {other:?}"),
        };
        assert_eq!(
            find(Method::POST, "/v1/accounts/a/datasets"),
            ("create_dataset".into(), Kind::Create, vec!["a".into()])
        );
        assert_eq!(
            find(Method::GET, "/v1/accounts/a/datasets/d%2Dx"),
            (
                "get_dataset".into(),
                Kind::Get,
                vec!["a".into(), "d%2Dx".into()]
            )
        );
        assert_eq!(
            find(Method::POST, "/v1/accounts/a/datasets/d:upload").1,
            Kind::Verb("upload".into())
        );
        assert_eq!(
            find(Method::POST, "/v1/accounts/a/users/u/apiKeys:delete").1,
            Kind::CollectionVerb("delete".into())
        );
        assert_eq!(
            find(Method::POST, "/v1/accounts/a/evaluatorsV2").0,
            "create_evaluator"
        );
        assert_eq!(find(Method::GET, "/v1/accounts").1, Kind::List);
        assert!(matches!(
            routes.find(&Method::PUT, "/v1/accounts/a/datasets/d"),
            Found::WrongMethod(_)
        ));
        assert!(matches!(
            routes.find(&Method::GET, "/v1/accounts/a/nothing"),
            Found::Nothing
        ));
        let datasets = &routes.collections["datasets/datasets"];
        assert_eq!(datasets.id_key.as_deref(), Some("datasetId"));
        assert!(datasets.uploads);
        assert!(datasets.states.contains(&"UPLOADING".to_owned()));
        let jobs = &routes.collections["batch_inference/batchInferenceJobs"];
        assert!(jobs.wait.is_some());
        assert_eq!(jobs.items.as_deref(), Some("batchInferenceJobs"));
        assert_eq!(
            routes.collections["evaluators/evaluators"].singular,
            "evaluator"
        );
    }

    #[test]
    fn version_suffixes_and_cases() {
        assert_eq!(strip_version("evaluatorsV2"), "evaluators");
        assert_eq!(strip_version("V2"), "V2");
        assert_eq!(strip_version("models"), "models");
        assert_eq!(
            heck_free::camel("batch_inference_job_id"),
            "batchInferenceJobId"
        );
    }
}
