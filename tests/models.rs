//! The generated model calls. The OpenAI-compatible list against the scripted raw-TCP server on
//! 127.0.0.1 (the path on the inference host, bearer auth, a lenient decode); the control plane's
//! `get_model` and `list_account_models` against the emulator and against hand-written wire
//! JSON: the exact request, camelCase to snake_case, int64 strings, open enums, `extra`, the
//! grpc-gateway error body and account defaulting.

// Test code: a failed unwrap is a failed test, and the shared helpers outside `#[test]`
// functions are not covered by clippy's allow-*-in-tests settings.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use fireworks_ai_test_support as support;

use fireworks_ai::models::{
    BaseModelDetails, CONTROL, CheckpointFormat, INFERENCE, Model, ModelKind, ModelState,
};
use fireworks_ai::{Client, Error, StatusError, StatusKind};
use fireworks_ai_emulator::{Emulator, PUBLIC_ACCOUNT, RecordedRequest, RunningEmulator};
use serde_json::json;
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

/// A client for the emulator's control plane, with `account` as its default account.
fn control_client(emulator: &RunningEmulator, account: Option<&str>) -> Client {
    let mut builder = Client::builder()
        .api_key("fw_KEY")
        .base_url(CONTROL, emulator.base_url());
    if let Some(account) = account {
        builder = builder.account_id(account);
    }
    builder.build().unwrap()
}

/// The one request the emulator received.
fn only_request(emulator: &RunningEmulator) -> RecordedRequest {
    let requests = emulator.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    requests.into_iter().next().unwrap()
}

/// Fails the test unless `result` is a status error, and gives it.
fn status_error<T: std::fmt::Debug>(result: Result<T, Error>) -> Box<StatusError> {
    match result {
        Err(Error::Status(error)) => error,
        other => panic!("expected a status error, got {other:?}"),
    }
}

#[tokio::test]
async fn get_model_sends_bearer_auth_the_account_path_and_an_encoded_read_mask() {
    bounded(async {
        let emulator = Emulator::builder().api_key("fw_KEY").start().await.unwrap();
        emulator.seed_model(
            "acct-1",
            "my model",
            Model::new()
                .display_name("Mine")
                .description("not asked for")
                .base_model_details(BaseModelDetails::new().parameter_count(7).world_size(2)),
        );
        let client = control_client(&emulator, Some("acct-1"));
        let model = client
            .models()
            .get_model("my model")
            .read_mask("name,displayName,baseModelDetails.parameterCount")
            .await
            .unwrap();
        let request = only_request(&emulator);
        assert_eq!(request.method, "GET");
        assert_eq!(request.path, "/v1/accounts/acct-1/models/my%20model");
        assert_eq!(
            request.query.as_deref(),
            Some("readMask=name%2CdisplayName%2CbaseModelDetails.parameterCount")
        );
        assert_eq!(request.authorization.as_deref(), Some("Bearer fw_KEY"));
        // The emulator honours the mask, so only the named fields come back.
        assert_eq!(
            model.name.as_deref(),
            Some("accounts/acct-1/models/my model")
        );
        assert_eq!(model.display_name.as_deref(), Some("Mine"));
        assert_eq!(model.description, None);
        let details = model.base_model_details.unwrap();
        assert_eq!(details.parameter_count, Some(7));
        assert_eq!(details.world_size, None);
    })
    .await;
}

