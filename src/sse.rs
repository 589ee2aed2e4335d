//! Server-sent event responses: a `text/event-stream` body turned into a [`Stream`] of typed
//! chunks, with an idle timeout, the spec's terminator and error events, parsed by
//! `eventsource-stream` rather than by hand.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use eventsource_stream::{Event, EventStreamError, Eventsource};
use futures_util::Stream;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use tokio::time::{Instant, Sleep};

use crate::collect::{CollectConfig, Collector};
use crate::error::{Error, ErrorFields, Redactor, snippet};
use crate::response::ResponseMeta;

/// How an operation's event stream is framed, as its spec declares it. Built by generated code
/// as a `static`.
#[derive(Debug)]
pub struct StreamConfig {
    /// The `data:` payload that ends the stream (`[DONE]`), if the protocol has one.
    pub done: Option<&'static str>,
    /// Event names that end the stream (`message_stop`).
    pub stop_events: &'static [&'static str],
    /// Event names that carry nothing for the caller and are skipped (`ping`).
    pub skip_events: &'static [&'static str],
    /// Event names whose data is an error body (`error`). A `data:` object with a top-level
    /// `error` member is an error event whatever its name.
    pub error_events: &'static [&'static str],
}

/// Payload of [`Error::Stream`]: an event stream that broke off after its response started.
///
/// Nothing after it is delivered: a stream that fails is finished.
#[derive(Debug, Clone)]
pub struct StreamError {
    kind: StreamErrorKind,
    events: u64,
    meta: Option<ResponseMeta>,
}

/// Why a stream ended early.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StreamErrorKind {
    /// The server sent an error event; its fields as parsed from every known error shape.
    Event {
        /// The error message, when the event had one.
        message: Option<String>,
        /// The error code, when the event had one.
        code: Option<String>,
        /// The error type, when the event had one.
        error_type: Option<String>,
        /// The start of the event data, redacted.
        snippet: String,
    },
    /// No bytes arrived for this long.
    Idle(Duration),
    /// The body ended before the terminator the spec declares.
    Incomplete,
    /// The connection broke while reading; the transport's message.
    Transport(String),
    /// The body was not valid event-stream framing (not UTF-8).
    Framing(String),
    /// A paginated listing returned a page token it had already returned, which would loop
    /// forever.
    RepeatedPageToken(String),
}

impl StreamError {
    pub(crate) fn new(kind: StreamErrorKind, events: u64, meta: Option<ResponseMeta>) -> Self {
        Self { kind, events, meta }
    }

    /// Why the stream ended.
    pub fn kind(&self) -> &StreamErrorKind {
        &self.kind
    }

    /// How many events (chunks or pages) were delivered before the failure.
    pub fn delivered(&self) -> u64 {
        self.events
    }

    /// The metadata of the response the stream was read from.
    pub fn meta(&self) -> Option<&ResponseMeta> {
        self.meta.as_ref()
    }

    /// The server's message for an error event.
    pub fn message(&self) -> Option<&str> {
        match &self.kind {
            StreamErrorKind::Event { message, .. } => message.as_deref(),
            _ => None,
        }
    }
}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let after = self.events;
        match &self.kind {
            StreamErrorKind::Event {
                message, snippet, ..
            } => {
                let text = message.as_deref().unwrap_or(snippet);
                write!(
                    f,
                    "the server sent an error event after {after} chunks: {text}"
                )
            }
            StreamErrorKind::Idle(limit) => {
                write!(f, "no event for {limit:?} after {after} chunks")
            }
            StreamErrorKind::Incomplete => {
                write!(
                    f,
                    "the event stream ended without its terminator after {after} chunks"
                )
            }
            StreamErrorKind::Transport(e) => {
                write!(f, "the event stream broke after {after} chunks: {e}")
            }
            StreamErrorKind::Framing(e) => write!(f, "invalid event stream: {e}"),
            StreamErrorKind::RepeatedPageToken(token) => {
                write!(
                    f,
                    "the server repeated page token {token:?} after {after} pages"
                )
            }
        }
    }
}

/// What the byte source below the parser can fail with.
#[derive(Debug)]
enum BodyError {
    Transport(String),
    Idle,
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Transport(e) => f.write_str(e),
            Self::Idle => f.write_str("idle"),
        }
    }
}

type Bodies = Pin<Box<dyn Stream<Item = Result<Bytes, BodyError>> + Send>>;
type Events = eventsource_stream::EventStream<Bodies>;

