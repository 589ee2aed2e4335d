//! A local emulator of the Fireworks AI HTTP API for tests and offline examples.
//! It answers the audio batch status, audio batch submit and sync audio endpoints from an
//! in-memory job table, every control-plane operation of `spec/` (routes and generic
//! create/get/list/update/delete/verb behaviour derived from the spec at build time) from an
//! in-memory store, and the
//! inference host (chat completions, completions, embeddings, rerank, the Anthropic-compatible
//! messages call and the OpenAI-compatible model list) deterministically from each request, so
//! the `openai` and `fireworks-ai` Python SDKs work against it unchanged.
//! [`Emulator`] lists what it serves.
//!
//! # Command line
//!
//! The `fireworks-ai-emulator` binary serves one emulator on 127.0.0.1 until interrupted:
//!
//! ```text
//! fireworks-ai-emulator [--port N] [--batch-port N] [--api-key KEY] [--account ID]
//!                       [--batch-auth raw-or-bearer|raw] [--key-query-param NAME]
//!                       [--seed-jobs N] [--seed-jobs-complete-after POLLS] [--job-polls POLLS]
//! ```
//!
//! - `--port`: the shared listener, serving every host (default: any free port).
//! - `--batch-port`: the listener that is only the audio batch host, where an audio call
//!   without `endpoint_id` is refused (default: any free port).
//! - `--api-key`: the only key accepted (default: any non-empty key).
//! - `--account`: owner of the seeded demo job `demo-batch` and of submitted jobs (default
//!   `demo-account`).
//! - `--batch-auth raw`: the audio batch host takes only the documented `Authorization: <key>`
//!   (default `raw-or-bearer`, see [`AuthMode`]).
//! - `--key-query-param`: the query parameter the audio batch host also takes the key from
//!   (default [`DEFAULT_KEY_QUERY_PARAM`]).
//! - `--job-polls`: gets of a control-plane job after which it ends (default
//!   [`DEFAULT_JOB_POLLS`], see [`EmulatorBuilder::job_polls`]).
//!
//! It prints the shared base URL and then the audio batch base URL on stdout, one per line, and
//! a banner with `curl` examples on stderr (never the key itself). `--help` prints the options
//! and exits with 0; a bad argument prints an error on stderr and exits with 2.
//!
//! # Known differences from the real API
//!
//! - The shared port serves every host, so a sync call there cannot tell prod from turbo and
//!   accepts either model, and a `/v1/audio/...` call with `endpoint_id` is taken as a batch
//!   submit; point the audio batch base URL at the audio batch port to be strict.
//! - A batch submit whose model does not match `endpoint_id` is refused at once with 400; the
//!   real API is said to accept it and fail the job later.
//! - Undocumented points are the emulator's choice: the key query parameter's name (`key`),
//!   `Bearer` on the audio batch host (accepted unless [`AuthMode::RawOnly`]), 404 for an
//!   unknown or foreign batch id, the control plane's grpc-gateway error body, the `code`
//!   strings of the audio error bodies, and `skip_vad` refused for audio of 30 s or more.
//! - Forms are stricter than the real hosts may be: unknown fields are refused rather than
//!   ignored (the `openai` SDK's `chunking_strategy`, `include[]` or `stream` among them).
//! - The key is checked before the route is matched, so an unknown path without a key is a 401.
//! - After a 413 the rest of the upload is read for at most 5 s and 64 MiB before the
//!   connection is closed; a client still writing past that sees a reset. Requests too
//!   malformed for HTTP/1.1 are answered by hyper itself, without a JSON body.
//! - Transcripts are fixed text timed from the audio's length; URLs are not fetched (10 s).
//!   Only the first of several fallback temperatures is used, and translations carry the full
//!   word shape.

#![forbid(unsafe_code)]

mod audio;
mod control;
mod guard;
mod inference;
mod job;
mod models;
mod record;
mod server;
mod surface;
pub mod wire;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use control::FAIL_DISPLAY_NAME_PREFIX;
pub use inference::STREAM_ERROR_MODEL;
pub use job::{Completion, Job};
pub use models::PUBLIC_ACCOUNT;
pub use record::RecordedRequest;

use server::Shared;
use surface::Listener;

