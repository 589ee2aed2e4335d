//! Helpers called only by generated code, exposed as the hidden `__private` module. This is
//! not public API: anything here can change in any release, in lockstep with the generator.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

pub use ::http::Method;
pub use ::serde;
pub use ::serde_json;

pub use crate::call::Call;
pub use crate::url::UrlBuilder;

use crate::client::{Client, Server};
use crate::error::Error;

/// The future returned by generated `IntoFuture` impls.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// How an operation sends the API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// No key.
    None,
    /// `Authorization: <key>` (the audio hosts).
    Raw,
    /// `Authorization: Bearer <key>`.
    Bearer,
    /// The key as this query parameter; redacted in every URL shown in errors and logs.
    Query(&'static str),
}

/// Everything the runtime needs to know about one operation; generated as a `static`.
#[derive(Debug)]
pub struct Operation {
    /// The operation id from the spec.
    pub id: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The server it is sent to.
    pub server: &'static Server,
    /// The path template, for logs and errors.
    pub path: &'static str,
    /// How the key is sent.
    pub auth: Auth,
    /// Whether repeating the request is harmless, so it may be retried after it may have
    /// reached the server.
    pub idempotent: bool,
    /// The spec's default per-attempt timeout, if it sets one.
    pub timeout: Option<Duration>,
}

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
/// `from` names that conversion at the call site for readability. It is not called: the
/// generated `<Self as From<&str>>::from` is a function of one particular lifetime, which
/// cannot be called with a string borrowed from inside the deserializer, so the
/// higher-ranked `T: for<'a> From<&'a str>` bound is used instead.
///
/// # Errors
/// When the JSON value is not a string.
pub fn deserialize_open_enum<'de, D, T, F>(deserializer: D, from: F) -> Result<T, D::Error>
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

    let _ = from;
    deserializer.deserialize_str(Visitor(std::marker::PhantomData))
}

/// Runs every response decoder on arbitrary bytes: error-body shapes, snippets, embedded
/// bodies by content type, JSON decoding with paths, and the retry and rate-limit headers.
/// It must never panic; the fuzz targets in `fuzz/` and the corpus replay test call it.
pub fn fuzz_decoders(data: &[u8]) {
    use crate::body::{EmbeddedBody, decode_json};
    use crate::error::{ErrorFields, snippet};

    let fields = ErrorFields::parse(data);
    let _ = fields.message.is_some();
    let text = String::from_utf8_lossy(data);
    let _ = snippet(data, data.len() / 2, Some("key"));
    let (content_type, body) = text.split_once('\n').unwrap_or(("", &text));
    if let Some(embedded) = EmbeddedBody::new(Some(content_type), Some(body)) {
        let _ = embedded.decode();
        let _ = embedded.text();
    }
    let _ = decode_json::<serde_json::Value>(data, None, None, Some("key"));
    let _ =
        decode_json::<std::collections::BTreeMap<String, Option<Vec<u32>>>>(data, None, None, None);
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
    let _ =
        crate::retry::status_is_retryable(http::StatusCode::SERVICE_UNAVAILABLE, &headers, true);
}
