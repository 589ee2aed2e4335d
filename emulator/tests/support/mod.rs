//! Helpers shared by the emulator's HTTP-level tests: a plain reqwest client, and the
//! workspace's WAV writer (`fireworks_ai_test_support::wav`), so every test builds audio the same way.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::time::Duration;

// The workspace's WAV writer (test-support) is the one source of test audio.
#[allow(unused_imports)] // Only the audio tests use it.
pub use fireworks_ai_test_support::wav;

/// A reqwest client with a 10 s timeout, for driving the emulator without the generated client.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// `GET base_url + path` with an optional `Authorization` value; the status and the JSON body.
pub async fn get(
    emulator: &fireworks_ai_emulator::RunningEmulator,
    path: &str,
    auth: Option<&str>,
) -> (u16, serde_json::Value) {
    let mut request = http().get(format!("{}{path}", emulator.base_url()));
    if let Some(auth) = auth {
        request = request.header("Authorization", auth);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}
