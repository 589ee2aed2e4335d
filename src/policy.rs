//! The policy core shared by a call's retries (`call`, `retry`) and a job's polls (`wait`):
//! one exponential [`Backoff`] with injectable jitter, one classifier of failures
//! ([`Transience`]), and one deadline-aware sleep ([`Deadline`]).

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::{HeaderMap, StatusCode};

use crate::response::header_str;
use crate::retry::Clock;

/// A source of uniform draws in `[0, 1]` (values outside are clamped, NaN counts as 1).
pub type JitterFn = Arc<dyn Fn() -> f64 + Send + Sync>;

/// Where a [`Backoff`] draws its jitter from.
#[derive(Clone)]
pub(crate) enum Random {
    /// `fastrand`, the default.
    Fastrand,
    /// A caller's source (tests make it constant).
    Custom(JitterFn),
}

impl Random {
    /// One draw, clamped to `0.0..=1.0`; NaN counts as 1.
    fn draw(&self) -> f64 {
        let value = match self {
            Self::Fastrand => fastrand::f64(),
            Self::Custom(source) => source(),
        };
        if value.is_nan() {
            1.0
        } else {
            value.clamp(0.0, 1.0)
        }
    }
}

impl PartialEq for Random {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Fastrand, Self::Fastrand) => true,
            (Self::Custom(a), Self::Custom(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl fmt::Debug for Random {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Fastrand => "fastrand",
            Self::Custom(_) => "custom",
        })
    }
}

/// Exponential backoff with jitter: the delay after attempt (or poll) number `n`, counting
/// from 0, is `min(min(first × factorⁿ, max) × j, max)`, where the jitter factor `j` is
/// `low + (high − low) × u` for a draw `u` in `[0, 1]`. Never overflows.
///
/// Retries use factor 2 and a band of `[0.75, 1]` (or a caller's factor in `[0, 1]`); waits
/// use factor 1.5 and a band of `[0.8, 1.2]`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Backoff {
    pub(crate) first: Duration,
    pub(crate) factor: f64,
    pub(crate) max: Duration,
    pub(crate) low: f64,
    pub(crate) high: f64,
    pub(crate) random: Random,
}

impl Backoff {
    /// `min(first × factorⁿ, max)`, before jitter.
    pub(crate) fn base(&self, n: u32) -> Duration {
        let exponent = i32::try_from(n).unwrap_or(i32::MAX);
        let secs = self.first.as_secs_f64() * self.factor.powi(exponent);
        Duration::try_from_secs_f64(secs)
            .unwrap_or(self.max)
            .min(self.max)
    }

    /// The delay after attempt `n`, with a fresh jitter draw.
    pub(crate) fn delay(&self, n: u32) -> Duration {
        let u = self.random.draw();
        self.scaled(n, self.low + (self.high - self.low) * u)
    }

    /// The base delay scaled by the jitter factor `j` and capped at `max`.
    pub(crate) fn scaled(&self, n: u32, j: f64) -> Duration {
        let base = self.base(n);
        Duration::try_from_secs_f64(base.as_secs_f64() * j)
            .unwrap_or(base)
            .min(self.max)
    }
}

/// What kind of failure happened, as far as repeating it is concerned.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Failed<'a> {
    /// No connection was established: the request certainly did not reach the server.
    NotSent,
    /// The connection failed or the body broke off after the request may have been sent.
    Broken,
    /// A timeout (attempt, read stall) or a stalled body: the server may have done the work.
    TimedOut,
    /// The call's own deadline is spent: nothing more can be tried within it.
    DeadlineSpent,
    /// The server answered with this status.
    Status(StatusCode, &'a HeaderMap),
    /// Anything repeating cannot fix: a redirect, a body over the cap, a bad argument, a body
    /// that does not decode, a configuration error.
    Permanent,
}

/// Whether a failure may go away when the request is sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transience {
    /// Repeating cannot help.
    Never,
    /// Repeating may help, but the first request may have done the work: only for idempotent
    /// operations.
    IfIdempotent,
    /// The request did no work (never sent, or refused with 429): always safe to repeat.
    Always,
}

impl Transience {
    /// The one classifier behind every retry and every wait.
    ///
    /// 429 means the request was rejected before any work, so even non-idempotent calls
    /// repeat. 408 and 5xx may come after the work was done, so only idempotent calls do. 409
    /// (`ALREADY_EXISTS`/`ABORTED` on the control plane) never does, even if the server says
    /// so: unlike the official SDK we do not repeat a create that conflicted. An explicit
    /// `x-should-retry: false` always wins; `true` widens only where a repeat cannot
    /// duplicate work.
    pub(crate) fn of(failed: Failed<'_>) -> Self {
        match failed {
            Failed::NotSent => Self::Always,
            Failed::Broken | Failed::TimedOut => Self::IfIdempotent,
            Failed::DeadlineSpent | Failed::Permanent => Self::Never,
            Failed::Status(status, headers) => status_transience(status, headers),
        }
    }

