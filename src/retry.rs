//! When to retry and how long to wait: the retry policy, server hints (`retry-after-ms`,
//! `Retry-After`, `x-should-retry`), the retry budget shared by a client's clones, and the
//! injectable clock that makes backoff testable. Sending lives in `call`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use http::{HeaderMap, StatusCode};

use crate::policy::{Backoff, Failed, Random, Transience};
use crate::response::header_str;

/// Longest server-requested delay honoured; longer (or zero) hints fall back to backoff.
const MAX_SERVER_DELAY: Duration = Duration::from_secs(60);

/// Time source and sleeper used for backoff and the operation deadline.
///
/// The default uses the tokio timer. Tests inject a fake that records each sleep and
/// advances a virtual clock, so backoff can be asserted exactly without waiting. Attempt and
/// read-stall timeouts always use the tokio timer.
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// The current instant.
    fn now(&self) -> Instant;
    /// Waits for `duration`.
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>>;
}

/// The default [`Clock`]: `Instant::now` and `tokio::time::sleep`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioClock;

impl Clock for TokioClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// How many times to retry, how long to wait, and how many retries a client may spend.
///
/// Defaults follow the official Python SDK where that is safe: 2 retries (3 attempts),
/// backoff `min(0.5 s × 2ⁿ, 8 s)` times a jitter factor in `[0.75, 1.0]`, and a server hint
/// honoured when it asks for more than 0 and at most 60 s. The retry budget starts with 10
/// retries, earns 0.2 per call and holds at most 100, so a failing service sees at most
/// about 20 % more requests than calls instead of three times as many.
#[derive(Clone)]
pub struct RetryPolicy {
    pub(crate) max_retries: u32,
    backoff: Backoff,
    pub(crate) budget_initial: f64,
    pub(crate) budget_ratio: f64,
    pub(crate) budget_max: f64,
}

impl fmt::Debug for RetryPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryPolicy")
            .field("max_retries", &self.max_retries)
            .field("initial_backoff", &self.backoff.first)
            .field("max_backoff", &self.backoff.max)
            .field("budget_initial", &self.budget_initial)
            .field("budget_ratio", &self.budget_ratio)
            .field("budget_max", &self.budget_max)
            .finish_non_exhaustive()
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 2,
            backoff: Backoff {
                first: Duration::from_millis(500),
                factor: 2.0,
                max: Duration::from_secs(8),
                low: 0.75,
                high: 1.0,
                random: Random::Fastrand,
            },
            budget_initial: 10.0,
            budget_ratio: 0.2,
            budget_max: 100.0,
        }
    }
}

impl RetryPolicy {
    /// The defaults described on the type.
    pub fn new() -> Self {
        Self::default()
    }

    /// Retries after the first attempt (0 disables retries).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// Backoff before the first retry; doubled for each further retry.
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.backoff.first = backoff;
        self
    }

    /// Upper bound of the exponential backoff (before jitter).
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.backoff.max = backoff;
        self
    }

    /// Replaces the jitter source; it returns the factor applied to each backoff and is
    /// clamped to `0.0..=1.0` (NaN counts as 1).
    pub fn jitter(mut self, jitter: impl Fn() -> f64 + Send + Sync + 'static) -> Self {
        self.backoff.low = 0.0;
        self.backoff.high = 1.0;
        self.backoff.random = Random::Custom(Arc::new(jitter));
        self
    }

    /// Turns jitter off, so backoff is exactly `min(initial × 2ⁿ, max)`.
    pub fn no_jitter(self) -> Self {
        self.jitter(|| 1.0)
    }

    /// Sets the retry budget: `initial` retries available at start, `per_call` earned by every
    /// call, at most `max` saved. Each retry spends one.
    pub fn budget(mut self, initial: f64, per_call: f64, max: f64) -> Self {
        self.budget_initial = initial.max(0.0);
        self.budget_ratio = per_call.max(0.0);
        self.budget_max = max.max(0.0);
        self
    }

    /// The backoff before retry number `retry` (0 for the first retry) when the server gives
    /// no usable hint: `min(initial × 2^retry, max) × jitter`. Never overflows.
    pub fn backoff(&self, retry: u32) -> Duration {
        self.backoff.delay(retry)
    }
}

/// The delay a response asks for: `retry-after-ms` (milliseconds), else `Retry-After` as
/// seconds or an HTTP date. Only values above zero and at most 60 s count.
pub fn server_delay(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let valid = |d: Duration| (!d.is_zero() && d <= MAX_SERVER_DELAY).then_some(d);
    let from_ms = header_str(headers, "retry-after-ms")
        .and_then(|v| v.trim().parse::<f64>().ok())
        .and_then(|ms| Duration::try_from_secs_f64(ms / 1000.0).ok())
        .and_then(valid);
    if from_ms.is_some() {
        return from_ms;
    }
    let value = header_str(headers, "retry-after")?.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return Duration::try_from_secs_f64(secs).ok().and_then(valid);
    }
    let date = httpdate::parse_http_date(value).ok()?;
    date.duration_since(now).ok().and_then(valid)
}

/// Whether a status is worth retrying for an operation of the given idempotency: the
/// classifier of [`Transience::of`] for a status.
pub(crate) fn status_is_retryable(
    status: StatusCode,
    headers: &HeaderMap,
    idempotent: bool,
) -> bool {
    Transience::of(Failed::Status(status, headers)).allows(idempotent)
}

/// A token bucket shared by a client and its clones that bounds retries to a fraction of
/// calls (in the spirit of gRPC retry throttling and Finagle's retry budget).
///
/// The token count is an `f64` kept in an atomic, so the success path of a call (one
/// deposit) takes no lock, and a full bucket is a single load.
#[derive(Debug)]
pub(crate) struct RetryBudget {
    tokens: AtomicU64,
    per_call: f64,
    max: f64,
}

