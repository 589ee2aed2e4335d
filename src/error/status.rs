//! The error for a non-success, non-redirect status: what the body's error shape says, a
//! snippet of the body, and how Fireworks classifies the status. Everything taken from the
//! body is redacted here, once, for every caller.

use std::fmt;

use http::StatusCode;

use super::redact::Redactor;
use super::shape::ErrorFields;
use super::snippet::snippet;
use super::{CallInfo, fmt_attempts};
use crate::response::ResponseMeta;

/// Payload of [`Error::Status`](super::Error::Status): a non-success, non-redirect HTTP status.
#[derive(Debug, Clone)]
pub struct StatusError {
    pub(crate) call: CallInfo,
    pub(crate) meta: ResponseMeta,
    pub(crate) fields: ErrorFields,
    pub(crate) snippet: String,
}

impl StatusError {
    /// The error for a non-success response, as every call builds it: the fields of the
    /// body's error shape and a snippet of its start, each cleaned by `redactor`. `complete`
    /// says whether the whole body was read (a partly read body ends at a cut).
    pub(crate) fn new(
        call: CallInfo,
        meta: ResponseMeta,
        body: &[u8],
        complete: bool,
        redactor: Redactor<'_>,
    ) -> Self {
        Self {
            call,
            meta,
            fields: ErrorFields::parse(body).redacted(redactor),
            snippet: snippet(body, 0, complete, redactor),
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.meta.status()
    }

    /// The status class, for matching without remembering numbers.
    pub fn kind(&self) -> StatusKind {
        StatusKind::of(self.meta.status())
    }

    /// The error message from the body, whichever known Fireworks error shape it used.
    ///
    /// Like every text taken from the body ([`code`](Self::code),
    /// [`error_type`](Self::error_type), [`param`](Self::param), the snippet), it shows the
    /// client's API key as `[REDACTED]`.
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

    /// The start of the raw body, lossily decoded, at most 512 bytes (counting any
    /// `[REDACTED]`) plus a `…` marking a cut, with the API key redacted; a piece of the key
    /// that a cut leaves behind is redacted too.
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use http::Method;

    use super::*;
    use crate::error::Error;

    const KEY: &str = "fw-canary-5f3a9c1e7b";

    fn call() -> CallInfo {
        CallInfo {
            operation: "get_batch_status",
            method: Method::GET,
            url: "http://127.0.0.1/v1/x".to_owned(),
            attempts: 1,
            elapsed: Duration::ZERO,
        }
    }

    /// Every status error body that echoes the key, in each field: neither `Display` nor
    /// `Debug` shows it, and each field reads `[REDACTED]` where the key was.
    #[test]
    fn status_errors_never_show_the_key() {
        let table: &[(u16, &str, Option<&str>)] = &[
            (
                401,
                r#"{"message":"bad key fw-canary-5f3a9c1e7b"}"#,
                Some("bad key [REDACTED]"),
            ),
            (
                400,
                r#"{"error":{"message":"fw-canary-5f3a9c1e7b","code":"fw-canary-5f3a9c1e7b","type":"fw-canary-5f3a9c1e7b","param":"fw-canary-5f3a9c1e7b"}}"#,
                Some("[REDACTED]"),
            ),
            (
                403,
                r#"{"error":"no fw-canary-5f3a9c1e7b"}"#,
                Some("no [REDACTED]"),
            ),
            (500, "<html>fw-canary-5f3a9c1e7b</html>", None),
        ];
        for (status, body, message) in table {
            let status = StatusCode::from_u16(*status).unwrap();
            let meta = ResponseMeta::new(status, http::HeaderMap::new(), 1, Duration::ZERO);
            let error = StatusError::new(
                call(),
                meta,
                body.as_bytes(),
                true,
                Redactor::new(Some(KEY)),
            );
            assert_eq!(error.message(), *message, "{body}");
            for field in [error.code(), error.error_type(), error.param()]
                .into_iter()
                .flatten()
            {
                assert_eq!(field, "[REDACTED]", "{body}");
            }
            assert!(error.body_snippet().contains("[REDACTED]"), "{body}");
            let error = Error::Status(Box::new(error));
            let shown = format!("{error} {error:?}");
            assert!(!shown.contains(KEY), "{shown}");
        }
    }
}