/// Which forms of the `Authorization` header the audio batch host accepts.
///
/// The Fireworks docs show the raw key (`Authorization: <key>`) for the audio hosts; whether the
/// audio batch host also accepts `Bearer <key>` is not documented (the sync audio hosts evidently
/// do, so they always accept both), so the default accepts both and [`AuthMode::RawOnly`] lets a
/// test insist on the documented raw form. The control plane always takes only `Bearer <key>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AuthMode {
    /// Accept `<key>` and `Bearer <key>`.
    #[default]
    RawOrBearer,
    /// Accept only `<key>`; `Bearer <key>` is rejected with 401.
    RawOnly,
}

/// Configures and starts an [`Emulator`]; get one from [`Emulator::builder`].
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `start` is called"]
pub struct EmulatorBuilder {
    port: u16,
    api_key: Option<String>,
    auth_mode: AuthMode,
    account_id: String,
    submit_completion: Completion,
    audio_batch_port: u16,
    upload_limit: u64,
    key_query_param: String,
    job_polls: u32,
}

/// Polls of a control-plane job's getter after which the job ends, unless
/// [`EmulatorBuilder::job_polls`] says otherwise.
pub const DEFAULT_JOB_POLLS: u32 = 2;

/// The largest request body accepted unless [`EmulatorBuilder::upload_limit`] says otherwise:
/// the documented 1 GB audio limit plus room for the other form fields.
pub const DEFAULT_UPLOAD_LIMIT: u64 = (1 << 30) + (1 << 20);

/// The query parameter the audio batch host takes the key from unless
/// [`EmulatorBuilder::key_query_param`] says otherwise. The docs say the key may be given as a
/// query parameter but not under which name; `key` is the emulator's choice.
pub const DEFAULT_KEY_QUERY_PARAM: &str = "key";

/// The account that owns jobs submitted to an emulator unless [`EmulatorBuilder::account_id`]
/// says otherwise.
pub const DEFAULT_ACCOUNT_ID: &str = "emulator-account";

impl EmulatorBuilder {
    /// Port to bind on 127.0.0.1; the default 0 lets the OS choose a free one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The only API key to accept; by default any non-empty key is accepted.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Which `Authorization` forms the audio batch host accepts (default
    /// [`AuthMode::RawOrBearer`]).
    pub fn auth_mode(mut self, mode: AuthMode) -> Self {
        self.auth_mode = mode;
        self
    }

    /// Account that owns jobs created by the batch submit endpoint (default
    /// [`DEFAULT_ACCOUNT_ID`]); the real API derives it from the key.
    pub fn account_id(mut self, account_id: impl Into<String>) -> Self {
        self.account_id = account_id.into();
        self
    }

    /// When jobs created by the batch submit endpoint complete (default: after 2 polls).
    pub fn submit_completion(mut self, completion: Completion) -> Self {
        self.submit_completion = completion;
        self
    }

    /// Port of the listener that is only the audio batch host (see
    /// [`RunningEmulator::audio_batch_url`]); the default 0 lets the OS choose a free one.
    pub fn audio_batch_port(mut self, port: u16) -> Self {
        self.audio_batch_port = port;
        self
    }

    /// The largest request body accepted, in bytes (default [`DEFAULT_UPLOAD_LIMIT`]); a larger
    /// one is answered with 413 as soon as its `Content-Length` or the bytes read pass it.
    pub fn upload_limit(mut self, bytes: u64) -> Self {
        self.upload_limit = bytes;
        self
    }

    /// The query parameter the audio batch host takes the key from (default
    /// [`DEFAULT_KEY_QUERY_PARAM`]).
    pub fn key_query_param(mut self, name: impl Into<String>) -> Self {
        self.key_query_param = name.into();
        self
    }

    /// How many calls of a control-plane job's getter (`get_batch_inference_job` and every
    /// other operation with a waiter) it takes for the job to end (default
    /// [`DEFAULT_JOB_POLLS`]): it is created pending, the first get shows it running, and the
    /// `polls`-th get shows it in its terminal state (failed when its display name starts with
    /// [`FAIL_DISPLAY_NAME_PREFIX`]). 0 or 1: the first get shows it ended.
    pub fn job_polls(mut self, polls: u32) -> Self {
        self.job_polls = polls;
        self
    }

