//! The one error type of the runtime. Every variant carries a boxed payload so that
//! `Result<T, Error>` stays two words; none of them ever holds or prints the API key.

use std::fmt;
use std::time::Duration;

use http::{Method, StatusCode};

use crate::policy::{Failed, Transience};
use crate::response::ResponseMeta;

mod decode;
mod redact;
mod shape;
mod snippet;
mod status;

pub use decode::DecodeError;
pub use status::{StatusError, StatusKind};

pub(crate) use redact::Redactor;
pub(crate) use shape::ErrorFields;
pub(crate) use snippet::{SNIPPET_MAX, snippet};

/// Everything that can go wrong in a call, and in building a client.
///
/// Match on the variant, then ask the payload for details:
///
/// ```
/// # fn handle(err: fireworks_ai::Error) {
/// match &err {
///     fireworks_ai::Error::Status(e) if e.status().as_u16() == 404 => {
///         println!("no such job: {}", e.message().unwrap_or("(no message)"));
///     }
///     fireworks_ai::Error::Timeout(e) if e.may_have_been_sent() => {
///         println!("timed out; the request may have reached the server");
///     }
///     other => println!("{other}"),
/// }
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A parameter was refused before anything was sent (empty path segment, missing
    /// account id, invalid header value...).
    InvalidArgument(Box<InvalidArgument>),
    /// The client configuration is unusable (bad base URL, no API key for an authenticated
    /// call, the HTTP client could not be built).
    Config(Box<ConfigError>),
    /// The connection failed or broke (refused, reset, truncated body, TLS failure).
    Transport(Box<TransportError>),
    /// An attempt, a body read or the whole operation ran out of time.
    Timeout(Box<TimeoutError>),
    /// The server answered with a non-success status.
    Status(Box<StatusError>),
    /// A body (or an embedded body) was not the JSON the spec describes.
    Decode(Box<DecodeError>),
    /// The server answered with a 3xx redirect, which is never followed so that the key is
    /// not sent to another host.
    Redirect(Box<RedirectError>),
    /// A response body is larger than the configured cap.
    TooLarge(Box<TooLargeError>),
    /// Waiting for a job ended without a result: its deadline passed, it failed, or it
    /// completed without one (see [`crate::WaitPolicy`]).
    Wait(Box<crate::wait::WaitError>),
    /// A streamed response or a paginated listing broke off after it started: an error
    /// event, an idle or truncated event stream, a repeated page token.
    Stream(Box<crate::sse::StreamError>),
}

impl Error {
    pub(crate) fn invalid_argument(name: &'static str, message: impl Into<String>) -> Self {
        Self::InvalidArgument(Box::new(InvalidArgument {
            name,
            message: message.into(),
        }))
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Self::Config(Box::new(ConfigError {
            message: message.into(),
        }))
    }

    /// The HTTP status, for [`Error::Status`], [`Error::Redirect`] and errors that arose
    /// while reading a response.
    pub fn status(&self) -> Option<StatusCode> {
        self.meta().map(ResponseMeta::status)
    }

    /// Response metadata (request id, rate limits, attempts), when a response was received.
    pub fn meta(&self) -> Option<&ResponseMeta> {
        match self {
            Self::Status(e) => Some(&e.meta),
            Self::Redirect(e) => Some(&e.meta),
            Self::Decode(e) => e.meta.as_ref(),
            Self::TooLarge(e) => e.meta.as_ref(),
            Self::Stream(e) => e.meta(),
            _ => None,
        }
    }

    /// Whether sending the same request again later may succeed: a connection failure, a
    /// timeout, 408, 429 or 5xx (never 409, and not when the server answered
    /// `x-should-retry: false`). The client's own retries use the same classifier (and
    /// repeat only what is safe for the operation); the batch waiter keeps polling after
    /// such an error and stops at once after any other.
    pub fn is_transient(&self) -> bool {
        Transience::of(self.failed()) != Transience::Never
    }

