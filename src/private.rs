//! Helpers called only by generated code, exposed as the hidden `__private` module. This is
//! not public API: anything here can change in any release, in lockstep with the generator.

pub use ::http::Method;
pub use ::jiff;
pub use ::serde;
pub use ::serde_json;

pub use crate::__open_enum as open_enum;
pub use crate::__request_future as request_future;
pub use crate::__request_methods as request_methods;
pub use crate::call::Call;
pub use crate::multipart::Multipart;
pub use crate::operation::{Auth, BoxFuture, Operation};
pub use crate::union::{deserialize_tagged, serialize_tagged};
pub use crate::url::UrlBuilder;

/// The serde `with` helpers of `int64_string` fields (and `int64_string::option` for optional
/// ones): an `i64` as a JSON decimal string.
pub mod int64_string {
    pub use crate::int64::{deserialize, option, serialize};
}

/// The value of a poll parameter taken from a start call's response field (spec `wait.from`):
/// the whole text, or its `/`-separated segment (negative counts from the end).
///
/// # Errors
/// [`Error::Wait`] when the field is absent, empty or has no such segment.
pub fn wait_param(value: Option<&str>, field: &str, segment: Option<i32>) -> Result<String, Error> {
    crate::waiter::param_from(value, field, segment)
}

/// The field mask of a PATCH (spec `update_mask:`) when the caller sets none: the top-level
/// wire names of the JSON `body`, sorted, comma-joined, which are exactly the fields
/// the caller set (unset optional fields are not serialised). `None` for a body with no field.
///
/// # Errors
/// [`Error::InvalidArgument`] when the body cannot be serialised, before anything is sent.
pub fn update_mask<B: serde::Serialize>(body: &B) -> Result<Option<String>, Error> {
    let value = serde_json::to_value(body).map_err(|e| {
        Error::invalid_argument("body", format!("cannot be serialised as JSON: {e}"))
    })?;
    let fields: Vec<&str> = match &value {
        serde_json::Value::Object(map) => map.keys().map(String::as_str).collect(),
        _ => Vec::new(),
    };
    Ok((!fields.is_empty()).then(|| fields.join(",")))
}

use crate::body::{BodyKind, kind_of};
use crate::client::Client;
use crate::error::{Error, Redactor};

/// What a generated `Debug` prints in place of a `sensitive` field, as the client's own
/// `Debug` does for the API key.
pub const REDACTED: &str = crate::url::REDACTED;

/// The account id for a call: the explicit one, else the client's default.
///
/// # Errors
/// [`Error::InvalidArgument`] when neither is set, before anything is sent.
pub fn account_id<'a>(client: &'a Client, explicit: Option<&'a str>) -> Result<&'a str, Error> {
    explicit.or_else(|| client.account_id()).ok_or_else(|| {
        Error::invalid_argument(
            "account_id",
            "no account id: pass one to the call, or set one with `ClientBuilder::account_id` \
             or `FIREWORKS_ACCOUNT_ID`",
        )
    })
}

/// Deserialises an open string enum: every string maps to a value through `T`'s
/// `From<&str>`, so values the spec does not list are kept instead of failing.
///
/// # Errors
/// When the JSON value is not a string.
pub fn deserialize_open_enum<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: for<'a> From<&'a str>,
{
    struct Visitor<T>(std::marker::PhantomData<T>);

    impl<T: for<'a> From<&'a str>> serde::de::Visitor<'_> for Visitor<T> {
        type Value = T;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string")
        }

        fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<T, E> {
            Ok(T::from(value))
        }
    }

    deserializer.deserialize_str(Visitor(std::marker::PhantomData))
}

/// Implemented by generated request types that are sent as `multipart/form-data`.
pub trait MultipartForm {
    /// The parts, in spec order; unset optional fields are left out.
    fn to_multipart(&self) -> Multipart;
}

