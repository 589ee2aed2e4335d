//! The audio endpoints. `POST /v1/audio/{transcriptions,translations}` with an `endpoint_id`
//! query parameter is the batch submit of the audio batch host; without it, the sync call of the
//! audio prod and turbo hosts (one listener serves all three).

mod form;
mod transcript;

use std::sync::Arc;

use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::job::Job;
use crate::server::{Shared, error, invalid, reject_unauthorized};
use crate::wire::SubmitResponse;
use form::{AudioRequest, Task};

/// The batch backends and the model each one runs.
const ENDPOINTS: &[(&str, &str)] = &[
    ("audio-prod", "whisper-v3"),
    ("audio-turbo", "whisper-v3-turbo"),
];

/// Query parameters of the audio routes.
#[derive(Debug, Deserialize)]
pub(crate) struct AudioQuery {
    endpoint_id: Option<String>,
}

/// `POST /v1/audio/transcriptions`.
pub(crate) async fn transcriptions(
    State(state): State<Arc<Shared>>,
    Query(query): Query<AudioQuery>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    handle(&state, Task::Transcribe, query, &headers, multipart).await
}

/// `POST /v1/audio/translations`.
pub(crate) async fn translations(
    State(state): State<Arc<Shared>>,
    Query(query): Query<AudioQuery>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    handle(&state, Task::Translate, query, &headers, multipart).await
}

async fn handle(
    state: &Shared,
    task: Task,
    query: AudioQuery,
    headers: &HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    if let Some(response) = reject_unauthorized(&state.config, headers) {
        return response;
    }
    let endpoint = match query.endpoint_id.as_deref() {
        None => None,
        Some(id) => match ENDPOINTS.iter().find(|(known, _)| *known == id) {
            Some(endpoint) => Some(*endpoint),
            None => {
                return invalid(&format!(
                    "`endpoint_id` must be one of `audio-prod`, `audio-turbo`, got `{id}`"
                ));
            }
        },
    };
    let multipart = match multipart {
        Ok(multipart) => multipart,
        Err(rejection) => {
            return invalid(&format!(
                "expected a multipart/form-data body: {}",
                rejection.body_text()
            ));
        }
    };
    let request = match form::parse(task, multipart).await {
        Ok(request) => request,
        Err(message) => return invalid(&message),
    };
    match endpoint {
        Some((endpoint_id, model)) => submit(state, endpoint_id, model, &request),
        None => sync(&request),
    }
}

/// Batch submit: checks that the model matches the backend, queues a job that completes with
/// the transcript, and answers `submitted`.
///
/// The real API accepts a mismatched model and fails the job later; the emulator refuses it at
/// once so the mistake shows where it is made.
fn submit(state: &Shared, endpoint_id: &str, model: &str, request: &AudioRequest) -> Response {
    if let Some(requested) = request.model
        && requested != model
    {
        return invalid(&format!(
            "model `{requested}` does not run on endpoint `{endpoint_id}`; use `{model}` there"
        ));
    }
    let rendered = match transcript::render(request) {
        Ok(rendered) => rendered,
        Err(err) => return internal(&err),
    };
    let batch_id = state.next_batch_id();
    let account_id = &state.config.account_id;
    state.jobs.insert(
        account_id,
        &batch_id,
        Job::with_completion(state.config.submit_completion)
            .with_result(rendered.content_type, rendered.body),
    );
    Json(SubmitResponse {
        status: "submitted".to_owned(),
        batch_id,
        account_id: account_id.clone(),
        endpoint_id: endpoint_id.to_owned(),
        message: Some("Request submitted successfully".to_owned()),
    })
    .into_response()
}

/// Sync call: the transcript itself, with its content type.
fn sync(request: &AudioRequest) -> Response {
    match transcript::render(request) {
        Ok(rendered) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, rendered.content_type)],
            rendered.body,
        )
            .into_response(),
        Err(err) => internal(&err),
    }
}

fn internal(err: &serde_json::Error) -> Response {
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal_error",
        "INTERNAL",
        &format!("the emulator could not serialise a transcript: {err}"),
    )
}