#[tokio::test]
async fn a_public_demo_model_decodes_into_snake_case_fields() {
    bounded(async {
        let emulator = Emulator::builder().start().await.unwrap();
        let client = control_client(&emulator, Some("acct-1"));
        let model = client
            .models()
            .get_model("whisper-v3")
            .account_id(PUBLIC_ACCOUNT)
            .await
            .unwrap();
        assert_eq!(
            only_request(&emulator).path,
            "/v1/accounts/fireworks/models/whisper-v3"
        );
        assert_eq!(
            model.name.as_deref(),
            Some("accounts/fireworks/models/whisper-v3")
        );
        assert_eq!(model.display_name.as_deref(), Some("Whisper V3 Large"));
        assert_eq!(
            model.create_time.map(|t| t.to_string()).as_deref(),
            Some("2024-03-01T00:00:00Z")
        );
        assert_eq!(model.state, Some(ModelState::Ready));
        assert_eq!(model.status.unwrap().code.as_deref(), Some("OK"));
        assert_eq!(model.kind, Some(ModelKind::HfBaseModel));
        assert_eq!(model.supports_serverless, Some(true));
        assert_eq!(model.supports_tools, Some(false));
        assert_eq!(model.public, Some(true));
        assert_eq!(model.context_length, None);
        let details = model.base_model_details.unwrap();
        assert_eq!(details.parameter_count, Some(1_550_000_000));
        assert_eq!(
            details.checkpoint_format,
            Some(CheckpointFormat::Huggingface)
        );
        assert_eq!(details.model_type.as_deref(), Some("whisper"));
        assert_eq!(details.default_precision.as_deref(), Some("FP16"));
        assert!(model.extra.is_empty(), "{:?}", model.extra);
    })
    .await;
}

/// The wire text written out by hand, so the decode is not checked only against our own
/// serialiser: camelCase names, int64 as a string, enum values and fields the spec lacks.
#[tokio::test]
async fn control_plane_json_decodes_with_int64_strings_unknown_values_and_extra_fields() {
    bounded(async {
        let body = r#"{
            "name": "accounts/fireworks/models/new-model",
            "displayName": "New",
            "createTime": "2025-01-02T03:04:05.123456Z",
            "state": "DEPRECATING",
            "status": {"code": "OK", "message": ""},
            "kind": "HF_BASE_MODEL",
            "contextLength": 32768,
            "supportsImageInput": true,
            "supportsLora": false,
            "baseModelDetails": {"worldSize": 8, "checkpointFormat": "SAFETENSORS",
                "parameterCount": "671000000000", "moe": true, "tunable": false,
                "supportsMtp": true, "futureDetail": 3},
            "deprecationDate": {"year": 2026, "month": 1, "day": 31},
            "deployedModelRefs": [{"name": "d1", "state": "DEPLOYED"}],
            "calibrated": true,
            "futureModelField": {"a": 1}
        }"#;
        let server = TestServer::always(Reply::Respond(Resp::json(200, body))).await;
        let client = Client::builder()
            .api_key("fw_KEY")
            .account_id("fireworks")
            .base_url(CONTROL, &server.url())
            .build()
            .unwrap();
        let model = client.models().get_model("new-model").await.unwrap();
        let request = &server.requests()[0];
        assert_eq!(
            request.request_line,
            "GET /v1/accounts/fireworks/models/new-model HTTP/1.1"
        );
        assert_eq!(request.header("authorization"), Some("Bearer fw_KEY"));
        assert_eq!(model.display_name.as_deref(), Some("New"));
        // Typed: RFC 3339 text decodes to a `Timestamp` with its fraction kept.
        let created = model.create_time.unwrap();
        assert_eq!(created.as_second(), 1_735_787_045);
        assert_eq!(created.subsec_microsecond(), 123_456);
        assert_eq!(created.to_string(), "2025-01-02T03:04:05.123456Z");
        let state = model.state.as_ref().unwrap();
        assert!(state.is_unknown());
        assert_eq!(state.as_str(), "DEPRECATING");
        assert_eq!(model.status.as_ref().unwrap().message.as_deref(), Some(""));
        assert_eq!(model.context_length, Some(32_768));
        assert_eq!(model.supports_image_input, Some(true));
        assert_eq!(model.supports_lora, Some(false));
        let details = model.base_model_details.as_ref().unwrap();
        assert_eq!(details.world_size, Some(8));
        assert_eq!(details.parameter_count, Some(671_000_000_000));
        assert_eq!(
            details.checkpoint_format,
            Some(CheckpointFormat::Unknown("SAFETENSORS".to_owned()))
        );
        assert_eq!(details.moe, Some(true));
        assert_eq!(details.supports_mtp, Some(true));
        assert_eq!(details.extra["futureDetail"], 3);
        let date = model.deprecation_date.as_ref().unwrap();
        assert_eq!(
            (date.year, date.month, date.day),
            (Some(2026), Some(1), Some(31))
        );
        assert_eq!(model.calibrated, Some(true));
        let refs = model.deployed_model_refs.as_ref().unwrap();
        assert_eq!(refs[0].name.as_deref(), Some("d1"));
        assert_eq!(refs[0].state.as_ref().unwrap().as_str(), "DEPLOYED");
        assert_eq!(model.extra["futureModelField"], json!({"a": 1}));
        // Sent back, the int64 is a string again and the unknown parts are unchanged.
        let again = serde_json::to_value(&model).unwrap();
        assert_eq!(again["baseModelDetails"]["parameterCount"], "671000000000");
        assert_eq!(again["state"], "DEPRECATING");
        assert_eq!(again["calibrated"], true);
        assert_eq!(again["futureModelField"], json!({"a": 1}));
        assert_eq!(again["baseModelDetails"]["futureDetail"], 3);
    })
    .await;
}