    /// Binds 127.0.0.1 on the chosen ports and starts serving in background tasks.
    ///
    /// # Errors
    /// The I/O error from binding a port (for example, the port is in use).
    pub async fn start(self) -> Result<RunningEmulator, std::io::Error> {
        let bind =
            |port| tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
        let shared = bind(self.port).await?;
        let batch = bind(self.audio_batch_port).await?;
        let addr = shared.local_addr()?;
        let batch_addr = batch.local_addr()?;
        let state = Arc::new(Shared::new(server::Config {
            api_key: self.api_key,
            auth_mode: self.auth_mode,
            account_id: self.account_id,
            submit_completion: self.submit_completion,
            upload_limit: self.upload_limit,
            key_query_param: self.key_query_param,
            job_polls: self.job_polls,
        }));
        let (stop, stopped) = watch::channel(());
        let serve = |listener, kind| {
            let router = server::router(Arc::clone(&state), kind);
            let mut stopped = stopped.clone();
            tokio::spawn(async move {
                // A dropped sender also means "stop", so the error case is the same signal.
                let shutdown = async move {
                    let _ = stopped.changed().await;
                };
                axum::serve(listener, router)
                    .with_graceful_shutdown(shutdown)
                    .await
            })
        };
        let tasks = vec![
            serve(shared, Listener::Shared),
            serve(batch, Listener::AudioBatch),
        ];
        Ok(RunningEmulator {
            base_url: format!("http://{addr}"),
            audio_batch_url: format!("http://{batch_addr}"),
            addr,
            state,
            stop: Some(stop),
            tasks,
        })
    }
}

