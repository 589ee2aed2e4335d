//! The control plane (`/v1/accounts...`), served from the spec: [`catalog`] turns every
//! operation of `spec/*.yaml` into a route with a generic behaviour (create, get, list, update,
//! delete, custom verb), [`store`] keeps the resources as JSON, and this module answers.
//!
//! Generic behaviour, from the spec alone:
//! - create assigns `name` (`<parent>/<id>`, the id from the `<resource>Id` query or body
//!   parameter, else the last segment of a `name` sent, else generated), `createTime`,
//!   `updateTime` and the initial `state`; an id in use is `ALREADY_EXISTS` (409);
//! - get returns the resource, trimmed to `readMask`; a job's getter (the operation with a
//!   `wait:`) moves it on (see [`advance`]);
//! - list pages in id order with `pageSize` (default 50, at most 200), opaque page tokens,
//!   `nextPageToken` and `totalSize`; a `filter` or an `orderBy` other than `name` is refused
//!   with 400 rather than ignored;
//! - update applies the `updateMask` paths (a path the resource type lacks is a 400), or
//!   merges the fields sent when there is no mask;
//! - delete removes (kept for `:undelete`).
//!
//! Hand-written, because a spec cannot say it: job progress (pending → running → terminal
//! after [`crate::EmulatorBuilder::job_polls`] polls of the getter, failing when the display
//! name starts with [`FAIL_DISPLAY_NAME_PREFIX`]), `:cancel` and `:resume`, the upload flows
//! (`:upload` multipart; `:getUploadEndpoint` → signed-URL `PUT` served here →
//! `:validateUpload`), download URLs, API keys, and the output dataset of a batch inference job.

pub(crate) mod catalog;
pub(crate) mod store;

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::server::Shared;
use crate::surface::{self, Surface, query_value};
use catalog::{Collection, Found, Kind, Route, strip_version};
use store::{Entry, FileSlot};

/// A job whose display name starts with this fails when it ends (a job) or when its upload is
/// validated (an evaluator): for tests of the failure paths.
pub const FAIL_DISPLAY_NAME_PREFIX: &str = "emulator-fail";

/// Where the emulator serves the signed URLs it hands out.
pub(crate) const STORAGE_PREFIX: &str = "/emulator-storage/";

/// Page size when `pageSize` is unset or 0, and the cap for larger values.
const DEFAULT_PAGE_SIZE: usize = 50;
const MAX_PAGE_SIZE: usize = 200;
/// Prefix of the emulator's page tokens; the rest is the last id of the previous page.
const TOKEN_PREFIX: &str = "after:";

fn error(status: StatusCode, message: &str) -> Response {
    surface::error(Surface::Control, status, message)
}

fn invalid(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, message)
}

fn now() -> String {
    fireworks_ai::Timestamp::now().to_string()
}

/// What a request is about, once routed.
struct Ctx<'a> {
    state: &'a Shared,
    route: &'a Route,
    collection: &'a Collection,
    /// `accounts/a/datasets`.
    parent: String,
    /// The item id, for item routes.
    id: String,
    /// `http://host:port`, for signed URLs.
    base: String,
    query: Option<String>,
}

impl Ctx<'_> {
    fn name(&self) -> String {
        format!("{}/{}", self.parent, self.id)
    }

    fn not_found(&self) -> Response {
        error(
            StatusCode::NOT_FOUND,
            &format!("{} \"{}\" not found", self.collection.singular, self.name()),
        )
    }

    fn query(&self, name: &str) -> Option<String> {
        query_value(self.query.as_deref(), name)
    }
}

