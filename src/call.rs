//! Sending one generated call: auth, attempts with timeouts, capped body reads, the retry
//! loop and the translation of every failure into [`Error`]. Retry rules live in `retry`.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, LOCATION, USER_AGENT};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use secrecy::SecretString;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::body::decode_json;
use crate::client::{Client, Inner};
use crate::error::{
    CallInfo, DecodeError, Error, Redactor, RedirectError, StatusError, TimeoutError, TimeoutKind,
    TooLargeError, TransportError,
};
use crate::limit::Gate;
use crate::multipart::Multipart;
use crate::operation::{Auth, Operation};
use crate::options::RequestOptions;
use crate::policy::{Deadline, Failed, Transience};
use crate::response::{Response, ResponseMeta, header_str};
use crate::retry::server_delay;
use crate::sse::{EventStream, StreamConfig};
use crate::url::{ParseError, REDACTED, UrlBuilder, push_query_component};

/// One call of a generated operation, built by generated code and consumed by `send_*`.
#[derive(Debug)]
pub struct Call<'a> {
    client: &'a Client,
    op: &'static Operation,
    url: UrlBuilder,
    options: &'a RequestOptions,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Option<Bytes>,
    multipart: Option<Multipart>,
}

impl<'a> Call<'a> {
    /// Prepares a call; nothing is sent until `send_*`.
    pub fn new(
        client: &'a Client,
        op: &'static Operation,
        url: UrlBuilder,
        options: &'a RequestOptions,
    ) -> Self {
        Self {
            client,
            op,
            url,
            options,
            headers: Vec::new(),
            body: None,
            multipart: None,
        }
    }

