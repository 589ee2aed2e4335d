//! Successful responses and the metadata every response and most errors carry: status,
//! request id, the Fireworks rate-limit headers, attempts taken and time elapsed.

use std::fmt;
use std::sync::OnceLock;
use std::time::Duration;

use http::{HeaderMap, StatusCode};

/// The name of the header carrying the server's request id.
pub(crate) const REQUEST_ID: &str = "x-request-id";

/// A decoded response body together with its [`ResponseMeta`].
#[derive(Debug, Clone)]
pub struct Response<T> {
    value: T,
    meta: ResponseMeta,
}

impl<T> Response<T> {
    pub(crate) fn new(value: T, meta: ResponseMeta) -> Self {
        Self { value, meta }
    }

    /// The decoded body, dropping the metadata.
    pub fn into_inner(self) -> T {
        self.value
    }

    /// The decoded body.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// Status, request id, rate limits, attempts and elapsed time.
    pub fn meta(&self) -> &ResponseMeta {
        &self.meta
    }

    /// Splits the response into body and metadata.
    pub fn into_parts(self) -> (T, ResponseMeta) {
        (self.value, self.meta)
    }
}

/// What is known about the HTTP exchange that produced a response or a status error.
///
/// The request id and rate limits are read from the headers when first asked for, so a call
/// whose metadata nobody reads (`.send()`) does not pay for them.
#[derive(Clone)]
pub struct ResponseMeta {
    status: StatusCode,
    headers: HeaderMap,
    attempts: u32,
    elapsed: Duration,
    rate_limits: OnceLock<RateLimits>,
}

impl fmt::Debug for ResponseMeta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseMeta")
            .field("status", &self.status)
            .field("request_id", &self.request_id())
            .field("rate_limits", self.rate_limits())
            .field("headers", &self.headers)
            .field("attempts", &self.attempts)
            .field("elapsed", &self.elapsed)
            .finish()
    }
}

impl ResponseMeta {
    pub(crate) fn new(
        status: StatusCode,
        headers: HeaderMap,
        attempts: u32,
        elapsed: Duration,
    ) -> Self {
        Self {
            status,
            headers,
            attempts,
            elapsed,
            rate_limits: OnceLock::new(),
        }
    }

    /// HTTP status of the final attempt.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The `x-request-id` header, to quote when reporting a problem to Fireworks.
    pub fn request_id(&self) -> Option<&str> {
        header_str(&self.headers, REQUEST_ID)
    }

    /// The `x-ratelimit-*` headers of the final attempt.
    pub fn rate_limits(&self) -> &RateLimits {
        self.rate_limits
            .get_or_init(|| RateLimits::from_headers(&self.headers))
    }

    /// All response headers of the final attempt; a value that contains the client's API key
    /// (a proxy echoing the request, a `Location` with a query-parameter key) shows it as
    /// `[REDACTED]`.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// Number of HTTP attempts made, including the final one (1 when nothing was retried).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Time from the start of the first attempt to the end of reading the final body,
    /// including backoff sleeps.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }
}

/// The Fireworks rate-limit headers; each field is `None` when its header is absent or
/// unparsable.
///
/// Token limits may be fractional (newer docs express them per second), so they are `f64`.
/// Fireworks sends no reset header.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct RateLimits {
    /// `x-ratelimit-limit-requests`.
    pub limit_requests: Option<u64>,
    /// `x-ratelimit-remaining-requests`.
    pub remaining_requests: Option<u64>,
    /// `x-ratelimit-over-limit: yes` (or `true`): processed, but over the guaranteed limit and
    /// may be deprioritised.
    pub over_limit: bool,
    /// `x-ratelimit-limit-tokens-prompt`.
    pub limit_tokens_prompt: Option<f64>,
    /// `x-ratelimit-remaining-tokens-prompt`.
    pub remaining_tokens_prompt: Option<f64>,
    /// `x-ratelimit-limit-tokens-cache-adjusted-prompt`.
    pub limit_tokens_cache_adjusted_prompt: Option<f64>,
    /// `x-ratelimit-remaining-tokens-cache-adjusted-prompt`.
    pub remaining_tokens_cache_adjusted_prompt: Option<f64>,
    /// `x-ratelimit-limit-tokens-generated`.
    pub limit_tokens_generated: Option<f64>,
    /// `x-ratelimit-remaining-tokens-generated`.
    pub remaining_tokens_generated: Option<f64>,
}

impl RateLimits {
    /// Reads the rate-limit headers out of a header map.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let num = |name: &str| header_str(headers, name).and_then(|v| v.trim().parse::<f64>().ok());
        let int = |name: &str| header_str(headers, name).and_then(|v| v.trim().parse::<u64>().ok());
        Self {
            limit_requests: int("x-ratelimit-limit-requests"),
            remaining_requests: int("x-ratelimit-remaining-requests"),
            over_limit: header_str(headers, "x-ratelimit-over-limit").is_some_and(|v| {
                v.trim().eq_ignore_ascii_case("yes") || v.trim().eq_ignore_ascii_case("true")
            }),
            limit_tokens_prompt: num("x-ratelimit-limit-tokens-prompt"),
            remaining_tokens_prompt: num("x-ratelimit-remaining-tokens-prompt"),
            limit_tokens_cache_adjusted_prompt: num(
                "x-ratelimit-limit-tokens-cache-adjusted-prompt",
            ),
            remaining_tokens_cache_adjusted_prompt: num(
                "x-ratelimit-remaining-tokens-cache-adjusted-prompt",
            ),
            limit_tokens_generated: num("x-ratelimit-limit-tokens-generated"),
            remaining_tokens_generated: num("x-ratelimit-remaining-tokens-generated"),
        }
    }
}

/// A header's value as text, if present and visible ASCII.
pub(crate) fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn rate_limits_are_parsed() {
        let mut h = HeaderMap::new();
        h.insert(
            "x-ratelimit-limit-requests",
            HeaderValue::from_static("6000"),
        );
        h.insert(
            "x-ratelimit-remaining-requests",
            HeaderValue::from_static(" 5999 "),
        );
        h.insert("x-ratelimit-over-limit", HeaderValue::from_static("yes"));
        h.insert(
            "x-ratelimit-limit-tokens-generated",
            HeaderValue::from_static("600.5"),
        );
        h.insert(
            "x-ratelimit-remaining-tokens-prompt",
            HeaderValue::from_static("junk"),
        );
        h.insert(REQUEST_ID, HeaderValue::from_static("req-1"));
        let meta = ResponseMeta::new(StatusCode::OK, h, 2, Duration::from_millis(5));
        let rl = meta.rate_limits();
        assert_eq!(rl.limit_requests, Some(6000));
        assert_eq!(rl.remaining_requests, Some(5999));
        assert!(rl.over_limit);
        assert_eq!(rl.limit_tokens_generated, Some(600.5));
        assert_eq!(rl.remaining_tokens_prompt, None);
        assert_eq!(meta.request_id(), Some("req-1"));
        assert_eq!(meta.attempts(), 2);
    }

    #[test]
    fn absent_headers_give_defaults() {
        assert_eq!(
            RateLimits::from_headers(&HeaderMap::new()),
            RateLimits::default()
        );
    }
}
