//! HTTP-level tests of the emulator's control-plane model routes, driven with plain reqwest so
//! they check the wire JSON itself: Bearer-only auth, grpc-gateway error bodies, int64 strings,
//! read masks and page tokens.

// Test helpers outside `#[test]` functions are not covered by clippy's allow-*-in-tests settings.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod support;

use fireworks_ai_emulator::{AuthMode, Emulator};
use serde_json::json;
use support::get;

#[tokio::test]
async fn a_demo_model_is_proto3_json_with_an_int64_string() {
    let emulator = Emulator::builder().start().await.unwrap();
    let (status, body) = get(
        &emulator,
        "/v1/accounts/fireworks/models/whisper-v3",
        Some("Bearer k"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["name"], "accounts/fireworks/models/whisper-v3");
    assert_eq!(body["displayName"], "Whisper V3 Large");
    assert_eq!(body["state"], "READY");
    assert_eq!(body["kind"], "HF_BASE_MODEL");
    assert_eq!(body["supportsServerless"], true);
    assert_eq!(
        body["baseModelDetails"],
        json!({"worldSize": 1, "checkpointFormat": "HUGGINGFACE", "parameterCount": "1550000000",
               "moe": false, "tunable": false, "modelType": "whisper", "defaultPrecision": "FP16"})
    );
}

#[tokio::test]
async fn read_mask_keeps_only_the_named_paths() {
    let emulator = Emulator::builder().start().await.unwrap();
    let path = "/v1/accounts/fireworks/models/whisper-v3?readMask=displayName%2CbaseModelDetails.parameterCount";
    let (status, body) = get(&emulator, path, Some("Bearer k")).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"displayName": "Whisper V3 Large", "baseModelDetails": {"parameterCount": "1550000000"}})
    );
}

#[tokio::test]
async fn only_a_bearer_key_is_accepted_whatever_the_audio_auth_mode() {
    for mode in [AuthMode::RawOrBearer, AuthMode::RawOnly] {
        let emulator = Emulator::builder()
            .api_key("right")
            .auth_mode(mode)
            .start()
            .await
            .unwrap();
        let path = "/v1/accounts/fireworks/models/whisper-v3";
        for auth in [None, Some("right"), Some("Bearer "), Some("Bearer wrong")] {
            let (status, body) = get(&emulator, path, auth).await;
            assert_eq!(status, 401, "{auth:?}");
            assert_eq!(body["code"], 16, "{auth:?}");
            assert!(body["message"].is_string(), "{auth:?}");
            assert_eq!(body["details"], json!([]), "{auth:?}");
        }
        assert_eq!(get(&emulator, path, Some("Bearer right")).await.0, 200);
        assert_eq!(get(&emulator, path, Some("bearer right")).await.0, 200);
    }
}

#[tokio::test]
async fn an_unknown_model_is_a_grpc_gateway_not_found() {
    let emulator = Emulator::builder().start().await.unwrap();
    let (status, body) = get(
        &emulator,
        "/v1/accounts/fireworks/models/nope",
        Some("Bearer k"),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        body,
        json!({"code": 5, "message": "model \"accounts/fireworks/models/nope\" not found", "details": []})
    );
}

#[tokio::test]
async fn the_list_pages_by_name_and_leaves_out_empty_fields() {
    let emulator = Emulator::builder().start().await.unwrap();
    let list = "/v1/accounts/fireworks/models";
    let (status, body) = get(
        &emulator,
        &format!("{list}?readMask=name"),
        Some("Bearer k"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"models": [{"name": "accounts/fireworks/models/llama-v3p1-8b-instruct"},
                          {"name": "accounts/fireworks/models/whisper-v3"}],
               "totalSize": 2})
    );
    let (_, first) = get(
        &emulator,
        &format!("{list}?pageSize=1&readMask=name"),
        Some("Bearer k"),
    )
    .await;
    let token = first["nextPageToken"].as_str().unwrap();
    let (_, second) = get(
        &emulator,
        &format!("{list}?pageSize=1&readMask=name&pageToken={token}"),
        Some("Bearer k"),
    )
    .await;
    assert_eq!(
        second,
        json!({"models": [{"name": "accounts/fireworks/models/whisper-v3"}], "totalSize": 2})
    );
    let (_, empty) = get(&emulator, "/v1/accounts/nobody/models", Some("Bearer k")).await;
    assert_eq!(empty, json!({"totalSize": 0}));
}

#[tokio::test]
async fn unsupported_list_parameters_are_invalid_arguments() {
    let emulator = Emulator::builder().start().await.unwrap();
    for query in [
        "pageSize=-1",
        "pageSize=many",
        "pageToken=forged",
        "filter=public",
        "orderBy=name%20desc",
    ] {
        let path = format!("/v1/accounts/fireworks/models?{query}");
        let (status, body) = get(&emulator, &path, Some("Bearer k")).await;
        assert_eq!(status, 400, "{query}");
        assert_eq!(body["code"], 3, "{query}");
    }
}
