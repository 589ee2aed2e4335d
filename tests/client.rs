//! Behaviour tests of the runtime through the generated batch-status call against a scripted
//! HTTP server on 127.0.0.1: the exact request sent, response decoding, every Fireworks error
//! shape, decode errors, embedded bodies and arguments refused before sending.

// Test code: a failed unwrap is a failed test, and helpers outside `#[test]` functions are
// not covered by clippy's allow-*-in-tests settings.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use fireworks_ai_test_support as support;

use fireworks_ai::audio_batch::{AUDIO_BATCH, BatchJobStatus, BatchStatus};
use fireworks_ai::{Client, ClientBuilder, DecodedBody, Error, Response};
use serde_json::json;
use support::{Reply, Resp, TestServer, bounded};

const KEY: &str = "fw_CANARY_KEY_7f3a9c";
const ACCOUNT: &str = "acct-1";

fn client(server: &TestServer) -> Client {
    Client::builder()
        .api_key(KEY)
        .account_id(ACCOUNT)
        .base_url(AUDIO_BATCH, &server.url())
        .build()
        .unwrap()
}

async fn get(client: &Client, id: &str) -> Result<Response<BatchStatus>, Error> {
    client
        .audio_batch()
        .get_batch_status(id)
        .send_with_meta()
        .await
}

fn ok(body: &str) -> Reply {
    Reply::Respond(Resp::json(200, body))
}

