//! Hand-written glue on the generated audio batch API: submitting and waiting for a batch job
//! ([`BatchWait`]) and its typed result ([`CompletedBatch`]). The polling itself is the
//! generic loop in `wait`; this module only says what a batch status means.

use std::borrow::Cow;
use std::future::IntoFuture;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::{self, BoxStream};

use crate::audio::{ResponseFormat, TranscriptionOutput, TranscriptionRequest, TranslationRequest};
use crate::audio_batch::{BatchJobStatus, BatchStatus, BatchSubmission};
use crate::body::{BodyKind, DecodedBody, EmbeddedBody};
use crate::client::Client;
use crate::error::{Error, Redactor};
use crate::operation::BoxFuture;
use crate::options::RequestOptions;
use crate::wait::{Progress, WaitError, WaitErrorKind, WaitPolicy};
use crate::waiter::Wait;

/// A batch job to submit before waiting: a transcription or a translation request.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum BatchRequest {
    /// Sent with [`crate::audio_batch::AudioBatch::submit_transcription`].
    Transcription(TranscriptionRequest),
    /// Sent with [`crate::audio_batch::AudioBatch::submit_translation`].
    Translation(TranslationRequest),
}

impl BatchRequest {
    /// The request's `response_format`, which says how to read the result.
    pub fn response_format(&self) -> Option<&ResponseFormat> {
        match self {
            Self::Transcription(request) => request.response_format.as_ref(),
            Self::Translation(request) => request.response_format.as_ref(),
        }
    }

    async fn submit(self, client: &Client) -> Result<BatchSubmission, Error> {
        match self {
            Self::Transcription(request) => {
                client.audio_batch().submit_transcription(request).await
            }
            Self::Translation(request) => client.audio_batch().submit_translation(request).await,
        }
    }
}

impl From<TranscriptionRequest> for BatchRequest {
    fn from(request: TranscriptionRequest) -> Self {
        Self::Transcription(request)
    }
}

impl From<TranslationRequest> for BatchRequest {
    fn from(request: TranslationRequest) -> Self {
        Self::Translation(request)
    }
}

impl<'a> crate::audio_batch::AudioBatch<'a> {
    /// Waits for job `batch_id` of the client's account: `client.audio_batch().wait(id).await`.
    ///
    /// The same as [`BatchWait::new`]; set the policy, progress callback, account or
    /// `response_format` on the returned [`BatchWait`] before awaiting it.
    pub fn wait(&self, batch_id: impl Into<Cow<'a, str>>) -> BatchWait<'a> {
        BatchWait::new(self.client(), batch_id)
    }

    /// Submits `request` (a [`TranscriptionRequest`] or [`TranslationRequest`]), then waits for
    /// the job: `client.audio_batch().submit_and_wait(request).await`.
    ///
    /// The same as [`BatchWait::submit_and_wait`]: the request's `response_format` is kept,
    /// so [`CompletedBatch::transcript`] decodes exactly that format.
    pub fn submit_and_wait(&self, request: impl Into<BatchRequest>) -> BatchWait<'a> {
        BatchWait::submit_and_wait(self.client(), request)
    }
}

/// Which job to wait for.
enum Target<'a> {
    /// A job submitted earlier.
    Job {
        batch_id: Cow<'a, str>,
        account_id: Option<Cow<'a, str>>,
    },
    /// A job to submit first.
    Submit(Box<BatchRequest>),
}

/// Called once with the submit response of [`BatchWait::submit_and_wait`].
type OnSubmitted<'a> = Box<dyn FnOnce(&BatchSubmission) + Send + 'a>;

