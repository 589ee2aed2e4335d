//! The one error type of the runtime. Every variant carries a boxed payload so that
//! `Result<T, Error>` stays two words; none of them ever holds or prints the API key.

use std::fmt;
use std::time::Duration;

use http::{Method, StatusCode};

use crate::response::ResponseMeta;

mod shape;
mod snippet;

pub(crate) use shape::ErrorFields;
pub(crate) use snippet::snippet;

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
            _ => None,
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
            Self::InvalidArgument(_) | Self::Config(_) | Self::Wait(_) => None,
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
fn fmt_attempts(f: &mut fmt::Formatter<'_>, call: &CallInfo) -> fmt::Result {
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

/// Payload of [`Error::Status`]: a non-success, non-redirect HTTP status.
#[derive(Debug, Clone)]
pub struct StatusError {
    pub(crate) call: CallInfo,
    pub(crate) meta: ResponseMeta,
    pub(crate) fields: ErrorFields,
    pub(crate) snippet: String,
}

impl StatusError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.meta.status()
    }

    /// The status class, for matching without remembering numbers.
    pub fn kind(&self) -> StatusKind {
        StatusKind::of(self.meta.status())
    }

    /// The error message from the body, whichever known Fireworks error shape it used.
    pub fn message(&self) -> Option<&str> {
        self.fields.message.as_deref()
    }

    /// The error code from the body (`"NOT_FOUND"`, `"DeploymentNotFound"`...); numeric
    /// gRPC codes are given by name.
    pub fn code(&self) -> Option<&str> {
        self.fields.code.as_deref()
    }

    /// The error type from the body (`"invalid_request_error"`...).
    pub fn error_type(&self) -> Option<&str> {
        self.fields.error_type.as_deref()
    }

    /// The offending parameter named by the body, if any.
    pub fn param(&self) -> Option<&str> {
        self.fields.param.as_deref()
    }

    /// The start of the raw body, capped in length, with secrets redacted.
    pub fn body_snippet(&self) -> &str {
        &self.snippet
    }

    /// Request id, rate limits, headers, attempts and elapsed time.
    pub fn meta(&self) -> &ResponseMeta {
        &self.meta
    }

    /// The request id header, if the server sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.meta.request_id()
    }

    /// Which call failed.
    pub fn call(&self) -> &CallInfo {
        &self.call
    }
}

impl fmt::Display for StatusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {} from {}", self.meta.status(), self.call)?;
        fmt_attempts(f, &self.call)?;
        match &self.fields.message {
            Some(message) => write!(f, ": {message}")?,
            None if !self.snippet.is_empty() => write!(f, ": body {:?}", self.snippet)?,
            None => f.write_str(": empty body")?,
        }
        if let Some(code) = &self.fields.code {
            write!(f, " [code {code}]")?;
        }
        if let Some(id) = self.meta.request_id() {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

/// What a failure status means on Fireworks (FIREWORKS_API.md section 2.6), as the official
/// SDKs classify it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatusKind {
    /// 400: the request is malformed or invalid.
    BadRequest,
    /// 401: the key is missing, invalid, or lacks permission.
    Unauthenticated,
    /// 402: billing (no paid plan, usage limit exceeded).
    PaymentRequired,
    /// 403: permission denied (also returned for unknown models).
    PermissionDenied,
    /// 404: wrong path, or the resource does not exist or is not accessible.
    NotFound,
    /// 408: the server timed out waiting.
    RequestTimeout,
    /// 409: already exists, or aborted.
    Conflict,
    /// 412: account suspended, or a LoRA failed to load.
    PreconditionFailed,
    /// 413: payload too large.
    PayloadTooLarge,
    /// 422: well-formed but semantically invalid.
    Unprocessable,
    /// 429: rate limited.
    RateLimited,
    /// 5xx: the server failed or is overloaded.
    Server,
    /// Any other status.
    Other,
}

impl StatusKind {
    /// Classifies a status.
    pub fn of(status: StatusCode) -> Self {
        match status.as_u16() {
            400 => Self::BadRequest,
            401 => Self::Unauthenticated,
            402 => Self::PaymentRequired,
            403 => Self::PermissionDenied,
            404 => Self::NotFound,
            408 => Self::RequestTimeout,
            409 => Self::Conflict,
            412 => Self::PreconditionFailed,
            413 => Self::PayloadTooLarge,
            422 => Self::Unprocessable,
            429 => Self::RateLimited,
            500..=599 => Self::Server,
            _ => Self::Other,
        }
    }
}

/// Payload of [`Error::Decode`].
#[derive(Debug, Clone)]
pub struct DecodeError {
    pub(crate) call: Option<CallInfo>,
    pub(crate) meta: Option<ResponseMeta>,
    pub(crate) path: String,
    pub(crate) message: String,
    pub(crate) snippet: String,
}

impl DecodeError {
    /// JSON path of the offending field, e.g. `status` or `items[2].name`; `.` for the
    /// document itself.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The parser's message, with line and column.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Part of the body around the error, capped in length.
    pub fn snippet(&self) -> &str {
        &self.snippet
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("could not decode ")?;
        match &self.call {
            Some(call) => write!(f, "the response of {call}")?,
            None => f.write_str("an embedded body")?,
        }
        if let Some(meta) = &self.meta {
            write!(f, " (HTTP {}", meta.status())?;
            if let Some(id) = meta.request_id() {
                write!(f, ", request id {id}")?;
            }
            f.write_str(")")?;
        }
        write!(
            f,
            " at `{}`: {}; body {:?}",
            self.path, self.message, self.snippet
        )
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