/// Entry point: `Emulator::builder().start().await` gives a [`RunningEmulator`].
///
/// What it serves, and where it chooses for points the Fireworks docs leave open:
///
/// - `GET /v1/accounts/{account_id}/batch_job/{batch_id}`: the job table, built with the
///   generated `BatchStatus` (`"message": null` once the job is final and has no message); 404
///   with an error body for an unknown job.
/// - `POST /v1/audio/{transcriptions,translations}?endpoint_id=audio-prod|audio-turbo`: batch
///   submit, answered with the generated `BatchSubmission`; creates a job that completes with
///   the transcript the sync call would return.
///   A model that does not match the endpoint is refused at once with 400 (the real API is
///   said to fail the job later); a missing model means the endpoint's model.
/// - The same paths without `endpoint_id`: on the shared port, the sync audio hosts, answering
///   the transcript directly (one port cannot tell prod from turbo, so either model is
///   accepted); on the audio batch port ([`RunningEmulator::audio_batch_url`]), a 400.
/// - Every control-plane operation of `spec/` (`/v1/accounts...`;
///   [`RunningEmulator::control_operations`] lists them), routed from the spec by `build.rs`
///   (`fireworks_ai_codegen::describe`) and served from one in-memory store of JSON resources:
///   - create assigns `name` (`accounts/{a}/<collection>/{id}`, the id from the
///     `<resource>Id` query or body parameter, else the last segment of a `name` sent, else
///     generated; lowercase letters, digits and hyphens), `createTime`, `updateTime` and the
///     initial `state` (a job: pending; an upload collection: `UPLOADING`/`BUILDING`; else
///     `READY`/`ACTIVE`); an id in use is 409 `ALREADY_EXISTS` (code 6); a missing required
///     body field is 400;
///   - get returns the resource trimmed to the camelCase paths of `readMask` (unset, empty or
///     `*`: every field); the getter of a job (an operation with a `wait:`) moves it from
///     pending through running to its first `done` state after
///     [`EmulatorBuilder::job_polls`] gets, or to its first `failed` state with a
///     `status.message` when its display name starts with [`FAIL_DISPLAY_NAME_PREFIX`];
///   - list: one page in id order (so by `name`), `pageSize` 50 by default and at most 200,
///     opaque `nextPageToken`, `totalSize`; `nextPageToken` and empty lists left out as proto3
///     JSON does; a `filter`, or an `orderBy` other than `name`, is refused with 400 rather than
///     silently ignored;
///   - PATCH sets or clears exactly the `updateMask` paths (query or body; a path the resource
///     lacks is 400), or merges the fields sent when there is no mask; delete removes (kept for
///     `:undelete`);
///   - verbs: `:cancel` (the `*CANCELLED` state, polling stops), `:resume` (running again),
///     `:undelete`, `:getUploadEndpoint` (signed URLs served by the emulator itself under
///     `/emulator-storage/`, taking a `PUT` of exactly the registered size without a key),
///     `:validateUpload` (every registered file must have arrived; then `READY`/`ACTIVE`, or
///     `BUILD_FAILED` for a seeded failure), `:upload` (multipart `file`), `:getDownloadEndpoint`;
///     any other verb (`:scale`, `:prepare`, ...) merges the resource's fields sent and returns
///     the resource, or an object whose URL fields point at a one-line text file in the
///     emulator's storage (log and metrics endpoints);
///   - `POST .../apiKeys` returns the secret `key` once; `POST .../apiKeys:delete` deletes by
///     `keyId`;
///   - a completed batch inference job writes its output dataset (`outputDatasetId`, else
///     `<job id>-output`, `READY`) with `results.jsonl`: one chat-completion line per input
///     line, echoing its last user message, with its `custom_id`.
///
///   Account [`PUBLIC_ACCOUNT`] holds two demo models, `llama-v3p1-8b-instruct` and
///   `whisper-v3`, with illustrative values; [`RunningEmulator::seed_model`] adds more;
///   `GET /v1/accounts` lists the emulator's account and [`PUBLIC_ACCOUNT`].
/// - The inference host, under `/inference/v1/...` and again under `/v1/...` (where the
///   `fireworks-ai` 1.2.x SDK sends it once its base URL is overridden):
///   - `POST .../chat/completions`: the reply is a transcript of the request,
///     `echo: <text of the last user message>`, with `id`, `object`, `created` (fixed at
///     2026-01-01T00:00:00Z), `model`, `choices` (`n` of them: `message` with `role`, `content`,
///     `reasoning_content` when `reasoning_effort` or `thinking` asks for it, `finish_reason`,
///     `logprobs` when asked) and `usage`, plus `perf_metrics` with `perf_metrics_in_response`.
///     Tokens are word pieces (the whitespace before a word and up to 8 of its characters);
///     `max_tokens` cuts the reply (`length`), `stop` ends it before the first stop sequence.
///     With `tools`, the reply is a call to the tool `tool_choice` names or the first one,
///     with arguments built from its `parameters` schema (`auto` answers a last `tool` message
///     with text); `response_format` `json_object` or `json_schema` gives valid JSON. The id
///     hashes the request without `stream`, so the same request gets the same answer.
///   - `stream: true`: data-only SSE, one event per write: a role chunk, one chunk per word
///     piece (or tool-call argument fragment, each with its `index`), a closing chunk with
///     `finish_reason` and, in the last one, `usage`; then `data: [DONE]`.
///   - `POST .../completions` (plain and streamed), `POST .../embeddings` (vectors hashed from
///     each input, `dimensions` long, 768 by default; `encoding_format: base64` honoured),
///     `POST .../rerank`, `POST .../messages` (Anthropic shape; its stream sends
///     `message_start`, `content_block_start`, `ping`, `content_block_delta`,
///     `content_block_stop`, `message_delta`, `message_stop`), and `GET .../models` (the
///     public catalog of the model table as the generated `ModelList`).
///   - A request missing a required field is a 400 naming it. The model
///     [`STREAM_ERROR_MODEL`] fails on purpose: a stream sends two content chunks and then
///     `data: {"error": {...}}` (on `/messages`, `event: error`) instead of `[DONE]`; a plain
///     call gets a 500.
/// - The key is checked first, before the method, path, query or body: the audio batch host
///   takes `Authorization: <key>`, `Bearer <key>` unless [`AuthMode::RawOnly`], or the query
///   parameter [`EmulatorBuilder::key_query_param`]; the sync audio hosts `<key>` or
///   `Bearer <key>`; the control plane (every other `/v1/accounts/...` path) and the
///   inference host only `Bearer <key>`.
/// - Every error has a JSON body in the shape of its host: on the audio and inference hosts
///   (and unknown paths outside `/v1/accounts/`) `{"error": {"object", "type", "code",
///   "message"}}` (the messages call: Anthropic's `{"type": "error", "error": {"type",
///   "message"}}`, except a refused key); on the
///   control plane the grpc-gateway `{"code": <google.rpc code>, "message", "details": []}` (401
///   is code 16, 404 code 5, 400 code 3, 405 code 12, 409 code 6), whose exact form is not documented.
/// - Uploads: a body past [`EmulatorBuilder::upload_limit`] is answered with 413 as soon as its
///   `Content-Length` or the bytes read pass the limit, with `Connection: close`, and the rest
///   is read and discarded for a while (a lingering close) so a client still writing can read
///   the 413. A request
///   refused before its body is read (bad key, bad `endpoint_id`, an unknown field before the
///   file) has the rest of its body read and discarded before the answer goes out, so a client
///   still writing gets the answer; a client that sent `Expect: 100-continue` gets it at once.
/// - Forms are validated strictly: unknown or repeated fields are refused, so a client that
///   misspells a field fails here rather than being silently ignored. The old Python SDK's
///   undocumented `diarization_model`, `skip_vad` (audio under 30 s only) and `max_clip_len`
///   (the longest segment, in seconds) are accepted. A `file` part whose whole content is one
///   `http(s)://` URL is taken as a URL, with or without a filename.
/// - Transcripts are deterministic: two words per second of audio, at most 600 (duration from
///   the WAV header when there is one, else 32 000 bytes per second, 10 s for a URL), nine
///   words per segment (fewer if `max_clip_len` says so), speakers `SPEAKER_00`, `SPEAKER_01`,
///   ... per segment when diarized. The `json` and `verbose_json` bodies are the generated
///   `Transcription` and `VerboseTranscription`, with every segment field the SDKs require, and
///   enum-valued form fields accept exactly the values the generated enums list.
///
/// ```
/// use fireworks_ai_emulator::{Emulator, Job};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let emulator = Emulator::builder().api_key("test-key").start().await?;
/// emulator.seed_job(
///     "my-account",
///     "batch-1",
///     Job::completes_after(3).with_result("application/json", r#"{"text":"hi"}"#),
/// );
/// // Point a client at it with
/// // `ClientBuilder::base_url(fireworks_ai::audio_batch::AUDIO_BATCH, emulator.base_url())`.
/// assert!(emulator.base_url().starts_with("http://127.0.0.1:"));
/// assert_eq!(emulator.poll_count("my-account", "batch-1"), 0);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Emulator;

