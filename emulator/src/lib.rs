//! A local emulator of the Fireworks AI HTTP API for tests and offline examples.
//! It answers the audio batch status, audio batch submit and sync audio endpoints from an
//! in-memory job table, and the control plane's model getter and list from a model table,
//! building its responses from the crate's generated types.

#![forbid(unsafe_code)]

mod audio;
mod job;
mod models;
mod record;
mod server;
pub mod wire;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use job::{Completion, Job};
pub use models::PUBLIC_ACCOUNT;
pub use record::RecordedRequest;

use server::Shared;

/// Which forms of the `Authorization` header the emulator accepts.
///
/// The Fireworks docs show the raw key (`Authorization: <key>`) for the audio hosts; whether the
/// audio batch host also accepts `Bearer <key>` is not documented (the sync audio hosts evidently
/// do), so the default accepts both and [`AuthMode::RawOnly`] lets a test insist on the raw form.
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
}

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

    /// Which `Authorization` forms to accept (default [`AuthMode::RawOrBearer`]).
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

    /// Binds 127.0.0.1 on the chosen port and starts serving in a background task.
    ///
    /// # Errors
    /// The I/O error from binding the port (for example, the port is in use).
    pub async fn start(self) -> Result<RunningEmulator, std::io::Error> {
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, self.port)))
                .await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Shared::new(server::Config {
            api_key: self.api_key,
            auth_mode: self.auth_mode,
            account_id: self.account_id,
            submit_completion: self.submit_completion,
        }));
        let router = server::router(Arc::clone(&state));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let shutdown = async move {
                // A dropped sender also means "stop", so the error case is the same signal.
                let _ = stopped.await;
            };
            axum::serve(listener, router)
                .with_graceful_shutdown(shutdown)
                .await
        });
        Ok(RunningEmulator {
            base_url: format!("http://{addr}"),
            addr,
            state,
            stop: Some(stop),
            task: Some(task),
        })
    }
}

/// Entry point: `Emulator::builder().start().await` gives a [`RunningEmulator`].
///
/// What it serves, and where it chooses for points the Fireworks docs leave open:
///
/// - `GET /v1/accounts/{account_id}/batch_job/{batch_id}`: the job table, built with the
///   generated `BatchStatus`; 404 with an error body for an unknown job.
/// - `POST /v1/audio/{transcriptions,translations}?endpoint_id=audio-prod|audio-turbo`: batch
///   submit, answered with the generated `BatchSubmission`; creates a job that completes with
///   the transcript the sync call would return.
///   A model that does not match the endpoint is refused at once with 400 (the real API is
///   said to fail the job later); a missing model means the endpoint's model.
/// - The same paths without `endpoint_id`: the sync audio hosts, answering the transcript
///   directly. One port serves every host, so the sync call cannot tell prod from turbo and
///   accepts either model.
/// - `GET /v1/accounts/{account_id}/models/{model_id}?readMask=...`: a model of the model table,
///   the generated `Model` trimmed to the camelCase paths of `readMask` (unset, empty or `*`:
///   every field; paths naming no field are ignored). Account [`PUBLIC_ACCOUNT`] holds two demo
///   models, `llama-v3p1-8b-instruct` and `whisper-v3`, with illustrative values;
///   [`RunningEmulator::seed_model`] adds more.
/// - `GET /v1/accounts/{account_id}/models?pageSize=&pageToken=&orderBy=&readMask=`: one page of
///   the account's models as the generated `ModelPage`, ordered by id (so by `name`); page size
///   50 by default, at most 200; `nextPageToken` and an empty `models` are left out, as proto3
///   JSON does. A `filter`, or an `orderBy` other than `name`, is refused with 400.
/// - The audio routes check `Authorization` (see [`AuthMode`]); failures are 401, invalid forms
///   400, both with a `{"error": {"object", "type", "code", "message"}}` body.
/// - The model routes are the control plane's: they take only `Authorization: Bearer <key>`
///   whatever the [`AuthMode`], and their errors have the grpc-gateway shape
///   `{"code": <google.rpc code>, "message", "details": []}` (401 is code 16, 404 code 5, 400
///   code 3); the real control plane's error body is not documented.
/// - Forms are validated strictly: unknown or repeated fields are refused, so a client that
///   misspells a field fails here rather than being silently ignored.
/// - Transcripts are deterministic: two words per second of audio, at most 600 (duration from
///   the WAV header when there is one, else 32 000 bytes per second, 10 s for a URL), nine
///   words per segment, speakers `SPEAKER_00`, `SPEAKER_01`, ... per segment when diarized. The
///   `json` and `verbose_json` bodies are the generated `Transcription` and
///   `VerboseTranscription`, and enum-valued form fields accept exactly the values the
///   generated enums list.
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
        }
    }
}

/// A started emulator; it stops serving when dropped or after [`RunningEmulator::shutdown`].
///
/// One listener serves every Fireworks host the emulator knows (audio batch, audio prod, audio
/// turbo and the control plane), so the same base URL is given for each of them.
#[derive(Debug)]
pub struct RunningEmulator {
    base_url: String,
    addr: SocketAddr,
    state: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl RunningEmulator {
    /// Base URL such as `http://127.0.0.1:40123`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
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

    /// Every request received so far, oldest first (the newest 1000 are kept).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.record.snapshot()
    }

    /// Stops accepting connections and waits (at most 5 s) for open ones to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(5), &mut task)
                .await
                .is_err()
        {
            task.abort();
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