/// Every `/v1/accounts...` request that no other route took.
pub(crate) async fn handle(State(state): State<Arc<Shared>>, request: Request) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let (route, _params) = match state.routes.find(&method, &path) {
        Found::Route(route, params) => (route, params),
        Found::WrongMethod(allowed) => {
            let mut response = error(
                StatusCode::METHOD_NOT_ALLOWED,
                &format!("method {method} is not allowed on {path}"),
            );
            let allow: Vec<&str> = allowed.iter().map(Method::as_str).collect();
            if let Ok(value) = header::HeaderValue::from_str(&allow.join(", ")) {
                response.headers_mut().insert(header::ALLOW, value);
            }
            return response;
        }
        Found::Nothing => {
            return error(
                StatusCode::NOT_FOUND,
                &format!("no route for {method} {path}"),
            );
        }
    };
    let Some(collection) = state.routes.collections.get(&route.collection) else {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "route without collection",
        );
    };
    if let Some(query) = request.uri().query() {
        let mut seen = Vec::new();
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let key = pair.split_once('=').map_or(pair, |(key, _)| key);
            if seen.contains(&key) {
                return invalid(&format!("query parameter `{key}` is repeated"));
            }
            seen.push(key);
        }
    }
    let Some((parent, id)) = split_resource(&route.kind, &path) else {
        return invalid("the path is not valid UTF-8 once percent-decoded");
    };
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_owned();
    let ctx = Ctx {
        state: &state,
        route,
        collection,
        parent,
        id,
        base: format!("http://{host}"),
        query: request.uri().query().map(str::to_owned),
    };
    if route.body_encoding.as_deref() == Some("multipart") {
        return match Multipart::from_request(request, &()).await {
            Ok(form) => upload(&ctx, form).await,
            Err(rejection) => invalid(&format!("expected a multipart form: {rejection}")),
        };
    }
    let body = match axum::body::to_bytes(request.into_body(), usize::MAX).await {
        Ok(bytes) => bytes,
        Err(err) => return invalid(&format!("cannot read the body: {err}")),
    };
    let body: Value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Map::new())
    } else {
        match serde_json::from_slice(&body) {
            Ok(value @ Value::Object(_)) => value,
            Ok(_) => return invalid("the body must be a JSON object"),
            Err(err) => return invalid(&format!("the body is not valid JSON: {err}")),
        }
    };
    if route.body_encoding.is_some()
        && let Some(missing) = route
            .required
            .iter()
            .find(|f| body.get(f.as_str()).is_none())
    {
        return invalid(&format!("missing required field `{missing}`"));
    }
    match &route.kind {
        Kind::Create => create(&ctx, body),
        Kind::Get => get(&ctx),
        Kind::List => list(&ctx),
        Kind::Update => update(&ctx, &body),
        Kind::Delete => delete(&ctx),
        Kind::Verb(verb) => verb_call(&ctx, verb, &body),
        Kind::CollectionVerb(verb) => collection_verb(&ctx, verb, &body),
    }
}

/// The parent collection (`accounts/a/datasets`) and, for item routes, the id, from the path
/// (without `/v1/` and a `:verb`), percent-decoded.
fn split_resource(kind: &Kind, path: &str) -> Option<(String, String)> {
    let path = path.strip_prefix("/v1/").unwrap_or(path);
    let path = match kind {
        Kind::Verb(_) | Kind::CollectionVerb(_) => match path.rsplit_once(':') {
            Some((head, verb)) if !verb.contains('/') => head,
            _ => path,
        },
        _ => path,
    };
    let decode = |text: &str| {
        percent_encoding::percent_decode_str(text)
            .decode_utf8()
            .ok()
            .map(|t| t.into_owned())
    };
    let (parent, id) = match kind {
        Kind::Create | Kind::List | Kind::CollectionVerb(_) => (path, ""),
        _ => path.rsplit_once('/')?,
    };
    let parent = match parent.rsplit_once('/') {
        Some((head, last)) => format!("{head}/{}", strip_version(last)),
        None => strip_version(parent).to_owned(),
    };
    Some((decode(&parent)?, decode(id)?))
}

/// Whether an id is one the real API would take: lowercase letters, digits and hyphens,
/// starting with a letter or digit, at most 63 characters.
fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 63
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.starts_with('-')
}

fn has_state(collection: &Collection, value: &str) -> bool {
    collection.states.iter().any(|s| s == value)
}

fn first_state<'a>(collection: &'a Collection, choices: &[&str]) -> Option<&'a String> {
    choices
        .iter()
        .find_map(|choice| collection.states.iter().find(|s| s == choice))
}

/// Seeds the account the emulator serves (and the public catalog's account), so
/// `GET /v1/accounts` and `GET /v1/accounts/{id}` answer.
pub(crate) fn seed_account(store: &store::Store, account_id: &str) {
    let time = now();
    for id in [account_id, crate::PUBLIC_ACCOUNT] {
        store.put(
            "accounts",
            id,
            Entry {
                value: json!({
                    "name": format!("accounts/{id}"),
                    "displayName": id,
                    "email": format!("{id}@emulator.invalid"),
                    "accountType": "ENTERPRISE",
                    "createTime": time,
                    "updateTime": time,
                    "state": "READY",
                }),
                polls: 0,
                progress: false,
            },
        );
    }
}

/// The state a new resource starts in.
fn initial_state(collection: &Collection) -> Option<String> {
    if collection.uploads {
        return first_state(collection, &["UPLOADING", "BUILDING"]).cloned();
    }
    if let Some(wait) = &collection.wait {
        return ["JOB_STATE_PENDING", "CREATING", "PENDING"]
            .iter()
            .find_map(|choice| wait.pending.iter().find(|s| s == choice))
            .or_else(|| wait.pending.first())
            .cloned();
    }
    first_state(collection, &["READY", "ACTIVE"]).cloned()
}