    /// What kind of failure this is, for the classifier.
    pub(crate) fn failed(&self) -> Failed<'_> {
        match self {
            Self::Transport(e) if !e.maybe_sent => Failed::NotSent,
            Self::Transport(_) => Failed::Broken,
            Self::Timeout(_) => Failed::TimedOut,
            Self::Status(e) => Failed::Status(e.status(), e.meta().headers()),
            _ => Failed::Permanent,
        }
    }

    /// The server's `x-request-id`, when a response was received.
    pub fn request_id(&self) -> Option<&str> {
        self.meta().and_then(ResponseMeta::request_id)
    }

    /// The operation, method, URL (secrets redacted), attempts and elapsed time of the call
    /// that failed; `None` for errors raised before any attempt.
    pub fn call(&self) -> Option<&CallInfo> {
        match self {
            Self::Transport(e) => Some(&e.call),
            Self::Timeout(e) => Some(&e.call),
            Self::Status(e) => Some(&e.call),
            Self::Redirect(e) => Some(&e.call),
            Self::Decode(e) => e.call.as_ref(),
            Self::TooLarge(e) => Some(&e.call),
            Self::InvalidArgument(_) | Self::Config(_) | Self::Wait(_) | Self::Stream(_) => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidArgument(e) => e.fmt(f),
            Self::Config(e) => e.fmt(f),
            Self::Transport(e) => e.fmt(f),
            Self::Timeout(e) => e.fmt(f),
            Self::Status(e) => e.fmt(f),
            Self::Decode(e) => e.fmt(f),
            Self::Redirect(e) => e.fmt(f),
            Self::TooLarge(e) => e.fmt(f),
            Self::Wait(e) => e.fmt(f),
            Self::Stream(e) => e.fmt(f),
        }
    }
}

/// `source()` is `None` for every variant: `Display` already prints the whole cause chain,
/// and reporters that walk `source()` would print it twice. The `reqwest` error stays
/// reachable through [`TransportError::reqwest_error`].
impl std::error::Error for Error {}

/// Which call failed: operation id, method, URL with secrets redacted, attempts, elapsed.
#[derive(Debug, Clone)]
pub struct CallInfo {
    pub(crate) operation: &'static str,
    pub(crate) method: Method,
    pub(crate) url: String,
    pub(crate) attempts: u32,
    pub(crate) elapsed: Duration,
}

impl CallInfo {
    /// The operation id from the spec, e.g. `get_batch_status`.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The request URL; a key passed as a query parameter shows as `[REDACTED]`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Attempts made, including the failed final one.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Time from the first attempt to the failure, including backoff sleeps.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }
}

