//! Rust client for the [Fireworks AI](https://fireworks.ai) HTTP API. The endpoint methods
//! and types are generated at build time from the YAML specs in `spec/`; this crate's
//! hand-written runtime sends them.
//!
//! The [`guide`] teaches the crate chapter by chapter: quickstart, configuration, errors,
//! retries and timeouts, waiting, streaming, pagination, extending with your own YAML, and
//! the command line.
//!
//! # Getting started
//!
//! Build a client from the environment (`FIREWORKS_API_KEY`, optionally
//! `FIREWORKS_ACCOUNT_ID` and `FIREWORKS_<SERVER>_BASE_URL`), then call a method. A request
//! builder is sent with `.await` (or `.send().await`); `.send_with_meta()` also returns the
//! request id, rate-limit headers and attempt count.
//!
//! ```no_run
//! use fireworks_ai::{Client, DecodedBody, Error};
//!
//! # async fn run() -> Result<(), Error> {
//! let client = Client::from_env()?;
//! let status = client.audio_batch().get_batch_status("batch-123").await?;
//! println!("{}", status.status);
//! if let Some(body) = status.embedded_body() {
//!     match body.decode()? {
//!         DecodedBody::Json(json) => println!("{json:#}"),
//!         DecodedBody::Text(text) => println!("{text}"),
//!         DecodedBody::Raw { content_type, .. } => println!("a {content_type} result"),
//!         _ => {}
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Or configure it explicitly, for example against a local emulator:
//!
//! ```
//! use std::time::Duration;
//! use fireworks_ai::{Client, audio_batch::AUDIO_BATCH};
//!
//! let client = Client::builder()
//!     .api_key("fw-...")
//!     .account_id("my-account")
//!     .base_url(AUDIO_BATCH, "http://127.0.0.1:8080")
//!     .timeout(Duration::from_secs(30))
//!     .build()?;
//! # Ok::<(), fireworks_ai::Error>(())
//! ```
//!
//! # Errors
//!
//! Every call returns [`Error`], one `#[non_exhaustive]` enum: [`Error::InvalidArgument`]
//! (refused before sending, e.g. a path parameter `..` or a missing account id),
//! [`Error::Status`] (the Fireworks message and code from any of its error body shapes,
//! the request id and a body snippet), [`Error::Decode`] (the JSON path of the bad field),
//! [`Error::Timeout`], [`Error::Transport`], [`Error::Redirect`], [`Error::TooLarge`],
//! [`Error::Config`] and [`Error::Wait`] (below). Its `Display` is a self-contained message;
//! the API key never appears in `Debug`, `Display`, logs or URLs.
//!
//! # Batch jobs: submit, wait, typed transcript
//!
//! `client.audio_batch().submit_and_wait(request)` submits a transcription or translation,
//! polls the job with exponential backoff and jitter ([`WaitPolicy`]: 2 s first, ×1.5, at most
//! 30 s, ±20 %, no deadline unless set), reports each status through `on_progress` or a
//! stream, and returns a [`CompletedBatch`] whose `transcript()` is typed by the request's
//! `response_format`. `client.audio_batch().wait(batch_id)` waits for a job submitted earlier.
//! Both return a [`BatchWait`] to configure and `.await`. A wait that ends without a result
//! (deadline, failed status, completed without a body) is [`Error::Wait`].
//!
//! ```no_run
//! use std::time::Duration;
//! use fireworks_ai::audio::{ResponseFormat, TranscriptionOutput, TranscriptionRequest};
//! use fireworks_ai::{Client, FileInput, WaitPolicy};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::from_env()?;
//! let request = TranscriptionRequest::new(FileInput::from_path("talk.wav").await?)
//!     .response_format(ResponseFormat::Text);
//! let done = client
//!     .audio_batch()
//!     .submit_and_wait(request)
//!     .policy(WaitPolicy::new().deadline(Duration::from_secs(3600)))
//!     .on_progress(|status| eprintln!("{}", status.status))
//!     .await?;
//! if let TranscriptionOutput::Text(text) = done.transcript()? {
//!     println!("{text}");
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Reliability defaults, and why
//!
//! | Setting | Default | Reason |
//! |---|---|---|
//! | retries | 2 (3 attempts) | as the official Python SDK |
//! | backoff | `min(0.5 s × 2ⁿ, 8 s)` × jitter in `[0.75, 1]` | as the SDK; jitter spreads clients out |
//! | server hints | `retry-after-ms`, then `Retry-After` (seconds or HTTP date) when in `(0, 60 s]`; `x-should-retry` | as the SDK |
//! | retried | idempotent operations (every method but POST and PATCH, unless the spec says otherwise): connect errors, timeouts, resets, truncated bodies, 408, 429, 5xx | a repeat cannot duplicate work |
//! | non-idempotent (submit, create) | only when the request certainly was not sent (connect refused, DNS, TLS) or on 429 | **differs from the SDK**, which retries any POST after a timeout or 5xx and could submit paid work twice |
//! | 409 | never retried, even with `x-should-retry: true` | **differs from the SDK**: on the control plane 409 means `ALREADY_EXISTS`/`ABORTED` |
//! | multipart bodies (uploads) | encoded again for every attempt: bytes shared, a [`FileInput`] path reopened and streamed from the start | a retry never sends a half-read stream, and a large file is never held in memory |
//! | retry budget | 10 retries at start, +0.2 per call, at most 100; shared by clones | a failing service sees about 20 % extra load, not 3× |
//! | connect timeout | 5 s | as the SDK |
//! | attempt timeout | 60 s, unless the spec sets one for the operation | as the SDK; long audio files need more |
//! | read-stall timeout | 30 s without body bytes | a stuck body fails instead of hanging |
//! | deadline | none | opt in per client or per call; sleeps never cross it |
//! | redirects | not followed; a 3xx is [`Error::Redirect`] | **differs from the SDK**: the key never reaches another host |
//! | scheme | HTTPS, or HTTP to loopback; others need [`ClientBuilder::allow_http`] | the key is in every request |
//! | body caps | 64 MiB success, 64 KiB of an error body | bounded memory whatever the server sends |
//! | requests in flight | 32 per server (origin), shared by clones; [`ClientBuilder::max_in_flight`] | 32 already reach the 6 000 requests/minute account cap; a call holds its slot only while on the wire, so 10 000 waiters share a few connections |
//! | rate limits | a 429 with `Retry-After` pauses the whole server; a nearly spent `x-ratelimit-remaining-requests` spaces requests over the minute | slow down before the server refuses |
//!
//! Everything is configurable on [`ClientBuilder`] and per call with [`RequestOptions`].
//! Per attempt, the timeout comes from [`RequestOptions::timeout`], else the spec's
//! operation default, else [`ClientBuilder::timeout`].

