//! The public generic waiter that generated `wait_*` methods return: [`Wait`] polls a status
//! operation with a [`WaitPolicy`] until the status a [`WaitStatus`] impl calls done, over the
//! poll loop in `wait` (backoff on the client's clock, deadline, progress callback, stream,
//! cancellation by drop).

use std::fmt;
use std::future::{Future, IntoFuture};
use std::time::Duration;

use futures_util::stream::{self, BoxStream};

use crate::__private::BoxFuture;
use crate::client::Client;
use crate::error::{Error, Redactor};
use crate::options::RequestOptions;
use crate::wait::{
    Classify, Fetch, JobStatus, Poller, Progress, Verdict, WaitError, WaitErrorKind, WaitPolicy,
};

/// What a status means for a wait; returned by [`WaitStatus::verdict`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitVerdict {
    /// Not done yet, including states nobody knows: keep polling.
    Pending,
    /// Done, with its result.
    Done,
    /// A failed terminal state: the wait ends with [`WaitErrorKind::Failed`] and the status
    /// message.
    Failed,
    /// Done, but the result the spec promises is missing: [`WaitErrorKind::NoResult`].
    NoResult,
}

/// A status a [`Wait`] can poll: its state as sent, its message, and what it means.
/// Generated for the response type of every operation with a `wait:` declaration.
pub trait WaitStatus {
    /// The state as sent (`JOB_STATE_RUNNING`, `processing`, ...); empty when absent.
    fn state(&self) -> &str;
    /// The status message that came with it, if any.
    fn message(&self) -> Option<&str>;
    /// What the state means for the wait.
    fn verdict(&self) -> WaitVerdict;
}

/// Adapts a [`WaitStatus`] to the poll loop's status.
pub(crate) struct Status<T>(pub(crate) T);

impl<T: WaitStatus> JobStatus for Status<T> {
    fn state(&self) -> &str {
        self.0.state()
    }

    fn message(&self) -> Option<&str> {
        self.0.message()
    }
}

/// Waits for a long-running resource to reach a terminal state, polling its status operation.
///
/// Returned by the generated `wait_*` methods (for example
/// `client.batch_inference().wait_batch_inference_job(id)`). Configure it, then `.await` it for
/// the final status, or turn it into a stream of every observed status with
/// [`Wait::into_stream`]. It spawns nothing: dropping it stops the polling.
///
/// - A done state ends the wait with that status.
/// - A failed state ends it with [`Error::Wait`] ([`WaitErrorKind::Failed`]) carrying the
///   job's status message; a done state without its result with [`WaitErrorKind::NoResult`].
/// - Any other state, including ones the spec does not list, keeps it polling.
/// - Permanent errors (401, 403, 404, other 4xx, a malformed answer) end it at once; transient
///   ones (connection failures, timeouts, 408, 429, 5xx) are retried by the client, then count
///   as failed polls until the deadline or [`WaitPolicy::max_failed_polls`].
#[must_use = "a wait does nothing until it is awaited or streamed"]
pub struct Wait<'a, T> {
    client: &'a Client,
    target: Target<'a, T>,
    policy: WaitPolicy,
    options: RequestOptions,
    progress: Option<Progress<'a, T>>,
    failed: Option<Vec<String>>,
}

/// What to poll: known already, or found by a start call (a create) sent first.
enum Target<'a, T> {
    Ready { job: String, fetch: Fetch<'a, T> },
    Start(BoxFuture<'a, Result<(String, Fetch<'a, T>), Error>>),
}

impl<T> fmt::Debug for Wait<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let job = match &self.target {
            Target::Ready { job, .. } => Some(job.as_str()),
            Target::Start(_) => None,
        };
        f.debug_struct("Wait")
            .field("job", &job)
            .field("policy", &self.policy)
            .field("options", &self.options)
            .field("progress", &self.progress.is_some())
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

