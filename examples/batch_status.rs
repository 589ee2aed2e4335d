//! Prints the status of an audio batch job as JSON:
//! `cargo run --example batch_status -- <batch_id> [--account <id>] [--wait]`; `--wait` polls
//! with `client.audio_batch().wait(id)` until the job completes, with progress on stderr.
//! Without `FIREWORKS_API_KEY` it starts the emulator in-process and seeds the job there first.

use std::process::ExitCode;
use std::time::Duration;

use fireworks_ai::audio_batch::{AUDIO_BATCH, BatchJobStatus, BatchStatus};
use fireworks_ai::{Client, DecodedBody, WaitPolicy};
use fireworks_ai_emulator::{Emulator, Job, RunningEmulator};

const USAGE: &str = "usage: batch_status <batch_id> [--account <id>] [--wait]";

/// Account the emulated job belongs to when `--account` is not given.
const DEMO_ACCOUNT: &str = "demo-account";

/// The transcript the emulated job completes with.
const DEMO_TRANSCRIPT: &str = r#"{"text":"Hello from the Fireworks AI emulator."}"#;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Command-line options.
struct Args {
    batch_id: String,
    account: Option<String>,
    wait: bool,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut batch_id = None;
    let mut account = None;
    let mut wait = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--wait" => wait = true,
            "--account" => {
                account = Some(args.next().ok_or("--account needs a value")?);
            }
            "-h" | "--help" => return Err(USAGE.to_owned()),
            flag if flag.starts_with("--") => return Err(format!("unknown option `{flag}`")),
            _ if batch_id.is_none() => batch_id = Some(arg),
            _ => return Err(format!("unexpected argument `{arg}`")),
        }
    }
    let batch_id = batch_id.ok_or("missing <batch_id>")?;
    Ok(Args {
        batch_id,
        account,
        wait,
    })
}

/// The client to use, the emulator it talks to (kept alive until the end), and how to poll.
async fn connect(args: &Args) -> Result<(Client, Option<RunningEmulator>, WaitPolicy), BoxError> {
    if std::env::var("FIREWORKS_API_KEY").is_ok_and(|key| !key.is_empty()) {
        return Ok((Client::from_env()?, None, WaitPolicy::new()));
    }
    let account = args.account.as_deref().unwrap_or(DEMO_ACCOUNT);
    let emulator = Emulator::builder().start().await?;
    emulator.seed_job(
        account,
        &args.batch_id,
        Job::completes_after(2).with_result("application/json", DEMO_TRANSCRIPT),
    );
    eprintln!(
        "FIREWORKS_API_KEY is not set: using the local emulator at {} (job `{}` of account `{account}`, completes after 2 polls)",
        emulator.base_url(),
        args.batch_id
    );
    let client = Client::builder()
        .api_key("emulator-key")
        .account_id(account)
        .base_url(AUDIO_BATCH, emulator.base_url())
        .build()?;
    // The emulated job is quick, so poll faster than the defaults meant for real jobs.
    let policy = WaitPolicy::new()
        .first_delay(Duration::from_millis(300))
        .max_delay(Duration::from_secs(1));
    Ok((client, Some(emulator), policy))
}

/// One status request.
async fn fetch(client: &Client, args: &Args) -> Result<BatchStatus, fireworks_ai::Error> {
    let request = client.audio_batch().get_batch_status(&args.batch_id);
    match &args.account {
        Some(account) => request.account_id(account).await,
        None => request.await,
    }
}

/// Polls with the waiter until the job completes, with progress on stderr; gives the last
/// status seen (also when the wait fails, so it can still be printed) and the outcome.
async fn wait(
    client: &Client,
    args: &Args,
    policy: WaitPolicy,
) -> (Option<BatchStatus>, Result<(), fireworks_ai::Error>) {
    let mut polls = 0_u32;
    let mut last = None;
    let mut wait = client
        .audio_batch()
        .wait(args.batch_id.as_str())
        .policy(policy)
        .on_progress(|status| {
            polls += 1;
            eprintln!(
                "poll {polls}: {} ({})",
                status.status,
                status.message.as_deref().unwrap_or("no message")
            );
            last = Some(status.clone());
        });
    if let Some(account) = &args.account {
        wait = wait.account_id(account.as_str());
    }
    let outcome = wait.await.map(drop);
    (last, outcome)
}

/// Prints the status as JSON and, for a completed job, its decoded body.
fn print(status: &BatchStatus) -> Result<(), BoxError> {
    println!("{}", serde_json::to_string_pretty(status)?);
    if status.status == BatchJobStatus::Completed {
        match status.embedded_body().map(|body| body.decode()) {
            Some(Ok(DecodedBody::Json(value))) => {
                println!(
                    "decoded body (JSON):\n{}",
                    serde_json::to_string_pretty(&value)?
                );
            }
            Some(Ok(DecodedBody::Text(text))) => println!("decoded body (text):\n{text}"),
            Some(Ok(DecodedBody::Raw { content_type, body })) => {
                println!("body ({content_type}, kept raw):\n{body}");
            }
            Some(Ok(other)) => println!("decoded body:\n{other:?}"),
            Some(Err(err)) => eprintln!("the body does not match its content type: {err}"),
            None => eprintln!("the job completed without a body"),
        }
    }
    Ok(())
}

async fn run(args: Args) -> Result<(), BoxError> {
    let (client, _emulator, policy) = connect(&args).await?;
    if !args.wait {
        return print(&fetch(&client, &args).await?);
    }
    let (last, outcome) = wait(&client, &args, policy).await;
    if let Some(status) = &last {
        print(status)?;
    }
    Ok(outcome?)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
