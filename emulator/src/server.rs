//! The axum router of each listener and the batch status handler. Recording, the key check and
//! error bodies are the `guard` middleware's; the audio handlers live in `audio`, the control
//! plane's model handlers in `models`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use fireworks_ai::audio_batch::BatchJobStatus;
use serde_json::Value;

use crate::control::catalog::Routes;
use crate::control::store::Store;
use crate::control::{self};
use crate::guard::{self, Guard};
use crate::job::{Completion, Jobs};
use crate::models::ModelTable;
use crate::record::Record;
use crate::surface::{self, Listener, Surface};
use crate::{AuthMode, audio, inference};

/// Settings fixed when the emulator starts.
#[derive(Debug)]
pub(crate) struct Config {
    pub(crate) api_key: Option<String>,
    pub(crate) auth_mode: AuthMode,
    pub(crate) account_id: String,
    pub(crate) submit_completion: Completion,
    /// The largest request body accepted, in bytes.
    pub(crate) upload_limit: u64,
    /// The query parameter the audio batch host takes the key from.
    pub(crate) key_query_param: String,
    /// Polls of a control-plane job's getter after which it reaches its terminal state.
    pub(crate) job_polls: u32,
}

/// State shared by every handler.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: Config,
    pub(crate) jobs: Jobs,
    pub(crate) models: ModelTable,
    /// Every control-plane resource (the models too).
    pub(crate) store: Arc<Store>,
    /// The control plane's routes, from the spec.
    pub(crate) routes: Routes,
    pub(crate) record: Record,
    next_batch: AtomicU64,
}

impl Shared {
    pub(crate) fn new(config: Config) -> Self {
        let store = Arc::new(Store::default());
        let models = ModelTable::with_demo_models(Arc::clone(&store));
        control::seed_account(&store, &config.account_id);
        Self {
            config,
            jobs: Jobs::default(),
            models,
            store,
            routes: Routes::from_spec(),
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

/// Every route the listener serves, behind the [`guard`](crate::guard) middleware.
pub(crate) fn router(state: Arc<Shared>, listener: Listener) -> Router {
    let status_route = "/v1/accounts/{account_id}/batch_job/{batch_id}";
    let mut router = Router::new()
        .route(status_route, get(batch_status))
        .route("/v1/audio/transcriptions", post(audio::transcriptions))
        .route("/v1/audio/translations", post(audio::translations));
    if listener == Listener::Shared {
        router = router.merge(inference::routes());
    }
    let guard = Guard {
        shared: Arc::clone(&state),
        listener,
    };
    router
        .fallback(unknown_route)
        // The guard enforces the upload limit itself, answering 413 as soon as it is passed.
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::from_fn_with_state(guard, guard::guard))
        .with_state(state)
}

/// `GET /v1/accounts/{account_id}/batch_job/{batch_id}`: the job's current state. A final
/// state without a message sends `"message": null`, as the real API does once completed.
async fn batch_status(
    State(state): State<Arc<Shared>>,
    Path((account_id, batch_id)): Path<(String, String)>,
) -> Response {
    match state.jobs.poll(&account_id, &batch_id) {
        Some(status) => {
            let processing = status.status == BatchJobStatus::Processing;
            let mut body = serde_json::to_value(&status).unwrap_or(Value::Null);
            if !processing && let Value::Object(fields) = &mut body {
                fields.entry("message").or_insert(Value::Null);
            }
            Json(body).into_response()
        }
        None => surface::error(
            Surface::AudioBatch,
            StatusCode::NOT_FOUND,
            &format!("batch job `{batch_id}` not found for account `{account_id}`"),
        ),
    }
}

/// Any other path: the control plane's routes (from the spec) and the signed URLs it hands out
/// on the shared port, else 404; the guard gives it the error body of the surface the path
/// belongs to.
async fn unknown_route(State(state): State<Arc<Shared>>, request: Request) -> Response {
    match request.extensions().get::<Surface>() {
        Some(Surface::Control) => return control::handle(State(state), request).await,
        Some(Surface::Storage) => return control::storage(State(state), request).await,
        _ => {}
    }
    (
        StatusCode::NOT_FOUND,
        format!("no route for {} {}", request.method(), request.uri().path()),
    )
        .into_response()
}