    /// Adds a header parameter.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when the name or value cannot be sent in a header.
    pub fn header(&mut self, name: &'static str, value: &str) -> Result<(), Error> {
        let header_name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| Error::invalid_argument(name, "is not a valid header name"))?;
        let header_value = HeaderValue::from_str(value).map_err(|_| {
            Error::invalid_argument(name, "contains characters not allowed in a header")
        })?;
        self.headers.push((header_name, header_value));
        Ok(())
    }

    /// Serialises `body` as the JSON request body.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when the body cannot be serialised (a map with non-string
    /// keys, a failing `Serialize` impl).
    pub fn json_body<B: Serialize + ?Sized>(&mut self, body: &B) -> Result<(), Error> {
        let bytes = serde_json::to_vec(body).map_err(|e| {
            Error::invalid_argument("body", format!("cannot be serialised as JSON: {e}"))
        })?;
        self.body = Some(Bytes::from(bytes));
        Ok(())
    }

    /// Sends `form` as a `multipart/form-data` body.
    ///
    /// Every attempt encodes the form again with a new boundary, so a retry sends the whole
    /// body again: bytes are shared, not copied, and files on disk are reopened and streamed
    /// from the start. Whether a retry happens at all is decided as for any other call: a
    /// non-idempotent operation (a submit) is only retried when the request certainly did not
    /// reach the server, or was refused with 429 before any work was done.
    pub fn multipart_body(&mut self, form: Multipart) {
        self.multipart = Some(form);
    }

    /// Sends the call and decodes a JSON response body into `T`.
    ///
    /// # Errors
    /// Any [`Error`]; a body that does not match `T` gives [`Error::Decode`] with the path.
    pub async fn send_json<T: DeserializeOwned>(self) -> Result<Response<T>, Error> {
        let redactor = redactor(self.client.inner());
        let (body, meta) = self.execute().await?;
        match decode_json(&body, None, None, redactor) {
            Ok(value) => Ok(Response::new(value, meta)),
            Err(error) => Err(self.with_details(error, meta)),
        }
    }

    /// Sends the call and returns the response body as text.
    ///
    /// # Errors
    /// Any [`Error`]; a body that is not UTF-8 gives [`Error::Decode`].
    pub async fn send_text(self) -> Result<Response<String>, Error> {
        let redactor = redactor(self.client.inner());
        let (body, meta) = self.execute().await?;
        match String::from_utf8(Vec::from(body)) {
            Ok(text) => Ok(Response::new(text, meta)),
            Err(e) => {
                Err(self.with_details(not_utf8(e.as_bytes(), e.utf8_error(), redactor), meta))
            }
        }
    }

    /// Sends the call and hands the response's `Content-Type` and text body to `decode`, for
    /// responses whose shape is only known from the request or the content type (generated
    /// output enums).
    ///
    /// # Errors
    /// Any [`Error`]; a body that is not UTF-8 gives [`Error::Decode`], and a
    /// [`Error::Decode`] from `decode` gets this call's details and response metadata.
    pub async fn send_decoded<T>(
        self,
        decode: impl FnOnce(Option<&str>, &str) -> Result<T, Error>,
    ) -> Result<Response<T>, Error> {
        let redactor = redactor(self.client.inner());
        let (body, meta) = self.execute().await?;
        let text = match std::str::from_utf8(&body) {
            Ok(text) => text,
            Err(e) => return Err(self.with_details(not_utf8(&body, e, redactor), meta)),
        };
        match decode(header_str(meta.headers(), CONTENT_TYPE.as_str()), text) {
            Ok(value) => Ok(Response::new(value, meta)),
            Err(Error::Decode(mut e)) => {
                // `decode` works on `text` without the key (generated code cannot reach it).
                e.redact(text.as_bytes(), redactor);
                Err(self.with_details(Error::Decode(e), meta))
            }
            Err(other) => Err(other),
        }
    }

    /// Gives a decode error of a successful response this call's details and metadata; built
    /// only on failure, so a successful call never copies its URL.
    fn with_details(&self, error: Error, meta: ResponseMeta) -> Error {
        match error {
            Error::Decode(mut e) => {
                e.call = Some(self.call_info(meta.attempts(), meta.elapsed()));
                e.meta = Some(meta);
                Error::Decode(e)
            }
            other => other,
        }
    }

    /// Runs the attempts and returns the successful body, or the final error, inside the
    /// call's `tracing` span (free when no subscriber listens).
    async fn execute(&self) -> Result<(Bytes, ResponseMeta), Error> {
        let (received, meta) = self.traced(false).await?;
        // `traced(false)` always reads the body.
        let body = match received {
            Received::Body(body) => body,
            Received::Open(_) => Bytes::new(),
        };
        Ok((body, meta))
    }

    /// Sends the call and, once the response status is a success, returns its body as a
    /// stream of server-sent events decoded into `T`. Attempts and retries end at the status:
    /// nothing is retried after the stream has started, and the stream holds no in-flight slot.
    ///
    /// # Errors
    /// Any [`Error`] up to the response status; the stream reports later failures as
    /// [`Error::Stream`].
    pub async fn send_events<T>(
        mut self,
        config: &'static StreamConfig,
        idle: Duration,
    ) -> Result<EventStream<T>, Error> {
        self.headers
            .push((ACCEPT, HeaderValue::from_static("text/event-stream")));
        let secret = self
            .client
            .inner()
            .api_key()
            .map(|key| SecretString::from(key.to_owned()));
        let (received, meta) = self.traced(true).await?;
        Ok(match received {
            Received::Open(response) => {
                EventStream::new(response.bytes_stream(), config, idle, meta, secret)
            }
            Received::Body(body) => {
                let once = futures_util::stream::once(std::future::ready(Ok::<_, Error>(body)));
                EventStream::new(once, config, idle, meta, secret)
            }
        })
    }

    /// The attempts inside the call's `tracing` span; `open` leaves a successful body unread.
    async fn traced(&self, open: bool) -> Result<(Received, ResponseMeta), Error> {
        let span = tracing::debug_span!(
            "fireworks.call",
            operation = self.op.id,
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        if span.is_disabled() {
            return self.attempts(&span, open).await;
        }
        self.attempts(&span, open).instrument(span.clone()).await
    }

    /// The retry loop.
    async fn attempts(
        &self,
        span: &tracing::Span,
        open: bool,
    ) -> Result<(Received, ResponseMeta), Error> {
        let inner = self.client.inner();
        let op = self.op;
        let (auth, url) = self.prepare(inner)?;
        let gate = inner.limits().gate(&url);
        let mut url = Some(url);
        let plan = Plan::new(inner, op, self.options);
        let clock = inner.clock();
        let start = clock.now();
        let deadline = Deadline::new(clock, start, plan.deadline);
        inner.budget().deposit();
        let mut attempts: u32 = 0;
        loop {
            attempts = attempts.saturating_add(1);
            // A slot on the server's gate (issue 12): held for this attempt only, so a retry's
            // sleep and a waiter's pause between polls hold none. The wait counts against the
            // deadline; when it runs out, the check below reports the deadline.
            let slot = match deadline.remaining() {
                None => Some(gate.acquire(clock).await),
                Some(left) => tokio::time::timeout(left, gate.acquire(clock)).await.ok(),
            };
            let remaining = deadline.remaining();
            if remaining.is_some_and(|r| r.is_zero()) {
                let call = self.call_info(attempts.saturating_sub(1), deadline.elapsed());
                let kind = TimeoutKind::Deadline(plan.deadline.unwrap_or_default());
                return Err(Error::Timeout(Box::new(TimeoutError {
                    call,
                    kind,
                    maybe_sent: attempts > 1,
                })));
            }
            let (limit, kind) = match remaining {
                Some(r) if r < plan.attempt_timeout => {
                    (r, TimeoutKind::Deadline(plan.deadline.unwrap_or(r)))
                }
                _ => (
                    plan.attempt_timeout,
                    TimeoutKind::Attempt(plan.attempt_timeout),
                ),
            };
            // The first attempt takes the URL parsed by `prepare`; a retry parses it again.
            let url = match url.take() {
                Some(url) => url,
                None => self.prepare(inner)?.1,
            };
            let request = self.request(inner, auth, url);
            if !span.is_disabled() {
                span.record("attempt", attempts);
            }
            tracing::debug!(operation = op.id, attempt = attempts, "sending");
            // Boxed, so the ~1 KB of the attempt's state (reqwest's response future, the body
            // read) exists only while the request is on the wire: a call queued at the gate,
            // as thousands of waiters' polls can be at once, keeps the small rest (issue 12).
            let outcome = Box::pin(attempt(inner, request, &plan, limit, kind, open)).await;
            drop(slot);
            let outcome = match outcome {
                Ok((body, status, headers)) => {
                    gate.observe_headers(clock.now(), &headers);
                    let elapsed = clock.now().saturating_duration_since(start);
                    let meta = ResponseMeta::new(status, headers, attempts, elapsed);
                    if !span.is_disabled() {
                        record_response(span, &meta);
                    }
                    return Ok((body, meta));
                }
                Err(failure) => failure,
            };
            outcome.inform(&gate, clock.now());
            let elapsed = deadline.elapsed();
            let retry = attempts <= plan.max_retries
                && Transience::of(outcome.failed()).allows(op.idempotent);
            let delay = retry.then(|| {
                outcome
                    .server_delay()
                    .unwrap_or_else(|| plan.policy_backoff(inner, attempts.saturating_sub(1)))
            });
            let slept = match delay {
                Some(delay) => {
                    tracing::debug!(operation = op.id, attempt = attempts, ?delay, "retrying");
                    deadline.sleep(delay, || inner.budget().withdraw()).await
                }
                None => false,
            };
            if !slept {
                let call = self.call_info(attempts, elapsed);
                let error = outcome.into_error(inner, call, attempts, elapsed);
                if !span.is_disabled()
                    && let Some(meta) = error.meta()
                {
                    record_response(span, meta);
                }
                return Err(error);
            }
        }
    }

    /// Resolves the auth header and the request URL once per call.
    fn prepare<'i>(
        &self,
        inner: &'i Inner,
    ) -> Result<(Option<&'i HeaderValue>, reqwest::Url), Error> {
        let no_key = || {
            Error::config(format!(
                "operation `{}` needs an API key: set one with `ClientBuilder::api_key` or `FIREWORKS_API_KEY`",
                self.op.id
            ))
        };
        let bad_url = |e: ParseError| {
            Error::invalid_argument("url", format!("the request URL does not parse: {e}"))
        };
        let header = match self.op.auth {
            Auth::None | Auth::Query(_) => None,
            Auth::Raw => Some(inner.auth_raw().ok_or_else(no_key)?),
            Auth::Bearer => Some(inner.auth_bearer().ok_or_else(no_key)?),
        };
        let url = match self.op.auth {
            Auth::Query(name) => {
                let key = inner.api_key().ok_or_else(no_key)?;
                let mut full = self.url.buf.clone();
                full.push(if self.url.has_query { '&' } else { '?' });
                push_query_component(&mut full, name);
                full.push('=');
                push_query_component(&mut full, key);
                inner
                    .base_cache()
                    .parse(&full, self.url.base_len)
                    .map_err(bad_url)?
            }
            _ => inner
                .base_cache()
                .parse(&self.url.buf, self.url.base_len)
                .map_err(bad_url)?,
        };
        Ok((header, url))
    }

    /// Builds one attempt's request: no intermediate header map, no body copy.
    fn request(
        &self,
        inner: &Inner,
        auth: Option<&HeaderValue>,
        url: reqwest::Url,
    ) -> reqwest::Request {
        let mut request = reqwest::Request::new(self.op.method.clone(), url);
        let headers = request.headers_mut();
        headers.reserve(4 + self.headers.len());
        headers.insert(USER_AGENT, inner.user_agent().clone());
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        if let Some(auth) = auth {
            headers.insert(AUTHORIZATION, auth.clone());
        }
        for (name, value) in &self.headers {
            headers.insert(name.clone(), value.clone());
        }
        if let Some(body) = &self.body {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            *request.body_mut() = Some(reqwest::Body::from(body.clone()));
        }
        if let Some(form) = &self.multipart {
            let encoded = form.encode();
            // The boundary is ASCII letters, digits and `-`, so the value is always valid.
            if let Ok(content_type) = HeaderValue::from_str(&encoded.content_type) {
                request.headers_mut().insert(CONTENT_TYPE, content_type);
            }
            request
                .headers_mut()
                .insert(CONTENT_LENGTH, HeaderValue::from(encoded.length));
            *request.body_mut() = Some(encoded.into_body());
        }
        request
    }

    /// The call as shown in errors: the URL with a query key redacted.
    fn call_info(&self, attempts: u32, elapsed: Duration) -> CallInfo {
        let mut url = self.url.buf.clone();
        if let Auth::Query(name) = self.op.auth {
            url.push(if self.url.has_query { '&' } else { '?' });
            url.push_str(name);
            url.push('=');
            url.push_str(REDACTED);
        }
        CallInfo {
            operation: self.op.id,
            method: self.op.method.clone(),
            url,
            attempts,
            elapsed,
        }
    }
}