impl RetryBudget {
    pub(crate) fn new(policy: &RetryPolicy) -> Self {
        let start = policy.budget_initial.min(policy.budget_max);
        Self {
            tokens: AtomicU64::new(start.to_bits()),
            per_call: policy.budget_ratio,
            max: policy.budget_max,
        }
    }

    /// Credits one call.
    pub(crate) fn deposit(&self) {
        let _ = self
            .tokens
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| {
                let tokens = f64::from_bits(bits);
                (tokens < self.max).then(|| (tokens + self.per_call).min(self.max).to_bits())
            });
    }

    /// Spends one retry if the budget allows it.
    pub(crate) fn withdraw(&self) -> bool {
        self.tokens
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| {
                let tokens = f64::from_bits(bits);
                (tokens >= 1.0).then(|| (tokens - 1.0).to_bits())
            })
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use proptest::prelude::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let p = RetryPolicy::new().no_jitter();
        let got: Vec<_> = (0..6).map(|n| p.backoff(n).as_millis()).collect();
        assert_eq!(got, [500, 1000, 2000, 4000, 8000, 8000]);
        assert_eq!(p.backoff(u32::MAX), Duration::from_secs(8));
    }

    #[test]
    fn default_jitter_stays_in_range() {
        let p = RetryPolicy::new();
        for _ in 0..1000 {
            let d = p.backoff(0).as_secs_f64();
            assert!((0.375..=0.5).contains(&d), "{d}");
        }
    }

    #[test]
    fn server_delay_rules() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let d = |pairs: &[(&'static str, &str)]| server_delay(&headers(pairs), now);
        assert_eq!(d(&[("retry-after", "2")]), Some(Duration::from_secs(2)));
        assert_eq!(
            d(&[("retry-after", "1.5")]),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            d(&[("retry-after-ms", "1500"), ("retry-after", "9")]),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            d(&[("retry-after-ms", "0"), ("retry-after", "9")]),
            Some(Duration::from_secs(9))
        );
        assert_eq!(d(&[("retry-after", "0")]), None);
        assert_eq!(d(&[("retry-after", "61")]), None);
        assert_eq!(d(&[("retry-after", "-1")]), None);
        assert_eq!(d(&[("retry-after", "soon")]), None);
        let date = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(d(&[("retry-after", &date)]), Some(Duration::from_secs(30)));
        let past = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(d(&[("retry-after", &past)]), None);
    }

    #[test]
    fn retryable_statuses() {
        let none = HeaderMap::new();
        for (status, idem, want) in [
            (503, true, true),
            (500, true, true),
            (408, true, true),
            (429, true, true),
            (429, false, true),
            (503, false, false),
            (408, false, false),
            (409, true, false),
            (400, true, false),
            (404, true, false),
        ] {
            let s = StatusCode::from_u16(status).unwrap();
            assert_eq!(
                status_is_retryable(s, &none, idem),
                want,
                "{status} idempotent={idem}"
            );
        }
        let no = headers(&[("x-should-retry", "false")]);
        let yes = headers(&[("x-should-retry", "TRUE")]);
        assert!(!status_is_retryable(
            StatusCode::SERVICE_UNAVAILABLE,
            &no,
            true
        ));
        assert!(!status_is_retryable(
            StatusCode::TOO_MANY_REQUESTS,
            &no,
            false
        ));
        assert!(status_is_retryable(StatusCode::BAD_REQUEST, &yes, true));
        assert!(!status_is_retryable(StatusCode::BAD_REQUEST, &yes, false));
        assert!(!status_is_retryable(StatusCode::CONFLICT, &yes, true));
    }

    #[test]
    fn budget_spends_and_refills() {
        let b = RetryBudget::new(&RetryPolicy::new().budget(2.0, 0.5, 3.0));
        assert!(b.withdraw() && b.withdraw());
        assert!(!b.withdraw());
        b.deposit();
        assert!(!b.withdraw());
        b.deposit();
        assert!(b.withdraw());
        for _ in 0..100 {
            b.deposit();
        }
        assert!(b.withdraw() && b.withdraw() && b.withdraw());
        assert!(!b.withdraw());
    }

    proptest! {
        #[test]
        fn backoff_is_bounded(retry in any::<u32>(), initial_ms in 0u64..100_000, max_ms in 0u64..1_000_000, jitter in any::<f64>()) {
            let p = RetryPolicy::new()
                .initial_backoff(Duration::from_millis(initial_ms))
                .max_backoff(Duration::from_millis(max_ms))
                .jitter(move || jitter);
            let d = p.backoff(retry);
            prop_assert!(d <= Duration::from_millis(max_ms));
        }

        #[test]
        fn server_delay_never_exceeds_sixty_seconds(ms in ".{0,20}", ra in ".{0,40}", secs in any::<f64>()) {
            let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
            let mut h = HeaderMap::new();
            if let Ok(v) = HeaderValue::from_str(&ms) { h.insert("retry-after-ms", v); }
            if let Ok(v) = HeaderValue::from_str(&ra) { h.insert("retry-after", v); }
            if let Some(d) = server_delay(&h, now) {
                prop_assert!(!d.is_zero() && d <= MAX_SERVER_DELAY);
            }
            let mut h = HeaderMap::new();
            h.insert("retry-after", HeaderValue::from_str(&secs.to_string()).unwrap());
            let got = server_delay(&h, now);
            if secs > 0.0 && secs <= 60.0 {
                prop_assert_eq!(got, Duration::try_from_secs_f64(secs).ok().filter(|d| !d.is_zero()));
            } else {
                prop_assert_eq!(got, None);
            }
        }
    }
}
