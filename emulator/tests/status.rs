//! HTTP-level tests of the emulator's batch status endpoint, auth check and lifecycle, driven
//! with plain reqwest so they do not depend on the generated client.

// Test helpers outside `#[test]` functions are not covered by clippy's allow-*-in-tests settings.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod support;

use std::time::Duration;

use fireworks_ai_emulator::{AuthMode, Emulator, Job};
use serde_json::json;
use support::{get, http};

#[tokio::test]
async fn job_is_processing_for_n_polls_then_completed() {
    let emulator = Emulator::builder().start().await.unwrap();
    assert!(emulator.base_url().starts_with("http://127.0.0.1:"));
    emulator.seed_job(
        "acct",
        "job-1",
        Job::completes_after(2).with_result("application/json", r#"{"text":"hi"}"#),
    );
    let path = "/v1/accounts/acct/batch_job/job-1";
    for poll in 1..=2 {
        let (status, body) = get(&emulator, path, Some("key")).await;
        assert_eq!(status, 200);
        assert_eq!(
            body,
            json!({"status": "processing", "batch_id": "job-1", "message": "Request is being processed"}),
            "poll {poll}"
        );
    }
    // A final state sends `"message": null` rather than leaving it out (documented nullable).
    let (status, body) = get(&emulator, path, Some("key")).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"status": "completed", "batch_id": "job-1", "message": null, "content_type": "application/json", "body": "{\"text\":\"hi\"}"})
    );
    assert_eq!(body.get("message"), Some(&serde_json::Value::Null));
    assert_eq!(emulator.poll_count("acct", "job-1"), 3);
    assert_eq!(emulator.poll_count("acct", "other"), 0);
}

#[tokio::test]
async fn missing_empty_or_wrong_key_is_401_with_an_error_body() {
    let emulator = Emulator::builder().api_key("right").start().await.unwrap();
    emulator.seed_job("a", "b", Job::completes_after(0));
    let path = "/v1/accounts/a/batch_job/b";
    for auth in [None, Some(""), Some("wrong"), Some("Bearer wrong")] {
        let (status, body) = get(&emulator, path, auth).await;
        assert_eq!(status, 401, "{auth:?}");
        assert_eq!(body["error"]["code"], "UNAUTHENTICATED", "{auth:?}");
        assert!(body["error"]["message"].is_string(), "{auth:?}");
    }
    assert_eq!(emulator.poll_count("a", "b"), 4);
    let (status, body) = get(&emulator, path, Some("right")).await;
    assert_eq!((status, &body["status"]), (200, &json!("completed")));
    let (status, _) = get(&emulator, path, Some("Bearer right")).await;
    assert_eq!(status, 200, "Bearer is accepted by default");
}

#[tokio::test]
async fn raw_only_mode_rejects_bearer() {
    let emulator = Emulator::builder()
        .auth_mode(AuthMode::RawOnly)
        .start()
        .await
        .unwrap();
    emulator.seed_job("a", "b", Job::completes_after(0));
    let path = "/v1/accounts/a/batch_job/b";
    let (status, body) = get(&emulator, path, Some("Bearer k")).await;
    assert_eq!(status, 401);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("raw API key")
    );
    let (status, _) = get(&emulator, path, Some("k")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn unknown_job_and_unknown_route_are_404() {
    let emulator = Emulator::builder().start().await.unwrap();
    emulator.seed_job("a", "b", Job::completes_after(0));
    let (status, body) = get(&emulator, "/v1/accounts/other/batch_job/b", Some("k")).await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "NOT_FOUND");
    assert_eq!(
        body["error"]["message"],
        "batch job `b` not found for account `other`"
    );
    let (status, body) = get(&emulator, "/v2/nothing", Some("k")).await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["message"], "no route for GET /v2/nothing");
}

#[tokio::test]
async fn percent_encoded_ids_are_decoded_and_the_raw_path_is_recorded() {
    let emulator = Emulator::builder().start().await.unwrap();
    emulator.seed_job("a", "a b/ü", Job::completes_after(0));
    let path = "/v1/accounts/a/batch_job/a%20b%2F%C3%BC";
    let (status, body) = get(&emulator, path, Some("k")).await;
    assert_eq!(status, 200);
    assert_eq!(body["batch_id"], "a b/ü");
    assert_eq!(emulator.poll_count("a", "a b/ü"), 1);
    let requests = emulator.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "GET");
    assert_eq!(requests[0].path, path);
    assert_eq!(requests[0].authorization.as_deref(), Some("k"));
}

#[tokio::test]
async fn unknown_final_status_and_time_based_completion() {
    let emulator = Emulator::builder().start().await.unwrap();
    emulator.seed_job(
        "a",
        "failed",
        Job::completes_after(0).with_final_status("failed"),
    );
    emulator.seed_job(
        "a",
        "timed",
        Job::completes_after_time(Duration::from_millis(300)),
    );
    let (_, body) = get(&emulator, "/v1/accounts/a/batch_job/failed", Some("k")).await;
    assert_eq!(
        body,
        json!({"status": "failed", "batch_id": "failed", "message": null})
    );
    let (_, body) = get(&emulator, "/v1/accounts/a/batch_job/timed", Some("k")).await;
    assert_eq!(body["status"], "processing");
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (_, body) = get(&emulator, "/v1/accounts/a/batch_job/timed", Some("k")).await;
    assert_eq!(body["status"], "completed");
}

#[tokio::test]
async fn shutdown_and_drop_stop_serving() {
    let emulator = Emulator::builder().start().await.unwrap();
    let url = format!("{}/v1/accounts/a/batch_job/b", emulator.base_url());
    assert!(http().get(&url).send().await.is_ok());
    tokio::time::timeout(Duration::from_secs(6), emulator.shutdown())
        .await
        .unwrap();
    assert!(http().get(&url).send().await.unwrap_err().is_connect());

    let emulator = Emulator::builder().start().await.unwrap();
    let url = format!("{}/v1/accounts/a/batch_job/b", emulator.base_url());
    drop(emulator);
    let mut refused = false;
    for _ in 0..50 {
        if http().get(&url).send().await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(refused, "a dropped emulator still serves");
}