/// The value of a parameter derived from a request field through the spec's value map.
///
/// `source_value` is the field's value (`None` when unset), `mapped` what the map gives for
/// it (`None` when the map does not list it), `default` the value for an unset field and
/// `explicit` the caller's override. The derived value is `mapped`, or `default` when the
/// field is unset; an override must agree with it. When the map does not list the field's
/// value, the override is used as is, and `default` without one.
///
/// # Errors
/// [`Error::InvalidArgument`] naming the parameter when the override disagrees, before
/// anything is sent.
pub fn derive_param<'a>(
    name: &'static str,
    source: &'static str,
    source_value: Option<&str>,
    mapped: Option<&'a str>,
    default: &'a str,
    explicit: Option<&'a str>,
) -> Result<&'a str, Error> {
    let expected = match source_value {
        None => Some(default),
        Some(_) => mapped,
    };
    match (expected, explicit) {
        (Some(expected), Some(explicit)) if expected != explicit => {
            let because = match source_value {
                Some(value) => format!("`{source}` is `{value}`"),
                None => format!("`{source}` is not set (the server default)"),
            };
            Err(Error::invalid_argument(
                name,
                format!(
                    "`{explicit}` does not match the request: {because}, which needs `{expected}`; \
                     leave `{name}` unset to derive it"
                ),
            ))
        }
        (_, Some(explicit)) => Ok(explicit),
        (Some(expected), None) => Ok(expected),
        (None, None) => Ok(default),
    }
}

/// Decodes a JSON text into `T` for a generated output enum. The key is not known here:
/// `Call::send_decoded` redacts the error it returns.
///
/// # Errors
/// [`Error::Decode`] naming the JSON path of the failing field.
pub fn decode_json_str<T: serde::de::DeserializeOwned>(body: &str) -> Result<T, Error> {
    crate::body::decode_json(body.as_bytes(), None, None, Redactor::new(None))
}

/// Which case of a generated output enum a body looks like when the request field that
/// selects it is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guess {
    /// The JSON case at this index of the list passed to [`guess_output`].
    Json(usize),
    /// The first text case.
    Text,
    /// Neither: keep the body as it is.
    Other,
}

/// Guesses the case of a body from its content type: a JSON type (or, without a content
/// type, a body that parses as JSON) picks the JSON case whose field names share the most
/// keys with the body's top-level object (ties go to the earlier case); `text/*` (or no
/// content type and not JSON) picks the first text case; anything else is [`Guess::Other`].
///
/// `json_cases` lists the field names of each JSON case in spec order; `has_text` says
/// whether any case is text.
pub fn guess_output(
    content_type: Option<&str>,
    body: &str,
    json_cases: &[&[&str]],
    has_text: bool,
) -> Guess {
    let text = if has_text { Guess::Text } else { Guess::Other };
    let json = |keys: Option<Vec<String>>| {
        if json_cases.is_empty() {
            return Guess::Other;
        }
        let mut best = (0, 0);
        for (index, fields) in json_cases.iter().enumerate() {
            let shared = keys.as_ref().map_or(0, |keys| {
                fields
                    .iter()
                    .filter(|f| keys.iter().any(|k| k == **f))
                    .count()
            });
            if shared > best.1 {
                best = (index, shared);
            }
        }
        Guess::Json(best.0)
    };
    match content_type.map(kind_of) {
        Some(BodyKind::Json) => json(top_level_keys(body)),
        Some(BodyKind::Text) => text,
        None | Some(BodyKind::Unknown) => match top_level_keys(body) {
            Some(keys) if !json_cases.is_empty() => json(Some(keys)),
            _ => text,
        },
        Some(_) => Guess::Other,
    }
}

/// The top-level keys of a JSON body (none for JSON that is not an object), or `None` when
/// the body is not JSON. Values are skipped, not built: a 20 MB transcript costs no tree.
fn top_level_keys(body: &str) -> Option<Vec<String>> {
    use serde::de::IgnoredAny;

    match serde_json::from_str::<std::collections::BTreeMap<String, IgnoredAny>>(body) {
        Ok(map) => Some(map.into_keys().collect()),
        Err(_) => serde_json::from_str::<IgnoredAny>(body)
            .ok()
            .map(|_| Vec::new()),
    }
}

/// Hooks for the fuzz targets in `fuzz/` and the corpus replay test: the runtime's response
/// decoders, callable without an HTTP server. Hidden, and not API.
pub mod fuzz {
    use std::time::Duration;

    use http::{HeaderMap, Method, StatusCode};

    use crate::error::{CallInfo, Error, Redactor, StatusError};
    use crate::response::ResponseMeta;