/// Waits for an audio batch job to complete, polling its status with a [`WaitPolicy`], and
/// hands back the typed transcript.
///
/// Make one for an existing job with
/// [`client.audio_batch().wait(batch_id)`](crate::audio_batch::AudioBatch::wait), or submit
/// and wait in one go with
/// [`client.audio_batch().submit_and_wait(request)`](crate::audio_batch::AudioBatch::submit_and_wait)
/// ([`BatchWait::new`] and [`BatchWait::submit_and_wait`] are the same). `.await` it for the
/// [`CompletedBatch`], or turn it into a stream of every observed status with
/// [`BatchWait::into_stream`]. It spawns no task: dropping the future or the stream stops the
/// polling at once.
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
/// use fireworks_ai::audio::{ResponseFormat, TranscriptionOutput, TranscriptionRequest};
/// use fireworks_ai::{Client, FileInput, WaitPolicy};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = Client::from_env()?;
/// let file = FileInput::from_path("talk.wav").await?;
/// let request = TranscriptionRequest::new(file).response_format(ResponseFormat::Text);
/// let done = client
///     .audio_batch()
///     .submit_and_wait(request)
///     .policy(WaitPolicy::new().deadline(Duration::from_secs(3600)))
///     .on_progress(|status| eprintln!("{}", status.status))
///     .await?;
/// if let TranscriptionOutput::Text(text) = done.transcript()? {
///     println!("{text}");
/// }
/// # Ok(())
/// # }
/// ```
#[must_use = "a wait does nothing until it is awaited or streamed"]
pub struct BatchWait<'a> {
    client: &'a Client,
    target: Target<'a>,
    response_format: Option<ResponseFormat>,
    policy: WaitPolicy,
    options: RequestOptions,
    failed: Option<Vec<String>>,
    progress: Option<Progress<'a, BatchStatus>>,
    on_submitted: Option<OnSubmitted<'a>>,
}

impl std::fmt::Debug for BatchWait<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = f.debug_struct("BatchWait");
        match &self.target {
            Target::Job {
                batch_id,
                account_id,
            } => s
                .field("batch_id", batch_id)
                .field("account_id", account_id),
            Target::Submit(request) => s.field("submit", request),
        };
        s.field("response_format", &self.response_format)
            .field("policy", &self.policy)
            .field("options", &self.options)
            .field("failed", &self.failed)
            .field("progress", &self.progress.is_some())
            .finish_non_exhaustive()
    }
}