impl<'a, T: WaitStatus + Send + 'a> Wait<'a, T> {
    /// A wait for `job` (its id, for errors) that polls with `fetch(options)`.
    pub fn new<F>(client: &'a Client, job: impl Into<String>, policy: WaitPolicy, fetch: F) -> Self
    where
        F: FnMut(RequestOptions) -> BoxFuture<'a, Result<T, Error>> + Send + 'a,
    {
        Self {
            client,
            target: Target::Ready {
                job: job.into(),
                fetch: Box::new(fetch),
            },
            policy,
            options: RequestOptions::new(),
            progress: None,
            failed: None,
        }
    }

    /// A wait that first sends a start call (for example a create) and then polls what it
    /// returned: `start` resolves to the job's id (for errors) and the poll, as for
    /// [`Wait::new`]. The start call is sent once, when the wait is first polled; it is not
    /// counted as a poll, and the [`WaitPolicy::deadline`] starts after it. Its error ends the
    /// wait.
    pub fn after<S, F>(client: &'a Client, policy: WaitPolicy, start: S) -> Self
    where
        S: Future<Output = Result<(String, F), Error>> + Send + 'a,
        F: FnMut(RequestOptions) -> BoxFuture<'a, Result<T, Error>> + Send + 'a,
    {
        let start = async move {
            let (job, fetch) = start.await?;
            let fetch: Fetch<'a, T> = Box::new(fetch);
            Ok((job, fetch))
        };
        Self {
            client,
            target: Target::Start(Box::pin(start)),
            policy,
            options: RequestOptions::new(),
            progress: None,
            failed: None,
        }
    }

    /// How often to poll and for how long; the spec's policy is the default.
    pub fn policy(mut self, policy: WaitPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Per-poll options (attempt timeout, retries); a deadline here is shortened to the time
    /// the wait has left.
    pub fn options(mut self, options: RequestOptions) -> Self {
        self.options = options;
        self
    }

    /// Called with every status a poll returns, the last one included.
    pub fn on_progress(mut self, progress: impl FnMut(&T) + Send + 'a) -> Self {
        self.progress = Some(Box::new(progress));
        self
    }

    /// Replaces the spec's failed states: a state in `states` (compared ignoring ASCII case)
    /// ends the wait with [`WaitErrorKind::Failed`], and every other state that is not done
    /// keeps it polling. An empty list never fails on a state.
    pub fn failed_states<I, S>(mut self, states: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.failed = Some(states.into_iter().map(Into::into).collect());
        self
    }

    /// Sends the start call if there is one, then builds the poll loop.
    pub(crate) async fn into_poller(self) -> Result<Poller<'a, Status<T>>, Error> {
        let (job, mut fetch) = match self.target {
            Target::Ready { job, fetch } => (job, fetch),
            Target::Start(start) => start.await?,
        };
        let fetch: Fetch<'a, Status<T>> = Box::new(move |options| {
            let poll = fetch(options);
            Box::pin(async move { poll.await.map(Status) })
        });
        let failed = self.failed;
        let classify: Classify<'a, Status<T>> =
            Box::new(move |status| match (status.0.verdict(), &failed) {
                (WaitVerdict::Done, _) => Verdict::Done,
                (WaitVerdict::NoResult, _) => Verdict::Fail(WaitErrorKind::NoResult),
                (_, Some(failed)) => {
                    let state = status.0.state();
                    if failed.iter().any(|f| f.eq_ignore_ascii_case(state)) {
                        Verdict::Fail(WaitErrorKind::Failed)
                    } else {
                        Verdict::Pending
                    }
                }
                (WaitVerdict::Failed, None) => Verdict::Fail(WaitErrorKind::Failed),
                (WaitVerdict::Pending, None) => Verdict::Pending,
            });
        let client = self.client;
        let mut poller = Poller::new(client.inner().clock_arc(), job, fetch, classify);
        poller.set_policy(self.policy);
        poller.set_options(self.options);
        poller.set_secret(client.inner().api_key());
        if let Some(mut progress) = self.progress {
            poller.set_progress(Box::new(move |status: &Status<T>| progress(&status.0)));
        }
        Ok(poller)
    }

    /// Every status a poll returns, as a stream that ends after the done one; if the wait
    /// fails, one `Err` is the last item (after the failed status that caused it, if any).
    pub fn into_stream(self) -> BoxStream<'a, Result<T, Error>> {
        use futures_util::StreamExt;
        Box::pin(
            stream::once(self.into_poller()).flat_map(|poller| match poller {
                Ok(poller) => poller.into_stream().map(|item| item.map(|s| s.0)).boxed(),
                Err(err) => stream::once(std::future::ready(Err(err))).boxed(),
            }),
        )
    }

    /// Polls until the resource reaches a done state and returns that status.
    ///
    /// # Errors
    /// [`Error::Wait`] for a deadline, a failed state or a done state without its result;
    /// the poll's own [`Error`] for a permanent failure (for example a 404).
    pub async fn wait(self) -> Result<T, Error> {
        self.wait_counted().await.map(|(status, _, _)| status)
    }

    /// As [`Wait::wait`], with the number of polls sent (failed ones included) and the time
    /// the polling took on the client's clock (after any start call).
    pub(crate) async fn wait_counted(self) -> Result<(T, u32, Duration), Error> {
        // Boxed: the start call's future (a create and its body) is not kept inline in every
        // waiter's future while it polls and sleeps.
        let mut poller = Box::pin(self.into_poller()).await?;
        let mut last = None;
        while let Some(item) = poller.next().await {
            last = Some(item?);
        }
        match last {
            Some(status) => Ok((status.0, poller.polls(), poller.elapsed())),
            // The poller always yields at least one item; reaching this would be a bug.
            None => Err(poller.finish(WaitErrorKind::NoResult)),
        }
    }
}

impl<'a, T: WaitStatus + Send + 'a> IntoFuture for Wait<'a, T> {
    type Output = Result<T, Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.wait())
    }
}

/// The value of a poll parameter taken from a start call's response field (`from:` in the
/// spec): the whole text, or its `/`-separated segment `segment` (negative counts from the end,
/// `-1` is the last), so a resource name `accounts/a/jobs/j` gives the id `j`.
///
/// # Errors
/// [`Error::Wait`] with [`WaitErrorKind::NoResult`] when the field is absent or empty or has no
/// such segment: the wait cannot start.
pub(crate) fn param_from(
    value: Option<&str>,
    field: &str,
    segment: Option<i32>,
) -> Result<String, Error> {
    let found = value.filter(|v| !v.is_empty()).and_then(|v| match segment {
        None => Some(v),
        Some(index) => {
            let parts: Vec<&str> = v.split('/').collect();
            let at = if index < 0 {
                parts.len().checked_sub(index.unsigned_abs() as usize)
            } else {
                usize::try_from(index).ok()
            };
            at.and_then(|at| parts.get(at).copied())
                .filter(|part| !part.is_empty())
        }
    });
    found.map(str::to_owned).ok_or_else(|| {
        WaitError::build(
            WaitErrorKind::NoResult,
            field.to_owned(),
            None,
            (0, Duration::ZERO),
            None,
            Redactor::new(None),
        )
    })
}