/// The state of a job between its first poll and its end.
fn running_state(collection: &Collection) -> Option<String> {
    let wait = collection.wait.as_ref()?;
    wait.pending.iter().find(|s| s.contains("RUNNING")).cloned()
}

/// The state an upload collection reaches once its files are in.
fn ready_state(collection: &Collection) -> Option<String> {
    first_state(collection, &["READY", "ACTIVE"]).cloned()
}

fn fails(value: &Value) -> bool {
    value
        .get("displayName")
        .and_then(Value::as_str)
        .is_some_and(|name| name.starts_with(FAIL_DISPLAY_NAME_PREFIX))
}

fn set(value: &mut Value, key: &str, field: Value) {
    if let Value::Object(object) = value {
        object.insert(key.to_owned(), field);
    }
}

fn create(ctx: &Ctx<'_>, body: Value) -> Response {
    let collection = ctx.collection;
    let mut resource = match &ctx.route.resource_field {
        Some(field) => body.get(field).cloned().unwrap_or(json!({})),
        None => body.clone(),
    };
    if !resource.is_object() {
        return invalid("the resource must be a JSON object");
    }
    let from_name = resource
        .get("name")
        .and_then(Value::as_str)
        .and_then(|name| name.rsplit('/').next())
        .map(str::to_owned);
    if let Some(key) = collection.id_key.as_deref()
        && body.get(key).is_some_and(|id| !id.is_string())
    {
        return invalid(&format!("`{key}` must be a string"));
    }
    let id = collection
        .id_key
        .as_deref()
        .and_then(|key| {
            ctx.query(key)
                .or_else(|| body.get(key).and_then(Value::as_str).map(str::to_owned))
        })
        .filter(|id| !id.is_empty())
        .or(from_name)
        .unwrap_or_else(|| ctx.state.store.new_id(&collection.singular.to_lowercase()));
    if !valid_id(&id) {
        return invalid(&format!(
            "invalid {} id `{id}`: use lowercase letters, digits and hyphens (at most 63)",
            collection.singular
        ));
    }
    let name = format!("{}/{id}", ctx.parent);
    let fields = &collection.fields;
    let has = |field: &str| fields.iter().any(|f| f == field);
    if let Value::Object(object) = &mut resource {
        // Output-only fields are the server's.
        for field in ["createTime", "updateTime", "state", "status"] {
            object.remove(field);
        }
    }
    if has("name") {
        set(&mut resource, "name", json!(name));
    }
    let time = now();
    if has("createTime") {
        set(&mut resource, "createTime", json!(time));
    }
    if has("updateTime") {
        set(&mut resource, "updateTime", json!(time));
    }
    if has("keyId") {
        // An API key: its id and the secret, shown only in this response.
        set(&mut resource, "keyId", json!(id));
        set(&mut resource, "key", json!(format!("fw_emulator_{id}")));
        if has("prefix") {
            set(&mut resource, "prefix", json!("fw_emulator_"));
        }
    }
    let state = initial_state(collection);
    if let Some(state) = &state {
        set(&mut resource, "state", json!(state));
    }
    let progress = collection.wait.is_some() && !collection.uploads && state.is_some();
    let entry = Entry {
        value: resource.clone(),
        polls: 0,
        progress,
    };
    if !ctx.state.store.create(&ctx.parent, &id, entry) {
        return error(
            StatusCode::CONFLICT,
            &format!("{} \"{name}\" already exists", collection.singular),
        );
    }
    if has("keyId") {
        // The stored key hides the secret, as the real API does after creation.
        ctx.state.store.update(&ctx.parent, &id, |entry| {
            if let Value::Object(object) = &mut entry.value {
                object.remove("key");
            }
        });
    }
    Json(resource).into_response()
}

/// One poll of a job: pending → running → terminal after `job_polls` polls. Returns whether it
/// has just ended successfully.
fn advance(entry: &mut Entry, collection: &Collection, job_polls: u32) -> bool {
    let Some(wait) = &collection.wait else {
        return false;
    };
    if !entry.progress {
        return false;
    }
    entry.polls += 1;
    let has_progress = collection.fields.iter().any(|f| f == "jobProgress");
    if entry.polls >= job_polls {
        entry.progress = false;
        let failed = fails(&entry.value);
        let (state, code, message) = if failed {
            (
                wait.failed.first(),
                "INTERNAL",
                format!(
                    "the emulator failed this job on purpose: its display name starts with `{FAIL_DISPLAY_NAME_PREFIX}`"
                ),
            )
        } else {
            (wait.done.first(), "OK", String::new())
        };
        if let Some(state) = state {
            set(&mut entry.value, &wait.state_field, json!(state));
        }
        if wait.message_path.len() == 2
            && let [outer, inner] = wait.message_path.as_slice()
        {
            let mut status = json!({ "code": code });
            set(&mut status, inner, json!(message));
            set(&mut entry.value, outer, status);
        }
        if has_progress {
            set(&mut entry.value, "jobProgress", json!({ "percent": 100 }));
        }
        set(&mut entry.value, "updateTime", json!(now()));
        return !failed;
    }
    if let Some(state) = running_state(collection) {
        set(&mut entry.value, &wait.state_field, json!(state));
    }
    if has_progress {
        let percent = entry.polls * 100 / job_polls.max(1);
        set(
            &mut entry.value,
            "jobProgress",
            json!({ "percent": percent }),
        );
    }
    false
}