#[tokio::test]
async fn unknown_enum_values_and_extra_fields_pass_through_the_emulator() {
    bounded(async {
        let emulator = Emulator::builder().start().await.unwrap();
        let mut model = Model::new()
            .kind(ModelKind::from("QUANTUM_MODEL"))
            .base_model_details(
                BaseModelDetails::new().checkpoint_format(CheckpointFormat::from("GGUF")),
            );
        model
            .extra
            .insert("futureField".to_owned(), json!({"x": [1, 2]}));
        emulator.seed_model("acct-1", "odd", model);
        let client = control_client(&emulator, Some("acct-1"));
        let got = client.models().get_model("odd").await.unwrap();
        assert_eq!(
            got.kind,
            Some(ModelKind::Unknown("QUANTUM_MODEL".to_owned()))
        );
        assert_eq!(
            got.base_model_details.unwrap().checkpoint_format,
            Some(CheckpointFormat::Unknown("GGUF".to_owned()))
        );
        assert_eq!(got.extra["futureField"], json!({"x": [1, 2]}));
    })
    .await;
}

#[tokio::test]
async fn an_unknown_model_is_a_404_with_the_grpc_gateway_message_and_code() {
    bounded(async {
        let emulator = Emulator::builder().start().await.unwrap();
        let client = control_client(&emulator, Some("acct-1"));
        let error = status_error(client.models().get_model("nope").await);
        assert_eq!(error.status().as_u16(), 404);
        assert_eq!(error.kind(), StatusKind::NotFound);
        assert_eq!(
            error.message(),
            Some("model \"accounts/acct-1/models/nope\" not found")
        );
        assert_eq!(error.code(), Some("NOT_FOUND"));
        assert_eq!(error.call().operation(), "get_model");
        let shown = error.to_string();
        assert!(shown.contains("[code NOT_FOUND]"), "{shown}");
    })
    .await;
}

#[tokio::test]
async fn a_wrong_key_is_a_401_with_the_unauthenticated_code() {
    bounded(async {
        let emulator = Emulator::builder().api_key("right").start().await.unwrap();
        let client = control_client(&emulator, Some("acct-1"));
        let error = status_error(client.models().get_model("whisper-v3").await);
        assert_eq!(error.status().as_u16(), 401);
        assert_eq!(error.code(), Some("UNAUTHENTICATED"));
        assert_eq!(error.message(), Some("invalid API key"));
    })
    .await;
}

