//! The consumer's own endpoint and the crate's generated API through one client, against the
//! emulator on 127.0.0.1: one base-URL override, one key, one default account.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use fireworks_ai::Client;
use fireworks_ai::models::{CONTROL, Model};
use fireworks_ai_consumer::model_names::{self, ModelNamesExt as _};
use fireworks_ai_emulator::Emulator;

#[tokio::test]
async fn own_yaml_endpoint_and_generated_api_share_the_client() {
    let emulator = Emulator::builder()
        .api_key("fw_CONSUMER")
        .start()
        .await
        .unwrap();
    emulator.seed_model(
        "acct-7",
        "tiny",
        Model::new().display_name("Tiny").description("d"),
    );
    // One override of the crate's `control` server moves the consumer's `control` server too.
    let client = Client::builder()
        .api_key("fw_CONSUMER")
        .account_id("acct-7")
        .base_url(CONTROL, emulator.base_url())
        .build()
        .unwrap();
    assert_eq!(model_names::CONTROL.name(), CONTROL.name());

    let names = client
        .model_names()
        .get_model_name("tiny")
        .read_mask("name,displayName")
        .await
        .unwrap();
    assert_eq!(names.name, "accounts/acct-7/models/tiny");
    assert_eq!(names.display_name.as_deref(), Some("Tiny"));
    // The mask left the description out, and nothing unknown came back.
    assert!(names.extra.is_empty(), "{:?}", names.extra);

    let model = client.models().get_model("tiny").await.unwrap();
    assert_eq!(model.description.as_deref(), Some("d"));

    let requests = emulator.requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
    for request in &requests {
        assert_eq!(request.path, "/v1/accounts/acct-7/models/tiny");
        assert_eq!(request.authorization.as_deref(), Some("Bearer fw_CONSUMER"));
    }
    assert_eq!(
        requests[0].query.as_deref(),
        Some("readMask=name%2CdisplayName")
    );
    assert_eq!(requests[1].query, None);
    emulator.shutdown().await;
}

#[tokio::test]
async fn helper_reads_the_display_name_and_errors_stay_typed() {
    let emulator = Emulator::builder()
        .api_key("fw_CONSUMER")
        .start()
        .await
        .unwrap();
    emulator.seed_model("acct-7", "tiny", Model::new().display_name("Tiny"));
    let client = Client::builder()
        .api_key("fw_CONSUMER")
        .account_id("acct-7")
        .base_url_named("control", emulator.base_url())
        .build()
        .unwrap();
    let shown = fireworks_ai_consumer::display_name(&client, "tiny")
        .await
        .unwrap();
    assert_eq!(shown.as_deref(), Some("Tiny"));
    // An unknown model is the crate's own typed status error, through our endpoint.
    let error = client
        .model_names()
        .get_model_name("missing")
        .await
        .expect_err("an unknown model is an error");
    assert!(matches!(error, fireworks_ai::Error::Status(_)), "{error:?}");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404));
    emulator.shutdown().await;
}