fn get(ctx: &Ctx<'_>) -> Response {
    let polls = ctx.state.config.job_polls;
    let outcome = ctx.state.store.update(&ctx.parent, &ctx.id, |entry| {
        let completed = advance(entry, ctx.collection, polls);
        (entry.value.clone(), completed)
    });
    let Some((mut value, completed)) = outcome else {
        return ctx.not_found();
    };
    if completed && ctx.collection.fields.iter().any(|f| f == "outputDatasetId") {
        value = write_batch_output(ctx, value);
    }
    crate::models::mask(&mut value, ctx.query("readMask").as_deref());
    Json(value).into_response()
}

fn list(ctx: &Ctx<'_>) -> Response {
    if ctx.query("filter").is_some_and(|f| !f.trim().is_empty()) {
        return invalid("the emulator does not evaluate `filter`; leave it unset");
    }
    if !matches!(
        ctx.query("orderBy").as_deref().map(str::trim),
        None | Some("" | "name")
    ) {
        return invalid("the emulator orders by `name` only");
    }
    let size = match ctx.query("pageSize").as_deref() {
        None | Some("" | "0") => DEFAULT_PAGE_SIZE,
        Some(text) => match text.parse::<u32>() {
            Ok(n) => (n as usize).min(MAX_PAGE_SIZE),
            Err(_) => return invalid("`pageSize` must be a number from 0 to 2147483647"),
        },
    };
    let token = ctx.query("pageToken");
    let after = match token.as_deref() {
        None | Some("") => None,
        Some(token) => match token.strip_prefix(TOKEN_PREFIX) {
            Some(after) => Some(after),
            None => return invalid("invalid page token"),
        },
    };
    let page = ctx.state.store.page(&ctx.parent, after, size);
    let read_mask = ctx.query("readMask");
    let mut body = Map::new();
    // proto3 JSON leaves out empty lists and strings: the last page has no token, an empty
    // page no items.
    if !page.items.is_empty() {
        let items = page
            .items
            .into_iter()
            .map(|mut item| {
                crate::models::mask(&mut item, read_mask.as_deref());
                item
            })
            .collect();
        let key = ctx.collection.items.as_deref().unwrap_or("items");
        body.insert(key.to_owned(), Value::Array(items));
    }
    if let Some(after) = page.after {
        let key = ctx
            .collection
            .next_token
            .as_deref()
            .unwrap_or("nextPageToken");
        body.insert(key.to_owned(), json!(format!("{TOKEN_PREFIX}{after}")));
    }
    body.insert("totalSize".to_owned(), json!(page.total));
    Json(Value::Object(body)).into_response()
}

/// Fields a PATCH never changes.
const IMMUTABLE: [&str; 3] = ["name", "createTime", "updateTime"];