/// A stream of typed chunks from a server-sent event response.
///
/// Returned by the generated `stream` methods. It ends after the terminator, yields one
/// [`Error::Stream`] and ends if the server sends an error event, the connection breaks, no
/// byte arrives within the idle timeout, or the body ends without the terminator. Dropping it
/// closes the connection.
#[must_use = "a stream does nothing unless polled"]
pub struct EventStream<T> {
    events: Pin<Box<Events>>,
    config: &'static StreamConfig,
    meta: ResponseMeta,
    secret: Option<SecretString>,
    idle: Duration,
    delivered: u64,
    finished: bool,
    _chunk: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for EventStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream")
            .field("meta", &self.meta)
            .field("delivered", &self.delivered)
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

impl<T> EventStream<T> {
    /// A stream over `body`, the bytes of a response that has already passed the status check.
    /// `secret` is the API key, redacted from everything the stream reports.
    pub(crate) fn new<S, E>(
        body: S,
        config: &'static StreamConfig,
        idle: Duration,
        meta: ResponseMeta,
        secret: Option<SecretString>,
    ) -> Self
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: fmt::Display,
    {
        let body: Bodies = Box::pin(IdleTimeout::new(body, idle));
        Self {
            events: Box::pin(body.eventsource()),
            config,
            meta,
            secret,
            idle,
            delivered: 0,
            finished: false,
            _chunk: PhantomData,
        }
    }

    /// Status, request id and rate limits of the response the chunks come from.
    pub fn meta(&self) -> &ResponseMeta {
        &self.meta
    }

    fn redactor(&self) -> Redactor<'_> {
        Redactor::new(self.secret.as_ref().map(ExposeSecret::expose_secret))
    }
}

/// What one event means for the caller.
enum Verdict {
    Data(String),
    End,
    Skip,
    Fail(StreamErrorKind),
}

impl<T> EventStream<T> {
    fn classify(&self, event: Event) -> Verdict {
        let config = self.config;
        let name = event.event.as_str();
        if config.skip_events.contains(&name) {
            return Verdict::Skip;
        }
        let data = event.data.trim();
        if config.stop_events.contains(&name) || config.done == Some(data) {
            return Verdict::End;
        }
        if data.is_empty() {
            return Verdict::Skip;
        }
        let is_error = config.error_events.contains(&name)
            || (data.starts_with('{')
                && serde_json::from_str::<ErrorProbe>(data).is_ok_and(|p| p.error.is_some()));
        if is_error {
            let redactor = self.redactor();
            let fields = ErrorFields::parse(data.as_bytes()).redacted(redactor);
            return Verdict::Fail(StreamErrorKind::Event {
                message: fields.message,
                code: fields.code,
                error_type: fields.error_type,
                snippet: snippet(data.as_bytes(), 0, false, redactor),
            });
        }
        Verdict::Data(event.data)
    }

    /// The data of the next chunk event, `None` at the end; an error ends the stream.
    fn poll_data(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<String, Error>>> {
        loop {
            if self.finished {
                return Poll::Ready(None);
            }
            let kind = match ready!(self.events.as_mut().poll_next(cx)) {
                Some(Ok(event)) => match self.classify(event) {
                    Verdict::Data(data) => return Poll::Ready(Some(Ok(data))),
                    Verdict::Skip => continue,
                    Verdict::End => {
                        self.finished = true;
                        return Poll::Ready(None);
                    }
                    Verdict::Fail(kind) => kind,
                },
                Some(Err(EventStreamError::Transport(BodyError::Idle))) => {
                    StreamErrorKind::Idle(self.idle)
                }
                Some(Err(EventStreamError::Transport(BodyError::Transport(e)))) => {
                    StreamErrorKind::Transport(self.redactor().string(e))
                }
                Some(Err(e)) => StreamErrorKind::Framing(e.to_string()),
                None if self.config.done.is_none() && self.config.stop_events.is_empty() => {
                    self.finished = true;
                    return Poll::Ready(None);
                }
                None => StreamErrorKind::Incomplete,
            };
            self.finished = true;
            let error = StreamError::new(kind, self.delivered, Some(self.meta.clone()));
            return Poll::Ready(Some(Err(Error::Stream(Box::new(error)))));
        }
    }

    /// Decodes one chunk's data, counting it as delivered; a failure ends the stream.
    fn decode<U: DeserializeOwned>(&mut self, data: &str) -> Result<U, Error> {
        let redactor = self.redactor();
        let decoded = crate::body::decode_json(data.as_bytes(), None, Some(&self.meta), redactor);
        match &decoded {
            Ok(_) => self.delivered = self.delivered.saturating_add(1),
            Err(_) => self.finished = true,
        }
        decoded
    }

    /// Reads the whole stream and merges its chunks into the non-streaming response type `R`
    /// by the spec's rules (see [`CollectConfig`]): text fragments joined, entries of indexed
    /// arrays (choices, tool calls) merged by `index`, the last value of everything else.
    ///
    /// # Errors
    /// The first error of the stream, or [`Error::Decode`] when the merged document is not an
    /// `R`.
    pub async fn collect_response<R: DeserializeOwned>(
        mut self,
        config: &'static CollectConfig,
    ) -> Result<R, Error> {
        let mut merged = Collector::new(config);
        while let Some(data) = std::future::poll_fn(|cx| self.poll_data(cx)).await {
            let chunk: serde_json::Value = self.decode(&data?)?;
            merged.push(chunk);
        }
        let bytes = merged.finish();
        crate::body::decode_json(&bytes, None, Some(&self.meta), self.redactor())
    }
}

/// Only whether a chunk is an error body, without decoding the rest of it.
#[derive(serde::Deserialize)]
struct ErrorProbe {
    #[serde(default)]
    error: Option<serde::de::IgnoredAny>,
}

impl<T: DeserializeOwned> Stream for EventStream<T> {
    type Item = Result<T, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        match ready!(this.poll_data(cx)) {
            Some(Ok(data)) => Poll::Ready(Some(this.decode(&data))),
            Some(Err(e)) => Poll::Ready(Some(Err(e))),
            None => Poll::Ready(None),
        }
    }
}

