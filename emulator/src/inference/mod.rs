//! The inference host (`api.fireworks.ai/inference/v1`): chat completions, completions,
//! embeddings, rerank, the Anthropic-compatible messages call and the OpenAI-compatible model
//! list, each answered deterministically from the request alone.
//!
//! Every route is served under `/inference/v1/...` and again under `/v1/...`, because the
//! official `fireworks-ai` 1.2.x SDK drops `/inference` once its base URL is overridden. The
//! guard has checked the key before these handlers run.
//!
//! Each endpoint builds its JSON in its own module (`chat`, `completions`, `embeddings`,
//! `rerank`, `messages`, `models`), so switching one to generated types touches one file.
//! This module holds what they share: body parsing, validation errors, the word-piece
//! "tokenizer", sampling limits (`n`, `max_tokens`, `stop`), logprobs and SSE framing.

mod chat;
mod completions;
mod embeddings;
mod messages;
mod models;
mod rerank;
mod schema;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::StreamExt;
use serde_json::{Map, Value, json};

use crate::server::Shared;
use crate::surface::{self, Surface};

/// The model id (last path segment of `model`) that fails on purpose: a streamed call sends two
/// content chunks and then an error event instead of `[DONE]`; a plain call gets a 500.
pub const STREAM_ERROR_MODEL: &str = "emulator-stream-error";

/// The message of the error [`STREAM_ERROR_MODEL`] produces.
pub(crate) const STREAM_ERROR_MESSAGE: &str =
    "emulated failure in the middle of generation (model emulator-stream-error)";

/// The `created` time of every response: 2026-01-01T00:00:00Z, fixed so answers are
/// reproducible.
pub(crate) const CREATED: i64 = 1_767_225_600;

/// The pause between two SSE events, so each event leaves as its own write.
const EVENT_GAP: Duration = Duration::from_millis(2);

/// The longest word piece; longer runs of non-space characters are cut into pieces this long.
const PIECE_CHARS: usize = 8;

/// The inference routes, under both prefixes.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    let mut router = Router::new();
    for prefix in ["/inference/v1", "/v1"] {
        router = router
            .route(&format!("{prefix}/chat/completions"), post(chat::create))
            .route(&format!("{prefix}/completions"), post(completions::create))
            .route(&format!("{prefix}/embeddings"), post(embeddings::create))
            .route(&format!("{prefix}/rerank"), post(rerank::create))
            .route(&format!("{prefix}/messages"), post(messages::create))
            .route(&format!("{prefix}/models"), get(models::list));
    }
    router
}

/// Why a request is refused: its status and message. Each endpoint renders it in its host's
/// shape (see [`Refusal::into_response`]; the messages call uses the Anthropic shape).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) status: StatusCode,
    pub(crate) message: String,
}

impl IntoResponse for Refusal {
    /// The inference host's shape, `{"error": {"object", "type", "code", "message"}}`.
    fn into_response(self) -> Response {
        surface::error(Surface::Inference, self.status, &self.message)
    }
}

/// A 400 naming what is wrong.
pub(crate) fn invalid(message: &str) -> Refusal {
    Refusal {
        status: StatusCode::BAD_REQUEST,
        message: message.to_owned(),
    }
}

/// Sets `key` of a JSON object (does nothing to other values).
pub(crate) fn set(value: &mut Value, key: &str, field: Value) {
    if let Value::Object(fields) = value {
        fields.insert(key.to_owned(), field);
    }
}

/// The JSON object of a request body, or a 400 naming what is wrong with it.
pub(crate) fn parse_body(body: &Bytes) -> Result<Map<String, Value>, Refusal> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(fields)) => Ok(fields),
        Ok(_) => Err(invalid("the request body must be a JSON object")),
        Err(err) => Err(invalid(&format!(
            "the request body is not valid JSON: {err}"
        ))),
    }
}

/// The non-empty string field `name`, or a 400 naming it.
pub(crate) fn required_str<'a>(
    body: &'a Map<String, Value>,
    name: &str,
) -> Result<&'a str, Refusal> {
    match body.get(name) {
        None | Some(Value::Null) => Err(invalid(&format!("`{name}` is required"))),
        Some(Value::String(text)) if !text.trim().is_empty() => Ok(text),
        Some(Value::String(_)) => Err(invalid(&format!("`{name}` must not be empty"))),
        Some(_) => Err(invalid(&format!("`{name}` must be a string"))),
    }
}

/// The optional boolean field `name`; a value of another type is a 400.
pub(crate) fn flag(body: &Map<String, Value>, name: &str) -> Result<bool, Refusal> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(value)) => Ok(*value),
        Some(_) => Err(invalid(&format!("`{name}` must be a boolean"))),
    }
}