impl Emulator {
    /// A builder with the defaults: any port, any non-empty key, raw or `Bearer` auth.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder {
            port: 0,
            api_key: None,
            auth_mode: AuthMode::default(),
            account_id: DEFAULT_ACCOUNT_ID.to_owned(),
            submit_completion: Completion::AfterPolls(2),
            audio_batch_port: 0,
            upload_limit: DEFAULT_UPLOAD_LIMIT,
            key_query_param: DEFAULT_KEY_QUERY_PARAM.to_owned(),
            job_polls: DEFAULT_JOB_POLLS,
        }
    }
}

/// A started emulator; it stops serving when dropped or after [`RunningEmulator::shutdown`].
///
/// The shared listener ([`RunningEmulator::base_url`]) serves every Fireworks host the emulator
/// knows (audio batch, audio prod, audio turbo and the control plane), so the same base URL can
/// be given for each of them. A second listener ([`RunningEmulator::audio_batch_url`]) is only the
/// audio batch host, where an audio call without `endpoint_id` is an error instead of a sync call.
#[derive(Debug)]
pub struct RunningEmulator {
    base_url: String,
    audio_batch_url: String,
    addr: SocketAddr,
    state: Arc<Shared>,
    stop: Option<watch::Sender<()>>,
    tasks: Vec<JoinHandle<std::io::Result<()>>>,
}

impl RunningEmulator {
    /// Base URL of the shared listener, such as `http://127.0.0.1:40123`, without a trailing
    /// slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Base URL of the listener that is only the audio batch host, such as
    /// `http://127.0.0.1:40124`: batch status and batch submit, where `endpoint_id` is required.
    pub fn audio_batch_url(&self) -> &str {
        &self.audio_batch_url
    }

    /// The bound socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Adds or replaces the job `batch_id` of `account_id` in the job table.
    pub fn seed_job(&self, account_id: &str, batch_id: &str, job: Job) {
        self.state.jobs.insert(account_id, batch_id, job);
    }

    /// Adds or replaces the model `model_id` of `account_id` in the model table; an unset
    /// `name` is filled in as `accounts/{account_id}/models/{model_id}`. The model is served as
    /// given, including unknown enum values and `extra` fields.
    pub fn seed_model(&self, account_id: &str, model_id: &str, model: fireworks_ai::models::Model) {
        self.state.models.insert(account_id, model_id, model);
    }

    /// How many status requests for `batch_id` of `account_id` reached the emulator, whatever
    /// their outcome (200, 401 or 404).
    pub fn poll_count(&self, account_id: &str, batch_id: &str) -> u32 {
        self.state.jobs.requests(account_id, batch_id)
    }

    /// The spec ids of the control-plane operations served from the spec (every operation
    /// under `/v1/accounts`), in spec order.
    pub fn control_operations(&self) -> Vec<String> {
        self.state.routes.operation_ids()
    }

    /// Every request received so far, oldest first (the newest 1000 are kept).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.record.snapshot()
    }

    /// Stops accepting connections and waits (at most 5 s) for open ones to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        for mut task in std::mem::take(&mut self.tasks) {
            if tokio::time::timeout(Duration::from_secs(5), &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
