//! A bounded log of the requests the emulator received, so tests can assert on exactly what a
//! client sent (request line, raw encoded path, `Authorization` header).

use std::collections::VecDeque;
use std::sync::Mutex;

use axum::extract::Request;

use crate::job::lock;

/// How many requests the log keeps; older ones are dropped first.
const CAPACITY: usize = 1000;

/// One request as the emulator received it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// HTTP method, such as `GET`.
    pub method: String,
    /// The path exactly as sent, still percent-encoded.
    pub path: String,
    /// The query string without `?`, if any.
    pub query: Option<String>,
    /// The `Authorization` header, if present and valid UTF-8.
    pub authorization: Option<String>,
    /// The `Content-Type` header, if present and valid UTF-8.
    pub content_type: Option<String>,
    /// The `User-Agent` header, if present and valid UTF-8.
    pub user_agent: Option<String>,
}

impl RecordedRequest {
    /// Captures the parts of `request` a test may want to check.
    pub(crate) fn of(request: &Request) -> Self {
        let header = |name: &str| {
            request
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        Self {
            method: request.method().as_str().to_owned(),
            path: request.uri().path().to_owned(),
            query: request.uri().query().map(str::to_owned),
            authorization: header("authorization"),
            content_type: header("content-type"),
            user_agent: header("user-agent"),
        }
    }
}

/// The log itself.
#[derive(Debug, Default)]
pub(crate) struct Record {
    requests: Mutex<VecDeque<RecordedRequest>>,
}

impl Record {
    /// Appends one request, dropping the oldest past [`CAPACITY`].
    pub(crate) fn push(&self, request: RecordedRequest) {
        let mut requests = lock(&self.requests);
        if requests.len() >= CAPACITY {
            requests.pop_front();
        }
        requests.push_back(request);
    }

    /// A copy of the log, oldest first.
    pub(crate) fn snapshot(&self) -> Vec<RecordedRequest> {
        lock(&self.requests).iter().cloned().collect()
    }
}
