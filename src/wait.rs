//! Waiting for a long-running job: the polling policy ([`WaitPolicy`]), the poll loop shared by
//! every kind of job, and the error a wait ends with ([`WaitError`]). It spawns nothing, so
//! dropping a wait stops it; the audio batch glue that uses it lives in `audio`.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::stream::BoxStream;

use crate::error::{Error, Redactor, TimeoutKind};
use crate::operation::BoxFuture;
use crate::options::RequestOptions;
use crate::policy::{Backoff, Deadline, Random};
use crate::retry::Clock;

/// How often to poll a job and for how long.
///
/// The first poll is sent at once. After poll number `n` (counting from 0) the waiter sleeps
/// `min(min(first_delay × factorⁿ, max_delay) × j, max_delay)`, where `j` is drawn uniformly
/// from `[1 − jitter, 1 + jitter]`, so once capped the delay varies below `max_delay`. Failed
/// polls count too, so a struggling server also sees the delays grow.
///
/// | Setting | Default | Why |
/// |---|---|---|
/// | first delay | 2 s | the first answer is almost always `processing`; 2 s keeps a short job snappy |
/// | factor | 1.5 | reaches the cap after eight polls (about a minute in), gentler than doubling |
/// | max delay | 30 s | audio batch jobs take minutes to hours; a result at most 30 s late is cheap, and a job polled for 24 h costs about 2 900 requests |
/// | jitter | ±20 % | many jobs submitted together do not poll in lock-step |
/// | deadline | none | batch results are promised within 24 h, not sooner, so any default would fail legitimate jobs; drop the future or set one |
/// | failed polls in a row | unlimited | a network outage longer than the job is survived; set a limit to fail fast |
///
/// ```
/// use std::time::Duration;
/// use fireworks_ai::WaitPolicy;
///
/// let policy = WaitPolicy::new()
///     .first_delay(Duration::from_secs(5))
///     .max_delay(Duration::from_secs(60))
///     .deadline(Duration::from_secs(2 * 3600));
/// assert_eq!(policy.base_delay(0), Duration::from_secs(5));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct WaitPolicy {
    backoff: Backoff,
    deadline: Option<Duration>,
    max_failed_polls: Option<u32>,
}

impl Default for WaitPolicy {
    fn default() -> Self {
        Self {
            backoff: Backoff {
                first: Duration::from_secs(2),
                factor: 1.5,
                max: Duration::from_secs(30),
                low: 0.8,
                high: 1.2,
                random: Random::Fastrand,
            },
            deadline: None,
            max_failed_polls: None,
        }
    }
}

impl WaitPolicy {
    /// The defaults described on the type.
    pub fn new() -> Self {
        Self::default()
    }

    /// Delay after the first poll.
    pub fn first_delay(mut self, delay: Duration) -> Self {
        self.backoff.first = delay;
        self
    }