/// The optional integer field `name` within `range`; anything else is a 400.
pub(crate) fn integer(
    body: &Map<String, Value>,
    name: &str,
    range: std::ops::RangeInclusive<i64>,
) -> Result<Option<i64>, Refusal> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => match value.as_i64() {
            Some(n) if range.contains(&n) => Ok(Some(n)),
            _ => Err(invalid(&format!(
                "`{name}` must be an integer from {} to {}",
                range.start(),
                range.end()
            ))),
        },
    }
}

/// Whether `model` names [`STREAM_ERROR_MODEL`] (as a bare id or the last segment of a name).
pub(crate) fn fails(model: &str) -> bool {
    model.rsplit('/').next() == Some(STREAM_ERROR_MODEL)
}

/// The 500 a plain call to [`STREAM_ERROR_MODEL`] gets.
pub(crate) fn failure() -> Refusal {
    Refusal {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        message: STREAM_ERROR_MESSAGE.to_owned(),
    }
}

/// The text of a message `content`: a string, or the `text` of its parts (other parts as
/// `[type]`), joined by spaces; `null` is empty.
pub(crate) fn text_of(content: Option<&Value>) -> String {
    match content {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .map(|part| match part {
                Value::String(text) => text.clone(),
                _ => match (part.get("text"), part.get("content")) {
                    (Some(Value::String(text)), _) => text.clone(),
                    (_, Some(inner)) => text_of(Some(inner)),
                    _ => format!(
                        "[{}]",
                        part.get("type").and_then(Value::as_str).unwrap_or("part")
                    ),
                },
            })
            .collect::<Vec<_>>()
            .join(" "),
        _ => String::new(),
    }
}

/// The `role` of a message, empty when absent.
pub(crate) fn role(message: &Value) -> &str {
    message.get("role").and_then(Value::as_str).unwrap_or("")
}

/// Splits text into word pieces, the emulator's tokens: each piece is the whitespace before a
/// word plus at most [`PIECE_CHARS`] of its characters. Joining the pieces gives the text back
/// (trailing whitespace becomes a piece of its own).
pub(crate) fn pieces(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut word_chars = 0;
    for ch in text.chars() {
        if ch.is_whitespace() {
            if word_chars > 0 {
                out.push(std::mem::take(&mut current));
                word_chars = 0;
            }
            current.push(ch);
        } else {
            if word_chars == PIECE_CHARS {
                out.push(std::mem::take(&mut current));
                word_chars = 0;
            }
            current.push(ch);
            word_chars += 1;
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// How many word pieces `text` has.
pub(crate) fn count(text: &str) -> usize {
    pieces(text).len()
}

/// 64-bit FNV-1a: the emulator's stable hash for ids, token ids, logprobs and embeddings.
pub(crate) fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A stable id for a request: `prefix` and 24 hex digits of the hash of its body without
/// `stream`, so a streamed call and the same plain call share their id.
pub(crate) fn request_id(prefix: &str, body: &Map<String, Value>) -> String {
    let mut fields = body.clone();
    fields.remove("stream");
    let text = Value::Object(fields).to_string();
    let first = fnv(text.as_bytes());
    let second = fnv(format!("{first}{text}").as_bytes());
    format!("{prefix}{first:016x}{:08x}", second >> 32)
}

/// The deterministic token id of a word piece.
pub(crate) fn token_id(piece: &str) -> u64 {
    fnv(piece.as_bytes()) % 100_000
}

/// The deterministic logprob of a word piece, in (-1, 0].
pub(crate) fn logprob(piece: &str) -> f64 {
    let millis = u32::try_from(fnv(piece.as_bytes()) % 1000).unwrap_or(0);
    -f64::from(millis) / 1000.0
}

/// Sampling limits shared by chat and completions: `n`, the token limit and stop sequences.
#[derive(Debug, Clone, Default)]
pub(crate) struct Limits {
    pub(crate) n: usize,
    pub(crate) max_tokens: Option<usize>,
    pub(crate) stop: Vec<String>,
}

impl Limits {
    /// Reads `n` (1-128), `max_tokens` or `max_completion_tokens` (not both) and `stop` (a
    /// string or up to 4 strings).
    pub(crate) fn of(body: &Map<String, Value>) -> Result<Self, Refusal> {
        let n = integer(body, "n", 1..=128)?.unwrap_or(1);
        let max_tokens = integer(body, "max_tokens", 0..=i64::from(u32::MAX))?;
        let max_completion = integer(body, "max_completion_tokens", 0..=i64::from(u32::MAX))?;
        if max_tokens.is_some() && max_completion.is_some() {
            return Err(invalid(
                "`max_tokens` and `max_completion_tokens` are mutually exclusive",
            ));
        }
        let stop = match body.get("stop") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(text)) => vec![text.clone()],
            Some(Value::Array(items)) if items.len() <= 4 => items
                .iter()
                .map(|item| item.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| invalid("`stop` must be a string or a list of strings"))?,
            Some(Value::Array(_)) => return Err(invalid("`stop` may hold at most 4 sequences")),
            Some(_) => return Err(invalid("`stop` must be a string or a list of strings")),
        };
        Ok(Self {
            n: usize::try_from(n).unwrap_or(1),
            max_tokens: max_tokens
                .or(max_completion)
                .and_then(|n| usize::try_from(n).ok()),
            stop: stop.into_iter().filter(|s| !s.is_empty()).collect(),
        })
    }

    /// The word pieces of `text` that are generated under these limits and why generation
    /// ended: cut before the first stop sequence (`stop`), then at `max_tokens` (`length`).
    pub(crate) fn generate(&self, text: &str) -> (Vec<String>, &'static str) {
        let cut = self
            .stop
            .iter()
            .filter_map(|stop| text.find(stop.as_str()))
            .min();
        let text = cut.and_then(|at| text.get(..at)).unwrap_or(text);
        let mut pieces = pieces(text);
        match self.max_tokens {
            Some(max) if pieces.len() > max => {
                pieces.truncate(max);
                (pieces, "length")
            }
            _ => (pieces, "stop"),
        }
    }
}

/// Which logprobs a request asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Logprobs {
    /// `logprobs: true`: the OpenAI format, `{"content": [...]}`, with `top` alternatives.
    Content { top: usize },
    /// `logprobs: <int>`: the legacy format (`tokens`, `token_logprobs`, ...) with `top`
    /// alternatives.
    Legacy { top: usize },
}

