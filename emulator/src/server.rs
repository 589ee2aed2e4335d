//! The axum router: request recording, the `Authorization` check, Fireworks-style error bodies
//! and the batch status handler. The audio handlers live in `audio`, the control plane's model
//! handlers in `models`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use crate::job::{Completion, Jobs};
use crate::models::{self, ModelTable};
use crate::record::{Record, RecordedRequest};
use crate::{AuthMode, audio};

/// The largest request body accepted: the documented 1 GB audio limit plus room for the
/// other form fields. The file part is streamed, never held in memory.
const BODY_LIMIT: usize = (1 << 30) + (1 << 20);

/// Settings fixed when the emulator starts.
#[derive(Debug)]
pub(crate) struct Config {
    pub(crate) api_key: Option<String>,
    pub(crate) auth_mode: AuthMode,
    pub(crate) account_id: String,
    pub(crate) submit_completion: Completion,
}

/// State shared by every handler.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: Config,
    pub(crate) jobs: Jobs,
    pub(crate) models: ModelTable,
    pub(crate) record: Record,
    next_batch: AtomicU64,
}

impl Shared {
    pub(crate) fn new(config: Config) -> Self {
        Self {
            config,
            jobs: Jobs::default(),
            models: ModelTable::with_demo_models(),
            record: Record::default(),
            next_batch: AtomicU64::new(1),
        }
    }

    /// A fresh, deterministic batch id: `batch-000001`, `batch-000002`, ...
    pub(crate) fn next_batch_id(&self) -> String {
        format!(
            "batch-{:06}",
            self.next_batch.fetch_add(1, Ordering::Relaxed)
        )
    }
}

/// Every route the emulator serves.
pub(crate) fn router(state: Arc<Shared>) -> Router {
    Router::new()
        .route(
            "/v1/accounts/{account_id}/batch_job/{batch_id}",
            get(batch_status),
        )
        .route("/v1/accounts/{account_id}/models", get(models::list_models))
        .route(
            "/v1/accounts/{account_id}/models/{model_id}",
            get(models::get_model),
        )
        .route("/v1/audio/transcriptions", post(audio::transcriptions))
        .route("/v1/audio/translations", post(audio::translations))
        .fallback(unknown_route)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn_with_state(Arc::clone(&state), record))
        .with_state(state)
}

/// Logs each request before it is handled.
async fn record(State(state): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    state.record.push(RecordedRequest::of(&request));
    next.run(request).await
}

/// A Fireworks-style error response: `{"error": {"object", "type", "message", "code"}}`, the
/// OpenAI-like shape the audio and inference hosts use.
pub(crate) fn error(status: StatusCode, kind: &str, code: &str, message: &str) -> Response {
    let body = json!({
        "error": {
            "object": "error",
            "type": kind,
            "code": code,
            "message": message,
        }
    });
    (status, Json(body)).into_response()
}

/// A 400 for a request the real API would reject as invalid.
pub(crate) fn invalid(message: &str) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "invalid_request_error",
        "INVALID_ARGUMENT",
        message,
    )
}

/// Checks the `Authorization` header; `Some` is the 401 response to send instead of serving.
pub(crate) fn reject_unauthorized(config: &Config, headers: &HeaderMap) -> Option<Response> {
    check_key(config, headers).err()
}

/// The `Authorization` check itself; the error is the 401 response.
#[allow(clippy::result_large_err)] // Private, and the error path is the rare one.
fn check_key(config: &Config, headers: &HeaderMap) -> Result<(), Response> {
    let unauthorized = |message: &str| {
        error(
            StatusCode::UNAUTHORIZED,
            "authentication_error",
            "UNAUTHENTICATED",
            message,
        )
    };
    let Some(value) = headers.get("authorization") else {
        return Err(unauthorized(
            "missing API key: send it in the Authorization header",
        ));
    };
    let value = value
        .to_str()
        .map_err(|_| unauthorized("the Authorization header is not valid text"))?;
    let key = match bearer_key(value) {
        Some(_) if config.auth_mode == AuthMode::RawOnly => {
            return Err(unauthorized(
                "this host expects the raw API key in the Authorization header, not `Bearer <key>`",
            ));
        }
        Some(key) => key,
        None => value,
    };
    let key = key.trim();
    if key.is_empty() {
        return Err(unauthorized(
            "missing API key: send it in the Authorization header",
        ));
    }
    match &config.api_key {
        Some(expected) if expected != key => Err(unauthorized("invalid API key")),
        _ => Ok(()),
    }
}

/// The key of a `Bearer <key>` header value (scheme matched case-insensitively).
pub(crate) fn bearer_key(value: &str) -> Option<&str> {
    let (scheme, rest) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(rest)
}

/// `GET /v1/accounts/{account_id}/batch_job/{batch_id}`: the job's current state.
async fn batch_status(
    State(state): State<Arc<Shared>>,
    Path((account_id, batch_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    state.jobs.count_request(&account_id, &batch_id);
    if let Some(response) = reject_unauthorized(&state.config, &headers) {
        return response;
    }
    match state.jobs.poll(&account_id, &batch_id) {
        Some(status) => Json(status).into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            "not_found_error",
            "NOT_FOUND",
            &format!("batch job `{batch_id}` not found for account `{account_id}`"),
        ),
    }
}

/// Any other path: 404 with an error body, like the real hosts.
async fn unknown_route(request: Request) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "not_found_error",
        "NOT_FOUND",
        &format!("no route for {} {}", request.method(), request.uri().path()),
    )
}