#[tokio::test]
async fn the_account_comes_from_the_client_unless_the_call_names_one() {
    bounded(async {
        let emulator = Emulator::builder().start().await.unwrap();
        emulator.seed_model("acct-1", "m", Model::new().display_name("one"));
        emulator.seed_model("acct-2", "m", Model::new().display_name("two"));
        let client = control_client(&emulator, Some("acct-1"));
        let defaulted = client.models().get_model("m").await.unwrap();
        let explicit = client
            .models()
            .get_model("m")
            .account_id("acct-2")
            .await
            .unwrap();
        assert_eq!(defaulted.display_name.as_deref(), Some("one"));
        assert_eq!(explicit.display_name.as_deref(), Some("two"));
        let paths: Vec<String> = emulator.requests().into_iter().map(|r| r.path).collect();
        assert_eq!(
            paths,
            [
                "/v1/accounts/acct-1/models/m",
                "/v1/accounts/acct-2/models/m"
            ]
        );

        // Without an account anywhere, the call fails before anything is sent.
        let client = control_client(&emulator, None);
        match client.models().get_model("m").await {
            Err(Error::InvalidArgument(error)) => assert_eq!(error.name(), "account_id"),
            other => panic!("expected an invalid argument, got {other:?}"),
        }
        match client.models().list_account_models().await {
            Err(Error::InvalidArgument(error)) => assert_eq!(error.name(), "account_id"),
            other => panic!("expected an invalid argument, got {other:?}"),
        }
        assert_eq!(emulator.requests().len(), 2);
    })
    .await;
}

#[tokio::test]
async fn list_account_models_returns_one_page_and_a_token_for_the_next() {
    bounded(async {
        let emulator = Emulator::builder().start().await.unwrap();
        let client = control_client(&emulator, Some(PUBLIC_ACCOUNT));
        let first = client
            .models()
            .list_account_models()
            .page_size(1)
            .read_mask("name,kind")
            .await
            .unwrap();
        let models = first.models.unwrap();
        assert_eq!(models.len(), 1);
        assert_eq!(
            models[0].name.as_deref(),
            Some("accounts/fireworks/models/llama-v3p1-8b-instruct")
        );
        assert_eq!(models[0].kind, Some(ModelKind::HfBaseModel));
        assert_eq!(models[0].display_name, None);
        assert_eq!(first.total_size, Some(2));
        let token = first.next_page_token.unwrap();

        let second = client
            .models()
            .list_account_models()
            .page_size(1)
            .page_token(&token)
            .read_mask("name,kind")
            .await
            .unwrap();
        let models = second.models.unwrap();
        assert_eq!(
            models[0].name.as_deref(),
            Some("accounts/fireworks/models/whisper-v3")
        );
        assert_eq!(second.next_page_token, None);

        let queries: Vec<Option<String>> =
            emulator.requests().into_iter().map(|r| r.query).collect();
        assert_eq!(
            queries,
            [
                Some("pageSize=1&readMask=name%2Ckind".to_owned()),
                Some(
                    "pageSize=1&pageToken=after%3Allama-v3p1-8b-instruct&readMask=name%2Ckind"
                        .to_owned()
                ),
            ]
        );
        assert!(
            emulator
                .requests()
                .iter()
                .all(|r| r.path == "/v1/accounts/fireworks/models"
                    && r.authorization.as_deref() == Some("Bearer fw_KEY"))
        );
    })
    .await;
}

#[tokio::test]
async fn an_empty_account_lists_no_models_and_filters_are_encoded_as_one_value() {
    bounded(async {
        let emulator = Emulator::builder().start().await.unwrap();
        let client = control_client(&emulator, Some("empty-account"));
        let page = client.models().list_account_models().await.unwrap();
        assert_eq!(page.models, None);
        assert_eq!(page.next_page_token, None);
        assert_eq!(page.total_size, Some(0));

        // The emulator refuses filters, but the request shows how they are encoded.
        let error = status_error(
            client
                .models()
                .list_account_models()
                .filter("kind = \"HF_BASE_MODEL\" & public")
                .order_by("name desc")
                .await,
        );
        assert_eq!(error.status().as_u16(), 400);
        assert_eq!(error.code(), Some("INVALID_ARGUMENT"));
        assert_eq!(
            emulator.requests()[1].query.as_deref(),
            Some("filter=kind%20%3D%20%22HF_BASE_MODEL%22%20%26%20public&orderBy=name%20desc")
        );
    })
    .await;
}