impl Logprobs {
    /// Reads `logprobs` (bool, or an int 0-5 for the legacy format) and `top_logprobs` (0-5).
    pub(crate) fn of(body: &Map<String, Value>) -> Result<Option<Self>, Refusal> {
        let top = integer(body, "top_logprobs", 0..=5)?
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0);
        match body.get("logprobs") {
            None | Some(Value::Null) | Some(Value::Bool(false)) => Ok(None),
            Some(Value::Bool(true)) => Ok(Some(Self::Content { top })),
            Some(value) => match value.as_u64() {
                Some(n @ 0..=5) => Ok(Some(Self::Legacy {
                    top: usize::try_from(n).unwrap_or(0),
                })),
                _ => Err(invalid(
                    "`logprobs` must be a boolean or an integer from 0 to 5",
                )),
            },
        }
    }

    /// The logprobs of `pieces`, the first starting at character `offset` of the output.
    pub(crate) fn of_pieces(self, pieces: &[String], offset: usize) -> Value {
        let alternatives = |piece: &str, top: usize| -> Vec<(String, f64)> {
            (0..top)
                .map(|rank| {
                    if rank == 0 {
                        (piece.to_owned(), logprob(piece))
                    } else {
                        let alt = format!("{piece}~{rank}");
                        (alt, logprob(piece) - 1.0 - rank as f64)
                    }
                })
                .collect()
        };
        let mut offsets = Vec::with_capacity(pieces.len());
        let mut at = offset;
        for piece in pieces {
            offsets.push(at);
            at += piece.chars().count();
        }
        match self {
            Self::Content { top } => {
                let content: Vec<Value> = pieces
                    .iter()
                    .zip(&offsets)
                    .map(|(piece, offset)| {
                        let top_logprobs: Vec<Value> = alternatives(piece, top)
                            .into_iter()
                            .map(|(token, lp)| {
                                json!({
                                    "token": token,
                                    "logprob": lp,
                                    "bytes": token.as_bytes(),
                                    "token_id": token_id(&token),
                                })
                            })
                            .collect();
                        json!({
                            "token": piece,
                            "logprob": logprob(piece),
                            "bytes": piece.as_bytes(),
                            "token_id": token_id(piece),
                            "text_offset": offset,
                            "top_logprobs": top_logprobs,
                        })
                    })
                    .collect();
                json!({ "content": content })
            }
            Self::Legacy { top } => {
                let tops: Vec<Value> = pieces
                    .iter()
                    .map(|piece| {
                        let map: Map<String, Value> = alternatives(piece, top)
                            .into_iter()
                            .map(|(token, lp)| (token, json!(lp)))
                            .collect();
                        Value::Object(map)
                    })
                    .collect();
                json!({
                    "tokens": pieces,
                    "token_logprobs": pieces.iter().map(|p| logprob(p)).collect::<Vec<_>>(),
                    "top_logprobs": tops,
                    "text_offset": offsets,
                    "token_ids": pieces.iter().map(|p| token_id(p)).collect::<Vec<_>>(),
                })
            }
        }
    }
}

