//! Runs the `fireworks-ai-emulator` binary: it prints its two base URLs on stdout and a banner
//! on stderr, serves the seeded demo job under `--account`, takes its options from clap (help on
//! stdout with status 0, bad arguments on stderr with status 2), and its audio batch port follows
//! `--batch-auth` and requires `endpoint_id`.

// Test helpers outside `#[test]` functions are not covered by clippy's allow-*-in-tests settings.
#![allow(clippy::unwrap_used)]

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use reqwest::multipart::{Form, Part};
use support::{http, wav};

const BIN: &str = env!("CARGO_BIN_EXE_fireworks-ai-emulator");

/// Kills the child even when an assertion fails.
struct Kill(std::process::Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A running binary: its shared URL, its audio batch URL and its banner.
struct Running {
    _child: Kill,
    url: String,
    batch_url: String,
    banner: String,
}

/// Starts the binary with `args` and reads its two URLs and its banner.
async fn start(args: &[&str]) -> Running {
    let mut child = Kill(
        Command::new(BIN)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let stderr = child.0.stderr.take().unwrap();
    let read = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stdout).lines();
        let url = lines.next().unwrap().unwrap();
        let batch_url = lines.next().unwrap().unwrap();
        let mut banner = String::new();
        for line in BufReader::new(stderr).lines() {
            let line = line.unwrap();
            banner.push_str(&line);
            banner.push('\n');
            if line.contains("stop with Ctrl-C") {
                break;
            }
        }
        (url, batch_url, banner)
    });
    let (url, batch_url, banner) = tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .unwrap()
        .unwrap();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(batch_url.starts_with("http://127.0.0.1:"), "{batch_url}");
    assert_ne!(url, batch_url);
    Running {
        _child: child,
        url,
        batch_url,
        banner,
    }
}

async fn status_of(url: &str, auth: &str) -> (u16, serde_json::Value) {
    let response = http()
        .get(url)
        .header("Authorization", auth)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn binary_prints_its_urls_and_serves_the_demo_job() {
    let running = start(&["--port", "0", "--api-key", "secret"]).await;
    let job = format!(
        "{}/v1/accounts/demo-account/batch_job/demo-batch",
        running.url
    );
    assert_eq!(status_of(&job, "other").await.0, 401);
    let mut states = Vec::new();
    for _ in 0..3 {
        let (_, body) = status_of(&job, "secret").await;
        states.push(body["status"].as_str().unwrap().to_owned());
    }
    assert_eq!(states, ["processing", "processing", "completed"]);
}

#[tokio::test]
async fn account_owns_the_demo_job_and_the_banner_hides_a_given_key() {
    let running = start(&["--account", "acme", "--api-key", "s3cret"]).await;
    let job = |account: &str| {
        format!(
            "{}/v1/accounts/{account}/batch_job/demo-batch",
            running.batch_url
        )
    };
    assert_eq!(status_of(&job("acme"), "s3cret").await.0, 200);
    assert_eq!(status_of(&job("demo-account"), "s3cret").await.0, 404);
    let banner = &running.banner;
    assert!(!banner.contains("any-key"), "{banner}");
    assert!(!banner.contains("s3cret"), "{banner}");
    assert!(
        banner.contains(&format!(
            "{}/v1/accounts/acme/batch_job/demo-batch",
            running.batch_url
        )),
        "{banner}"
    );

    let running = start(&[]).await;
    assert!(
        running.banner.contains("Authorization: any-key"),
        "{}",
        running.banner
    );
}

#[tokio::test]
async fn batch_auth_raw_refuses_bearer_and_takes_the_key_query_parameter() {
    let running = start(&["--batch-auth", "raw", "--api-key", "k"]).await;
    let job = format!(
        "{}/v1/accounts/demo-account/batch_job/demo-batch",
        running.batch_url
    );
    let (status, body) = status_of(&job, "Bearer k").await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"]["type"], "authentication_error");
    assert_eq!(status_of(&job, "k").await.0, 200);
    let by_query = http().get(format!("{job}?key=k")).send().await.unwrap();
    assert_eq!(by_query.status(), 200);

    // The sync audio hosts still take `Bearer`, as the SDKs send it.
    let running = start(&["--batch-auth", "raw", "--key-query-param", "api_key"]).await;
    let form = Form::new().part("file", Part::bytes(wav::silence(1.0)).file_name("a.wav"));
    let sync = http()
        .post(format!("{}/v1/audio/transcriptions", running.url))
        .header("Authorization", "Bearer k")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(sync.status(), 200);
    let job = format!(
        "{}/v1/accounts/demo-account/batch_job/demo-batch?api_key=k",
        running.batch_url
    );
    assert_eq!(http().get(job).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn the_batch_port_requires_endpoint_id() {
    let running = start(&[]).await;
    let form = || Form::new().part("file", Part::bytes(wav::silence(1.0)).file_name("a.wav"));
    let post = |url: String| {
        http()
            .post(url)
            .header("Authorization", "k")
            .multipart(form())
            .send()
    };
    let response = post(format!("{}/v1/audio/transcriptions", running.batch_url))
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("`endpoint_id`"), "{message}");
    let response = post(format!(
        "{}/v1/audio/transcriptions?endpoint_id=audio-prod",
        running.batch_url
    ))
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "submitted");
    assert_eq!(body["account_id"], "demo-account");
}

#[test]
fn help_goes_to_stdout_with_status_0() {
    for flag in ["--help", "-h"] {
        let output = Command::new(BIN).arg(flag).output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{flag}");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.contains("Usage: fireworks-ai-emulator"), "{stdout}");
        assert!(stdout.contains("--batch-auth"), "{stdout}");
        assert!(output.stderr.is_empty(), "{flag}");
    }
}

#[test]
fn bad_arguments_exit_with_status_2_and_usage_on_stderr() {
    for args in [
        &["--port", "http"][..],
        &["--bogus"],
        &["--batch-auth", "bearer"],
        &["--api-key"],
    ] {
        let output = Command::new(BIN).args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.starts_with("error: "), "{stderr}");
        assert!(stderr.contains("try '--help'"), "{stderr}");
    }
    let output = Command::new(BIN).args(["--port", "http"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("invalid value 'http' for '--port <N>'"),
        "{stderr}"
    );
}