    /// Upper bound of every delay, jitter included.
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.backoff.max = delay;
        self
    }

    /// Growth of the delay from one poll to the next; values below 1 (and NaN) count as 1,
    /// a constant delay.
    pub fn factor(mut self, factor: f64) -> Self {
        self.backoff.factor = if factor.is_nan() {
            1.0
        } else {
            factor.max(1.0)
        };
        self
    }

    /// Relative spread of each delay: 0.2 draws it from 80 % to 120 % of the base delay.
    /// Clamped to `0.0..=1.0`; NaN counts as 0.
    pub fn jitter(mut self, fraction: f64) -> Self {
        let fraction = if fraction.is_nan() {
            0.0
        } else {
            fraction.clamp(0.0, 1.0)
        };
        self.backoff.low = 1.0 - fraction;
        self.backoff.high = 1.0 + fraction;
        self
    }

    /// Turns jitter off, so each delay is exactly `min(first_delay × factorⁿ, max_delay)`.
    pub fn no_jitter(self) -> Self {
        self.jitter(0.0)
    }

    /// Replaces the random source that places each delay within the jitter band: it returns
    /// a draw in `[0, 1]` (clamped; NaN counts as 1), where 0 gives the shortest delay of the
    /// band and 1 the longest. The default draws uniformly; a constant makes every delay
    /// exact while keeping the band, for tests.
    pub fn jitter_source(mut self, source: impl Fn() -> f64 + Send + Sync + 'static) -> Self {
        self.backoff.random = Random::Custom(Arc::new(source));
        self
    }

    /// Gives up with [`WaitErrorKind::Deadline`] when the job is not done this long after the
    /// wait started.
    ///
    /// No sleep and no poll crosses the deadline: when the next delay would end after it, the
    /// wait stops at once (up to one delay early, never late), and a poll in flight is cut
    /// off at the deadline.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Removes the deadline (the default).
    pub fn no_deadline(mut self) -> Self {
        self.deadline = None;
        self
    }

    /// Gives up with [`WaitErrorKind::FailedPolls`] after this many failed polls in a row
    /// (each one already retried by the client); by default the wait goes on until the
    /// deadline. At least one failed poll is always allowed: `0` counts as `1`.
    pub fn max_failed_polls(mut self, polls: u32) -> Self {
        self.max_failed_polls = Some(polls.max(1));
        self
    }

    /// The overall deadline, if any.
    pub fn deadline_value(&self) -> Option<Duration> {
        self.deadline
    }

    /// The delay after poll number `poll` (0 for the first) before jitter:
    /// `min(first_delay × factor^poll, max_delay)`. Never overflows.
    pub fn base_delay(&self, poll: u32) -> Duration {
        self.backoff.base(poll)
    }

    /// The delay after poll number `poll` with jitter applied, never above `max_delay`.
    pub fn delay(&self, poll: u32) -> Duration {
        self.backoff.delay(poll)
    }
}

/// Why a wait ended without a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitErrorKind {
    /// The job was not done when the [`WaitPolicy::deadline`] (given here) came.
    Deadline(Duration),
    /// The job reached a status the caller counts as failed.
    Failed,
    /// The job completed but carries no result.
    NoResult,
    /// This many polls in a row failed ([`WaitPolicy::max_failed_polls`]); the last error is
    /// in [`WaitError::last_error`].
    FailedPolls(u32),
}

/// Payload of [`Error::Wait`]: which job, how the wait ended, and the last thing it saw.
#[derive(Debug)]
pub struct WaitError {
    kind: WaitErrorKind,
    job: String,
    status: Option<String>,
    message: Option<String>,
    polls: u32,
    elapsed: Duration,
    last_error: Option<Error>,
}

impl WaitError {
    /// The one constructor: `last` is the last status and its message as the server sent
    /// them, redacted here; `progress` is the polls sent and the time since the wait started.
    pub(crate) fn build(
        kind: WaitErrorKind,
        job: String,
        last: Option<(String, Option<String>)>,
        progress: (u32, Duration),
        last_error: Option<Error>,
        redactor: Redactor<'_>,
    ) -> Error {
        let (status, message) = last.unzip();
        let (polls, elapsed) = progress;
        Error::Wait(Box::new(Self {
            kind,
            job,
            status: redactor.field(status),
            message: redactor.field(message.flatten()),
            polls,
            elapsed,
            last_error,
        }))
    }

    /// How the wait ended.
    pub fn kind(&self) -> WaitErrorKind {
        self.kind
    }

    /// The job's id.
    pub fn job_id(&self) -> &str {
        &self.job
    }

    /// The last status the job reported (`processing`, ...), as sent; `None` if no poll
    /// succeeded.
    pub fn last_status(&self) -> Option<&str> {
        self.status.as_deref()
    }

    /// The message that came with the last status, if any.
    pub fn last_message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// Polls sent, including failed ones.
    pub fn polls(&self) -> u32 {
        self.polls
    }