/// The effective settings of one call: options over the operation over the client.
struct Plan {
    attempt_timeout: Duration,
    deadline: Option<Duration>,
    read_stall: Option<Duration>,
    max_retries: u32,
    max_body: u64,
    max_error_body: u64,
}

impl Plan {
    fn new(inner: &Inner, op: &Operation, options: &RequestOptions) -> Self {
        let config = inner.config();
        Self {
            attempt_timeout: options
                .timeout
                .or(op.timeout)
                .unwrap_or(config.attempt_timeout),
            deadline: options.deadline.or(config.deadline),
            read_stall: options.read_stall_timeout.or(config.read_stall_timeout),
            max_retries: options.max_retries.unwrap_or(config.retry.max_retries),
            max_body: options.max_body_bytes.unwrap_or(config.max_body_bytes),
            max_error_body: config.max_error_body_bytes,
        }
    }

    fn policy_backoff(&self, inner: &Inner, retry: u32) -> Duration {
        inner.config().retry.backoff(retry)
    }
}

/// Why one attempt did not produce a usable response.
enum Failure {
    /// The connection failed; `maybe_sent` is false only when it was never established.
    Transport {
        source: reqwest::Error,
        maybe_sent: bool,
    },
    /// The attempt or deadline timer fired.
    Timeout(TimeoutKind),
    /// The body stopped arriving.
    Stall(Duration),
    /// A non-success, non-redirect status; the body is capped, and `complete` says whether
    /// all of it was read.
    Status {
        status: StatusCode,
        headers: HeaderMap,
        body: Bytes,
        complete: bool,
    },
    /// A 3xx.
    Redirect {
        status: StatusCode,
        headers: HeaderMap,
    },
    /// A success body over the cap.
    TooLarge {
        status: StatusCode,
        headers: HeaderMap,
        declared: Option<u64>,
        limit: u64,
    },
}