    /// Runs every response decoder on arbitrary bytes: error-body shapes, snippets, embedded
    /// bodies by content type, JSON decoding with paths, and the retry and rate-limit headers.
    /// It must never panic; the fuzz targets in `fuzz/` and the corpus replay test call it.
    pub fn decoders(data: &[u8]) {
        use crate::body::{EmbeddedBody, decode_json};
        use crate::error::{ErrorFields, snippet};

        let key = Redactor::new(Some("key"));
        let fields = ErrorFields::parse(data).redacted(key);
        let _ = fields.message.is_some();
        let text = String::from_utf8_lossy(data);
        let _ = snippet(data, data.len() / 2, true, key);
        let _ = snippet(data, 0, false, key);
        let (content_type, body) = text.split_once('\n').unwrap_or(("", &text));
        if let Some(embedded) = EmbeddedBody::new(Some(content_type), Some(body)) {
            let _ = embedded.decode();
            let _ = embedded.text();
        }
        let _ = decode_json::<serde_json::Value>(data, None, None, key);
        let _ = decode_json::<std::collections::BTreeMap<String, Option<Vec<u32>>>>(
            data,
            None,
            None,
            Redactor::new(None),
        );
        let mut headers = http::HeaderMap::new();
        for (name, value) in text.lines().filter_map(|l| l.split_once(':')) {
            if let (Ok(name), Ok(value)) = (
                http::HeaderName::from_bytes(name.trim().as_bytes()),
                http::HeaderValue::from_str(value.trim()),
            ) {
                headers.append(name, value);
            }
        }
        let _ = crate::retry::server_delay(&headers, std::time::SystemTime::UNIX_EPOCH);
        let _ = crate::response::RateLimits::from_headers(&headers);
        let _ = crate::retry::status_is_retryable(
            http::StatusCode::SERVICE_UNAVAILABLE,
            &headers,
            true,
        );
    }

    /// The longest body snippet an error keeps, in bytes, counting any `[REDACTED]` marker but not
    /// the `…` cut markers. For the fuzz targets and the corpus replay.
    pub const SNIPPET_MAX: usize = crate::error::SNIPPET_MAX;

    /// The [`StatusError`] a call builds for a response with this status, these headers and this
    /// whole body, for a client whose API key is `api_key`: the same function the call path uses,
    /// without an HTTP server. The call details are placeholders (operation `status_error`,
    /// `GET`, an empty URL, one attempt). For the fuzz targets and the corpus replay.
    pub fn status_error(
        status: StatusCode,
        mut headers: HeaderMap,
        body: &[u8],
        api_key: Option<&str>,
    ) -> StatusError {
        let redactor = Redactor::new(api_key);
        redactor.headers(&mut headers);
        let call = CallInfo {
            operation: "status_error",
            method: Method::GET,
            url: String::new(),
            attempts: 1,
            elapsed: Duration::ZERO,
        };
        let meta = ResponseMeta::new(status, headers, 1, Duration::ZERO);
        StatusError::new(call, meta, body, true, redactor)
    }

    /// Decodes a response body into `T` with the same function `Call::send_json` uses, for a
    /// client whose API key is `api_key`, without an HTTP server; the error carries no call
    /// details or metadata. For the fuzz targets and the corpus replay.
    ///
    /// # Errors
    /// [`Error::Decode`] naming the JSON path of the failing field, as a call gives it.
    pub fn decode_json<T: serde::de::DeserializeOwned>(
        body: &[u8],
        api_key: Option<&str>,
    ) -> Result<T, Error> {
        crate::body::decode_json(body, None, None, Redactor::new(api_key))
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// The hook builds its error like a call does, headers included: a header that echoes the
        /// key (a `Location` with a query-parameter key) is redacted too.
        #[test]
        fn status_error_redacts_body_and_headers() {
            let key = "fw-canary-5f3a9c1e7b";
            let mut headers = HeaderMap::new();
            headers.insert(
                "x-echo",
                http::HeaderValue::from_static("Bearer fw-canary-5f3a9c1e7b"),
            );
            let body = br#"{"message":"bad key fw-canary-5f3a9c1e7b","code":16}"#;
            let error = status_error(StatusCode::UNAUTHORIZED, headers, body, Some(key));
            assert_eq!(error.message(), Some("bad key [REDACTED]"));
            assert_eq!(error.code(), Some("UNAUTHENTICATED"));
            assert_eq!(
                error.meta().headers().get("x-echo").map(|v| v.as_bytes()),
                Some(&b"Bearer [REDACTED]"[..])
            );
            assert!(!format!("{error} {error:?}").contains(key));
        }
    }
}