    /// Time from the start of the wait to this error, as measured by the client's clock.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// The error of the last poll, when it failed (after the client's own retries).
    pub fn last_error(&self) -> Option<&Error> {
        self.last_error.as_ref()
    }
}

impl fmt::Display for WaitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "job `{}` ", self.job)?;
        match self.kind {
            WaitErrorKind::Deadline(deadline) => {
                write!(f, "did not complete within the deadline of {deadline:?}")?;
            }
            WaitErrorKind::Failed => f.write_str("failed")?,
            WaitErrorKind::NoResult => f.write_str("completed without a result body")?,
            WaitErrorKind::FailedPolls(n) => write!(f, "could not be polled {n} times in a row")?,
        }
        write!(f, " ({} polls over {:?}", self.polls, self.elapsed)?;
        match (&self.status, &self.message) {
            (Some(status), Some(message)) => {
                write!(f, "; last status `{status}`: {message}")?;
            }
            (Some(status), None) => write!(f, "; last status `{status}`")?,
            (None, _) => f.write_str("; no status received")?,
        }
        f.write_str(")")?;
        if let Some(err) = &self.last_error {
            write!(f, "; last poll failed: {err}")?;
        }
        Ok(())
    }
}

/// What a status means for the wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Not done yet (including statuses nobody knows): keep polling.
    Pending,
    /// Done, with a result.
    Done,
    /// Done, without a result: the wait fails with this kind.
    Fail(WaitErrorKind),
}

/// The parts of a job status the poll loop reads.
pub(crate) trait JobStatus {
    /// The status as sent.
    fn state(&self) -> &str;
    /// The message that came with it.
    fn message(&self) -> Option<&str>;
}

/// Sends one poll with the given per-call options.
pub(crate) type Fetch<'a, T> =
    Box<dyn FnMut(RequestOptions) -> BoxFuture<'a, Result<T, Error>> + Send + 'a>;

/// Observes each status a poll returned.
pub(crate) type Progress<'a, T> = Box<dyn FnMut(&T) + Send + 'a>;

/// Says what a status means.
pub(crate) type Classify<'a, T> = Box<dyn Fn(&T) -> Verdict + Send + 'a>;

/// What [`Poller::schedule`] says comes next.
pub(crate) enum Next<T> {
    /// The wait has ended: the last item to yield (an error), or `None`.
    End(Option<Result<T, Error>>),
    /// Poll after this delay.
    Poll(Duration),
}

/// The poll loop: sleeps with the policy's backoff on the client's clock, polls, reports each
/// status, and ends after the first done status or with an error.
pub(crate) struct Poller<'a, T> {
    policy: WaitPolicy,
    clock: Arc<dyn Clock>,
    options: RequestOptions,
    job: String,
    fetch: Fetch<'a, T>,
    classify: Classify<'a, T>,
    progress: Option<Progress<'a, T>>,
    started: Option<Instant>,
    polls: u32,
    failed_in_a_row: u32,
    last: Option<(String, Option<String>)>,
    last_error: Option<Error>,
    /// The client's API key, so a status echoed by the server never carries it into an error.
    secret: Option<&'a str>,
    /// The error to yield after the status that caused it.
    pending: Option<Error>,
    finished: bool,
}