impl Failure {
    /// What kind of failure this is, for the classifier shared with [`Error::is_transient`].
    /// Tells the server's gate what this failure says about the server: a 429 with a delay
    /// pauses every call to it, and any status carries the request budget.
    fn inform(&self, gate: &Gate, now: std::time::Instant) {
        if let Self::Status {
            status, headers, ..
        } = self
        {
            gate.observe_headers(now, headers);
            if *status == StatusCode::TOO_MANY_REQUESTS
                && let Some(delay) = self.server_delay()
            {
                gate.pause(now, delay);
            }
        }
    }

    /// A deadline timeout here means the call's own deadline is spent.
    fn failed(&self) -> Failed<'_> {
        match self {
            Self::Transport {
                maybe_sent: false, ..
            } => Failed::NotSent,
            Self::Transport { .. } => Failed::Broken,
            Self::Timeout(TimeoutKind::Deadline(_)) => Failed::DeadlineSpent,
            Self::Timeout(_) | Self::Stall(_) => Failed::TimedOut,
            Self::Status {
                status, headers, ..
            } => Failed::Status(*status, headers),
            Self::Redirect { .. } | Self::TooLarge { .. } => Failed::Permanent,
        }
    }

    /// The delay the server asked for, if any.
    fn server_delay(&self) -> Option<Duration> {
        match self {
            Self::Status { headers, .. } => server_delay(headers, std::time::SystemTime::now()),
            _ => None,
        }
    }

    fn into_error(self, inner: &Inner, call: CallInfo, attempts: u32, elapsed: Duration) -> Error {
        match self {
            Self::Transport { source, maybe_sent } => Error::Transport(Box::new(TransportError {
                call,
                maybe_sent,
                source: source.without_url(),
            })),
            Self::Timeout(kind) => Error::Timeout(Box::new(TimeoutError {
                call,
                kind,
                maybe_sent: true,
            })),
            Self::Stall(after) => Error::Timeout(Box::new(TimeoutError {
                call,
                kind: TimeoutKind::ReadStall(after),
                maybe_sent: true,
            })),
            Self::Status {
                status,
                headers,
                body,
                complete,
            } => Error::Status(Box::new(StatusError::new(
                call,
                ResponseMeta::new(status, headers, attempts, elapsed),
                &body,
                complete,
                redactor(inner),
            ))),
            Self::Redirect { status, headers } => {
                let location = header_str(&headers, LOCATION.as_str()).map(str::to_owned);
                Error::Redirect(Box::new(RedirectError {
                    call,
                    meta: ResponseMeta::new(status, headers, attempts, elapsed),
                    location,
                }))
            }
            Self::TooLarge {
                status,
                headers,
                declared,
                limit,
            } => Error::TooLarge(Box::new(TooLargeError {
                call,
                meta: Some(ResponseMeta::new(status, headers, attempts, elapsed)),
                limit,
                declared,
            })),
        }
    }
}

