//! The audio endpoints. `POST /v1/audio/{transcriptions,translations}` with an `endpoint_id`
//! query parameter is the batch submit of the audio batch host; without it, the sync call of the
//! audio prod and turbo hosts on the shared port, and a 400 on the audio batch port.

mod form;
mod transcript;

use std::sync::Arc;

use axum::Extension;
use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Multipart, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use fireworks_ai::audio::AudioModel;
use fireworks_ai::audio_batch::{AudioEndpoint, BatchSubmission};
use serde::Deserialize;

use crate::job::Job;
use crate::server::Shared;
use crate::surface::{self, Surface};
use form::{AudioRequest, Task};

/// The model a batch backend runs; `None` for a value the emulator does not serve.
fn endpoint_model(endpoint: &AudioEndpoint) -> Option<AudioModel> {
    match endpoint {
        AudioEndpoint::AudioProd => Some(AudioModel::WhisperV3),
        AudioEndpoint::AudioTurbo => Some(AudioModel::WhisperV3Turbo),
        _ => None,
    }
}

/// Query parameters of the audio routes; others (such as the key parameter) are ignored.
#[derive(Debug, Deserialize)]
pub(crate) struct AudioQuery {
    endpoint_id: Option<String>,
}

/// `POST /v1/audio/transcriptions`.
pub(crate) async fn transcriptions(
    State(state): State<Arc<Shared>>,
    Extension(surface): Extension<Surface>,
    query: Result<Query<AudioQuery>, QueryRejection>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    handle(&state, surface, Task::Transcribe, query, multipart).await
}

/// `POST /v1/audio/translations`.
pub(crate) async fn translations(
    State(state): State<Arc<Shared>>,
    Extension(surface): Extension<Surface>,
    query: Result<Query<AudioQuery>, QueryRejection>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    handle(&state, surface, Task::Translate, query, multipart).await
}

/// The request's key has been checked by the guard; the audio batch surface needs an
/// `endpoint_id` and submits a job, the sync audio surface answers the transcript.
async fn handle(
    state: &Shared,
    surface: Surface,
    task: Task,
    query: Result<Query<AudioQuery>, QueryRejection>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let query = match query {
        Ok(Query(query)) => query,
        Err(rejection) => {
            return invalid(&format!("invalid query string: {}", rejection.body_text()));
        }
    };
    let endpoint = match (surface, query.endpoint_id.as_deref()) {
        (Surface::AudioBatch, None) => {
            return invalid(
                "missing required query parameter `endpoint_id` (`audio-prod` or `audio-turbo`)",
            );
        }
        (_, None) => None,
        (_, Some(id)) => match form::one_of::<AudioEndpoint>("endpoint_id", id) {
            Ok(endpoint) => match endpoint_model(&endpoint) {
                Some(model) => Some((endpoint, model)),
                None => {
                    return invalid(&format!(
                        "`endpoint_id` `{id}` is not served by the emulator"
                    ));
                }
            },
            Err(message) => return invalid(&message),
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
        Some((endpoint_id, model)) => submit(state, endpoint_id, &model, &request),
        None => sync(&request),
    }
}

/// A 400 in the audio hosts' error shape.
fn invalid(message: &str) -> Response {
    surface::error(Surface::Audio, StatusCode::BAD_REQUEST, message)
}

/// Batch submit: checks that the model matches the backend, queues a job that completes with
/// the transcript, and answers `submitted`.
///
/// The real API accepts a mismatched model and fails the job later; the emulator refuses it at
/// once so the mistake shows where it is made.
fn submit(
    state: &Shared,
    endpoint_id: AudioEndpoint,
    model: &AudioModel,
    request: &AudioRequest,
) -> Response {
    if let Some(requested) = &request.model
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
    Json(
        BatchSubmission::new("submitted", batch_id, account_id, endpoint_id)
            .message("Request submitted successfully"),
    )
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

fn internal(message: &str) -> Response {
    surface::error(Surface::Audio, StatusCode::INTERNAL_SERVER_ERROR, message)
}
