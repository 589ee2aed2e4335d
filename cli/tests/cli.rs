//! The `fireworks` binary against the in-process emulator: help, an audio batch submit with
//! `--wait`, control-plane create/get/list/update, exit codes for API, usage and timeout
//! errors, and the progress display on a terminal (under `script`) but not on a pipe.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output};

use fireworks_ai_emulator::{Completion, Emulator, Job, RunningEmulator};
use fireworks_ai_test_support::wav;

const BIN: &str = env!("CARGO_BIN_EXE_fireworks");

/// The binary with the emulator's base URLs, a key and an account in its environment.
fn fireworks(emulator: &RunningEmulator, args: &[&str]) -> Command {
    let url = emulator.base_url();
    let mut command = Command::new(BIN);
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("FIREWORKS_API_KEY", "fw_test")
        .env("FIREWORKS_ACCOUNT_ID", "acct")
        .env("FIREWORKS_AUDIO_BATCH_BASE_URL", url)
        .env("FIREWORKS_AUDIO_PROD_BASE_URL", url)
        .env("FIREWORKS_AUDIO_TURBO_BASE_URL", url)
        .env("FIREWORKS_CONTROL_BASE_URL", url)
        .env("FIREWORKS_INFERENCE_BASE_URL", format!("{url}/inference"));
    command
}

/// Runs the command off the async runtime (the emulator keeps serving meanwhile).
async fn output(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn tone_file(dir: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("fireworks-cli-{dir}-{}.wav", std::process::id()));
    std::fs::write(&path, wav::tone(2)).unwrap();
    path
}

#[tokio::test]
async fn help_lists_every_area_and_the_aliases() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let help = stdout(&out);
    for area in [
        "audio-batch",
        "audio",
        "inference",
        "datasets",
        "deployments",
        "emulator",
    ] {
        assert!(
            help.contains(&format!("  {area} ")),
            "{area} missing:\n{help}"
        );
    }
    let out = Command::new(BIN)
        .args(["audio-batch", "--help"])
        .output()
        .unwrap();
    let help = stdout(&out);
    assert!(help.contains("[alias: submit]"), "{help}");
    assert!(help.contains("[alias: status]"), "{help}");
}

#[tokio::test]
async fn audio_batch_submit_waits_and_prints_the_completed_status() {
    let emulator = Emulator::builder()
        .submit_completion(Completion::AfterPolls(2))
        .start()
        .await
        .unwrap();
    let file = tone_file("submit");
    let path = file.to_str().unwrap();
    let out = output(fireworks(
        &emulator,
        &[
            "audio-batch",
            "submit",
            path,
            "--response-format",
            "text",
            "--wait",
            "--json",
            "--poll-interval",
            "0.01",
        ],
    ))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let status: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(status["status"], "completed");
    assert!(
        status["body"].as_str().unwrap().contains("deterministic"),
        "{status}"
    );
    // On a pipe, no progress display.
    assert_eq!(stderr(&out), "");
    std::fs::remove_file(file).ok();
}

#[tokio::test]
async fn control_plane_create_get_list_and_update() {
    let emulator = Emulator::builder().start().await.unwrap();
    let body = r#"{"datasetId": "d1", "dataset": {"displayName": "First", "userUploaded": {}}}"#;
    let out = output(fireworks(
        &emulator,
        &["datasets", "create-dataset", "--body", body],
    ))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("name: accounts/acct/datasets/d1"),
        "{}",
        stdout(&out)
    );

    // A body field from its flag; the update mask follows from it.
    let out = output(fireworks(
        &emulator,
        &[
            "datasets",
            "update-dataset",
            "d1",
            "--display-name",
            "Second",
        ],
    ))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let out = output(fireworks(
        &emulator,
        &["datasets", "get-dataset", "d1", "--json"],
    ))
    .await;
    let dataset: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(dataset["displayName"], "Second");

    let out = output(fireworks(
        &emulator,
        &["datasets", "list-datasets", "--all", "--json"],
    ))
    .await;
    let items: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(items.as_array().unwrap().len(), 1);
    assert_eq!(items[0]["name"], "accounts/acct/datasets/d1");
}

#[tokio::test]
async fn exit_codes_tell_api_usage_and_timeout_errors_apart() {
    let emulator = Emulator::builder().start().await.unwrap();
    let out = output(fireworks(&emulator, &["datasets", "get-dataset", "nope"])).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("404"), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("fw_test"),
        "the key is never printed"
    );

    let out = output(fireworks(&emulator, &["datasets", "get-dataset"])).await;
    assert_eq!(out.status.code(), Some(2), "a missing argument");
    let out = output(fireworks(
        &emulator,
        &["datasets", "create-dataset", "--body", "{not json"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(2), "a body that is not JSON");

    emulator.seed_job("acct", "slow", Job::completes_after(1_000));
    let out = output(fireworks(
        &emulator,
        &[
            "audio-batch",
            "status",
            "slow",
            "--wait",
            "--poll-interval",
            "0.05",
            "--deadline",
            "0.3",
        ],
    ))
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
}

/// Under `script` the binary's stderr is a terminal, so the spinner shows the job's state;
/// skipped (with a message) on a machine without util-linux's `script`.
#[tokio::test]
async fn progress_shows_on_a_terminal() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("no `script` here: the terminal case is not checked");
        return;
    }
    let emulator = Emulator::builder().start().await.unwrap();
    emulator.seed_job(
        "acct",
        "b1",
        Job::completes_after(4).with_result("text/plain", "hello"),
    );
    let line = format!("{BIN} audio-batch status b1 --wait --poll-interval 0.3");
    let mut command = fireworks(&emulator, &[]);
    command.args(["-qec", &line, "/dev/null"]);
    let mut script = Command::new("script");
    script.args(command.get_args());
    for (key, value) in command.get_envs() {
        if let Some(value) = value {
            script.env(key, value);
        }
    }
    let out = output(script).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{} / {}",
        stdout(&out),
        stderr(&out)
    );
    let terminal = stdout(&out);
    assert!(
        terminal.contains("processing"),
        "spinner message missing: {terminal:?}"
    );
    assert!(terminal.contains("status: completed"), "{terminal:?}");
}
