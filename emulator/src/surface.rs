//! Which Fireworks host a request is meant for, decided from its path, query and listener, with
//! that host's key check and error body shape. Every error the emulator sends is built here.

use axum::Json;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;
use serde_json::json;

use crate::AuthMode;
use crate::server::Config;

/// The listener a request arrived on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Listener {
    /// The shared port: every host the emulator knows.
    Shared,
    /// The port that is only the audio batch host.
    AudioBatch,
}

/// The host family a request belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Surface {
    /// `api.fireworks.ai/v1/accounts/...`: `Bearer` keys, grpc-gateway error bodies.
    Control,
    /// `audio-batch.api.fireworks.ai`: raw keys (and `Bearer` unless [`AuthMode::RawOnly`]), the
    /// key query parameter, OpenAI-style error bodies.
    AudioBatch,
    /// The sync audio hosts, and any other path: raw or `Bearer` keys, OpenAI-style error bodies.
    Audio,
    /// The signed URLs the control plane hands out for uploads and downloads
    /// (`/emulator-storage/...`): no key (the URL is the credential), control-plane error bodies.
    Storage,
    /// `api.fireworks.ai/inference/v1/...` (and the same paths under `/v1/`, where the
    /// `fireworks-ai` 1.2.x SDK sends them): `Bearer` keys, OpenAI-style error bodies.
    Inference,
}

/// The inference host's paths below `/v1/`, also served without the `/inference` prefix.
const INFERENCE_PATHS: [&str; 6] = [
    "chat/completions",
    "completions",
    "embeddings",
    "rerank",
    "messages",
    "models",
];

impl Surface {
    /// The surface of a request: on the shared port, `/v1/accounts/{a}/batch_job/...` and an audio
    /// call with an `endpoint_id` query parameter are the audio batch host, other
    /// `/v1/accounts/...` paths the control plane, `/inference/...` and the inference paths
    /// under `/v1/` the inference host, and the rest the sync audio hosts.
    pub(crate) fn of(listener: Listener, uri: &Uri) -> Self {
        if listener == Listener::AudioBatch {
            return Self::AudioBatch;
        }
        let path = uri.path();
        if path == "/v1/accounts" {
            return Self::Control;
        }
        if path.starts_with(crate::control::STORAGE_PREFIX) {
            return Self::Storage;
        }
        if let Some(rest) = path.strip_prefix("/v1/accounts/") {
            let mut segments = rest.split('/');
            return match (segments.next(), segments.next()) {
                (Some(_), Some("batch_job")) => Self::AudioBatch,
                _ => Self::Control,
            };
        }
        let inference = path.strip_prefix("/inference").unwrap_or(path);
        if path.starts_with("/inference/")
            || inference
                .strip_prefix("/v1/")
                .is_some_and(|rest| INFERENCE_PATHS.contains(&rest))
        {
            return Self::Inference;
        }
        if path.starts_with("/v1/audio/") && query_value(uri.query(), "endpoint_id").is_some() {
            return Self::AudioBatch;
        }
        Self::Audio
    }
}

/// The first value of query parameter `name`, percent-decoded (`+` as a space); `None` when the
/// parameter is absent or its value is not UTF-8.
pub(crate) fn query_value(query: Option<&str>, name: &str) -> Option<String> {
    let decode = |text: &str| {
        percent_decode_str(&text.replace('+', " "))
            .decode_utf8()
            .ok()
            .map(|text| text.into_owned())
    };
    query?.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (decode(key)? == name).then(|| decode(value)).flatten()
    })
}

/// The OpenAI-style `type` and `code`, and the google.rpc code, used for an HTTP status.
fn codes(status: StatusCode) -> (&'static str, &'static str, u8) {
    match status.as_u16() {
        400 => ("invalid_request_error", "INVALID_ARGUMENT", 3),
        401 => ("authentication_error", "UNAUTHENTICATED", 16),
        403 => ("permission_error", "PERMISSION_DENIED", 7),
        404 => ("not_found_error", "NOT_FOUND", 5),
        405 => ("invalid_request_error", "METHOD_NOT_ALLOWED", 12),
        409 => ("invalid_request_error", "ALREADY_EXISTS", 6),
        413 => ("invalid_request_error", "PAYLOAD_TOO_LARGE", 3),
        500 => ("internal_error", "INTERNAL", 13),
        _ => ("api_error", "UNKNOWN", 2),
    }
}