fn update(ctx: &Ctx<'_>, body: &Value) -> Response {
    let patch = match &ctx.route.resource_field {
        Some(field) => body.get(field).cloned().unwrap_or(json!({})),
        None => body.clone(),
    };
    let mask = ctx.query("updateMask").or_else(|| {
        body.get("updateMask")
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    let paths: Option<Vec<String>> = mask.map(|mask| {
        mask.split(',')
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect()
    });
    if let Some(paths) = &paths {
        let fields = &ctx.collection.fields;
        if let Some(bad) = paths.iter().find(|path| {
            let head = path.split('.').next().unwrap_or(path);
            !fields.is_empty() && !fields.iter().any(|f| f == head)
        }) {
            return invalid(&format!(
                "`updateMask` names `{bad}`, which a {} does not have",
                ctx.collection.singular
            ));
        }
    }
    let updated = ctx.state.store.update(&ctx.parent, &ctx.id, |entry| {
        match &paths {
            Some(paths) => {
                for path in paths {
                    if !IMMUTABLE.contains(&path.as_str()) {
                        copy_path(&patch, &mut entry.value, path);
                    }
                }
            }
            None => {
                if let (Value::Object(from), Value::Object(to)) = (&patch, &mut entry.value) {
                    for (key, value) in from {
                        if !IMMUTABLE.contains(&key.as_str()) && key != "state" {
                            to.insert(key.clone(), value.clone());
                        }
                    }
                }
            }
        }
        set(&mut entry.value, "updateTime", json!(now()));
        entry.value.clone()
    });
    match updated {
        Some(value) => Json(value).into_response(),
        None => ctx.not_found(),
    }
}

/// Sets the dotted `path` of `to` to its value in `from`, or removes it there when `from`
/// lacks it (a field mask clears what it names and the body leaves out).
fn copy_path(from: &Value, to: &mut Value, path: &str) {
    let (head, rest) = match path.split_once('.') {
        Some((head, rest)) => (head, Some(rest)),
        None => (path, None),
    };
    let Value::Object(target) = to else {
        return;
    };
    let source = from.get(head);
    match rest {
        None => match source {
            Some(value) => {
                target.insert(head.to_owned(), value.clone());
            }
            None => {
                target.remove(head);
            }
        },
        Some(rest) => {
            let inner = target
                .entry(head.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            copy_path(source.unwrap_or(&Value::Null), inner, rest);
        }
    }
}

fn delete(ctx: &Ctx<'_>) -> Response {
    match ctx.state.store.delete(&ctx.parent, &ctx.id) {
        Some(entry) if ctx.route.returns_resource => Json(entry.value).into_response(),
        Some(_) => Json(json!({})).into_response(),
        None => ctx.not_found(),
    }
}

/// The response of a verb: the resource when the spec says so, else `{}`.
fn verb_response(ctx: &Ctx<'_>, value: Value) -> Response {
    if ctx.route.returns_resource {
        Json(value).into_response()
    } else {
        Json(json!({})).into_response()
    }
}

fn verb_call(ctx: &Ctx<'_>, verb: &str, body: &Value) -> Response {
    let collection = ctx.collection;
    match verb {
        "undelete" => match ctx.state.store.undelete(&ctx.parent, &ctx.id) {
            Some(entry) => verb_response(ctx, entry.value),
            None => ctx.not_found(),
        },
        "cancel" | "resume" => {
            let Some(wait) = &collection.wait else {
                return invalid(&format!("a {} cannot be {verb}d", collection.singular));
            };
            let state = if verb == "cancel" {
                wait.failed
                    .iter()
                    .find(|s| s.contains("CANCELLED"))
                    .cloned()
            } else {
                running_state(collection).or_else(|| initial_state(collection))
            };
            let changed = ctx.state.store.update(&ctx.parent, &ctx.id, |entry| {
                if let Some(state) = &state {
                    set(&mut entry.value, &wait.state_field, json!(state));
                }
                entry.progress = verb == "resume";
                entry.polls = 0;
                set(&mut entry.value, "updateTime", json!(now()));
                entry.value.clone()
            });
            match changed {
                Some(value) => verb_response(ctx, value),
                None => ctx.not_found(),
            }
        }
        "getUploadEndpoint" => get_upload_endpoint(ctx, body),
        "validateUpload" => validate_upload(ctx),
        "getDownloadEndpoint" | "getSourceCodeSignedUrl" => download_endpoint(ctx),
        _ => {
            // Any other verb (`:scale`, `:prepare`, `:executeTrainStep`, log endpoints...):
            // the fields sent that the resource has are merged in; URL fields of the response
            // point at the emulator's storage.
            let fields = &collection.fields;
            let changed = ctx.state.store.update(&ctx.parent, &ctx.id, |entry| {
                if let (Value::Object(from), Value::Object(to)) = (body, &mut entry.value) {
                    for (key, value) in from {
                        if fields.iter().any(|f| f == key) && !IMMUTABLE.contains(&key.as_str()) {
                            to.insert(key.clone(), value.clone());
                        }
                    }
                }
                entry.value.clone()
            });
            let Some(value) = changed else {
                return ctx.not_found();
            };
            if ctx.route.returns_resource {
                return Json(value).into_response();
            }
            // A log or metrics endpoint: its URL fields point at a one-line text file in the
            // emulator's storage (under `<name>/logs`, apart from the resource's own files).
            let mut response = Map::new();
            let logs = format!("{}/logs", ctx.name());
            let file = format!("{verb}.log");
            for (field, ty) in &ctx.route.response_fields {
                let lower = field.to_lowercase();
                if ty == "string" && (lower.ends_with("url") || lower.ends_with("uri")) {
                    let text = format!("emulator: no {verb} output for {}\n", ctx.name());
                    let _ = ctx
                        .state
                        .store
                        .put_file(&logs, &file, Bytes::from(text), false);
                    response.insert(field.clone(), json!(storage_url(&ctx.base, &logs, &file)));
                } else if field == "contentType" {
                    response.insert(field.clone(), json!("text/plain"));
                }
            }
            Json(Value::Object(response)).into_response()
        }
    }
}

fn collection_verb(ctx: &Ctx<'_>, verb: &str, body: &Value) -> Response {
    if verb == "delete" {
        // `POST .../apiKeys:delete` with `{"keyId": ...}`.
        let Some(id) = body.get("keyId").and_then(Value::as_str) else {
            return invalid("missing required field `keyId`");
        };
        return match ctx.state.store.delete(&ctx.parent, id) {
            Some(_) => Json(json!({})).into_response(),
            None => error(
                StatusCode::NOT_FOUND,
                &format!(
                    "{} \"{}/{id}\" not found",
                    ctx.collection.singular, ctx.parent
                ),
            ),
        };
    }
    // `deploymentShapeVersions:match` and the like: nothing in the emulator matches.
    Json(json!({})).into_response()
}

/// What a file name keeps unencoded in a signed URL: RFC 3986 unreserved characters.
const FILE_NAME: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `http://host/emulator-storage/<resource>/<file>`, the file name percent-encoded.
fn storage_url(base: &str, resource: &str, filename: &str) -> String {
    let file = percent_encoding::utf8_percent_encode(filename, FILE_NAME);
    format!("{base}{STORAGE_PREFIX}{resource}/{file}")
}

fn get_upload_endpoint(ctx: &Ctx<'_>, body: &Value) -> Response {
    if ctx.state.store.get(&ctx.parent, &ctx.id).is_none() {
        return ctx.not_found();
    }
    let Some(Value::Object(sizes)) = body.get("filenameToSize") else {
        return invalid("missing required field `filenameToSize`");
    };
    let mut slots = BTreeMap::new();
    let mut urls = Map::new();
    for (filename, size) in sizes {
        let size = match size {
            Value::String(text) => text.parse::<u64>().ok(),
            Value::Number(number) => number.as_u64(),
            _ => None,
        };
        let Some(size) = size else {
            return invalid(&format!(
                "the size of `{filename}` must be a non-negative integer"
            ));
        };
        if filename.is_empty() || filename.contains('/') {
            return invalid(&format!("invalid file name `{filename}`"));
        }
        slots.insert(
            filename.clone(),
            FileSlot {
                expected: Some(size),
                data: None,
            },
        );
        urls.insert(
            filename.clone(),
            json!(storage_url(&ctx.base, &ctx.name(), filename)),
        );
    }
    ctx.state.store.register_files(&ctx.name(), slots);
    Json(json!({ "filenameToSignedUrls": urls })).into_response()
}

/// Marks an upload collection's resource ready (or failed, for a seeded failure).
fn mark_uploaded(ctx: &Ctx<'_>, extra: impl FnOnce(&mut Value)) -> Option<Value> {
    let collection = ctx.collection;
    ctx.state.store.update(&ctx.parent, &ctx.id, |entry| {
        let failed = collection.states.iter().find(|s| s.contains("FAILED"));
        let state = match failed {
            Some(failed) if fails(&entry.value) => {
                let message = format!(
                    "the emulator failed this build on purpose: its display name starts with `{FAIL_DISPLAY_NAME_PREFIX}`"
                );
                set(
                    &mut entry.value,
                    "status",
                    json!({"code": "INTERNAL", "message": message}),
                );
                Some(failed.clone())
            }
            _ => ready_state(collection),
        };
        if let Some(state) = state {
            set(&mut entry.value, "state", json!(state));
        }
        set(&mut entry.value, "updateTime", json!(now()));
        extra(&mut entry.value);
        entry.value.clone()
    })
}

fn validate_upload(ctx: &Ctx<'_>) -> Response {
    if ctx.state.store.get(&ctx.parent, &ctx.id).is_none() {
        return ctx.not_found();
    }
    let files = ctx.state.store.files(&ctx.name());
    if files.is_empty() {
        return invalid("no files were uploaded: call getUploadEndpoint and PUT each file first");
    }
    if let Some((missing, _)) = files.iter().find(|(_, slot)| slot.data.is_none()) {
        return invalid(&format!("`{missing}` was registered but never uploaded"));
    }
    let examples = count_lines(files.values());
    let has_count = has_state(ctx.collection, "READY")
        && ctx.collection.fields.iter().any(|f| f == "exampleCount");
    match mark_uploaded(ctx, |value| {
        if has_count {
            set(value, "exampleCount", json!(examples.to_string()));
        }
    }) {
        Some(value) => verb_response(ctx, value),
        None => ctx.not_found(),
    }
}

fn count_lines<'a>(files: impl Iterator<Item = &'a FileSlot>) -> usize {
    files
        .filter_map(|slot| slot.data.as_ref())
        .map(|data| {
            data.split(|b| *b == b'\n')
                .filter(|line| !line.iter().all(u8::is_ascii_whitespace))
                .count()
        })
        .sum()
}

fn download_endpoint(ctx: &Ctx<'_>) -> Response {
    if ctx.state.store.get(&ctx.parent, &ctx.id).is_none() {
        return ctx.not_found();
    }
    let name = ctx.name();
    let urls: Map<String, Value> = ctx
        .state
        .store
        .files(&name)
        .into_iter()
        .filter(|(_, slot)| slot.data.is_some())
        .map(|(file, _)| {
            let url = storage_url(&ctx.base, &name, &file);
            (file, json!(url))
        })
        .collect();
    Json(json!({ "filenameToSignedUrls": urls })).into_response()
}

/// `POST ...:upload`: a multipart form with one `file` part, stored under its file name.
async fn upload(ctx: &Ctx<'_>, mut form: Multipart) -> Response {
    if ctx.state.store.get(&ctx.parent, &ctx.id).is_none() {
        return ctx.not_found();
    }
    let mut stored: Option<(String, usize)> = None;
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(err) => return invalid(&format!("bad multipart form: {err}")),
        };
        if field.name() != Some("file") {
            return invalid(&format!(
                "unknown form field `{}`: only `file` is accepted",
                field.name().unwrap_or("")
            ));
        }
        let filename = field.file_name().unwrap_or("upload.jsonl").to_owned();
        let data: Bytes = match field.bytes().await {
            Ok(data) => data,
            Err(err) => return invalid(&format!("bad multipart form: {err}")),
        };
        let size = data.len();
        if let Err(message) = ctx
            .state
            .store
            .put_file(&ctx.name(), &filename, data, false)
        {
            return invalid(&message);
        }
        stored = Some((filename, size));
    }
    let Some((filename, size)) = stored else {
        return invalid("missing required field `file`");
    };
    let examples = count_lines(ctx.state.store.files(&ctx.name()).values());
    let has_count = ctx.collection.fields.iter().any(|f| f == "exampleCount");
    if mark_uploaded(ctx, |value| {
        if has_count {
            set(value, "exampleCount", json!(examples.to_string()));
        }
    })
    .is_none()
    {
        return ctx.not_found();
    }
    // The response is snake_case, OpenAI-file-like, unlike the rest of the control plane.
    let created = fireworks_ai::Timestamp::now().as_second();
    Json(json!({
        "id": ctx.id,
        "object": "file",
        "bytes": size,
        "created_at": created,
        "filename": filename,
        "purpose": "fine-tune",
    }))
    .into_response()
}