/// A byte stream that fails with [`BodyError::Idle`] when no chunk arrives within `idle`: one
/// timer, reset on each chunk, not a new timer per read.
struct IdleTimeout<S> {
    inner: Pin<Box<S>>,
    idle: Duration,
    sleep: Pin<Box<Sleep>>,
}

impl<S> IdleTimeout<S> {
    fn new(inner: S, idle: Duration) -> Self {
        Self {
            inner: Box::pin(inner),
            idle,
            sleep: Box::pin(tokio::time::sleep(idle)),
        }
    }
}

impl<S, E> Stream for IdleTimeout<S>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: fmt::Display,
{
    type Item = Result<Bytes, BodyError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.inner.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(bytes))) => {
                let next = Instant::now() + self.idle;
                self.sleep.as_mut().reset(next);
                Poll::Ready(Some(Ok(bytes)))
            }
            Poll::Ready(Some(Err(e))) => {
                Poll::Ready(Some(Err(BodyError::Transport(e.to_string()))))
            }
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => match self.sleep.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(BodyError::Idle))),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use futures_util::{StreamExt, TryStreamExt, stream};
    use http::{HeaderMap, StatusCode};
    use serde::Deserialize;

    use super::*;

    static CHAT: StreamConfig = StreamConfig {
        done: Some("[DONE]"),
        stop_events: &["message_stop"],
        skip_events: &["ping"],
        error_events: &["error"],
    };

    static CHAT_COLLECT: CollectConfig = CollectConfig {
        rename: &[("delta", "message")],
        concat: &["content"],
        set: &[("object", "chat.completion")],
    };

    #[derive(Debug, Deserialize, PartialEq)]
    struct Chunk {
        n: u32,
    }

    fn meta() -> ResponseMeta {
        ResponseMeta::new(StatusCode::OK, HeaderMap::new(), 1, Duration::ZERO)
    }

    /// A stream over `parts`, split wherever the test put a part boundary.
    fn events<T>(parts: &[&'static str], secret: Option<&str>) -> EventStream<T> {
        let body = stream::iter(
            parts
                .iter()
                .map(|p| Ok::<_, std::io::Error>(Bytes::from_static(p.as_bytes())))
                .collect::<Vec<_>>(),
        );
        let secret = secret.map(|s| SecretString::from(s.to_owned()));
        EventStream::new(body, &CHAT, Duration::from_secs(5), meta(), secret)
    }

    fn stream_error(err: &Error) -> &StreamError {
        match err {
            Error::Stream(e) => e,
            other => panic!("not a stream error: {other:?}"),
        }
    }

    #[tokio::test]
    async fn chunks_split_anywhere_decode_in_order_and_done_ends() {
        let chunks: Vec<Chunk> = events(
            &[
                "data: {\"n\"",
                ": 1}\n\n: keep-alive comment\n\nevent: ping\ndata: {}\n\n",
                "data: {\"n\": 2}\r\n\r\ndata: [DONE]\n\ndata: {\"n\": 3}\n\n",
            ],
            None,
        )
        .try_collect()
        .await
        .unwrap();
        assert_eq!(chunks, [Chunk { n: 1 }, Chunk { n: 2 }]);
    }

    #[tokio::test]
    async fn an_error_event_is_a_typed_error_with_the_message_and_no_key() {
        let mut s = events::<Chunk>(
            &[
                "data: {\"n\": 1}\n\n",
                "data: {\"error\": {\"message\": \"overloaded, key sk-123\", \"code\": \"503\"}}\n\n",
                "data: {\"n\": 2}\n\n",
            ],
            Some("sk-123"),
        );
        assert_eq!(s.next().await.unwrap().unwrap(), Chunk { n: 1 });
        let err = s.next().await.unwrap().unwrap_err();
        let e = stream_error(&err);
        assert_eq!(e.delivered(), 1);
        let message = e.message().unwrap();
        assert!(message.starts_with("overloaded, key "), "{message}");
        assert!(!format!("{err} {err:?}").contains("sk-123"));
        assert!(s.next().await.is_none(), "nothing after an error");
    }

    #[tokio::test]
    async fn a_named_error_event_and_a_stop_event() {
        let mut s = events::<Chunk>(
            &["event: error\ndata: {\"type\": \"x\", \"message\": \"bad\"}\n\n"],
            None,
        );
        let err = s.next().await.unwrap().unwrap_err();
        assert_eq!(stream_error(&err).message(), Some("bad"));

        let s = events::<Chunk>(
            &["data: {\"n\": 7}\n\nevent: message_stop\ndata: {}\n\n"],
            None,
        );
        let all: Vec<Chunk> = s.try_collect().await.unwrap();
        assert_eq!(all, [Chunk { n: 7 }]);
    }

    #[tokio::test]
    async fn a_body_that_ends_without_the_terminator_is_incomplete() {
        let mut s = events::<Chunk>(&["data: {\"n\": 1}\n\n"], None);
        assert!(s.next().await.unwrap().is_ok());
        let err = s.next().await.unwrap().unwrap_err();
        assert_eq!(stream_error(&err).kind(), &StreamErrorKind::Incomplete);
    }

    #[tokio::test]
    async fn a_chunk_of_the_wrong_shape_names_the_field() {
        let mut s = events::<Chunk>(&["data: {\"n\": \"one\"}\n\n"], None);
        let err = s.next().await.unwrap().unwrap_err();
        let Error::Decode(e) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(e.path(), "n");
        assert!(s.next().await.is_none());
    }

    #[tokio::test]
    async fn silence_longer_than_the_idle_limit_fails_the_stream() {
        let first = stream::once(async {
            Ok::<_, std::io::Error>(Bytes::from_static(b"data: {\"n\": 1}\n\n"))
        });
        let body = first.chain(stream::pending());
        let mut s: EventStream<Chunk> =
            EventStream::new(body, &CHAT, Duration::from_millis(50), meta(), None);
        assert!(s.next().await.unwrap().is_ok());
        let err = s.next().await.unwrap().unwrap_err();
        let idle = StreamErrorKind::Idle(Duration::from_millis(50));
        assert_eq!(stream_error(&err).kind(), &idle);
    }

    #[tokio::test]
    async fn collect_response_merges_the_chunks() {
        #[derive(Debug, Deserialize)]
        struct Completion {
            object: String,
            choices: Vec<Choice>,
        }
        #[derive(Debug, Deserialize)]
        struct Choice {
            message: Message,
            finish_reason: Option<String>,
        }
        #[derive(Debug, Deserialize)]
        struct Message {
            content: String,
        }
        let s = events::<serde_json::Value>(
            &[
                "data: {\"object\": \"chat.completion.chunk\", \"choices\": [{\"index\": 0, \"delta\": {\"content\": \"a\"}}]}\n\n",
                "data: {\"choices\": [{\"index\": 0, \"delta\": {\"content\": \"b\"}, \"finish_reason\": \"stop\"}]}\n\n",
                "data: [DONE]\n\n",
            ],
            None,
        );
        let whole: Completion = s.collect_response(&CHAT_COLLECT).await.unwrap();
        assert_eq!(whole.object, "chat.completion");
        assert_eq!(whole.choices[0].message.content, "ab");
        assert_eq!(whole.choices[0].finish_reason.as_deref(), Some("stop"));
    }
}
