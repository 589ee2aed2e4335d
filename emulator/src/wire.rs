//! Wire types of the audio endpoints that the spec does not describe yet: the batch submit
//! response and the `json`/`verbose_json` transcripts. Tests can decode emulator answers with them.

// TODO(#3): build on the generated types once spec/audio*.yaml describes them.

use serde::{Deserialize, Serialize};

/// Response of the batch submit endpoint (`POST /v1/audio/transcriptions?endpoint_id=...`).
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

/// The `json` response format: just the text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Transcription {
    /// The whole transcript.
    pub text: String,
}

/// The `verbose_json` response format.
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

/// One word of a verbose transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Word {
    /// The word as spoken, with punctuation.
    pub word: String,
    /// Start time in seconds.
    pub start: f64,
    /// End time in seconds.
    pub end: f64,
    /// Language of the word.
    pub language: String,
    /// Confidence between 0 and 1.
    pub probability: f64,
    /// Likelihood that the word was hallucinated.
    pub hallucination_score: f64,
    /// Speaker label (`SPEAKER_00`, ...) when diarization was requested; the real label
    /// format is not documented.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker_id: Option<String>,
}

/// One segment of a verbose transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Segment {
    /// Position of the segment, from 0.
    pub id: u32,
    /// Seek offset in 10 ms frames.
    pub seek: u32,
    /// Start time in seconds.
    pub start: f64,
    /// End time in seconds.
    pub end: f64,
    /// Text of the segment.
    pub text: String,
    /// Decoding temperature used.
    pub temperature: f64,
    /// Average log probability of the tokens.
    pub avg_logprob: f64,
    /// Compression ratio of the text.
    pub compression_ratio: f64,
    /// Probability that the segment is silence.
    pub no_speech_prob: f64,
    /// The segment's words, present with the `word` timestamp granularity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub words: Option<Vec<Word>>,
    /// Speaker label when diarization was requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker_id: Option<String>,
}