impl<'a> BatchWait<'a> {
    /// Status values that end a wait with [`WaitErrorKind::Failed`] unless
    /// [`BatchWait::failed_statuses`] says otherwise (compared ignoring case): the spec's
    /// `wait.failed_unlisted` of `get_batch_status` (`spec/audio-batch.yaml`).
    ///
    /// Fireworks documents only `processing` and `completed`; how a failed job is reported is not
    /// documented. These are the names its other job APIs and similar APIs use. Any other value
    /// the spec does not list keeps the wait polling, because it may be a new in-between state.
    pub const DEFAULT_FAILED_STATUSES: &'static [&'static str] =
        &["failed", "error", "cancelled", "canceled", "expired"];

    fn with_target(client: &'a Client, target: Target<'a>) -> Self {
        Self {
            client,
            target,
            response_format: None,
            policy: WaitPolicy::default(),
            options: RequestOptions::new(),
            failed: None,
            progress: None,
            on_submitted: None,
        }
    }

    /// A wait for job `batch_id` of the client's account, with the default [`WaitPolicy`].
    /// Set [`BatchWait::response_format`] if you know it, so the result decodes exactly.
    pub fn new(client: &'a Client, batch_id: impl Into<Cow<'a, str>>) -> Self {
        Self::with_target(
            client,
            Target::Job {
                batch_id: batch_id.into(),
                account_id: None,
            },
        )
    }

    /// A wait for the job a submit returned, in the account the submit response names.
    pub fn for_submission(client: &'a Client, submission: &BatchSubmission) -> Self {
        Self::with_target(
            client,
            Target::Job {
                batch_id: Cow::Owned(submission.batch_id.clone()),
                account_id: Some(Cow::Owned(submission.account_id.clone())),
            },
        )
    }

    /// Submits `request` (a [`TranscriptionRequest`] or [`TranslationRequest`]) for batch
    /// processing, then waits for the job in the account the submit response names.
    ///
    /// The request's `response_format` is kept, so [`CompletedBatch::transcript`] decodes
    /// exactly that format. The submit is sent once when the wait is first polled; it is not
    /// counted as a poll, and the [`WaitPolicy::deadline`] starts after it.
    pub fn submit_and_wait(client: &'a Client, request: impl Into<BatchRequest>) -> Self {
        let request = request.into();
        let format = request.response_format().cloned();
        let mut wait = Self::with_target(client, Target::Submit(Box::new(request)));
        wait.response_format = format;
        wait
    }

    /// Account that submitted the job; defaults to the client's account id, or for
    /// [`BatchWait::for_submission`] the account the submit response names.
    ///
    /// Ignored by [`BatchWait::submit_and_wait`]: the submit goes to the client's account and
    /// the wait follows the account its response names.
    pub fn account_id(mut self, account_id: impl Into<Cow<'a, str>>) -> Self {
        if let Target::Job {
            account_id: slot, ..
        } = &mut self.target
        {
            *slot = Some(account_id.into());
        }
        self
    }

    /// The `response_format` the job was submitted with, so the result decodes exactly;
    /// without it the format is inferred from the result's content type and shape.
    pub fn response_format(mut self, format: ResponseFormat) -> Self {
        self.response_format = Some(format);
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
        self.failed = Some(statuses.into_iter().map(Into::into).collect());
        self
    }

    /// Called with every status a poll returns, the last one included; failed polls are not
    /// reported here (a transient failure is kept as [`crate::WaitError::last_error`] if the
    /// wait then gives up, and a permanent one is the wait's error).
    pub fn on_progress(mut self, progress: impl FnMut(&BatchStatus) + Send + 'a) -> Self {
        self.progress = Some(Box::new(progress));
        self
    }

    /// Called once with the submit response, before the first poll (only for
    /// [`BatchWait::submit_and_wait`]).
    pub fn on_submitted(mut self, on_submitted: impl FnOnce(&BatchSubmission) + Send + 'a) -> Self {
        self.on_submitted = Some(Box::new(on_submitted));
        self
    }

    /// Every status a poll returns, as a stream that ends after the completed one; if the wait
    /// fails, one `Err` is the last item (after the failed status that caused it, if any). The
    /// progress callback is still called.
    ///
    /// ```no_run
    /// use futures_util::StreamExt;
    /// # async fn run(client: &fireworks_ai::Client) -> Result<(), fireworks_ai::Error> {
    /// let mut states = client.audio_batch().wait("batch-123").into_stream();
    /// while let Some(status) = states.next().await {
    ///     println!("{}", status?.status);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn into_stream(self) -> BoxStream<'a, Result<BatchStatus, Error>> {
        Box::pin(stream::once(self.into_wait()).flat_map(|wait| match wait {
            Ok((wait, _)) => wait.into_stream(),
            Err(err) => Box::pin(stream::once(std::future::ready(Err(err)))),
        }))
    }

    /// Submits (for [`BatchWait::submit_and_wait`]), then polls until the job completes.
    ///
    /// # Errors
    /// [`Error::Wait`] for a deadline, a failed status or a completed job without a body; the
    /// submit's or the poll's own [`Error`] for a permanent failure (for example
    /// [`Error::Status`] with 404).
    pub async fn wait(self) -> Result<CompletedBatch, Error> {
        // Boxed, so the submit's future is not kept inline in the wait's while it polls.
        let (wait, response_format) = Box::pin(self.into_wait()).await?;
        let (status, polls, elapsed) = wait.wait_counted().await?;
        Ok(CompletedBatch {
            status,
            response_format,
            polls,
            elapsed,
        })
    }

    /// Sends the submit if there is one, then builds the spec's waiter (`wait:` of
    /// `get_batch_status`) on the job's id and account.
    async fn into_wait(self) -> Result<(Wait<'a, BatchStatus>, Option<ResponseFormat>), Error> {
        let client = self.client;
        let (batch_id, account_id) = match self.target {
            Target::Job {
                batch_id,
                account_id,
            } => (batch_id.into_owned(), account_id.map(Cow::into_owned)),
            Target::Submit(request) => {
                let submission = request.submit(client).await?;
                if let Some(on_submitted) = self.on_submitted {
                    on_submitted(&submission);
                }
                (submission.batch_id, Some(submission.account_id))
            }
        };
        // The generated `.wait()` of the status request borrows its arguments; the ids here
        // are owned (a submit response's), so each poll builds its request from them.
        let job = batch_id.clone();
        let poll = move |options| -> BoxFuture<'a, Result<BatchStatus, Error>> {
            let batch_id = batch_id.clone();
            let account_id = account_id.clone();
            Box::pin(async move {
                let request = client.audio_batch().get_batch_status(&batch_id);
                let request = match &account_id {
                    Some(account_id) => request.account_id(account_id),
                    None => request,
                };
                request.options(options).send().await
            })
        };
        let mut wait = Wait::new(client, job, self.policy, poll).options(self.options);
        if let Some(failed) = self.failed {
            wait = wait.failed_states(failed);
        }
        if let Some(progress) = self.progress {
            wait = wait.on_progress(progress);
        }
        Ok((wait, self.response_format))
    }
}