/// A successful response: its body read whole, or the response left open for streaming.
enum Received {
    Body(Bytes),
    Open(reqwest::Response),
}

/// One attempt: send, classify the status, read the body within its cap and stall timeout,
/// all within `limit` (which fails as a timeout of `kind`).
async fn attempt(
    inner: &Inner,
    request: reqwest::Request,
    plan: &Plan,
    limit: Duration,
    kind: TimeoutKind,
    open: bool,
) -> Result<(Received, StatusCode, HeaderMap), Failure> {
    let (first, end) = AttemptTimer::limits(limit, plan.read_stall);
    let sleep = std::pin::pin!(tokio::time::sleep_until(first));
    let mut timer = AttemptTimer {
        sleep,
        end,
        stall: plan.read_stall,
    };
    let expired = |e: Expired| match e {
        Expired::Attempt => Failure::Timeout(kind),
        Expired::Stall(after) => Failure::Stall(after),
    };
    let mut response = timer
        .run(inner.http().execute(request), false)
        .await
        .map_err(expired)?
        .map_err(|source| Failure::Transport {
            maybe_sent: !source.is_connect(),
            source,
        })?;
    let status = response.status();
    let redactor = redactor(inner);
    if status.is_success() && open {
        let headers = take_headers(&mut response, redactor);
        return Ok((Received::Open(response), status, headers));
    }
    if status.is_success() {
        let declared = response.content_length();
        if let Some(len) = declared.filter(|len| *len > plan.max_body) {
            let headers = take_headers(&mut response, redactor);
            return Err(Failure::TooLarge {
                status,
                headers,
                declared: Some(len),
                limit: plan.max_body,
            });
        }
        return match read_body(&mut response, plan.max_body, &mut timer).await {
            Ok(body) => Ok((
                Received::Body(body),
                status,
                take_headers(&mut response, redactor),
            )),
            Err(BodyError::Transport(source)) => Err(Failure::Transport {
                source,
                maybe_sent: true,
            }),
            Err(BodyError::Expired(e)) => Err(expired(e)),
            Err(BodyError::TooLarge) => Err(Failure::TooLarge {
                status,
                headers: take_headers(&mut response, redactor),
                declared,
                limit: plan.max_body,
            }),
        };
    }
    let headers = take_headers(&mut response, redactor);
    if status.is_redirection() {
        return Err(Failure::Redirect { status, headers });
    }
    // An error body is only evidence: keep what arrives within the cap and the stall timeout.
    let (body, complete) = read_body_partial(&mut response, plan.max_error_body, &mut timer)
        .await
        .map_err(expired)?;
    Err(Failure::Status {
        status,
        headers,
        body,
        complete,
    })
}