/// A batch inference job has completed: its output dataset (`outputDatasetId`, else
/// `<job id>-output`) is created `READY` with `results.jsonl`, one line per input line, each
/// answered the way the inference host's chat call would (`echo: <last user message>`).
fn write_batch_output(ctx: &Ctx<'_>, mut job: Value) -> Value {
    let account = ctx
        .parent
        .rsplit_once('/')
        .map_or(ctx.parent.as_str(), |(head, _)| head)
        .to_owned();
    let datasets = format!("{account}/datasets");
    let dataset_id = |value: Option<&Value>| {
        value
            .and_then(Value::as_str)
            .map(|name| name.rsplit('/').next().unwrap_or(name).to_owned())
    };
    let output_id =
        dataset_id(job.get("outputDatasetId")).unwrap_or_else(|| format!("{}-output", ctx.id));
    let mut lines = String::new();
    if let Some(input) = dataset_id(job.get("inputDatasetId")) {
        for slot in ctx
            .state
            .store
            .files(&format!("{datasets}/{input}"))
            .values()
        {
            let Some(data) = &slot.data else { continue };
            for line in String::from_utf8_lossy(data).lines() {
                if line.trim().is_empty() {
                    continue;
                }
                let request: Value = serde_json::from_str(line).unwrap_or(Value::Null);
                lines.push_str(&answer_line(&request).to_string());
                lines.push('\n');
            }
        }
    }
    let count = lines.lines().count();
    let time = now();
    let output_name = format!("{datasets}/{output_id}");
    let dataset = json!({
        "name": output_name,
        "displayName": format!("Output of {}", ctx.name()),
        "createTime": time,
        "updateTime": time,
        "state": "READY",
        "format": "CHAT",
        "exampleCount": count.to_string(),
        "sourceJobName": ctx.name(),
    });
    ctx.state.store.put(
        &datasets,
        &output_id,
        Entry {
            value: dataset,
            polls: 0,
            progress: false,
        },
    );
    let _ = ctx
        .state
        .store
        .put_file(&output_name, "results.jsonl", Bytes::from(lines), false);
    set(&mut job, "outputDatasetId", json!(output_name));
    ctx.state.store.update(&ctx.parent, &ctx.id, |entry| {
        set(&mut entry.value, "outputDatasetId", json!(output_name));
    });
    job
}

