//! Runs the `fireworks-ai-emulator` binary: it prints its base URL on stdout and serves the
//! seeded demo job there; bad arguments exit with status 2 and the usage text.

// Test helpers outside `#[test]` functions are not covered by clippy's allow-*-in-tests settings.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_fireworks-ai-emulator");

/// Kills the child even when an assertion fails.
struct Kill(std::process::Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn binary_prints_its_url_and_serves_the_demo_job() {
    let mut child = Kill(
        Command::new(BIN)
            .args(["--port", "0", "--api-key", "secret"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let url = tokio::time::timeout(
        Duration::from_secs(10),
        tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            BufReader::new(stdout).read_line(&mut line).map(|_| line)
        }),
    )
    .await
    .unwrap()
    .unwrap()
    .unwrap();
    let url = url.trim();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let job = format!("{url}/v1/accounts/demo-account/batch_job/demo-batch");
    let wrong = http
        .get(&job)
        .header("Authorization", "other")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let mut states = Vec::new();
    for _ in 0..3 {
        let body: serde_json::Value = http
            .get(&job)
            .header("Authorization", "secret")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        states.push(body["status"].as_str().unwrap().to_owned());
    }
    assert_eq!(states, ["processing", "processing", "completed"]);
}

#[test]
fn bad_arguments_exit_with_usage() {
    let output = Command::new(BIN)
        .arg("--port")
        .arg("http")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("`http` is not a port number"), "{stderr}");
    let output = Command::new(BIN).arg("--bogus").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("usage: fireworks-ai-emulator"));
}