impl fmt::Display for CallInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` ({} {})", self.operation, self.method, self.url)
    }
}

/// Writes ", after N attempts" when there was more than one.
pub(crate) fn fmt_attempts(f: &mut fmt::Formatter<'_>, call: &CallInfo) -> fmt::Result {
    if call.attempts > 1 {
        write!(f, " after {} attempts", call.attempts)?;
    }
    Ok(())
}

/// Payload of [`Error::InvalidArgument`].
#[derive(Debug, Clone)]
pub struct InvalidArgument {
    name: &'static str,
    message: String,
}

impl InvalidArgument {
    /// The parameter's name as the spec spells it.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// What is wrong with it.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for InvalidArgument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid argument `{}`: {} (nothing was sent)",
            self.name, self.message
        )
    }
}

/// Payload of [`Error::Config`].
#[derive(Debug, Clone)]
pub struct ConfigError {
    message: String,
}

impl ConfigError {
    /// What is wrong with the configuration.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "client configuration error: {}", self.message)
    }
}

/// Payload of [`Error::Transport`].
#[derive(Debug)]
pub struct TransportError {
    pub(crate) call: CallInfo,
    pub(crate) maybe_sent: bool,
    pub(crate) source: reqwest::Error,
}

impl TransportError {
    /// Which call failed.
    pub fn call(&self) -> &CallInfo {
        &self.call
    }

    /// Whether the server may have received the request. `false` only when the connection
    /// was never established (refused, DNS or TLS failure).
    pub fn may_have_been_sent(&self) -> bool {
        self.maybe_sent
    }

    /// The underlying `reqwest` error (its URL removed; see [`CallInfo::url`]).
    pub fn reqwest_error(&self) -> &reqwest::Error {
        &self.source
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "transport error in {}", self.call)?;
        fmt_attempts(f, &self.call)?;
        write!(f, ": {}", self.source)?;
        let mut source = std::error::Error::source(&self.source);
        while let Some(inner) = source {
            write!(f, ": {inner}")?;
            source = inner.source();
        }
        if self.maybe_sent {
            f.write_str(" (the request may have been sent)")?;
        }
        Ok(())
    }
}

/// Which limit a [`TimeoutError`] hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// One attempt (connect, send, and read the whole body) took longer than this.
    Attempt(Duration),
    /// The body stopped arriving for this long.
    ReadStall(Duration),
    /// The operation's deadline, covering all attempts and sleeps, was reached.
    Deadline(Duration),
}

/// Payload of [`Error::Timeout`].
#[derive(Debug, Clone)]
pub struct TimeoutError {
    pub(crate) call: CallInfo,
    pub(crate) kind: TimeoutKind,
    pub(crate) maybe_sent: bool,
}

impl TimeoutError {
    /// Which call failed.
    pub fn call(&self) -> &CallInfo {
        &self.call
    }

    /// Which limit was hit.
    pub fn kind(&self) -> TimeoutKind {
        self.kind
    }

    /// Whether the server may have received the request.
    pub fn may_have_been_sent(&self) -> bool {
        self.maybe_sent
    }
}

impl fmt::Display for TimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (what, limit) = match self.kind {
            TimeoutKind::Attempt(d) => ("attempt timeout", d),
            TimeoutKind::ReadStall(d) => ("read-stall timeout", d),
            TimeoutKind::Deadline(d) => ("operation deadline", d),
        };
        write!(f, "{what} of {limit:?} reached in {}", self.call)?;
        fmt_attempts(f, &self.call)?;
        if self.maybe_sent {
            f.write_str(" (the request may have been sent)")?;
        }
        Ok(())
    }
}

/// Payload of [`Error::Redirect`].
#[derive(Debug, Clone)]
pub struct RedirectError {
    pub(crate) call: CallInfo,
    pub(crate) meta: ResponseMeta,
    pub(crate) location: Option<String>,
}

impl RedirectError {
    /// Which call failed.
    pub fn call(&self) -> &CallInfo {
        &self.call
    }

    /// The `Location` header, if any.
    pub fn location(&self) -> Option<&str> {
        self.location.as_deref()
    }

    /// Status, request id and headers of the redirect.
    pub fn meta(&self) -> &ResponseMeta {
        &self.meta
    }
}

impl fmt::Display for RedirectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "HTTP {} redirect from {} to {} not followed (redirects are refused so the key \
             never reaches another host; update the base URL instead)",
            self.meta.status(),
            self.call,
            self.location.as_deref().unwrap_or("(no location)"),
        )
    }
}

/// Payload of [`Error::TooLarge`].
#[derive(Debug, Clone)]
pub struct TooLargeError {
    pub(crate) call: CallInfo,
    pub(crate) meta: Option<ResponseMeta>,
    pub(crate) limit: u64,
    pub(crate) declared: Option<u64>,
}

impl TooLargeError {
    /// Which call failed.
    pub fn call(&self) -> &CallInfo {
        &self.call
    }

    /// The configured cap in bytes.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// The `Content-Length` the server announced, if it did.
    pub fn declared_length(&self) -> Option<u64> {
        self.declared
    }
}

impl fmt::Display for TooLargeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "response body of {} ", self.call)?;
        match self.declared {
            Some(len) => write!(f, "announces {len} bytes, over")?,
            None => f.write_str("exceeded")?,
        }
        write!(f, " the limit of {} bytes", self.limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_stays_small() {
        assert_eq!(
            std::mem::size_of::<Error>(),
            2 * std::mem::size_of::<usize>()
        );
    }

    #[test]
    fn error_is_send_sync_static() {
        fn check<T: std::error::Error + Send + Sync + 'static>() {}
        check::<Error>();
    }

    #[test]
    fn invalid_argument_display_names_the_parameter() {
        let err = Error::invalid_argument("batch_id", "must not be empty");
        assert_eq!(
            err.to_string(),
            "invalid argument `batch_id`: must not be empty (nothing was sent)"
        );
    }
}
