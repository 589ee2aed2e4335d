//! Behaviour tests of the generated batch status call against the emulator on 127.0.0.1:
//! polling to completion, embedded body decoding, auth and not-found errors, account
//! defaulting and percent-encoding of path parameters; and the batch submit against the audio
//! batch port: a refused or oversized upload is a status error, never a transport error.

// Test helpers outside `#[test]` functions are not covered by clippy's allow-*-in-tests settings.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::Duration;

use fireworks_ai_test_support as support;

use fireworks_ai::audio::{AUDIO_PROD, DiarizationModel, ResponseFormat, TranscriptionRequest};
use fireworks_ai::audio_batch::{AUDIO_BATCH, BatchJobStatus, BatchStatus};
use fireworks_ai::{Client, DecodedBody, Error, FileInput};
use fireworks_ai_emulator::{AuthMode, Emulator, Job, RunningEmulator};
use serde_json::json;
use support::audio::{silent_wav, verbose};

const ACCOUNT: &str = "acct-1";

/// Every test finishes well within this; a hang fails instead of blocking the suite.
const LIMIT: Duration = Duration::from_secs(20);

fn client(emulator: &RunningEmulator, key: &str) -> Client {
    Client::builder()
        .api_key(key)
        .account_id(ACCOUNT)
        .base_url(AUDIO_BATCH, emulator.base_url())
        .build()
        .unwrap()
}

async fn status(client: &Client, batch_id: &str) -> Result<BatchStatus, Error> {
    tokio::time::timeout(LIMIT, client.audio_batch().get_batch_status(batch_id))
        .await
        .unwrap()
}

/// Polls once, expecting a completed job, and decodes its embedded body.
async fn completed_body(emulator: &RunningEmulator, content_type: &str, body: &str) -> DecodedBody {
    emulator.seed_job(
        ACCOUNT,
        "job",
        Job::completes_after(0).with_result(content_type, body),
    );
    let status = status(&client(emulator, "k"), "job").await.unwrap();
    assert_eq!(status.status, BatchJobStatus::Completed);
    assert_eq!(status.content_type.as_deref(), Some(content_type));
    let embedded = status.embedded_body().unwrap();
    assert_eq!(embedded.raw(), body);
    embedded.decode().unwrap()
}