    /// Whether an operation of this idempotency may be repeated.
    pub(crate) fn allows(self, idempotent: bool) -> bool {
        match self {
            Self::Never => false,
            Self::IfIdempotent => idempotent,
            Self::Always => true,
        }
    }
}

fn status_transience(status: StatusCode, headers: &HeaderMap) -> Transience {
    if status == StatusCode::CONFLICT {
        return Transience::Never;
    }
    let rate_limited = status == StatusCode::TOO_MANY_REQUESTS;
    match should_retry_header(headers) {
        Some(false) => Transience::Never,
        Some(true) if rate_limited => Transience::Always,
        Some(true) => Transience::IfIdempotent,
        None if rate_limited => Transience::Always,
        None if status == StatusCode::REQUEST_TIMEOUT || status.is_server_error() => {
            Transience::IfIdempotent
        }
        None => Transience::Never,
    }
}

/// The server's explicit verdict from `x-should-retry`, if it gave one.
pub(crate) fn should_retry_header(headers: &HeaderMap) -> Option<bool> {
    match header_str(headers, "x-should-retry")?.trim() {
        v if v.eq_ignore_ascii_case("true") => Some(true),
        v if v.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// A deadline measured on a [`Clock`] from `start`; `None` means there is none.
pub(crate) struct Deadline<'a> {
    clock: &'a dyn Clock,
    start: Instant,
    limit: Option<Duration>,
}

impl<'a> Deadline<'a> {
    /// A deadline `limit` after `start`.
    pub(crate) fn new(clock: &'a dyn Clock, start: Instant, limit: Option<Duration>) -> Self {
        Self {
            clock,
            start,
            limit,
        }
    }

    /// Time since `start` on the clock.
    pub(crate) fn elapsed(&self) -> Duration {
        self.clock.now().saturating_duration_since(self.start)
    }

    /// Time left, if there is a deadline (reads the clock only then).
    pub(crate) fn remaining(&self) -> Option<Duration> {
        let limit = self.limit?;
        Some(limit.saturating_sub(self.elapsed()))
    }

    /// Whether a sleep of `delay` would end before the deadline (always, without one).
    pub(crate) fn allows(&self, delay: Duration) -> bool {
        self.remaining().is_none_or(|left| delay < left)
    }

    /// The one deadline-aware sleep: sleeps `delay` on the clock and returns `true`, unless
    /// the sleep would end at or after the deadline or `permit` refuses (checked only when
    /// the deadline allows, so a refused sleep spends nothing); then returns `false` at once.
    pub(crate) async fn sleep(&self, delay: Duration, permit: impl FnOnce() -> bool) -> bool {
        if !self.allows(delay) || !permit() {
            return false;
        }
        self.clock.sleep(delay).await;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn classifier_table() {
        let none = HeaderMap::new();
        let status = |code: u16| Failed::Status(StatusCode::from_u16(code).unwrap(), &none);
        assert_eq!(Transience::of(Failed::NotSent), Transience::Always);
        assert_eq!(Transience::of(Failed::Broken), Transience::IfIdempotent);
        assert_eq!(Transience::of(Failed::TimedOut), Transience::IfIdempotent);
        assert_eq!(Transience::of(Failed::DeadlineSpent), Transience::Never);
        assert_eq!(Transience::of(Failed::Permanent), Transience::Never);
        assert_eq!(Transience::of(status(429)), Transience::Always);
        assert_eq!(Transience::of(status(503)), Transience::IfIdempotent);
        assert_eq!(Transience::of(status(408)), Transience::IfIdempotent);
        assert_eq!(Transience::of(status(409)), Transience::Never);
        assert_eq!(Transience::of(status(404)), Transience::Never);
        let no = headers(&[("x-should-retry", "false")]);
        let yes = headers(&[("x-should-retry", " True ")]);
        let with = |code: u16, h| Failed::Status(StatusCode::from_u16(code).unwrap(), h);
        assert_eq!(Transience::of(with(429, &no)), Transience::Never);
        assert_eq!(Transience::of(with(400, &yes)), Transience::IfIdempotent);
        assert_eq!(Transience::of(with(429, &yes)), Transience::Always);
        assert_eq!(Transience::of(with(409, &yes)), Transience::Never);
    }

    #[test]
    fn injected_jitter_picks_the_delay_in_the_band() {
        let backoff = Backoff {
            first: Duration::from_secs(2),
            factor: 1.5,
            max: Duration::from_secs(30),
            low: 0.8,
            high: 1.2,
            random: Random::Custom(Arc::new(|| 0.0)),
        };
        assert_eq!(backoff.delay(0), Duration::from_millis(1600));
        let high = Backoff {
            random: Random::Custom(Arc::new(|| 7.0)),
            ..backoff.clone()
        };
        assert_eq!(high.delay(0), Duration::from_millis(2400));
        assert_eq!(high.delay(20), Duration::from_secs(30));
        let nan = Backoff {
            random: Random::Custom(Arc::new(|| f64::NAN)),
            ..backoff
        };
        assert_eq!(nan.delay(1), Duration::from_millis(3600));
    }
}