/// An error response in the surface's shape: `{"error": {"object", "type", "code", "message"}}`
/// on the audio hosts (the OpenAI-like shape of the audio and inference hosts), and the
/// grpc-gateway `{"code": <google.rpc code>, "message", "details": []}` on the control plane.
pub(crate) fn error(surface: Surface, status: StatusCode, message: &str) -> Response {
    let (kind, code, rpc) = codes(status);
    let body = match surface {
        Surface::Control | Surface::Storage => {
            json!({ "code": rpc, "message": message, "details": [] })
        }
        Surface::AudioBatch | Surface::Audio | Surface::Inference => json!({
            "error": {
                "object": "error",
                "type": kind,
                "code": code,
                "message": message,
            }
        }),
    };
    (status, Json(body)).into_response()
}

/// Checks the request's key the way its host does; the error is the message of the 401.
pub(crate) fn authenticate(
    config: &Config,
    surface: Surface,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<(), &'static str> {
    if surface == Surface::Storage {
        return Ok(());
    }
    if surface == Surface::AudioBatch
        && let Some(key) = query_value(query, &config.key_query_param)
    {
        return accept(config, &key);
    }
    let Some(value) = headers.get("authorization") else {
        return Err(match surface {
            Surface::Control | Surface::Inference => {
                "missing API key: send `Authorization: Bearer <key>`"
            }
            _ => "missing API key: send it in the Authorization header",
        });
    };
    let value = value
        .to_str()
        .map_err(|_| "the Authorization header is not valid text")?;
    let key = match (surface, bearer_key(value)) {
        (Surface::Control, None) => {
            return Err("the control plane expects `Authorization: Bearer <key>`");
        }
        (Surface::Inference, None) => {
            return Err("the inference host expects `Authorization: Bearer <key>`");
        }
        (Surface::AudioBatch, Some(_)) if config.auth_mode == AuthMode::RawOnly => {
            return Err(
                "this host expects the raw API key in the Authorization header, not `Bearer <key>`",
            );
        }
        (_, Some(key)) => key,
        (_, None) => value,
    };
    accept(config, key)
}

/// Accepts a non-empty key, and only the configured one if there is one.
fn accept(config: &Config, key: &str) -> Result<(), &'static str> {
    let key = key.trim();
    if key.is_empty() {
        return Err("missing API key: send it in the Authorization header");
    }
    match &config.api_key {
        Some(expected) if expected != key => Err("invalid API key"),
        _ => Ok(()),
    }
}

/// The key of a `Bearer <key>` header value (scheme matched case-insensitively).
fn bearer_key(value: &str) -> Option<&str> {
    let (scheme, rest) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_queries_pick_the_surface() {
        let of = |listener, uri: &str| Surface::of(listener, &uri.parse().unwrap());
        let shared = Listener::Shared;
        assert_eq!(
            of(shared, "/v1/accounts/a/batch_job/b"),
            Surface::AudioBatch
        );
        assert_eq!(of(shared, "/v1/accounts/a/models/m"), Surface::Control);
        assert_eq!(of(shared, "/v1/accounts/a/nothing"), Surface::Control);
        assert_eq!(of(shared, "/v1/accounts/"), Surface::Control);
        assert_eq!(of(shared, "/v1/accounts"), Surface::Control);
        assert_eq!(
            of(shared, "/emulator-storage/accounts/a/x"),
            Surface::Storage
        );
        assert_eq!(
            of(shared, "/v1/audio/translations?x=1&endpoint_id=audio-prod"),
            Surface::AudioBatch
        );
        assert_eq!(of(shared, "/v1/audio/translations"), Surface::Audio);
        assert_eq!(of(shared, "/v2/nothing"), Surface::Audio);
        assert_eq!(
            of(shared, "/inference/v1/chat/completions"),
            Surface::Inference
        );
        assert_eq!(of(shared, "/inference/nothing"), Surface::Inference);
        assert_eq!(of(shared, "/v1/chat/completions"), Surface::Inference);
        assert_eq!(of(shared, "/v1/models"), Surface::Inference);
        assert_eq!(of(shared, "/v1/chat"), Surface::Audio);
        assert_eq!(
            of(Listener::AudioBatch, "/v1/audio/translations"),
            Surface::AudioBatch
        );
    }

    #[test]
    fn query_values_are_decoded() {
        assert_eq!(
            query_value(Some("a=1&key=x%20y+z"), "key").as_deref(),
            Some("x y z")
        );
        assert_eq!(query_value(Some("key"), "key").as_deref(), Some(""));
        assert_eq!(query_value(Some("keys=1"), "key"), None);
        assert_eq!(query_value(None, "key"), None);
    }
}