/// The usage object of the OpenAI-style endpoints.
pub(crate) fn usage(prompt: usize, completion: usize) -> Value {
    json!({
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    })
}

/// The `perf_metrics` body field asked for with `perf_metrics_in_response`.
pub(crate) fn perf_metrics(prompt: usize, completion: usize) -> Value {
    json!({
        "prompt-tokens": prompt,
        "cached-prompt-tokens": 0,
        "generated-tokens": completion,
        "server-time-to-first-token": 0.001,
        "server-processing-time": 0.002,
    })
}

/// A JSON answer with the request id and the performance headers every non-streaming
/// inference answer carries (FIREWORKS_API.md section 2.8).
pub(crate) fn json_response(
    id: &str,
    prompt_tokens: usize,
    body: &impl serde::Serialize,
) -> Response {
    let mut response = (StatusCode::OK, axum::Json(body)).into_response();
    let headers = response.headers_mut();
    let mut set = |name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    };
    set("x-request-id", id.to_owned());
    set("fireworks-prompt-tokens", prompt_tokens.to_string());
    set("fireworks-cached-prompt-tokens", "0".to_owned());
    set("fireworks-server-time-to-first-token", "0.001".to_owned());
    set("fireworks-server-processing-time", "0.002".to_owned());
    response
}

/// One server-sent event: an optional `event:` line and one `data:` line.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    name: Option<&'static str>,
    data: String,
}

impl Event {
    /// A data-only event carrying `value` as compact JSON.
    pub(crate) fn data(value: &Value) -> Self {
        Self {
            name: None,
            data: value.to_string(),
        }
    }

    /// The `[DONE]` terminator of the OpenAI-style streams.
    pub(crate) fn done() -> Self {
        Self {
            name: None,
            data: "[DONE]".to_owned(),
        }
    }

    /// A named event (the messages stream) carrying `value`.
    pub(crate) fn named(name: &'static str, value: &Value) -> Self {
        Self {
            name: Some(name),
            data: value.to_string(),
        }
    }

    fn encode(&self) -> Bytes {
        let mut out = String::with_capacity(self.data.len() + 32);
        if let Some(name) = self.name {
            out.push_str("event: ");
            out.push_str(name);
            out.push('\n');
        }
        out.push_str("data: ");
        out.push_str(&self.data);
        out.push_str("\n\n");
        Bytes::from(out)
    }
}

/// A `text/event-stream` answer sending `events` one write at a time, [`EVENT_GAP`] apart.
pub(crate) fn sse(id: &str, events: Vec<Event>) -> Response {
    let stream =
        futures_util::stream::iter(events.into_iter().enumerate()).then(|(at, event)| async move {
            if at > 0 {
                tokio::time::sleep(EVENT_GAP).await;
            }
            Ok::<_, std::convert::Infallible>(event.encode())
        });
    let mut response = Response::new(Body::from_stream(stream));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(value) = HeaderValue::from_str(id) {
        headers.insert("x-request-id", value);
    }
    response
}

/// The error event a stream sends for [`STREAM_ERROR_MODEL`] instead of `[DONE]`.
pub(crate) fn error_event() -> Event {
    Event::data(&json!({
        "error": {
            "object": "error",
            "type": "internal_error",
            "code": "INTERNAL",
            "message": STREAM_ERROR_MESSAGE,
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_join_back_to_the_text() {
        for text in [
            "",
            "echo: hi there",
            "  lead",
            "trail ",
            "abcdefghijklmnopq r",
            "{\"a\":1}",
        ] {
            assert_eq!(pieces(text).concat(), text, "{text:?}");
        }
        assert_eq!(pieces("echo: hi"), ["echo:", " hi"]);
        assert_eq!(pieces("abcdefghij"), ["abcdefgh", "ij"]);
    }

    #[test]
    fn limits_cut_at_stop_then_length() {
        let limits = Limits {
            n: 1,
            max_tokens: Some(2),
            stop: vec!["c".into()],
        };
        assert_eq!(limits.generate("a b c d").0, ["a", " b"]);
        assert_eq!(limits.generate("a b c d").1, "length");
        assert_eq!(limits.generate("a bc").0, ["a", " b"]);
        assert_eq!(limits.generate("a bc").1, "stop");
    }
}
