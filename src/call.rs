//! Sending one generated call: auth, attempts with timeouts, capped body reads, the retry
//! loop and the translation of every failure into [`Error`]. Retry rules live in `retry`.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, LOCATION, USER_AGENT};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use secrecy::ExposeSecret;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::__private::{Auth, Operation};
use crate::body::decode_json;
use crate::client::{Client, Inner};
use crate::error::{
    CallInfo, DecodeError, Error, Redactor, RedirectError, StatusError, TimeoutError, TimeoutKind,
    TooLargeError, TransportError,
};
use crate::multipart::Multipart;
use crate::options::RequestOptions;
use crate::response::{Response, ResponseMeta, header_str};
use crate::retry::{server_delay, status_is_retryable};
use crate::sse::{EventStream, StreamConfig};
use crate::url::{REDACTED, UrlBuilder, push_query_component};

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
        let redactor = redactor(&self.client.inner);
        let (body, meta, call) = self.execute().await?;
        let value = decode_json(&body, Some(&call), Some(&meta), redactor)?;
        Ok(Response::new(value, meta))
    }

    /// Sends the call and returns the response body as text.
    ///
    /// # Errors
    /// Any [`Error`]; a body that is not UTF-8 gives [`Error::Decode`].
    pub async fn send_text(self) -> Result<Response<String>, Error> {
        let redactor = redactor(&self.client.inner);
        let (body, meta, call) = self.execute().await?;
        match String::from_utf8(Vec::from(body)) {
            Ok(text) => Ok(Response::new(text, meta)),
            Err(e) => Err(not_utf8(e.as_bytes(), e.utf8_error(), call, meta, redactor)),
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
        let redactor = redactor(&self.client.inner);
        let (body, meta, call) = self.execute().await?;
        let text = match std::str::from_utf8(&body) {
            Ok(text) => text,
            Err(e) => return Err(not_utf8(&body, e, call, meta, redactor)),
        };
        match decode(header_str(meta.headers(), CONTENT_TYPE.as_str()), text) {
            Ok(value) => Ok(Response::new(value, meta)),
            Err(Error::Decode(mut e)) => {
                // `decode` works on `text` without the key (generated code cannot reach it).
                e.redact(text.as_bytes(), redactor);
                e.call = Some(call);
                e.meta = Some(meta);
                Err(Error::Decode(e))
            }
            Err(other) => Err(other),
        }
    }

    /// Sends the call and, once the response status is a success, returns its body as a
    /// stream of server-sent events decoded into `T`. Attempts and retries end at the status:
    /// nothing is retried after the stream has started.
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
        let secret = self.client.inner.api_key.clone();
        let (received, meta, _) = self.run(true).await?;
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

    /// Runs the attempts and returns the successful body, or the final error.
    async fn execute(self) -> Result<(Bytes, ResponseMeta, CallInfo), Error> {
        let (received, meta, call) = self.run(false).await?;
        // `run(false)` always reads the body; an open response has none read yet.
        let body = match received {
            Received::Body(body) => body,
            Received::Open(_) => Bytes::new(),
        };
        Ok((body, meta, call))
    }

    /// Runs the attempts up to a successful response, whose body is read (`open` false) or
    /// left unread for the caller to stream (`open` true); or returns the final error.
    async fn run(self, open: bool) -> Result<(Received, ResponseMeta, CallInfo), Error> {
        let inner = &*self.client.inner;
        let op = self.op;
        let (auth, url) = self.prepare(inner)?;
        let plan = Plan::new(inner, op, self.options);
        let clock = &inner.clock;
        let start = clock.now();
        inner.budget.deposit();
        let mut attempts: u32 = 0;
        loop {
            attempts = attempts.saturating_add(1);
            let elapsed = clock.now().saturating_duration_since(start);
            let remaining = plan.deadline.map(|d| d.saturating_sub(elapsed));
            if remaining.is_some_and(|r| r.is_zero()) {
                let call = self.call_info(attempts.saturating_sub(1), elapsed);
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
            let request = self.request(inner, &auth, &url);
            tracing::debug!(operation = op.id, attempt = attempts, "sending");
            let outcome =
                match tokio::time::timeout(limit, attempt(inner, request, &plan, open)).await {
                    Ok(Ok((body, status, headers))) => {
                        let meta = ResponseMeta::new(
                            status,
                            headers,
                            attempts,
                            clock.now().saturating_duration_since(start),
                        );
                        let call = self.call_info(attempts, meta.elapsed());
                        return Ok((body, meta, call));
                    }
                    Ok(Err(failure)) => failure,
                    Err(_) => Failure::Timeout(kind),
                };
            let elapsed = clock.now().saturating_duration_since(start);
            let retry = attempts <= plan.max_retries && outcome.retryable(op.idempotent);
            let delay = retry.then(|| {
                outcome
                    .server_delay()
                    .unwrap_or_else(|| plan.policy_backoff(inner, attempts.saturating_sub(1)))
            });
            let within_deadline = |d: Duration| {
                plan.deadline
                    .is_none_or(|dl| elapsed.saturating_add(d) < dl)
            };
            match delay {
                Some(delay) if within_deadline(delay) && inner.budget.withdraw() => {
                    tracing::debug!(operation = op.id, attempt = attempts, ?delay, "retrying");
                    clock.sleep(delay).await;
                }
                _ => {
                    let call = self.call_info(attempts, elapsed);
                    return Err(outcome.into_error(inner, call, attempts, elapsed));
                }
            }
        }
    }

    /// Resolves the auth header and the request URL once per call.
    fn prepare(&self, inner: &Inner) -> Result<(Option<HeaderValue>, reqwest::Url), Error> {
        let no_key = || {
            Error::config(format!(
                "operation `{}` needs an API key: set one with `ClientBuilder::api_key` or `FIREWORKS_API_KEY`",
                self.op.id
            ))
        };
        let bad_url = |e: url_error::ParseError| {
            Error::invalid_argument("url", format!("the request URL does not parse: {e}"))
        };
        let header = match self.op.auth {
            Auth::None | Auth::Query(_) => None,
            Auth::Raw => Some(inner.auth_raw.clone().ok_or_else(no_key)?),
            Auth::Bearer => Some(inner.auth_bearer.clone().ok_or_else(no_key)?),
        };
        let url = match self.op.auth {
            Auth::Query(name) => {
                let key = inner.api_key.as_ref().ok_or_else(no_key)?;
                let mut full = self.url.buf.clone();
                full.push(if self.url.has_query { '&' } else { '?' });
                push_query_component(&mut full, name);
                full.push('=');
                push_query_component(&mut full, key.expose_secret());
                reqwest::Url::parse(&full).map_err(bad_url)?
            }
            _ => reqwest::Url::parse(&self.url.buf).map_err(bad_url)?,
        };
        Ok((header, url))
    }

    /// Builds one attempt's request: no intermediate header map, no body copy.
    fn request(
        &self,
        inner: &Inner,
        auth: &Option<HeaderValue>,
        url: &reqwest::Url,
    ) -> reqwest::Request {
        let mut request = reqwest::Request::new(self.op.method.clone(), url.clone());
        let headers = request.headers_mut();
        headers.reserve(4 + self.headers.len());
        headers.insert(USER_AGENT, inner.user_agent.clone());
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

/// `url::ParseError` under the name reqwest exports it.
mod url_error {
    pub(super) type ParseError = <reqwest::Url as std::str::FromStr>::Err;
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
        let config = &inner.config;
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
        inner.config.retry.backoff(retry)
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
    /// Whether another attempt is allowed, given the operation's idempotency.
    fn retryable(&self, idempotent: bool) -> bool {
        match self {
            Self::Transport { maybe_sent, .. } => idempotent || !maybe_sent,
            Self::Timeout(TimeoutKind::Deadline(_)) => false,
            Self::Timeout(_) | Self::Stall(_) => idempotent,
            Self::Status {
                status, headers, ..
            } => status_is_retryable(*status, headers, idempotent),
            Self::Redirect { .. } | Self::TooLarge { .. } => false,
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

/// One attempt: send, classify the status, read the body within its cap and stall timeout
/// (unless `open`, which returns a successful response with its body unread).
async fn attempt(
    inner: &Inner,
    request: reqwest::Request,
    plan: &Plan,
    open: bool,
) -> Result<(Received, StatusCode, HeaderMap), Failure> {
    let mut response = inner
        .http
        .execute(request)
        .await
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
        return match read_body(&mut response, plan.max_body, plan.read_stall).await {
            Ok(body) => Ok((
                Received::Body(body),
                status,
                take_headers(&mut response, redactor),
            )),
            Err(BodyError::Transport(source)) => Err(Failure::Transport {
                source,
                maybe_sent: true,
            }),
            Err(BodyError::Stall(after)) => Err(Failure::Stall(after)),
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
    let (body, complete) =
        read_body_partial(&mut response, plan.max_error_body, plan.read_stall).await;
    Err(Failure::Status {
        status,
        headers,
        body,
        complete,
    })
}

/// The redactor for everything this client derives from a response.
fn redactor(inner: &Inner) -> Redactor<'_> {
    Redactor::new(inner.api_key.as_ref().map(ExposeSecret::expose_secret))
}

/// The response's headers, taken out of it, with the API key redacted from every value: they
/// end up in [`ResponseMeta`], which success values and errors print with `Debug`.
fn take_headers(response: &mut reqwest::Response, redactor: Redactor<'_>) -> HeaderMap {
    let mut headers = std::mem::take(response.headers_mut());
    redactor.headers(&mut headers);
    headers
}

/// A body that is not UTF-8 where text was expected.
fn not_utf8(
    body: &[u8],
    error: std::str::Utf8Error,
    call: CallInfo,
    meta: ResponseMeta,
    redactor: Redactor<'_>,
) -> Error {
    let message = format!("body is not UTF-8: {error}");
    let mut error = DecodeError::new(".".to_owned(), message, body, error.valid_up_to(), redactor);
    error.call = Some(call);
    error.meta = Some(meta);
    Error::Decode(Box::new(error))
}

/// Why reading a body stopped early.
enum BodyError {
    Transport(reqwest::Error),
    Stall(Duration),
    TooLarge,
}

/// Reads a whole body of at most `cap` bytes, failing when a chunk takes longer than `stall`.
async fn read_body(
    response: &mut reqwest::Response,
    cap: u64,
    stall: Option<Duration>,
) -> Result<Bytes, BodyError> {
    let mut first: Option<Bytes> = None;
    let mut rest = BytesMut::new();
    let mut total: u64 = 0;
    loop {
        let next = match stall {
            Some(limit) => tokio::time::timeout(limit, response.chunk())
                .await
                .map_err(|_| BodyError::Stall(limit))?,
            None => response.chunk().await,
        };
        let Some(chunk) = next.map_err(BodyError::Transport)? else {
            break;
        };
        total = total.saturating_add(chunk.len() as u64);
        if total > cap {
            return Err(BodyError::TooLarge);
        }
        match first.take() {
            None if rest.is_empty() => first = Some(chunk),
            None => rest.extend_from_slice(&chunk),
            Some(previous) => {
                rest.extend_from_slice(&previous);
                rest.extend_from_slice(&chunk);
            }
        }
    }
    Ok(first.unwrap_or_else(|| rest.freeze()))
}

/// Reads up to `cap` bytes of a body, keeping whatever arrived before an error or a stall;
/// the flag says whether the body ended there (`false` after an error, a stall or the cap).
async fn read_body_partial(
    response: &mut reqwest::Response,
    cap: u64,
    stall: Option<Duration>,
) -> (Bytes, bool) {
    let mut buf = BytesMut::new();
    let cap = usize::try_from(cap).unwrap_or(usize::MAX);
    let mut complete = false;
    while buf.len() < cap {
        let next = match stall {
            Some(limit) => match tokio::time::timeout(limit, response.chunk()).await {
                Ok(next) => next,
                Err(_) => break,
            },
            None => response.chunk().await,
        };
        match next {
            Ok(Some(chunk)) => {
                let take = chunk.len().min(cap - buf.len());
                buf.extend_from_slice(chunk.get(..take).unwrap_or_default());
            }
            Ok(None) => {
                complete = true;
                break;
            }
            Err(_) => break,
        }
    }
    (buf.freeze(), complete)
}