/// Which limit of an attempt ran out.
enum Expired {
    /// The attempt's own time (the attempt timeout, or what the deadline left).
    Attempt,
    /// The body stopped arriving for this long.
    Stall(Duration),
}

/// The one timer of an attempt, for both its time limit and the body's read-stall limit.
///
/// The timer is armed once, at the earlier of the two limits, and moved only when it fires
/// early: when it fires, the attempt fails if its time is up, the body read fails if the
/// current wait for a piece has lasted the stall limit, and otherwise the timer is re-armed
/// for whichever comes next. So a body that keeps arriving costs no timer work per piece,
/// and a stall is still noticed within the limit.
struct AttemptTimer<'s> {
    sleep: Pin<&'s mut tokio::time::Sleep>,
    end: tokio::time::Instant,
    stall: Option<Duration>,
}

impl AttemptTimer<'_> {
    /// For an attempt starting now: when to arm the timer first, and when the attempt ends.
    fn limits(
        limit: Duration,
        stall: Option<Duration>,
    ) -> (tokio::time::Instant, tokio::time::Instant) {
        let now = tokio::time::Instant::now();
        // A limit too far away to represent is as good as none: a century.
        let far = |d: Duration| {
            now.checked_add(d)
                .or_else(|| now.checked_add(Duration::from_secs(100 * 365 * 86_400)))
                .unwrap_or(now)
        };
        let end = far(limit);
        (stall.map_or(end, |stall| far(stall).min(end)), end)
    }

    /// Runs `future` within the attempt's time; `stalls` says whether the read-stall limit
    /// applies too (it does for each piece of a body, measured from when the wait for that
    /// piece began).
    async fn run<F: Future>(&mut self, future: F, stalls: bool) -> Result<F::Output, Expired> {
        let mut future = std::pin::pin!(future);
        let stall = self.stall.filter(|_| stalls);
        let mut due: Option<tokio::time::Instant> = None;
        std::future::poll_fn(|cx| {
            if let Poll::Ready(output) = future.as_mut().poll(cx) {
                return Poll::Ready(Ok(output));
            }
            if let Some(stall) = stall
                && due.is_none()
            {
                // The first time this piece is not ready: its stall limit starts now. The
                // timer is moved only if it is set later than that.
                let at = tokio::time::Instant::now()
                    .checked_add(stall)
                    .unwrap_or(self.end)
                    .min(self.end);
                due = Some(at);
                if self.sleep.deadline() > at {
                    self.sleep.as_mut().reset(at);
                }
            }
            while self.sleep.as_mut().poll(cx).is_ready() {
                // The limit that matters now; if the timer fired at or after it, it is up.
                let fired = self.sleep.deadline();
                let next = due.map_or(self.end, |at| at.min(self.end));
                if next <= fired {
                    return Poll::Ready(Err(match (stall, due) {
                        (Some(stall), Some(at)) if at < self.end => Expired::Stall(stall),
                        _ => Expired::Attempt,
                    }));
                }
                self.sleep.as_mut().reset(next);
            }
            Poll::Pending
        })
        .await
    }
}

