//! Strict views of two emulator answers, for tests that decode them. The emulator builds every
//! answer from the generated types (`fireworks_ai::audio_batch::BatchSubmission`,
//! `fireworks_ai::audio::VerboseTranscription`); these views only require what it always sends.

use fireworks_ai::audio::{Segment, Word};
use serde::{Deserialize, Serialize};

/// The batch submit answer (`fireworks_ai::audio_batch::BatchSubmission`) with `endpoint_id` as
/// plain text, so a test can compare it with a string.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SubmitResponse {
    /// `submitted` once the job is queued.
    pub status: String,
    /// Id to poll with the batch status endpoint.
    pub batch_id: String,
    /// Account that owns the job.
    pub account_id: String,
    /// Backend the job runs on (`audio-prod` or `audio-turbo`).
    pub endpoint_id: String,
    /// Human-readable note, "Request submitted successfully".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A `verbose_json` transcript (`fireworks_ai::audio::VerboseTranscription`) whose top-level
/// fields are required: the generated type keeps them optional to stay lenient with the real
/// API, while the emulator always sends them, so a test decoding with this view notices if one
/// goes missing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VerboseTranscription {
    /// `transcribe` or `translate`.
    pub task: String,
    /// Language of the audio (transcription) or `en` (translation).
    pub language: String,
    /// Length of the audio in seconds.
    pub duration: f64,
    /// The whole transcript.
    pub text: String,
    /// Word timings, present with the `word` timestamp granularity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub words: Option<Vec<Word>>,
    /// Segments, present with the `segment` timestamp granularity (the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segments: Option<Vec<Segment>>,
}
