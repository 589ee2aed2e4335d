//! Bounded concurrency per server: a client-wide cap on requests in flight to each origin,
//! shared by clones, plus the server's own signals — a 429 with `Retry-After` pauses that
//! server's traffic, and a nearly spent request budget (`x-ratelimit-remaining-requests`)
//! spaces requests out before the server starts refusing them.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use std::time::Instant;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::response::RateLimits;
use crate::retry::Clock;

/// The default cap on requests in flight per server; see [`crate::ClientBuilder::max_in_flight`].
pub(crate) const DEFAULT_MAX_IN_FLIGHT: usize = 32;

/// When the remaining request budget falls to this fraction of the limit, requests are spaced.
const LOW_BUDGET_FRACTION: u64 = 20;

/// How long a server's traffic pauses when its budget is spent and it gave no `Retry-After`.
const SPENT_BUDGET_PAUSE: Duration = Duration::from_secs(1);

/// The window the documented request limits are counted over (requests per minute).
const RATE_WINDOW: Duration = Duration::from_secs(60);

/// Every server's gate, found by origin (scheme, host and port of the base URL): servers that
/// share a host share its connections, so they share its limit.
#[derive(Debug)]
pub(crate) struct Limits {
    max_in_flight: usize,
    gates: Mutex<Vec<(OwnedOrigin, Arc<Gate>)>>,
}

impl Limits {
    pub(crate) fn new(max_in_flight: usize) -> Self {
        Self {
            max_in_flight: max_in_flight.max(1),
            gates: Mutex::new(Vec::new()),
        }
    }

    /// The gate of the server at `url` (its origin is what counts). No allocation once the
    /// server has been seen.
    pub(crate) fn gate(&self, url: &reqwest::Url) -> Arc<Gate> {
        let origin = Origin {
            scheme: url.scheme(),
            host: url.host_str().unwrap_or_default(),
            port: url.port_or_known_default(),
        };
        let mut gates = self.gates.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, gate)) = gates.iter().find(|(o, _)| o.matches(&origin)) {
            return Arc::clone(gate);
        }
        let gate = Arc::new(Gate::new(self.max_in_flight));
        gates.push((origin.to_owned(), Arc::clone(&gate)));
        gate
    }
}

/// Scheme, host and port of a URL, borrowed while looking up.
struct Origin<'a> {
    scheme: &'a str,
    host: &'a str,
    port: Option<u16>,
}

impl Origin<'_> {
    fn to_owned(&self) -> OwnedOrigin {
        OwnedOrigin {
            scheme: self.scheme.into(),
            host: self.host.into(),
            port: self.port,
        }
    }
}

/// A server's origin as stored.
#[derive(Debug)]
struct OwnedOrigin {
    scheme: Box<str>,
    host: Box<str>,
    port: Option<u16>,
}

impl OwnedOrigin {
    fn matches(&self, other: &Origin<'_>) -> bool {
        self.port == other.port && *self.host == *other.host && *self.scheme == *other.scheme
    }
}

/// One server's limit: permits for requests in flight, and when the next request may start.
#[derive(Debug)]
pub(crate) struct Gate {
    permits: Arc<Semaphore>,
    schedule: Mutex<Schedule>,
}

#[derive(Debug, Default)]
struct Schedule {
    /// No request starts before this (a 429's `Retry-After`, a spent budget).
    paused_until: Option<Instant>,
    /// The spacing between request starts while the budget is low; zero otherwise.
    spacing: Duration,
    /// The earliest start of the next request while spacing applies.
    next_start: Option<Instant>,
}

/// The right to have one request in flight; released on drop.
#[derive(Debug)]
pub(crate) struct Slot {
    // `None` only if the semaphore were closed, which this module never does.
    _permit: Option<OwnedSemaphorePermit>,
}

