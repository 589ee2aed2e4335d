//! `GET /inference/v1/models`: the OpenAI-compatible list, built with the generated
//! `ModelList` from the public catalog of the model table (account [`crate::PUBLIC_ACCOUNT`]),
//! including models added with `RunningEmulator::seed_model`. Unpaginated, as the real list is.
//! `created` is the emulator's fixed time, and a model serves chat when it has a context length.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use fireworks_ai::models::{ModelList, ModelSummary};
use serde_json::Value;

use super::CREATED;
use crate::PUBLIC_ACCOUNT;
use crate::server::Shared;

/// The handler.
pub(crate) async fn list(State(state): State<Arc<Shared>>) -> Response {
    let (models, _, _) = state.models.page(PUBLIC_ACCOUNT, None, usize::MAX);
    let data = models
        .into_iter()
        .filter_map(|model| {
            let mut summary = ModelSummary::new(model.name?)
                .object("model")
                .created(CREATED)
                .owned_by(PUBLIC_ACCOUNT)
                .supports_chat(model.context_length.is_some());
            if let Some(kind) = model
                .kind
                .and_then(|kind| serde_json::to_value(kind).ok())
                .as_ref()
                .and_then(Value::as_str)
            {
                summary = summary.kind(kind);
            }
            if let Some(value) = model.supports_image_input {
                summary = summary.supports_image_input(value);
            }
            if let Some(value) = model.supports_tools {
                summary = summary.supports_tools(value);
            }
            if let Some(length) = model.context_length {
                summary = summary.context_length(i64::from(length));
            }
            Some(summary)
        })
        .collect();
    Json(ModelList::new(data).object("list")).into_response()
}