impl<'a> IntoFuture for BatchWait<'a> {
    type Output = Result<CompletedBatch, Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.wait())
    }
}

/// A completed audio batch job: its final status, which always carries a result body, and the
/// `response_format` it was submitted with when that is known.
#[derive(Debug, Clone, PartialEq)]
pub struct CompletedBatch {
    status: BatchStatus,
    response_format: Option<ResponseFormat>,
    polls: u32,
    elapsed: Duration,
}

impl CompletedBatch {
    /// Wraps a `completed` status (for example the last item of [`BatchWait::into_stream`]).
    ///
    /// # Errors
    /// [`Error::Wait`] with [`WaitErrorKind::NoResult`] when the status is not `completed` or
    /// has no body.
    pub fn from_status(
        status: BatchStatus,
        response_format: Option<ResponseFormat>,
    ) -> Result<Self, Error> {
        if status.status != BatchJobStatus::Completed || status.body.is_none() {
            let last = (status.status.as_str().to_owned(), status.message);
            return Err(WaitError::build(
                WaitErrorKind::NoResult,
                status.batch_id,
                Some(last),
                (0, Duration::ZERO),
                None,
                Redactor::new(None),
            ));
        }
        Ok(Self {
            status,
            response_format,
            polls: 0,
            elapsed: Duration::ZERO,
        })
    }

    /// The typed transcript (or translation).
    ///
    /// With a known `response_format` the body is decoded as that format; otherwise the format
    /// is inferred from the content type and the body's shape (see
    /// [`TranscriptionOutput::decode`]). Text formats come back as `String`, a content type
    /// nobody knows as [`TranscriptionOutput::Other`].
    ///
    /// # Errors
    /// [`Error::Decode`] when the body does not match its content type (a JSON content type
    /// with a body that is not JSON) or its format (a `json` or `verbose_json` body that does
    /// not decode into the transcript type, naming the failing field).
    pub fn transcript(&self) -> Result<TranscriptionOutput, Error> {
        // A JSON format, or one inferred from a JSON content type, decodes the body into a
        // type, which already refuses a body that is not JSON; only a text format asked of a
        // JSON content type needs the body checked separately.
        let decodes_json = match self.response_format.as_ref() {
            None => true,
            Some(format) => matches!(format.as_str(), "json" | "verbose_json"),
        };
        if !decodes_json
            && let Some(body) = self.embedded_body()
            && body.kind() == BodyKind::Json
        {
            body.json::<serde::de::IgnoredAny>()?;
        }
        TranscriptionOutput::decode(
            self.response_format.as_ref(),
            self.content_type(),
            self.body(),
        )
    }

    /// The final status (`completed`, with `body` and usually `content_type`).
    pub fn status(&self) -> &BatchStatus {
        &self.status
    }

    /// The final status, by value.
    pub fn into_status(self) -> BatchStatus {
        self.status
    }

    /// The `response_format` the job was submitted with, when the wait knew it.
    pub fn response_format(&self) -> Option<&ResponseFormat> {
        self.response_format.as_ref()
    }

    /// The result as received: the backend's response serialised as a string.
    pub fn body(&self) -> &str {
        self.status.body.as_deref().unwrap_or_default()
    }

    /// The backend's original content type, if the status gave one.
    pub fn content_type(&self) -> Option<&str> {
        self.status.content_type.as_deref()
    }

    /// The result with its content type, for [`EmbeddedBody`]'s accessors.
    pub fn embedded_body(&self) -> Option<EmbeddedBody<'_>> {
        self.status.embedded_body()
    }

    /// The result decoded as its content type says (JSON, text, or raw), without the
    /// transcript types.
    ///
    /// # Errors
    /// [`Error::Decode`] when a JSON content type carries a body that is not JSON.
    pub fn decode(&self) -> Result<DecodedBody, Error> {
        match self.embedded_body() {
            Some(body) => body.decode(),
            None => Ok(DecodedBody::Text(String::new())),
        }
    }

    /// Polls sent, including failed ones.
    pub fn polls(&self) -> u32 {
        self.polls
    }

    /// Time the wait took, on the client's clock (from the first poll, after any submit).
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }
}