impl Gate {
    fn new(max_in_flight: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(max_in_flight)),
            schedule: Mutex::new(Schedule::default()),
        }
    }

    /// Requests in flight now.
    #[cfg(test)]
    pub(crate) fn in_flight(&self, max_in_flight: usize) -> usize {
        max_in_flight.saturating_sub(self.permits.available_permits())
    }

    /// Waits until a request may start: the server's pause is over, its turn under spacing has
    /// come, and a permit is free. Dropping the future gives up the wait; the caller bounds it
    /// by its deadline.
    pub(crate) async fn acquire(&self, clock: &dyn Clock) -> Slot {
        loop {
            let wait = self.start_delay(clock.now());
            if wait.is_zero() {
                break;
            }
            clock.sleep(wait).await;
        }
        let permit = Arc::clone(&self.permits).acquire_owned().await;
        Slot {
            _permit: permit.ok(),
        }
    }

    /// How long a request that wants to start at `now` must wait; books its start time when
    /// spacing applies.
    fn start_delay(&self, now: Instant) -> Duration {
        let mut schedule = self.schedule.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(until) = schedule.paused_until {
            if until > now {
                return until - now;
            }
            schedule.paused_until = None;
        }
        if schedule.spacing.is_zero() {
            return Duration::ZERO;
        }
        let start = schedule.next_start.filter(|t| *t > now).unwrap_or(now);
        schedule.next_start = Some(start + schedule.spacing);
        start - now
    }

    /// Pauses every new request to this server for `delay` (a 429's `Retry-After`).
    pub(crate) fn pause(&self, now: Instant, delay: Duration) {
        let mut schedule = self.schedule.lock().unwrap_or_else(PoisonError::into_inner);
        let until = now + delay;
        if schedule.paused_until.is_none_or(|t| t < until) {
            schedule.paused_until = Some(until);
        }
    }

    /// [`Gate::observe`] for a response's headers; reads only the two request-budget headers.
    pub(crate) fn observe_headers(&self, now: Instant, headers: &http::HeaderMap) {
        let int = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let Some(remaining) = int("x-ratelimit-remaining-requests") else {
            return;
        };
        let limits = RateLimits {
            limit_requests: int("x-ratelimit-limit-requests"),
            remaining_requests: Some(remaining),
            ..RateLimits::default()
        };
        self.observe(now, &limits);
    }

    /// Adjusts the pace to a response's rate-limit headers: a spent budget pauses the server,
    /// a low one spaces requests evenly over the limit's window, a healthy one lifts spacing.
    pub(crate) fn observe(&self, now: Instant, limits: &RateLimits) {
        let (Some(limit), Some(remaining)) = (limits.limit_requests, limits.remaining_requests)
        else {
            return;
        };
        let mut schedule = self.schedule.lock().unwrap_or_else(PoisonError::into_inner);
        if limit == 0 || remaining.saturating_mul(LOW_BUDGET_FRACTION) > limit {
            schedule.spacing = Duration::ZERO;
            schedule.next_start = None;
            return;
        }
        let per_request = RATE_WINDOW / u32::try_from(limit).unwrap_or(u32::MAX);
        schedule.spacing = per_request;
        if remaining == 0 {
            let until = now + SPENT_BUDGET_PAUSE.max(per_request);
            if schedule.paused_until.is_none_or(|t| t < until) {
                schedule.paused_until = Some(until);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::retry::TokioClock;

    fn url(s: &str) -> reqwest::Url {
        reqwest::Url::parse(s).unwrap()
    }

    fn limits(limit: u64, remaining: u64) -> RateLimits {
        RateLimits {
            limit_requests: Some(limit),
            remaining_requests: Some(remaining),
            ..RateLimits::default()
        }
    }

    #[test]
    fn servers_on_one_origin_share_a_gate_and_others_do_not() {
        let all = Limits::new(4);
        let a = all.gate(&url("https://api.fireworks.ai/inference/v1/x"));
        let b = all.gate(&url("https://api.fireworks.ai/v1/accounts/a"));
        let c = all.gate(&url("https://audio-batch.api.fireworks.ai/v1/y"));
        let d = all.gate(&url("http://127.0.0.1:8080/v1"));
        let e = all.gate(&url("http://127.0.0.1:8081/v1"));
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
        assert!(!Arc::ptr_eq(&d, &e));
    }

    #[tokio::test]
    async fn no_more_than_the_cap_are_in_flight_and_a_dropped_wait_takes_nothing() {
        let all = Limits::new(3);
        let gate = all.gate(&url("http://127.0.0.1:1/"));
        let live = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let (gate, live, peak) = (Arc::clone(&gate), Arc::clone(&live), Arc::clone(&peak));
            tasks.push(tokio::spawn(async move {
                let _slot = gate.acquire(&TokioClock).await;
                let now = live.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                tokio::task::yield_now().await;
                tokio::time::sleep(Duration::from_millis(2)).await;
                live.fetch_sub(1, Ordering::SeqCst);
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(peak.load(Ordering::SeqCst), 3);

        let held: Vec<_> =
            futures_util::future::join_all((0..3).map(|_| gate.acquire(&TokioClock))).await;
        let waiting =
            tokio::time::timeout(Duration::from_millis(20), gate.acquire(&TokioClock)).await;
        assert!(waiting.is_err(), "a fourth slot while three are held");
        drop(held);
        assert_eq!(gate.in_flight(3), 0, "the dropped wait holds nothing");
    }

    #[test]
    fn a_pause_delays_every_start_until_it_ends() {
        let gate = Gate::new(2);
        let now = Instant::now();
        gate.pause(now, Duration::from_secs(3));
        gate.pause(now, Duration::from_secs(1));
        assert_eq!(
            gate.start_delay(now),
            Duration::from_secs(3),
            "a shorter pause never shortens one"
        );
        assert_eq!(
            gate.start_delay(now + Duration::from_secs(2)),
            Duration::from_secs(1)
        );
        assert_eq!(
            gate.start_delay(now + Duration::from_secs(3)),
            Duration::ZERO
        );
    }

    #[test]
    fn a_low_budget_spaces_starts_and_a_healthy_one_lifts_it() {
        let gate = Gate::new(8);
        let now = Instant::now();
        gate.observe(now, &limits(600, 500));
        assert_eq!(gate.start_delay(now), Duration::ZERO);
        assert_eq!(gate.start_delay(now), Duration::ZERO);

        gate.observe(now, &limits(600, 30));
        let step = Duration::from_millis(100);
        assert_eq!(gate.start_delay(now), Duration::ZERO);
        assert_eq!(gate.start_delay(now), step);
        assert_eq!(gate.start_delay(now), step * 2);

        gate.observe(now, &limits(600, 0));
        assert_eq!(
            gate.start_delay(now),
            SPENT_BUDGET_PAUSE,
            "a spent budget pauses"
        );

        let later = now + Duration::from_secs(5);
        gate.observe(later, &limits(600, 599));
        assert_eq!(gate.start_delay(later), Duration::ZERO);
        assert_eq!(gate.start_delay(later), Duration::ZERO);
    }
}
