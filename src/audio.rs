//! Hand-written glue on the generated audio batch API: waiting for a batch job
//! ([`BatchWait`]) and its completed result ([`CompletedBatch`]). The polling itself is the
//! generic loop in `wait`; this module only says what a batch status means.

use std::borrow::Cow;
use std::future::IntoFuture;
use std::time::Duration;

use futures_util::stream::BoxStream;

use crate::__private::BoxFuture;
use crate::audio_batch::{BatchJobStatus, BatchStatus};
use crate::body::{DecodedBody, EmbeddedBody};
use crate::client::Client;
use crate::error::Error;
use crate::options::RequestOptions;
use crate::wait::{
    Classify, Fetch, JobStatus, Poller, Progress, Verdict, WaitErrorKind, WaitPolicy,
};

impl JobStatus for BatchStatus {
    fn state(&self) -> &str {
        self.status.as_str()
    }

    fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
}

/// Waits for an audio batch job to complete, polling its status with a [`WaitPolicy`].
///
/// `.await` it for the [`CompletedBatch`], or turn it into a stream of every observed status
/// with [`BatchWait::into_stream`]. It spawns no task: dropping the future or the stream stops
/// the polling at once.
///
/// - Permanent errors (401, 403, 404, other 4xx, a malformed answer) end the wait at once.
/// - Transient errors (connection failures, timeouts, 408, 429, 5xx) are first retried by the
///   client as for any call; if the poll still fails it counts as a failed poll and the wait
///   goes on, until the deadline or [`WaitPolicy::max_failed_polls`].
/// - A status in the failed set ([`BatchWait::DEFAULT_FAILED_STATUSES`]) ends the wait with
///   [`WaitErrorKind::Failed`]; any other status the spec does not list keeps it polling.
/// - `completed` without a `body` is [`WaitErrorKind::NoResult`], not an empty transcript.
///
/// ```no_run
/// use std::time::Duration;
/// use fireworks_ai::{BatchWait, Client, Error, WaitPolicy};
///
/// # async fn run() -> Result<(), Error> {
/// let client = Client::from_env()?;
/// let done = BatchWait::new(&client, "batch-123")
///     .policy(WaitPolicy::new().deadline(Duration::from_secs(3600)))
///     .on_progress(|status| eprintln!("{}", status.status))
///     .await?;
/// println!("{}", done.body());
/// # Ok(())
/// # }
/// ```
#[must_use = "a wait does nothing until it is awaited or streamed"]
pub struct BatchWait<'a> {
    client: &'a Client,
    batch_id: Cow<'a, str>,
    account_id: Option<Cow<'a, str>>,
    policy: WaitPolicy,
    options: RequestOptions,
    failed: Vec<String>,
    progress: Option<Progress<'a, BatchStatus>>,
}

impl std::fmt::Debug for BatchWait<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchWait")
            .field("batch_id", &self.batch_id)
            .field("account_id", &self.account_id)
            .field("policy", &self.policy)
            .field("options", &self.options)
            .field("failed", &self.failed)
            .field("progress", &self.progress.is_some())
            .finish_non_exhaustive()
    }
}

