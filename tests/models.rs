//! The generated model list call against the scripted raw-TCP server on 127.0.0.1: the path on
//! the inference host, bearer auth, and a lenient decode that keeps unknown fields.

// Test code: a failed unwrap is a failed test, and the shared helpers outside `#[test]`
// functions are not covered by clippy's allow-*-in-tests settings.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use fireworks_ai::Client;
use fireworks_ai::models::INFERENCE;
use support::{Reply, Resp, TestServer, bounded};

#[tokio::test]
async fn list_models_uses_bearer_auth_on_the_inference_host() {
    bounded(async {
        let body = r#"{"object":"list","data":[
            {"id":"accounts/fireworks/models/llama-v3p1-8b-instruct","object":"model","created":1700000000,
             "owned_by":"fireworks","kind":"HF_BASE_MODEL","supports_chat":true,"supports_image_input":false,
             "supports_tools":true,"context_length":131072,"new_flag":true},
            {"id":"accounts/me/models/tiny"}]}"#;
        let server = TestServer::always(Reply::Respond(Resp::json(200, body))).await;
        let client = Client::builder()
            .api_key("fw_KEY")
            .base_url(INFERENCE, &format!("{}/inference", server.url()))
            .build()
            .unwrap();
        let list = client.models().list_models().await.unwrap();
        let request = &server.requests()[0];
        assert_eq!(request.request_line, "GET /inference/v1/models HTTP/1.1");
        assert_eq!(request.header("authorization"), Some("Bearer fw_KEY"));
        assert_eq!(list.object.as_deref(), Some("list"));
        assert_eq!(list.data.len(), 2);
        let first = &list.data[0];
        assert_eq!(first.supports_chat, Some(true));
        assert_eq!(first.context_length, Some(131_072));
        assert_eq!(first.extra["new_flag"], true);
        assert_eq!(list.data[1].id, "accounts/me/models/tiny");
        assert_eq!(list.data[1].owned_by, None);
    })
    .await;
}