#[tokio::test]
async fn request_line_and_headers_are_exact() {
    bounded(async {
        let server = TestServer::always(ok(r#"{"status":"processing","batch_id":"x"}"#)).await;
        get(&client(&server), "a b/ü?#%").await.unwrap();
        let requests = server.requests();
        assert_eq!(requests.len(), 1);
        let r = &requests[0];
        assert_eq!(
            r.request_line,
            "GET /v1/accounts/acct-1/batch_job/a%20b%2F%C3%BC%3F%23%25 HTTP/1.1"
        );
        assert_eq!(r.header("authorization"), Some(KEY), "raw key, no Bearer");
        assert_eq!(
            r.header("user-agent"),
            Some(concat!("fireworks-ai-rust/", env!("CARGO_PKG_VERSION")))
        );
        assert_eq!(r.header("accept"), Some("application/json"));
        assert_eq!(
            r.header("host"),
            Some(format!("127.0.0.1:{}", server.port()).as_str())
        );
        assert_eq!(r.header("content-type"), None);
        assert!(r.body.is_empty());
    })
    .await;
}

#[tokio::test]
async fn processing_response_is_decoded() {
    bounded(async {
        let server = TestServer::always(ok(
            r#"{"status":"processing","batch_id":"b1","message":"Request is being processed"}"#,
        ))
        .await;
        let status = get(&client(&server), "b1").await.unwrap().into_inner();
        assert_eq!(status.status, BatchJobStatus::Processing);
        assert_eq!(status.batch_id, "b1");
        assert_eq!(
            status.message.as_deref(),
            Some("Request is being processed")
        );
        assert!(status.embedded_body().is_none());
    })
    .await;
}

#[tokio::test]
async fn completed_response_carries_its_embedded_body() {
    bounded(async {
        let server = TestServer::always(ok(
            r#"{"status":"completed","batch_id":"b1","message":null,"content_type":"application/json","body":"{\"text\":\"hello\"}"}"#,
        ))
        .await;
        let status = get(&client(&server), "b1").await.unwrap().into_inner();
        assert_eq!(status.status, BatchJobStatus::Completed);
        assert_eq!(status.message, None);
        let body = status.embedded_body().unwrap();
        assert_eq!(body.decode().unwrap(), DecodedBody::Json(json!({"text": "hello"})));
    })
    .await;
}

#[tokio::test]
async fn unknown_status_value_round_trips() {
    bounded(async {
        let server = TestServer::always(ok(r#"{"status":"failed_quota","batch_id":"b1"}"#)).await;
        let status = get(&client(&server), "b1").await.unwrap().into_inner();
        assert_eq!(
            status.status,
            BatchJobStatus::Unknown("failed_quota".into())
        );
        assert!(status.status.is_unknown());
        let back = serde_json::to_value(&status).unwrap();
        assert_eq!(back, json!({"status": "failed_quota", "batch_id": "b1"}));
    })
    .await;
}

#[tokio::test]
async fn null_message_and_missing_optional_fields_are_none() {
    bounded(async {
        let server = TestServer::sequence(vec![
            ok(r#"{"status":"completed","batch_id":"b1","message":null}"#),
            ok(r#"{"status":"completed","batch_id":"b1"}"#),
        ])
        .await;
        let client = client(&server);
        for _ in 0..2 {
            let status = get(&client, "b1").await.unwrap().into_inner();
            assert_eq!(status.message, None);
            assert_eq!(status.content_type, None);
            assert_eq!(status.body, None);
            assert!(status.extra.is_empty());
        }
    })
    .await;
}

#[tokio::test]
async fn unknown_fields_are_kept_in_extra() {
    bounded(async {
        let server = TestServer::always(ok(
            r#"{"status":"processing","batch_id":"b1","eta_seconds":42,"nested":{"a":[1,2]}}"#,
        ))
        .await;
        let status = get(&client(&server), "b1").await.unwrap().into_inner();
        assert_eq!(status.extra.get("eta_seconds"), Some(&json!(42)));
        assert_eq!(status.extra.get("nested"), Some(&json!({"a": [1, 2]})));
        let back = serde_json::to_value(&status).unwrap();
        assert_eq!(back["eta_seconds"], json!(42));
    })
    .await;
}

#[tokio::test]
async fn error_bodies_of_every_shape_are_parsed() {
    bounded(async {
        // (status, body, message, code)
        let cases: &[(u16, &str, Option<&str>, Option<&str>)] = &[
            (
                401,
                r#"{"error":{"object":"error","type":"invalid_request_error","message":"invalid API key","code":"UNAUTHENTICATED"}}"#,
                Some("invalid API key"),
                Some("UNAUTHENTICATED"),
            ),
            (
                404,
                r#"{"message":"Model not found, inaccessible, and/or not deployed","param":"model","code":"NOT_FOUND","type":"error"}"#,
                Some("Model not found, inaccessible, and/or not deployed"),
                Some("NOT_FOUND"),
            ),
            (
                400,
                r#"{"error":{"type":"invalid_request_error","message":"bad field"},"type":"error"}"#,
                Some("bad field"),
                None,
            ),
            (404, r#"{"code":5,"message":"job not found","details":[]}"#, Some("job not found"), Some("NOT_FOUND")),
            (401, r#"{"error":"unauthorized"}"#, Some("unauthorized"), None),
            (404, "", None, None),
        ];
        for (status, body, message, code) in cases {
            let server = TestServer::always(Reply::Respond(
                Resp::json(*status, body).header("x-request-id", "req-42"),
            ))
            .await;
            let err = get(&client(&server), "b1").await.unwrap_err();
            let Error::Status(e) = &err else {
                panic!("{body}: expected a status error, got {err:?}");
            };
            assert_eq!(e.status().as_u16(), *status, "{body}");
            assert_eq!(e.message(), *message, "{body}");
            assert_eq!(e.code(), *code, "{body}");
            assert_eq!(e.request_id(), Some("req-42"));
            assert_eq!(e.body_snippet(), *body);
            assert_eq!(server.count(), 1, "{status} is not retried");
            let shown = err.to_string();
            assert!(shown.contains(&status.to_string()) && shown.contains("req-42"), "{shown}");
            if let Some(m) = message {
                assert!(shown.contains(m), "{shown}");
            }
            support::assert_no_key(&err, KEY);
        }
    })
    .await;
}

#[tokio::test]
async fn invalid_json_names_the_path_and_keeps_a_snippet() {
    bounded(async {
        let server = TestServer::sequence(vec![
            ok(r#"{"status":"completed","batch_id":17}"#),
            ok(r#"{"status":"completed"}"#),
            ok(r#"{"status":"compl"#),
        ])
        .await;
        let client = client(&server);
        let err = get(&client, "b1").await.unwrap_err();
        let Error::Decode(e) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(e.path(), "batch_id");
        assert!(e.snippet().contains("\"batch_id\":17"), "{}", e.snippet());
        assert!(err.to_string().contains("`batch_id`"), "{err}");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(200));

        let err = get(&client, "b1").await.unwrap_err();
        let Error::Decode(e) = &err else {
            panic!("{err:?}")
        };
        assert!(
            e.message().contains("missing field `batch_id`"),
            "{}",
            e.message()
        );

        let err = get(&client, "b1").await.unwrap_err();
        assert!(matches!(err, Error::Decode(_)), "{err:?}");
        assert_eq!(server.count(), 3, "decode errors are not retried");
    })
    .await;
}

#[tokio::test]
async fn every_content_type_case_goes_through_embedded_body() {
    bounded(async {
        let cases: Vec<(Option<&str>, &str, DecodedBody)> = vec![
            (
                Some("application/json"),
                r#"{"a":1}"#,
                DecodedBody::Json(json!({"a": 1})),
            ),
            (
                Some("application/json; charset=utf-8"),
                "[1]",
                DecodedBody::Json(json!([1])),
            ),
            (
                Some("APPLICATION/JSON"),
                "true",
                DecodedBody::Json(json!(true)),
            ),
            (
                Some("application/problem+json"),
                r#"{"t":1}"#,
                DecodedBody::Json(json!({"t": 1})),
            ),
            (
                Some("text/plain; charset=utf-8"),
                "hello",
                DecodedBody::Text("hello".into()),
            ),
            (
                Some("text/vtt"),
                "WEBVTT",
                DecodedBody::Text("WEBVTT".into()),
            ),
            (
                Some("application/octet-stream"),
                "AAAA",
                DecodedBody::Raw {
                    content_type: "application/octet-stream".into(),
                    body: "AAAA".into(),
                },
            ),
            (None, r#"{"b":2}"#, DecodedBody::Json(json!({"b": 2}))),
            (None, "plain words", DecodedBody::Text("plain words".into())),
        ];
        for (content_type, body, want) in cases {
            let mut status = json!({"status": "completed", "batch_id": "b1", "body": body});
            if let Some(ct) = content_type {
                status["content_type"] = json!(ct);
            }
            let server = TestServer::always(ok(&status.to_string())).await;
            let got = get(&client(&server), "b1").await.unwrap().into_inner();
            let embedded = got.embedded_body().unwrap();
            assert_eq!(embedded.content_type(), content_type);
            assert_eq!(embedded.raw(), body);
            assert_eq!(embedded.decode().unwrap(), want, "{content_type:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn invalid_path_params_are_refused_with_zero_requests() {
    bounded(async {
        let server = TestServer::always(ok("{}")).await;
        let client = client(&server);
        for id in ["", ".", ".."] {
            let err = get(&client, id).await.unwrap_err();
            let Error::InvalidArgument(e) = &err else {
                panic!("{id:?}: {err:?}")
            };
            assert_eq!(e.name(), "batch_id");
            let err = client
                .audio_batch()
                .get_batch_status("ok")
                .account_id(id)
                .await
                .unwrap_err();
            assert!(
                matches!(&err, Error::InvalidArgument(e) if e.name() == "account_id"),
                "{err:?}"
            );
        }
        assert_eq!(server.count(), 0);
        assert_eq!(server.connections(), 0);
    })
    .await;
}

/// Asks for job `b1` with a client that `configure` sets up for a fresh server, and checks
/// that the call fails with nothing sent; gives the error.
async fn refused_with_zero_requests(
    configure: impl FnOnce(ClientBuilder) -> ClientBuilder,
) -> Error {
    let server = TestServer::always(ok("{}")).await;
    let client = configure(Client::builder().base_url(AUDIO_BATCH, &server.url()))
        .build()
        .unwrap();
    let err = get(&client, "b1").await.unwrap_err();
    assert_eq!(server.count(), 0);
    err
}

#[tokio::test]
async fn missing_account_id_is_refused_with_zero_requests() {
    bounded(async {
        let err = refused_with_zero_requests(|builder| builder.api_key(KEY)).await;
        assert!(
            matches!(&err, Error::InvalidArgument(e) if e.name() == "account_id"),
            "{err:?}"
        );
        assert!(err.to_string().contains("FIREWORKS_ACCOUNT_ID"), "{err}");
    })
    .await;
}

#[tokio::test]
async fn missing_key_is_refused_with_zero_requests() {
    bounded(async {
        let err = refused_with_zero_requests(|builder| builder.account_id(ACCOUNT)).await;
        assert!(matches!(err, Error::Config(_)), "{err:?}");
    })
    .await;
}

#[tokio::test]
async fn environment_variables_set_key_account_and_base_url() {
    bounded(async {
        let server = TestServer::always(ok(r#"{"status":"processing","batch_id":"b1"}"#)).await;
        let vars = [
            ("FIREWORKS_API_KEY".to_owned(), KEY.to_owned()),
            ("FIREWORKS_ACCOUNT_ID".to_owned(), "env-acct".to_owned()),
            (
                "FIREWORKS_AUDIO_BATCH_BASE_URL".to_owned(),
                format!("{}/", server.url()),
            ),
        ];
        let client = Client::builder().env_vars(vars).build().unwrap();
        assert_eq!(client.base_url(&AUDIO_BATCH), server.url());
        assert_eq!(client.account_id(), Some("env-acct"));
        get(&client, "b1").await.unwrap();
        let r = &server.requests()[0];
        assert_eq!(r.target, "/v1/accounts/env-acct/batch_job/b1");
        assert_eq!(r.header("authorization"), Some(KEY));
    })
    .await;
}

#[tokio::test]
async fn metadata_exposes_request_id_and_rate_limits() {
    bounded(async {
        let server = TestServer::always(Reply::Respond(
            Resp::json(200, r#"{"status":"processing","batch_id":"b1"}"#)
                .header("x-request-id", "req-7")
                .header("x-ratelimit-limit-requests", "6000")
                .header("x-ratelimit-remaining-requests", "5998")
                .header("x-ratelimit-over-limit", "yes"),
        ))
        .await;
        let response = get(&client(&server), "b1").await.unwrap();
        let meta = response.meta();
        assert_eq!(meta.status().as_u16(), 200);
        assert_eq!(meta.request_id(), Some("req-7"));
        assert_eq!(meta.rate_limits().limit_requests, Some(6000));
        assert_eq!(meta.rate_limits().remaining_requests, Some(5998));
        assert!(meta.rate_limits().over_limit);
        assert_eq!(meta.attempts(), 1);
    })
    .await;
}