impl<'a, T: JobStatus + Send + 'a> Poller<'a, T> {
    pub(crate) fn new(
        clock: Arc<dyn Clock>,
        job: String,
        fetch: Fetch<'a, T>,
        classify: Classify<'a, T>,
    ) -> Self {
        Self {
            policy: WaitPolicy::default(),
            clock,
            options: RequestOptions::new(),
            job,
            fetch,
            classify,
            progress: None,
            started: None,
            polls: 0,
            failed_in_a_row: 0,
            last: None,
            last_error: None,
            secret: None,
            pending: None,
            finished: false,
        }
    }

    pub(crate) fn set_policy(&mut self, policy: WaitPolicy) {
        self.policy = policy;
    }

    pub(crate) fn set_options(&mut self, options: RequestOptions) {
        self.options = options;
    }

    /// Sets the key to redact from the statuses and messages kept for a [`WaitError`].
    pub(crate) fn set_secret(&mut self, secret: Option<&'a str>) {
        self.secret = secret;
    }

    pub(crate) fn set_progress(&mut self, progress: Progress<'a, T>) {
        self.progress = Some(progress);
    }

    /// Polls sent so far.
    pub(crate) fn polls(&self) -> u32 {
        self.polls
    }

    /// Time since the first poll, on the client's clock.
    pub(crate) fn elapsed(&self) -> Duration {
        self.started
            .map(|start| self.clock.now().saturating_duration_since(start))
            .unwrap_or_default()
    }

    /// The next observed status, or the error that ends the wait; `None` once it has ended.
    pub(crate) async fn next(&mut self) -> Option<Result<T, Error>> {
        loop {
            match self.schedule() {
                Next::End(item) => return item,
                Next::Poll(delay) => {
                    if !delay.is_zero() {
                        self.clock.sleep(delay).await;
                    }
                    if let Some(item) = self.poll().await {
                        return Some(item);
                    }
                }
            }
        }
    }

    /// What the wait does next, without waiting: end (with the error a failed status left
    /// pending, or `None` once ended or done), or poll after the policy's delay (none before
    /// the first poll). A delay that would reach the deadline ends the wait with
    /// [`WaitErrorKind::Deadline`]. [`Poller::next`] and the shared driver of
    /// [`crate::WaitAll`] both step through this and [`Poller::poll`].
    pub(crate) fn schedule(&mut self) -> Next<T> {
        if let Some(err) = self.pending.take() {
            self.finished = true;
            return Next::End(Some(Err(err)));
        }
        if self.finished {
            return Next::End(None);
        }
        let start = *self.started.get_or_insert_with(|| self.clock.now());
        if self.polls == 0 {
            return Next::Poll(Duration::ZERO);
        }
        let delay = self.policy.delay(self.polls.saturating_sub(1));
        if !Deadline::new(&*self.clock, start, self.policy.deadline).allows(delay) {
            return Next::End(Some(Err(self.deadline_error())));
        }
        Next::Poll(delay)
    }

    /// Sends one poll (call after [`Poller::schedule`] said so and its delay passed): the
    /// status, or the error that ends the wait; `None` after a transient failure, which the
    /// next [`Poller::schedule`] retries.
    pub(crate) async fn poll(&mut self) -> Option<Result<T, Error>> {
        let start = *self.started.get_or_insert_with(|| self.clock.now());
        let deadline = Deadline::new(&*self.clock, start, self.policy.deadline);
        let mut options = self.options.clone();
        if let Some(r) = deadline.remaining() {
            options.deadline = Some(options.deadline.map_or(r, |d| d.min(r)));
        }
        self.polls = self.polls.saturating_add(1);
        match (self.fetch)(options).await {
            Ok(status) => {
                self.failed_in_a_row = 0;
                self.last_error = None;
                self.last = Some((
                    status.state().to_owned(),
                    status.message().map(str::to_owned),
                ));
                if let Some(progress) = &mut self.progress {
                    progress(&status);
                }
                match (self.classify)(&status) {
                    Verdict::Pending => {}
                    Verdict::Done => self.finished = true,
                    Verdict::Fail(kind) => self.pending = Some(self.finish(kind)),
                }
                Some(Ok(status))
            }
            Err(err) if err.is_transient() => {
                let cut_by_deadline = matches!(
                    &err,
                    Error::Timeout(e) if matches!(e.kind(), TimeoutKind::Deadline(_))
                ) && deadline.remaining().is_some_and(|r| r.is_zero());
                self.last_error = Some(err);
                self.failed_in_a_row = self.failed_in_a_row.saturating_add(1);
                if cut_by_deadline {
                    return Some(Err(self.deadline_error()));
                }
                if let Some(max) = self.policy.max_failed_polls
                    && self.failed_in_a_row >= max
                {
                    return Some(Err(
                        self.finish(WaitErrorKind::FailedPolls(self.failed_in_a_row))
                    ));
                }
                None
            }
            Err(err) => {
                self.finished = true;
                Some(Err(err))
            }
        }
    }

    /// Ends the wait at its deadline.
    fn deadline_error(&mut self) -> Error {
        self.finish(WaitErrorKind::Deadline(
            self.policy.deadline.unwrap_or_default(),
        ))
    }

    /// Ends the wait with a [`WaitError`] of this kind.
    pub(crate) fn finish(&mut self, kind: WaitErrorKind) -> Error {
        self.finished = true;
        WaitError::build(
            kind,
            self.job.clone(),
            self.last.clone(),
            (self.polls, self.elapsed()),
            self.last_error.take(),
            Redactor::new(self.secret),
        )
    }

    /// The observed statuses as a stream, ending with the error if the wait fails.
    pub(crate) fn into_stream(self) -> BoxStream<'a, Result<T, Error>> {
        Box::pin(futures_util::stream::unfold(
            self,
            |mut poller| async move {
                let item = poller.next().await?;
                Some((item, poller))
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_grow_by_half_and_cap_at_thirty_seconds() {
        let policy = WaitPolicy::new();
        let got: Vec<_> = (0..10).map(|n| policy.base_delay(n).as_millis()).collect();
        assert_eq!(
            got,
            [
                2000, 3000, 4500, 6750, 10125, 15187, 22781, 30000, 30000, 30000
            ]
        );
        assert_eq!(policy.base_delay(u32::MAX), Duration::from_secs(30));
        assert_eq!(policy.deadline_value(), None);
    }

    #[test]
    fn jitter_stays_within_its_band_and_under_the_cap() {
        let policy = WaitPolicy::new();
        for poll in [0, 3, 20] {
            let base = policy.base_delay(poll).as_secs_f64();
            for _ in 0..500 {
                let d = policy.delay(poll).as_secs_f64();
                assert!(d >= base * 0.8 - 1e-9 && d <= (base * 1.2).min(30.0) + 1e-9);
            }
        }
        assert_eq!(policy.backoff.scaled(20, 1.2), Duration::from_secs(30));
        assert_eq!(policy.backoff.scaled(0, 0.8), Duration::from_millis(1600));
        let low = WaitPolicy::new().jitter_source(|| 0.0);
        assert_eq!(low.delay(0), Duration::from_millis(1600));
        let high = WaitPolicy::new().jitter_source(|| 1.0);
        assert_eq!(high.delay(0), Duration::from_millis(2400));
        assert_eq!(high.delay(20), Duration::from_secs(30));
    }

    #[test]
    fn odd_settings_are_tamed() {
        let policy = WaitPolicy::new()
            .factor(f64::NAN)
            .jitter(f64::NAN)
            .first_delay(Duration::from_secs(7));
        assert_eq!(policy.delay(5), Duration::from_secs(7));
        let policy = WaitPolicy::new().factor(0.1).jitter(5.0);
        assert_eq!(policy.base_delay(3), Duration::from_secs(2));
        let policy = WaitPolicy::new().factor(f64::INFINITY);
        assert_eq!(policy.base_delay(2), Duration::from_secs(30));
        assert_eq!(
            WaitPolicy::new().first_delay(Duration::ZERO).base_delay(4),
            Duration::ZERO
        );
    }

    #[test]
    fn transient_errors_are_the_retryable_ones() {
        assert!(!Error::invalid_argument("x", "bad").is_transient());
        assert!(!Error::config("bad").is_transient());
    }
}