#[tokio::test]
async fn processing_then_completed_after_n_polls() {
    let emulator = Emulator::builder().start().await.unwrap();
    emulator.seed_job(
        ACCOUNT,
        "job-3",
        Job::completes_after(3).with_result("application/json", r#"{"text":"hi"}"#),
    );
    let client = client(&emulator, "k");
    for poll in 1..=3 {
        let status = status(&client, "job-3").await.unwrap();
        assert_eq!(status.status, BatchJobStatus::Processing, "poll {poll}");
        assert_eq!(status.batch_id, "job-3");
        assert_eq!(
            status.message.as_deref(),
            Some("Request is being processed")
        );
        assert!(status.embedded_body().is_none(), "poll {poll}");
        assert_eq!(emulator.poll_count(ACCOUNT, "job-3"), poll);
    }
    let status = status(&client, "job-3").await.unwrap();
    assert_eq!(status.status, BatchJobStatus::Completed);
    assert_eq!(status.message, None);
    assert_eq!(emulator.poll_count(ACCOUNT, "job-3"), 4);
}

#[tokio::test]
async fn json_body_is_decoded_to_a_value() {
    let emulator = Emulator::builder().start().await.unwrap();
    let decoded = completed_body(&emulator, "application/json", r#"{"text":"hello"}"#).await;
    assert_eq!(decoded, DecodedBody::Json(json!({"text": "hello"})));
}

#[tokio::test]
async fn json_content_type_parameters_and_case_are_handled() {
    let emulator = Emulator::builder().start().await.unwrap();
    let decoded = completed_body(&emulator, "Application/JSON; charset=UTF-8", r#"[1,2]"#).await;
    assert_eq!(decoded, DecodedBody::Json(json!([1, 2])));
}

#[tokio::test]
async fn text_plain_body_is_decoded_to_text() {
    let emulator = Emulator::builder().start().await.unwrap();
    let srt = "1\n00:00:00,000 --> 00:00:01,000\nhello\n";
    let decoded = completed_body(&emulator, "text/plain; charset=utf-8", srt).await;
    assert_eq!(decoded, DecodedBody::Text(srt.to_owned()));
}

#[tokio::test]
async fn unknown_content_type_is_kept_raw() {
    let emulator = Emulator::builder().start().await.unwrap();
    let decoded = completed_body(&emulator, "application/x-fireworks", "{\"text\":1}").await;
    assert_eq!(
        decoded,
        DecodedBody::Raw {
            content_type: "application/x-fireworks".to_owned(),
            body: "{\"text\":1}".to_owned(),
        }
    );
}

#[tokio::test]
async fn json_content_type_with_a_non_json_body_is_a_decode_error() {
    let emulator = Emulator::builder().start().await.unwrap();
    emulator.seed_job(
        ACCOUNT,
        "job",
        Job::completes_after(0).with_result("application/json", "not json"),
    );
    let status = status(&client(&emulator, "k"), "job").await.unwrap();
    let err = status.embedded_body().unwrap().decode().unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
}

#[tokio::test]
async fn unknown_status_value_is_kept() {
    let emulator = Emulator::builder().start().await.unwrap();
    emulator.seed_job(
        ACCOUNT,
        "job",
        Job::completes_after(0).with_final_status("failed"),
    );
    let status = status(&client(&emulator, "k"), "job").await.unwrap();
    assert_eq!(status.status, BatchJobStatus::Unknown("failed".to_owned()));
    assert_eq!(status.status.as_str(), "failed");
}

#[tokio::test]
async fn wrong_key_is_a_401_status_error_with_the_fireworks_message() {
    let emulator = Emulator::builder()
        .api_key("right-key")
        .start()
        .await
        .unwrap();
    emulator.seed_job(ACCOUNT, "job", Job::completes_after(0));
    let err = status(&client(&emulator, "wrong-key"), "job")
        .await
        .unwrap_err();
    let Error::Status(status_error) = &err else {
        panic!("expected a status error, got {err:?}");
    };
    assert_eq!(status_error.status().as_u16(), 401);
    assert_eq!(status_error.message(), Some("invalid API key"));
    assert_eq!(status_error.code(), Some("UNAUTHENTICATED"));
    assert!(!err.to_string().contains("wrong-key"), "{err}");
    assert!(!format!("{err:?}").contains("wrong-key"), "{err:?}");
    assert_eq!(emulator.poll_count(ACCOUNT, "job"), 1, "401 is not retried");
}

#[tokio::test]
async fn empty_key_is_a_401_status_error_with_the_fireworks_message() {
    let emulator = Emulator::builder().start().await.unwrap();
    emulator.seed_job(ACCOUNT, "job", Job::completes_after(0));
    let err = status(&client(&emulator, ""), "job").await.unwrap_err();
    let Error::Status(status_error) = &err else {
        panic!("expected a status error, got {err:?}");
    };
    assert_eq!(status_error.status().as_u16(), 401);
    assert_eq!(
        status_error.message(),
        Some("missing API key: send it in the Authorization header")
    );
    assert_eq!(status_error.error_type(), Some("authentication_error"));
}

#[tokio::test]
async fn no_key_is_refused_before_anything_is_sent() {
    let emulator = Emulator::builder().start().await.unwrap();
    let client = Client::builder()
        .account_id(ACCOUNT)
        .base_url(AUDIO_BATCH, emulator.base_url())
        .build()
        .unwrap();
    let err = status(&client, "job").await.unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    assert!(emulator.requests().is_empty());
}

#[tokio::test]
async fn the_raw_key_is_sent_in_authorization() {
    let emulator = Emulator::builder()
        .auth_mode(AuthMode::RawOnly)
        .api_key("raw-key")
        .start()
        .await
        .unwrap();
    emulator.seed_job(ACCOUNT, "job", Job::completes_after(0));
    let status = status(&client(&emulator, "raw-key"), "job").await.unwrap();
    assert_eq!(status.status, BatchJobStatus::Completed);
    let requests = emulator.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "GET");
    assert_eq!(requests[0].authorization.as_deref(), Some("raw-key"));
}

#[tokio::test]
async fn unknown_job_is_a_404_status_error() {
    let emulator = Emulator::builder().start().await.unwrap();
    let err = status(&client(&emulator, "k"), "missing")
        .await
        .unwrap_err();
    let Error::Status(status_error) = &err else {
        panic!("expected a status error, got {err:?}");
    };
    assert_eq!(status_error.status().as_u16(), 404);
    assert_eq!(status_error.code(), Some("NOT_FOUND"));
    assert_eq!(
        status_error.message(),
        Some("batch job `missing` not found for account `acct-1`")
    );
    assert_eq!(emulator.poll_count(ACCOUNT, "missing"), 1);
}

#[tokio::test]
async fn account_defaults_to_the_clients_and_can_be_overridden() {
    let emulator = Emulator::builder().start().await.unwrap();
    emulator.seed_job(ACCOUNT, "job", Job::completes_after(0));
    emulator.seed_job("other", "job", Job::never_completes());
    let client = client(&emulator, "k");
    let status = status(&client, "job").await.unwrap();
    assert_eq!(status.status, BatchJobStatus::Completed);
    let other = tokio::time::timeout(
        LIMIT,
        client
            .audio_batch()
            .get_batch_status("job")
            .account_id("other"),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(other.status, BatchJobStatus::Processing);
    assert_eq!(emulator.poll_count(ACCOUNT, "job"), 1);
    assert_eq!(emulator.poll_count("other", "job"), 1);
}

#[tokio::test]
async fn batch_id_is_percent_encoded_and_arrives_unchanged() {
    let emulator = Emulator::builder().start().await.unwrap();
    let id = "a b/ü?#%";
    emulator.seed_job(
        ACCOUNT,
        id,
        Job::completes_after(0).with_result("text/plain", "ok"),
    );
    let status = status(&client(&emulator, "k"), id).await.unwrap();
    assert_eq!(status.batch_id, id);
    assert_eq!(status.status, BatchJobStatus::Completed);
    assert_eq!(emulator.poll_count(ACCOUNT, id), 1);
    let path = &emulator.requests()[0].path;
    assert_eq!(
        path,
        "/v1/accounts/acct-1/batch_job/a%20b%2F%C3%BC%3F%23%25"
    );
}

#[tokio::test]
async fn dot_segments_are_refused_before_sending() {
    let emulator = Emulator::builder().start().await.unwrap();
    let client = client(&emulator, "k");
    for id in ["", ".", ".."] {
        let err = status(&client, id).await.unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)), "{id:?}: {err:?}");
    }
    assert!(emulator.requests().is_empty());
}

