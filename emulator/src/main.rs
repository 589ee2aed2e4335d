//! The `fireworks-ai-emulator` binary: serves the emulator on 127.0.0.1 until interrupted.
//! It seeds one demo job under `--account` so `curl` and the examples have something to poll.

#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use fireworks_ai_emulator::{AuthMode, DEFAULT_JOB_POLLS, DEFAULT_KEY_QUERY_PARAM, Emulator, Job};

/// The demo job every emulator started by this binary knows.
const DEMO_BATCH: &str = "demo-batch";

/// Serves a local emulator of the Fireworks AI audio, audio batch and model APIs on 127.0.0.1.
///
/// Prints two lines on stdout: the base URL of the shared port (every host), then the base URL
/// of the audio batch port (only the audio batch host). Stop it with Ctrl-C.
#[derive(Debug, Parser)]
#[command(name = "fireworks-ai-emulator", version)]
struct Args {
    /// Port of the shared listener, which serves every host (0: any free port).
    #[arg(long, value_name = "N", default_value_t = 0)]
    port: u16,
    /// Port of the listener that is only the audio batch host (0: any free port).
    #[arg(long, value_name = "N", default_value_t = 0)]
    batch_port: u16,
    /// The only API key to accept (default: any non-empty key).
    #[arg(long, value_name = "KEY")]
    api_key: Option<String>,
    /// Account that owns the demo job and submitted jobs.
    #[arg(long, value_name = "ID", default_value = "demo-account")]
    account: String,
    /// `Authorization` forms the audio batch host accepts: `raw` is the documented
    /// `Authorization: <key>` only.
    #[arg(long, value_enum, value_name = "FORMS", default_value_t = BatchAuth::RawOrBearer)]
    batch_auth: BatchAuth,
    /// Query parameter the audio batch host also takes the key from.
    #[arg(long, value_name = "NAME", default_value = DEFAULT_KEY_QUERY_PARAM)]
    key_query_param: String,
    /// Also seed this many batch jobs under `--account`, named `job-0`, `job-1`, ..., for load
    /// tests and benchmarks (`examples/many_waiters.rs`).
    #[arg(long, value_name = "N", default_value_t = 0)]
    seed_jobs: u32,
    /// Polls after which each `--seed-jobs` job is completed.
    #[arg(long, value_name = "POLLS", default_value_t = 4)]
    seed_jobs_complete_after: u32,
    /// Gets of a control-plane job (batch inference, fine-tuning, evaluation, deployment)
    /// after which it ends: pending when created, running after the first get, terminal after
    /// this many (failed when its display name starts with `emulator-fail`).
    #[arg(long, value_name = "POLLS", default_value_t = DEFAULT_JOB_POLLS)]
    job_polls: u32,
}

/// The `--batch-auth` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BatchAuth {
    /// `<key>` or `Bearer <key>`.
    RawOrBearer,
    /// Only `<key>`, as documented.
    Raw,
}

#[tokio::main]
async fn main() -> ExitCode {
    // `--help` and `--version` print to stdout and exit 0; usage errors go to stderr with 2.
    let args = Args::parse();
    let mut builder = Emulator::builder()
        .port(args.port)
        .audio_batch_port(args.batch_port)
        .account_id(args.account.clone())
        .key_query_param(args.key_query_param.clone())
        .job_polls(args.job_polls)
        .auth_mode(match args.batch_auth {
            BatchAuth::RawOrBearer => AuthMode::RawOrBearer,
            BatchAuth::Raw => AuthMode::RawOnly,
        });
    let key = match &args.api_key {
        Some(key) => {
            builder = builder.api_key(key.clone());
            // The banner never prints the key itself.
            "$KEY"
        }
        None => "any-key",
    };
    let emulator = match builder.start().await {
        Ok(emulator) => emulator,
        Err(err) => {
            eprintln!(
                "fireworks-ai-emulator: cannot listen on port {} or {}: {err}",
                args.port, args.batch_port
            );
            return ExitCode::FAILURE;
        }
    };
    let account = &args.account;
    emulator.seed_job(
        account,
        DEMO_BATCH,
        Job::completes_after(2).with_result(
            "application/json",
            r#"{"text":"Hello from the Fireworks AI emulator."}"#,
        ),
    );
    for n in 0..args.seed_jobs {
        let job = Job::completes_after(args.seed_jobs_complete_after)
            .with_result("application/json", r#"{"text":"seeded"}"#);
        emulator.seed_job(account, &format!("job-{n}"), job);
    }
    let url = emulator.base_url();
    let ops = emulator.control_operations().len();
    let batch = emulator.audio_batch_url();
    println!("{url}\n{batch}");
    let key_note = if args.api_key.is_some() {
        "\n(`$KEY` stands for the key given with --api-key)"
    } else {
        ""
    };
    eprintln!(
        "fireworks-ai-emulator: serving the audio batch, audio prod, audio turbo, control plane and inference hosts at {url}\n\
         and only the audio batch host at {batch}\n\
         demo job: curl -H \"Authorization: {key}\" {batch}/v1/accounts/{account}/batch_job/{DEMO_BATCH}\n\
         control plane: {ops} operations from the spec, e.g. curl -H \"Authorization: Bearer {key}\" {url}/v1/accounts/{account}/datasets\n\
         demo model: curl -H \"Authorization: Bearer {key}\" {url}/v1/accounts/fireworks/models/whisper-v3{key_note}\n\
         chat: curl -H \"Authorization: Bearer {key}\" -d '{{\"model\":\"m\",\"messages\":[{{\"role\":\"user\",\"content\":\"hi\"}}]}}' {url}/inference/v1/chat/completions\n\
         point the client at it with FIREWORKS_AUDIO_BATCH_BASE_URL={batch} and FIREWORKS_AUDIO_PROD_BASE_URL, _AUDIO_TURBO_, _CONTROL_ = {url}\n\
         stop with Ctrl-C"
    );
    // The default SIGINT action ends the process; nothing needs flushing, so no handler is
    // installed (that would need tokio's `signal` feature and one more crate).
    std::future::pending::<()>().await;
    ExitCode::SUCCESS
}