/// A client for the scripted server's control plane, default account `acct`.
fn scripted_client(server: &TestServer) -> Client {
    support::control_client(&server.url())
}

#[tokio::test]
async fn items_follow_page_tokens_across_three_pages_and_stop_on_an_empty_token() {
    use futures_util::TryStreamExt;
    bounded(async {
        let server = TestServer::sequence(vec![
            Reply::Respond(Resp::json(
                200,
                r#"{"models": [{"name": "accounts/acct/models/a"}, {"name": "accounts/acct/models/b"}],
                    "nextPageToken": "t1", "totalSize": 4}"#,
            )),
            // proto3 JSON leaves an empty list out: a page without items.
            Reply::Respond(Resp::json(200, r#"{"nextPageToken": "t 2"}"#)),
            Reply::Respond(Resp::json(
                200,
                r#"{"models": [{"name": "accounts/acct/models/c"}], "nextPageToken": ""}"#,
            )),
        ])
        .await;
        let client = scripted_client(&server);
        let names: Vec<String> = client
            .models()
            .list_account_models()
            .page_size(2)
            .filter("state=READY")
            .items()
            .map_ok(|model| model.name.unwrap_or_default())
            .try_collect()
            .await
            .unwrap();
        assert_eq!(
            names,
            [
                "accounts/acct/models/a",
                "accounts/acct/models/b",
                "accounts/acct/models/c"
            ]
        );
        // Every page re-sends the other parameters, with the previous page's token.
        let lines: Vec<String> = server
            .requests()
            .into_iter()
            .map(|r| r.request_line)
            .collect();
        assert_eq!(
            lines,
            [
                "GET /v1/accounts/acct/models?pageSize=2&filter=state%3DREADY HTTP/1.1",
                "GET /v1/accounts/acct/models?pageSize=2&pageToken=t1&filter=state%3DREADY HTTP/1.1",
                "GET /v1/accounts/acct/models?pageSize=2&pageToken=t%202&filter=state%3DREADY HTTP/1.1",
            ]
        );
    })
    .await;
}

#[tokio::test]
async fn pages_start_from_the_callers_token_and_fail_on_a_repeated_one() {
    use fireworks_ai::StreamErrorKind;
    use futures_util::StreamExt;
    bounded(async {
        let server = TestServer::sequence(vec![
            Reply::Respond(Resp::json(200, r#"{"models": [], "nextPageToken": "x"}"#)),
            Reply::Respond(Resp::json(200, r#"{"nextPageToken": "y"}"#)),
            Reply::Respond(Resp::json(200, r#"{"nextPageToken": "x"}"#)),
        ])
        .await;
        let client = scripted_client(&server);
        let mut pages = client
            .models()
            .list_account_models()
            .page_token("start")
            .pages();
        for token in ["x", "y", "x"] {
            let page = pages.next().await.unwrap().unwrap();
            assert_eq!(page.next_page_token.as_deref(), Some(token));
        }
        let err = pages.next().await.unwrap().unwrap_err();
        let Error::Stream(stream) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(
            stream.kind(),
            &StreamErrorKind::RepeatedPageToken("x".to_owned())
        );
        assert!(pages.next().await.is_none());
        let requests = server.requests();
        assert_eq!(requests.len(), 3, "no fourth request after the repeat");
        assert_eq!(
            requests[0].request_line,
            "GET /v1/accounts/acct/models?pageToken=start HTTP/1.1"
        );
        assert_eq!(
            requests[2].request_line,
            "GET /v1/accounts/acct/models?pageToken=y HTTP/1.1"
        );
    })
    .await;
}