/// One output line of a batch: the request's `custom_id` and a chat completion echoing the
/// last user message.
fn answer_line(request: &Value) -> Value {
    let body = request.get("body").unwrap_or(request);
    let text = body
        .get("messages")
        .and_then(Value::as_array)
        .and_then(|messages| {
            messages
                .iter()
                .rev()
                .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
        })
        .and_then(|m| m.get("content"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let mut line = json!({
        "response": {
            "object": "chat.completion",
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": format!("echo: {text}")},
                "finish_reason": "stop",
            }],
        }
    });
    if let Some(id) = request.get("custom_id") {
        set(&mut line, "custom_id", id.clone());
    }
    line
}

/// `PUT` and `GET` of a signed URL (`/emulator-storage/<resource>/<file>`): no key, as a real
/// signed URL carries its own signature; a `PUT` only to a file a `:getUploadEndpoint`
/// registered, with the size it registered.
pub(crate) async fn storage(State(state): State<Arc<Shared>>, request: Request) -> Response {
    let method = request.method().clone();
    let path = request
        .uri()
        .path()
        .strip_prefix(STORAGE_PREFIX)
        .unwrap_or("")
        .to_owned();
    let Some((resource, file)) = path.rsplit_once('/') else {
        return error(StatusCode::NOT_FOUND, "no such object");
    };
    let Ok(file) = percent_encoding::percent_decode_str(file).decode_utf8() else {
        return invalid("the file name is not UTF-8");
    };
    let resource = resource.to_owned();
    let file = file.into_owned();
    match method {
        Method::PUT => {
            let data = match axum::body::to_bytes(request.into_body(), usize::MAX).await {
                Ok(data) => data,
                Err(err) => return invalid(&format!("cannot read the body: {err}")),
            };
            match state.store.put_file(&resource, &file, data, true) {
                Ok(()) => StatusCode::OK.into_response(),
                Err(message) => error(StatusCode::FORBIDDEN, &message),
            }
        }
        Method::GET => match state.store.files(&resource).remove(&file) {
            Some(FileSlot {
                data: Some(data), ..
            }) => ([(header::CONTENT_TYPE, "application/octet-stream")], data).into_response(),
            _ => error(StatusCode::NOT_FOUND, "no such object"),
        },
        _ => error(
            StatusCode::METHOD_NOT_ALLOWED,
            "signed URLs take PUT and GET",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_split_into_parent_and_id() {
        let split = |kind: Kind, path: &str| split_resource(&kind, path).unwrap();
        assert_eq!(
            split(Kind::Get, "/v1/accounts/a/datasets/d%2D1"),
            ("accounts/a/datasets".into(), "d-1".into())
        );
        assert_eq!(
            split(
                Kind::Verb("upload".into()),
                "/v1/accounts/a/datasets/d:upload"
            ),
            ("accounts/a/datasets".into(), "d".into())
        );
        assert_eq!(
            split(Kind::Create, "/v1/accounts/a/evaluatorsV2"),
            ("accounts/a/evaluators".into(), String::new())
        );
        assert_eq!(
            split(
                Kind::CollectionVerb("delete".into()),
                "/v1/accounts/a/users/u/apiKeys:delete"
            ),
            ("accounts/a/users/u/apiKeys".into(), String::new())
        );
        assert_eq!(
            split(Kind::List, "/v1/accounts"),
            ("accounts".into(), String::new())
        );
        assert_eq!(
            split(Kind::Get, "/v1/accounts/a"),
            ("accounts".into(), "a".into())
        );
    }

    #[test]
    fn masks_copy_or_clear_dotted_paths() {
        let mut to = json!({"a": 1, "b": {"c": 2, "d": 3}});
        copy_path(&json!({"b": {"c": 5}}), &mut to, "b.c");
        copy_path(&json!({}), &mut to, "a");
        assert_eq!(to, json!({"b": {"c": 5, "d": 3}}));
    }

    #[test]
    fn ids_follow_the_real_rules() {
        assert!(valid_id("my-dataset-1"));
        assert!(!valid_id("My"));
        assert!(!valid_id("-x"));
        assert!(!valid_id(""));
        assert!(!valid_id(&"a".repeat(64)));
    }
}
