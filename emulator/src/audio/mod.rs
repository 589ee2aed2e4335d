//! The audio endpoints: batch submit and sync transcription and translation.
//! Not served yet; they answer 501 until issue 3's part lands.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use crate::server::{Shared, error};

/// `POST /v1/audio/transcriptions`.
pub(crate) async fn transcriptions(State(_state): State<Arc<Shared>>) -> Response {
    not_yet()
}

/// `POST /v1/audio/translations`.
pub(crate) async fn translations(State(_state): State<Arc<Shared>>) -> Response {
    not_yet()
}

fn not_yet() -> Response {
    error(
        StatusCode::NOT_IMPLEMENTED,
        "not_implemented",
        "UNIMPLEMENTED",
        "the emulator does not serve the audio endpoints yet",
    )
}