impl<'a> BatchWait<'a> {
    /// Status values that end a wait with [`WaitErrorKind::Failed`] unless
    /// [`BatchWait::failed_statuses`] says otherwise (compared ignoring case).
    ///
    /// Fireworks documents only `processing` and `completed`; how a failed job is reported is not
    /// documented. These are the names its other job APIs and similar APIs use. Any other value
    /// the spec does not list keeps the wait polling, because it may be a new in-between state.
    pub const DEFAULT_FAILED_STATUSES: &'static [&'static str] =
        &["failed", "error", "cancelled", "canceled", "expired"];

    /// A wait for job `batch_id` of the client's account, with the default [`WaitPolicy`].
    pub fn new(client: &'a Client, batch_id: impl Into<Cow<'a, str>>) -> Self {
        Self {
            client,
            batch_id: batch_id.into(),
            account_id: None,
            policy: WaitPolicy::default(),
            options: RequestOptions::new(),
            failed: Self::DEFAULT_FAILED_STATUSES
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            progress: None,
        }
    }

    /// Account that submitted the job; defaults to the client's account id.
    pub fn account_id(mut self, account_id: impl Into<Cow<'a, str>>) -> Self {
        self.account_id = Some(account_id.into());
        self
    }

    /// How often to poll and for how long.
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

    /// Replaces the status values that mean the job failed (compared ignoring case); pass an
    /// empty list to treat every value other than `completed` as still running.
    pub fn failed_statuses<I, S>(mut self, statuses: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.failed = statuses.into_iter().map(Into::into).collect();
        self
    }

    /// Called with every status a poll returns, the last one included; failed polls are not
    /// reported here (they end up in [`WaitError::last_error`]).
    pub fn on_progress(mut self, progress: impl FnMut(&BatchStatus) + Send + 'a) -> Self {
        self.progress = Some(Box::new(progress));
        self
    }

    /// Every status a poll returns, as a stream that ends after the completed one; if the wait
    /// fails, one `Err` is the last item (after the failed status that caused it, if any). The
    /// progress callback is still called.
    ///
    /// ```no_run
    /// use futures_util::StreamExt;
    /// # async fn run(client: &fireworks_ai::Client) -> Result<(), fireworks_ai::Error> {
    /// let mut states = fireworks_ai::BatchWait::new(client, "batch-123").into_stream();
    /// while let Some(status) = states.next().await {
    ///     println!("{}", status?.status);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn into_stream(self) -> BoxStream<'a, Result<BatchStatus, Error>> {
        self.into_poller().into_stream()
    }

    /// Polls until the job completes.
    ///
    /// # Errors
    /// [`Error::Wait`] for a deadline, a failed status or a completed job without a body; the
    /// poll's own [`Error`] for a permanent failure (for example [`Error::Status`] with 404).
    pub async fn wait(self) -> Result<CompletedBatch, Error> {
        let mut poller = self.into_poller();
        let mut last = None;
        while let Some(item) = poller.next().await {
            last = Some(item?);
        }
        match last {
            Some(status) => Ok(CompletedBatch {
                status,
                polls: poller.polls(),
                elapsed: poller.elapsed(),
            }),
            // The poller always yields at least one item; reaching this would be a bug.
            None => Err(poller.finish(WaitErrorKind::NoResult)),
        }
    }

    fn into_poller(self) -> Poller<'a, BatchStatus> {
        let client = self.client;
        let batch_id = self.batch_id.into_owned();
        let account_id = self.account_id.map(Cow::into_owned);
        let id = batch_id.clone();
        let fetch: Fetch<'a, BatchStatus> = Box::new(move |options| {
            let batch_id = batch_id.clone();
            let account_id = account_id.clone();
            Box::pin(async move {
                let request = client
                    .audio_batch()
                    .get_batch_status(&batch_id)
                    .options(options);
                match &account_id {
                    Some(account_id) => request.account_id(account_id).send().await,
                    None => request.send().await,
                }
            })
        });
        let failed = self.failed;
        let classify: Classify<'a, BatchStatus> = Box::new(move |status| classify(status, &failed));
        let mut poller = Poller::new(client.inner.clock.clone(), id, fetch, classify);
        poller.set_policy(self.policy);
        poller.set_options(self.options);
        if let Some(progress) = self.progress {
            poller.set_progress(progress);
        }
        poller
    }
}

/// What a batch status means for the wait.
fn classify(status: &BatchStatus, failed: &[String]) -> Verdict {
    match &status.status {
        BatchJobStatus::Completed if status.body.is_some() => Verdict::Done,
        BatchJobStatus::Completed => Verdict::Fail(WaitErrorKind::NoResult),
        BatchJobStatus::Processing => Verdict::Pending,
        other => {
            let value = other.as_str();
            if failed.iter().any(|f| f.eq_ignore_ascii_case(value)) {
                Verdict::Fail(WaitErrorKind::Failed)
            } else {
                Verdict::Pending
            }
        }
    }
}

impl<'a> IntoFuture for BatchWait<'a> {
    type Output = Result<CompletedBatch, Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.wait())
    }
}

/// A completed audio batch job: its final status, which always carries a result body.
#[derive(Debug, Clone, PartialEq)]
pub struct CompletedBatch {
    status: BatchStatus,
    polls: u32,
    elapsed: Duration,
}

impl CompletedBatch {
    /// The final status (`completed`, with `body` and usually `content_type`).
    pub fn status(&self) -> &BatchStatus {
        &self.status
    }

    /// The final status, by value.
    pub fn into_status(self) -> BatchStatus {
        self.status
    }

    /// The result as received: the backend's response serialised as a string.
    pub fn body(&self) -> &str {
        self.status.body.as_deref().unwrap_or_default()
    }

    /// The backend's original content type, if the status gave one.
    pub fn content_type(&self) -> Option<&str> {
        self.status.content_type.as_deref()
    }

    /// The result decoded as its content type says (JSON, text, or raw).
    ///
    /// # Errors
    /// [`Error::Decode`] when a JSON content type carries a body that is not JSON.
    pub fn decode(&self) -> Result<DecodedBody, Error> {
        EmbeddedBody::new(self.content_type(), Some(self.body()))
            .map_or_else(|| Ok(DecodedBody::Text(String::new())), |b| b.decode())
    }

    /// Polls sent, including failed ones.
    pub fn polls(&self) -> u32 {
        self.polls
    }

    /// Time the wait took, on the client's clock.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }
}