/// The redactor for everything this client derives from a response.
fn redactor(inner: &Inner) -> Redactor<'_> {
    Redactor::new(inner.api_key())
}

/// Records a response's status, request id and elapsed time on the call's span.
fn record_response(span: &tracing::Span, meta: &ResponseMeta) {
    span.record("status", meta.status().as_u16());
    if let Some(id) = meta.request_id() {
        span.record("request_id", id);
    }
    span.record(
        "elapsed_ms",
        u64::try_from(meta.elapsed().as_millis()).unwrap_or(u64::MAX),
    );
}

/// The response's headers, taken out of it, with the API key redacted from every value: they
/// end up in [`ResponseMeta`], which success values and errors print with `Debug`.
fn take_headers(response: &mut reqwest::Response, redactor: Redactor<'_>) -> HeaderMap {
    let mut headers = std::mem::take(response.headers_mut());
    redactor.headers(&mut headers);
    headers
}

/// A body that is not UTF-8 where text was expected; the caller adds the call's details.
fn not_utf8(body: &[u8], error: std::str::Utf8Error, redactor: Redactor<'_>) -> Error {
    let message = format!("body is not UTF-8: {error}");
    let error = DecodeError::new(".".to_owned(), message, body, error.valid_up_to(), redactor);
    Error::Decode(Box::new(error))
}

/// Why reading a body stopped early.
enum BodyError {
    Transport(reqwest::Error),
    Expired(Expired),
    TooLarge,
}

/// Reads a whole body of at most `cap` bytes within the attempt's time and the stall limit.
/// A body that arrives in one piece is returned as is; otherwise the pieces are kept as they
/// arrive and copied once, at the end, into a buffer of the exact size (as `reqwest`'s own
/// `bytes()` does: copying each piece into a buffer sized up front from `Content-Length`
/// measured 25 % slower with 64 bodies of 1 MB in flight).
async fn read_body(
    response: &mut reqwest::Response,
    cap: u64,
    timer: &mut AttemptTimer<'_>,
) -> Result<Bytes, BodyError> {
    let mut first: Option<Bytes> = None;
    let mut more: Vec<Bytes> = Vec::new();
    let mut total: u64 = 0;
    while let Some(chunk) = timer
        .run(response.chunk(), true)
        .await
        .map_err(BodyError::Expired)?
        .map_err(BodyError::Transport)?
    {
        total = total.saturating_add(chunk.len() as u64);
        if total > cap {
            return Err(BodyError::TooLarge);
        }
        if first.is_none() {
            first = Some(chunk);
        } else {
            more.push(chunk);
        }
    }
    let Some(first) = first else {
        return Ok(Bytes::new());
    };
    if more.is_empty() {
        return Ok(first);
    }
    let mut buf = BytesMut::with_capacity(usize::try_from(total).unwrap_or(0));
    buf.extend_from_slice(&first);
    for chunk in &more {
        buf.extend_from_slice(chunk);
    }
    Ok(buf.freeze())
}

/// Reads up to `cap` bytes of a body, keeping whatever arrived before an error or a stall;
/// the flag says whether the body ended there (`false` after an error, a stall or the cap).
/// Only the attempt running out of time fails it.
async fn read_body_partial(
    response: &mut reqwest::Response,
    cap: u64,
    timer: &mut AttemptTimer<'_>,
) -> Result<(Bytes, bool), Expired> {
    let mut buf = BytesMut::new();
    let cap = usize::try_from(cap).unwrap_or(usize::MAX);
    let mut complete = false;
    while buf.len() < cap {
        match timer.run(response.chunk(), true).await {
            Ok(Ok(Some(chunk))) => {
                let take = chunk.len().min(cap - buf.len());
                buf.extend_from_slice(chunk.get(..take).unwrap_or_default());
            }
            Ok(Ok(None)) => {
                complete = true;
                break;
            }
            Ok(Err(_)) | Err(Expired::Stall(_)) => break,
            Err(Expired::Attempt) => return Err(Expired::Attempt),
        }
    }
    Ok((buf.freeze(), complete))
}
