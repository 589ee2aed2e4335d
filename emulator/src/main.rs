//! The `fireworks-ai-emulator` binary: serves the emulator on 127.0.0.1 until interrupted.
//! It seeds one demo job so `curl` and the examples have something to poll.

#![forbid(unsafe_code)]

use std::process::ExitCode;

use fireworks_ai_emulator::{Emulator, Job};

const USAGE: &str = "\
usage: fireworks-ai-emulator [--port N] [--api-key KEY] [--account ACCOUNT]

Serves a local emulator of the Fireworks AI audio, audio batch and model APIs on 127.0.0.1.
  --port N         port to listen on (default: any free port)
  --api-key KEY    the only API key to accept (default: any non-empty key)
  --account ID     account that owns submitted jobs (default: demo-account)
Stop it with Ctrl-C.";

/// The demo job every emulator started by this binary knows.
const DEMO_ACCOUNT: &str = "demo-account";
const DEMO_BATCH: &str = "demo-batch";

/// Command-line options.
struct Args {
    port: u16,
    api_key: Option<String>,
    account: String,
}

/// Parses the arguments; `Err` holds the message to print (usage for `--help`).
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args {
        port: 0,
        api_key: None,
        account: DEMO_ACCOUNT.to_owned(),
    };
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .ok_or_else(|| format!("{name} needs a value\n\n{USAGE}"))
        };
        match arg.as_str() {
            "--port" => {
                let port = value("--port")?;
                parsed.port = port
                    .parse()
                    .map_err(|_| format!("--port: `{port}` is not a port number"))?;
            }
            "--api-key" => parsed.api_key = Some(value("--api-key")?),
            "--account" => parsed.account = value("--account")?,
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument `{other}`\n\n{USAGE}")),
        }
    }
    Ok(parsed)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let mut builder = Emulator::builder()
        .port(args.port)
        .account_id(args.account.clone());
    if let Some(key) = args.api_key {
        builder = builder.api_key(key);
    }
    let emulator = match builder.start().await {
        Ok(emulator) => emulator,
        Err(err) => {
            eprintln!(
                "fireworks-ai-emulator: cannot listen on port {}: {err}",
                args.port
            );
            return ExitCode::FAILURE;
        }
    };
    emulator.seed_job(
        DEMO_ACCOUNT,
        DEMO_BATCH,
        Job::completes_after(2).with_result(
            "application/json",
            r#"{"text":"Hello from the Fireworks AI emulator."}"#,
        ),
    );
    let url = emulator.base_url();
    println!("{url}");
    eprintln!(
        "fireworks-ai-emulator: serving the audio batch, audio prod, audio turbo and control plane hosts at {url}\n\
         demo job: curl -H 'Authorization: any-key' {url}/v1/accounts/{DEMO_ACCOUNT}/batch_job/{DEMO_BATCH}\n\
         demo model: curl -H 'Authorization: Bearer any-key' {url}/v1/accounts/fireworks/models/whisper-v3\n\
         point the client at it with FIREWORKS_AUDIO_BATCH_BASE_URL={url} (and _AUDIO_PROD_, _AUDIO_TURBO_, _CONTROL_)\n\
         stop with Ctrl-C"
    );
    // The default SIGINT action ends the process; nothing needs flushing, so no handler is
    // installed (that would need tokio's `signal` feature and one more crate).
    std::future::pending::<()>().await;
    ExitCode::SUCCESS
}