#![forbid(unsafe_code)]
#![deny(missing_docs)]

// `audio` is the module generated from spec/audio.yaml; the batch waiter glue lives beside it.
#[path = "audio.rs"]
mod batch_wait;
mod body;
mod call;
mod client;
mod collect;
mod error;
mod file;
pub mod guide;
mod int64;
mod limit;
mod macros;
mod multipart;
mod name;
mod operation;
mod options;
mod pages;
mod policy;
mod response;
mod retry;
mod sse;
mod time;
mod union;
mod url;
mod wait;
mod wait_all;
mod waiter;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use batch_wait::{BatchRequest, BatchWait, CompletedBatch};
pub use body::{BodyKind, DecodedBody, EmbeddedBody};
pub use client::{Client, ClientBuilder, Server};
pub use collect::CollectConfig;
pub use error::{
    CallInfo, ConfigError, DecodeError, Error, InvalidArgument, RedirectError, StatusError,
    StatusKind, TimeoutError, TimeoutKind, TooLargeError, TransportError,
};
pub use file::FileInput;
pub use fireworks_ai_macros::generate_api;
pub use name::{ResourceName, ResourceNameError};
pub use options::RequestOptions;
pub use pages::{Items, Page, Pages};
pub use policy::JitterFn;
pub use response::{RateLimits, Response, ResponseMeta};
pub use retry::{Clock, RetryPolicy, TokioClock, server_delay};
pub use sse::{EventStream, StreamConfig, StreamError, StreamErrorKind};
pub use time::{ProtoDuration, ProtoDurationError, SignedDuration, Timestamp};
pub use wait::{WaitError, WaitErrorKind, WaitPolicy};
pub use wait_all::WaitAll;
pub use waiter::{Wait, WaitStatus, WaitVerdict};

include!(concat!(env!("OUT_DIR"), "/api.rs"));

/// The generated source, for the test that compares `build.rs` and macro output.
#[doc(hidden)]
pub const __GENERATED_SOURCE: &str = include_str!(concat!(env!("OUT_DIR"), "/api.rs"));
