//! Per-call overrides ([`RequestOptions`]) and the client-wide settings they override.

use std::time::Duration;

use crate::retry::RetryPolicy;

/// Client-wide limits and timeouts, resolved once in `ClientBuilder::build`.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) attempt_timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) read_stall_timeout: Option<Duration>,
    pub(crate) deadline: Option<Duration>,
    pub(crate) max_body_bytes: u64,
    pub(crate) max_error_body_bytes: u64,
    pub(crate) retry: RetryPolicy,
    pub(crate) max_in_flight: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            attempt_timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(5),
            read_stall_timeout: Some(Duration::from_secs(30)),
            deadline: None,
            max_body_bytes: 64 * 1024 * 1024,
            max_error_body_bytes: 64 * 1024,
            retry: RetryPolicy::default(),
            max_in_flight: crate::limit::DEFAULT_MAX_IN_FLIGHT,
        }
    }
}

/// Per-call overrides of the client's settings; every field left unset uses the client's.
///
/// ```
/// use std::time::Duration;
/// use fireworks_ai::RequestOptions;
///
/// let options = RequestOptions::new()
///     .timeout(Duration::from_secs(600))
///     .max_retries(0)
///     .deadline(Duration::from_secs(900));
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) max_retries: Option<u32>,
    pub(crate) deadline: Option<Duration>,
    pub(crate) read_stall_timeout: Option<Duration>,
    pub(crate) max_body_bytes: Option<u64>,
}

impl RequestOptions {
    /// No overrides.
    pub const fn new() -> Self {
        Self {
            timeout: None,
            max_retries: None,
            deadline: None,
            read_stall_timeout: None,
            max_body_bytes: None,
        }
    }

    /// Time allowed for each attempt (connect, send, read the whole body). Overrides the
    /// spec's default for the operation and the client's timeout.
    pub const fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Retries after the first attempt (0 disables retries for this call).
    pub const fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = Some(retries);
        self
    }

    /// Time allowed for the whole call, covering every attempt and backoff sleep.
    pub const fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Longest pause allowed between two pieces of a response body.
    pub const fn read_stall_timeout(mut self, timeout: Duration) -> Self {
        self.read_stall_timeout = Some(timeout);
        self
    }

    /// Largest successful response body accepted, in bytes.
    pub const fn max_body_bytes(mut self, bytes: u64) -> Self {
        self.max_body_bytes = Some(bytes);
        self
    }
}