/// A client for the emulator's audio batch port (where `endpoint_id` is required).
fn batch_client(emulator: &RunningEmulator, key: &str) -> Client {
    Client::builder()
        .api_key(key)
        .account_id(ACCOUNT)
        .base_url(AUDIO_BATCH, emulator.audio_batch_url())
        .build()
        .unwrap()
}

fn upload(len: usize) -> TranscriptionRequest {
    TranscriptionRequest::new(FileInput::from_bytes(vec![7_u8; len], "big.mp3"))
}

#[tokio::test]
async fn a_refused_large_upload_is_a_401_status_error_not_a_transport_error() {
    let emulator = Emulator::builder()
        .api_key("right-key")
        .start()
        .await
        .unwrap();
    let client = batch_client(&emulator, "wrong-key");
    for _ in 0..3 {
        let err = tokio::time::timeout(
            LIMIT,
            client.audio_batch().submit_transcription(upload(8 << 20)),
        )
        .await
        .unwrap()
        .unwrap_err();
        let Error::Status(status_error) = &err else {
            panic!("expected a status error, got {err:?}");
        };
        assert_eq!(status_error.status().as_u16(), 401);
        assert_eq!(status_error.message(), Some("invalid API key"));
    }
    assert_eq!(emulator.requests().len(), 3, "a 401 is not retried");
}

#[tokio::test]
async fn an_upload_past_the_limit_is_a_413_status_error() {
    let emulator = Emulator::builder()
        .upload_limit(1 << 20)
        .start()
        .await
        .unwrap();
    let client = batch_client(&emulator, "k");
    let err = tokio::time::timeout(
        LIMIT,
        client.audio_batch().submit_transcription(upload(2 << 20)),
    )
    .await
    .unwrap()
    .unwrap_err();
    let Error::Status(status_error) = &err else {
        panic!("expected a status error, got {err:?}");
    };
    assert_eq!(status_error.status().as_u16(), 413);
    assert_eq!(status_error.code(), Some("PAYLOAD_TOO_LARGE"));
    assert!(
        status_error
            .message()
            .is_some_and(|m| m.starts_with("payload too large")),
        "{err}"
    );
}

#[tokio::test]
async fn the_batch_port_with_raw_only_auth_serves_the_clients_submit_and_poll() {
    let emulator = Emulator::builder()
        .auth_mode(AuthMode::RawOnly)
        .account_id(ACCOUNT)
        .submit_completion(fireworks_ai_emulator::Completion::AfterPolls(0))
        .start()
        .await
        .unwrap();
    let client = batch_client(&emulator, "k");
    let submitted = tokio::time::timeout(
        LIMIT,
        client.audio_batch().submit_transcription(upload(64_000)),
    )
    .await
    .unwrap()
    .unwrap();
    let status = status(&client, &submitted.batch_id).await.unwrap();
    assert_eq!(status.status, BatchJobStatus::Completed);
    assert_eq!(status.message, None);
    let DecodedBody::Json(body) = status.embedded_body().unwrap().decode().unwrap() else {
        panic!("expected a JSON body");
    };
    assert_eq!(body, json!({"text": "This is a deterministic."}));
}

/// The fields modelled from the 0.19.20 SDK, sent by the generated client as the spec says,
/// are accepted by the emulator and `max_clip_len` shapes its segments.
#[tokio::test]
async fn the_old_sdks_fields_from_the_spec_reach_the_emulator() {
    let emulator = Emulator::builder().start().await.unwrap();
    let client = Client::builder()
        .api_key("k")
        .base_url(AUDIO_PROD, emulator.base_url())
        .build()
        .unwrap();
    let request = TranscriptionRequest::new(silent_wav(4.0))
        .response_format(ResponseFormat::VerboseJson)
        .diarization_model(DiarizationModel::Pyannote)
        .skip_vad(true)
        .max_clip_len(1.0);
    let output = tokio::time::timeout(LIMIT, client.audio().create_transcription(request))
        .await
        .unwrap()
        .unwrap();
    let segments = verbose(output).segments.unwrap();
    // Eight words of 0.5 s, at most 1 s per segment.
    assert_eq!(segments.len(), 4);
    for segment in &segments {
        assert_eq!(
            segment.tokens.as_ref().map(Vec::len),
            Some(2),
            "{segment:?}"
        );
        assert_eq!(segment.audio_start, segment.start);
        assert_eq!(segment.language.as_deref(), Some("en"));
    }
}
