//! The control-plane operations generated from `spec/control.yaml` and the area specs that
//! import it: one representative call per area against the scripted raw-TCP server on
//! 127.0.0.1, checking the exact method, path, query and JSON (or multipart) body on the wire and
//! the decoding of hand-written responses with unknown fields, unknown enum values and int64
//! strings.

// Test code: a failed unwrap is a failed test, and the shared helpers outside `#[test]`
// functions are not covered by clippy's allow-*-in-tests settings.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use fireworks_ai_test_support as support;

use std::collections::BTreeMap;
use std::time::Duration;

use fireworks_ai::control::{
    AutoscalingPolicy, Deployment, DeploymentState, Empty, JobState, Precision, StatusCode,
};
use fireworks_ai::{Client, FileInput, ProtoDuration};
use serde_json::{Value, json};
use support::{Recorded, Reply, Resp, TestServer, bounded};

/// A server that answers every request with `body` (status 200, JSON), and a client for it
/// whose default account is `acct`.
async fn serve(body: &str) -> (TestServer, Client) {
    let server = TestServer::always(Reply::Respond(Resp::json(200, body))).await;
    let client = Client::builder()
        .api_key("fw_KEY")
        .account_id("acct")
        .base_url(fireworks_ai::datasets::CONTROL, &server.url())
        .build()
        .unwrap();
    (server, client)
}

/// The only request the server received.
fn only(server: &TestServer) -> Recorded {
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    requests.into_iter().next().unwrap()
}

/// The request's JSON body.
fn json_of(request: &Recorded) -> Value {
    assert_eq!(request.header("content-type"), Some("application/json"));
    serde_json::from_slice(&request.body).unwrap()
}

#[tokio::test]
async fn list_accounts_sends_the_page_parameters_and_keeps_unknown_values() {
    bounded(async {
        let (server, client) = serve(
            r#"{"accounts": [{"name": "accounts/acct", "email": "a@example.com",
                  "state": "MIGRATING", "suspendState": "UNSUSPENDED",
                  "status": {"code": "NOT_FOUND", "message": "gone"}, "futureField": [1]}],
                "nextPageToken": "page-2", "totalSize": 3}"#,
        )
        .await;
        let page = client
            .accounts()
            .list_accounts()
            .page_size(2)
            .page_token("page-1")
            .filter("state=READY")
            .order_by("createTime desc")
            .read_mask("name,email")
            .await
            .unwrap();
        let request = only(&server);
        assert_eq!(
            request.request_line,
            "GET /v1/accounts?filter=state%3DREADY&orderBy=createTime%20desc&pageSize=2&pageToken=page-1&readMask=name%2Cemail HTTP/1.1"
        );
        assert_eq!(request.header("authorization"), Some("Bearer fw_KEY"));
        assert!(request.body.is_empty());
        assert_eq!(page.next_page_token.as_deref(), Some("page-2"));
        assert_eq!(page.total_size, Some(3));
        let account = &page.accounts.as_ref().unwrap()[0];
        assert_eq!(account.email, "a@example.com");
        let state = account.state.as_ref().unwrap();
        assert!(state.is_unknown());
        assert_eq!(state.as_str(), "MIGRATING");
        let status = account.status.as_ref().unwrap();
        assert_eq!(status.code, Some(StatusCode::NotFound));
        assert_eq!(account.extra["futureField"], json!([1]));
        // Sent back, the unknown state and field are unchanged.
        let again = serde_json::to_value(account).unwrap();
        assert_eq!(again["state"], "MIGRATING");
        assert_eq!(again["futureField"], json!([1]));
    })
    .await;
}

#[tokio::test]
async fn an_empty_page_has_no_items_key() {
    bounded(async {
        let (server, client) = serve("{}").await;
        let page = client.datasets().list_datasets().await.unwrap();
        assert_eq!(
            only(&server).request_line,
            "GET /v1/accounts/acct/datasets HTTP/1.1"
        );
        assert_eq!(page.datasets, None);
        assert_eq!(page.next_page_token, None);
    })
    .await;
}

#[tokio::test]
async fn update_user_patches_the_fields_that_were_set() {
    use fireworks_ai::users::User;
    bounded(async {
        let (server, client) = serve(
            r#"{"name": "accounts/acct/users/u 1", "role": "admin", "state": "READY",
                "createTime": "2025-01-02T03:04:05Z"}"#,
        )
        .await;
        let user = client
            .users()
            .update_user("u 1", User::new("admin").display_name("Dee"))
            .await
            .unwrap();
        let request = only(&server);
        // The update mask is the fields set on the body (`update_mask:` in the spec).
        assert_eq!(
            request.request_line,
            "PATCH /v1/accounts/acct/users/u%201?updateMask=displayName%2Crole HTTP/1.1"
        );
        assert_eq!(
            json_of(&request),
            json!({"role": "admin", "displayName": "Dee"})
        );
        assert_eq!(user.role, "admin");
        let created = user.create_time.unwrap();
        assert_eq!(created.as_second(), 1_735_787_045);
        assert_eq!(created.to_string(), "2025-01-02T03:04:05Z");
    })
    .await;
}

#[tokio::test]
async fn an_explicit_update_mask_is_sent_as_given() {
    use fireworks_ai::datasets::Dataset;
    bounded(async {
        let (server, client) = serve(r#"{"name": "accounts/acct/datasets/d"}"#).await;
        client
            .datasets()
            .update_dataset(
                "d",
                Dataset::new()
                    .display_name("D")
                    .format(fireworks_ai::datasets::DatasetFormat::Chat),
            )
            .update_mask("displayName")
            .await
            .unwrap();
        assert_eq!(
            only(&server).request_line,
            "PATCH /v1/accounts/acct/datasets/d?updateMask=displayName HTTP/1.1"
        );
    })
    .await;
}

#[tokio::test]
async fn delete_api_key_is_a_post_to_the_custom_method() {
    use fireworks_ai::api_keys::DeleteApiKeyBody;
    bounded(async {
        let (server, client) = serve(r#"{"unexpected": true}"#).await;
        let reply: Empty = client
            .api_keys()
            .delete_api_key("u1", DeleteApiKeyBody::new("key-1"))
            .account_id("other")
            .await
            .unwrap();
        let request = only(&server);
        assert_eq!(
            request.request_line,
            "POST /v1/accounts/other/users/u1/apiKeys:delete HTTP/1.1"
        );
        assert_eq!(json_of(&request), json!({"keyId": "key-1"}));
        assert_eq!(reply.extra["unexpected"], true);
    })
    .await;
}

#[tokio::test]
async fn create_secret_sends_the_secret_resource() {
    use fireworks_ai::secrets::Secret;
    bounded(async {
        let (server, client) =
            serve(r#"{"name": "accounts/acct/secrets/s1", "keyName": "HF_TOKEN"}"#).await;
        let secret = client
            .secrets()
            .create_secret(Secret::new("HF_TOKEN", "accounts/acct/secrets/s1").value("hunter2"))
            .await
            .unwrap();
        let request = only(&server);
        assert_eq!(
            request.request_line,
            "POST /v1/accounts/acct/secrets HTTP/1.1"
        );
        assert_eq!(
            json_of(&request),
            json!({"keyName": "HF_TOKEN", "name": "accounts/acct/secrets/s1", "value": "hunter2"})
        );
        assert_eq!(secret.value, None);
    })
    .await;
}

#[tokio::test]
async fn model_custom_methods_use_their_own_http_methods() {
    use fireworks_ai::models::PrepareModelBody;
    bounded(async {
        let (server, client) = serve(r#"{"warnings": ["big"]}"#).await;
        let checked = client
            .models()
            .validate_model_upload("m1")
            .config_only(true)
            .trust_remote_code(false)
            .await
            .unwrap();
        assert_eq!(
            only(&server).request_line,
            "GET /v1/accounts/acct/models/m1:validateUpload?configOnly=true&trustRemoteCode=false HTTP/1.1"
        );
        assert_eq!(checked.warnings, Some(vec!["big".to_owned()]));

        let (server, client) = serve("{}").await;
        client
            .models()
            .prepare_model("m1", PrepareModelBody::new().precision(Precision::Fp8))
            .await
            .unwrap();
        let request = only(&server);
        assert_eq!(
            request.request_line,
            "POST /v1/accounts/acct/models/m1:prepare HTTP/1.1"
        );
        assert_eq!(json_of(&request), json!({"precision": "FP8"}));
    })
    .await;
}

#[tokio::test]
async fn create_dataset_nests_the_dataset_and_sends_int64_as_a_string() {
    use fireworks_ai::datasets::{CreateDatasetBody, Dataset, DatasetState};
    bounded(async {
        let (server, client) = serve(
            r#"{"name": "accounts/acct/datasets/ds1", "state": "UPLOADING",
                "exampleCount": "12345678901234", "userUploaded": {}, "estimatedTokenCount": "9"}"#,
        )
        .await;
        let dataset = client
            .datasets()
            .create_dataset(CreateDatasetBody::new(
                Dataset::new()
                    .example_count(12_345_678_901_234)
                    .user_uploaded(Empty::new()),
                "ds1",
            ))
            .await
            .unwrap();
        let request = only(&server);
        assert_eq!(
            request.request_line,
            "POST /v1/accounts/acct/datasets HTTP/1.1"
        );
        assert_eq!(
            json_of(&request),
            json!({"dataset": {"exampleCount": "12345678901234", "userUploaded": {}},
                   "datasetId": "ds1"})
        );
        assert_eq!(dataset.state, Some(DatasetState::Uploading));
        assert_eq!(dataset.example_count, Some(12_345_678_901_234));
        assert_eq!(dataset.estimated_token_count, Some(9));
    })
    .await;
}

#[tokio::test]
async fn dataset_uploads_are_multipart_or_signed_url_requests() {
    use fireworks_ai::datasets::{GetDatasetUploadEndpointBody, UploadDatasetForm};
    bounded(async {
        let (server, client) = serve(
            r#"{"id": "f1", "object": "file", "bytes": 5, "created_at": 1700000000,
                "filename": "train.jsonl", "purpose": "fine-tune"}"#,
        )
        .await;
        let uploaded = client
            .datasets()
            .upload_dataset(
                "ds1",
                UploadDatasetForm::new(FileInput::from_bytes(&b"{}\n{}\n"[..], "train.jsonl")),
            )
            .await
            .unwrap();
        let request = only(&server);
        assert_eq!(
            request.request_line,
            "POST /v1/accounts/acct/datasets/ds1:upload HTTP/1.1"
        );
        assert!(
            request
                .header("content-type")
                .unwrap()
                .starts_with("multipart/form-data; boundary=")
        );
        let body = String::from_utf8_lossy(&request.body);
        assert!(
            body.contains("name=\"file\"; filename=\"train.jsonl\""),
            "{body}"
        );
        assert!(body.contains("{}\n{}\n"), "{body}");
        assert_eq!(uploaded.bytes, Some(5));
        assert_eq!(uploaded.created_at, Some(1_700_000_000));

        let (server, client) =
            serve(r#"{"filenameToSignedUrls": {"train.jsonl": "https://storage.test/signed"}}"#)
                .await;
        let sizes = BTreeMap::from([("train.jsonl".to_owned(), "6".to_owned())]);
        let urls = client
            .datasets()
            .get_dataset_upload_endpoint("ds1", GetDatasetUploadEndpointBody::new(sizes))
            .await
            .unwrap();
        let request = only(&server);
        assert_eq!(
            request.request_line,
            "POST /v1/accounts/acct/datasets/ds1:getUploadEndpoint HTTP/1.1"
        );
        assert_eq!(
            json_of(&request),
            json!({"filenameToSize": {"train.jsonl": "6"}})
        );
        assert_eq!(
            urls.filename_to_signed_urls.unwrap()["train.jsonl"],
            "https://storage.test/signed"
        );

        let (server, client) = serve("{}").await;
        client
            .datasets()
            .validate_dataset_upload("ds1", Empty::new())
            .await
            .unwrap();
        let request = only(&server);
        assert_eq!(
            request.request_line,
            "POST /v1/accounts/acct/datasets/ds1:validateUpload HTTP/1.1"
        );
        assert_eq!(json_of(&request), json!({}));
    })
    .await;
}

#[tokio::test]
async fn create_deployment_sends_query_flags_and_the_deployment_body() {
    bounded(async {
        let (server, client) = serve(
            r#"{"name": "accounts/acct/deployments/d1", "baseModel": "accounts/fireworks/models/m",
                "state": "READY", "replicaCount": 1, "region": "MARS_1",
                "autoscalingPolicy": {"scaleUpWindow": "30s", "loadTargets": {"default": 0.8}},
                "replicaStats": {"readyReplicaCount": 1, "newCounter": 4}}"#,
        )
        .await;
        let deployment = client
            .deployments()
            .create_deployment(
                Deployment::new("accounts/fireworks/models/m")
                    .min_replica_count(0)
                    .precision(Precision::Fp8)
                    .autoscaling_policy(
                        AutoscalingPolicy::new()
                            .scale_to_zero_window(Duration::from_secs(600).into())
                            .scale_up_window(ProtoDuration::from(Duration::from_millis(1500))),
                    ),
            )
            .deployment_id("d1")
            .validate_only(true)
            .await
            .unwrap();
        let request = only(&server);
        assert_eq!(
            request.request_line,
            "POST /v1/accounts/acct/deployments?deploymentId=d1&validateOnly=true HTTP/1.1"
        );
        assert_eq!(
            json_of(&request),
            json!({"baseModel": "accounts/fireworks/models/m", "minReplicaCount": 0,
                   "precision": "FP8",
                   "autoscalingPolicy": {"scaleToZeroWindow": "600s", "scaleUpWindow": "1.500s"}})
        );
        assert_eq!(deployment.state, Some(DeploymentState::Ready));
        assert_eq!(deployment.replica_count, Some(1));
        assert_eq!(deployment.region.as_ref().unwrap().as_str(), "MARS_1");
        let policy = deployment.autoscaling_policy.as_ref().unwrap();
        assert_eq!(policy.scale_up_window, Some(ProtoDuration::from_secs(30)));
        assert_eq!(policy.load_targets.as_ref().unwrap()["default"], 0.8);
        let stats = deployment.replica_stats.as_ref().unwrap();
        assert_eq!(stats.ready_replica_count, Some(1));
        assert_eq!(stats.extra["newCounter"], 4);
    })
    .await;
}

#[tokio::test]
async fn scale_deployment_is_a_patch_on_the_custom_method() {
    use fireworks_ai::deployments::ScaleDeploymentBody;
    bounded(async {
        let (server, client) = serve("{}").await;
        client
            .deployments()
            .scale_deployment("d1", ScaleDeploymentBody::new().replica_count(2))
            .await
            .unwrap();
        let request = only(&server);
        assert_eq!(
            request.request_line,
            "PATCH /v1/accounts/acct/deployments/d1:scale HTTP/1.1"
        );
        assert_eq!(json_of(&request), json!({"replicaCount": 2}));
    })
    .await;
}

#[tokio::test]
async fn create_deployed_model_loads_an_addon() {
    use fireworks_ai::deployed_models::DeployedModel;
    bounded(async {
        let (server, client) = serve(
            r#"{"name": "accounts/acct/deployedModels/dm1", "state": "DEPLOYING",
                "status": {"code": "OK"}}"#,
        )
        .await;
        let loaded = client
            .deployed_models()
            .create_deployed_model(
                DeployedModel::new()
                    .model("accounts/acct/models/lora")
                    .deployment("accounts/acct/deployments/d1")
                    .default(true),
            )
            .replace_merged_addon(true)
            .await
            .unwrap();
        let request = only(&server);
        assert_eq!(
            request.request_line,
            "POST /v1/accounts/acct/deployedModels?replaceMergedAddon=true HTTP/1.1"
        );
        assert_eq!(
            json_of(&request),
            json!({"model": "accounts/acct/models/lora",
                   "deployment": "accounts/acct/deployments/d1", "default": true})
        );
        assert_eq!(loaded.state.as_ref().unwrap().as_str(), "DEPLOYING");
    })
    .await;
}

#[tokio::test]
async fn match_deployment_shape_versions_embeds_a_create_deployment_request() {
    use fireworks_ai::deployment_shapes::{
        CreateDeploymentRequest, MatchDeploymentShapeVersionsBody,
    };
    bounded(async {
        let (server, client) = serve(
            r#"{"deploymentShapeVersions": [{"name": "accounts/fireworks/deploymentShapes/s/versions/v",
                  "validated": true, "snapshot": {"baseModel": "m", "presetType": "FAST",
                  "parameterCount": "8000000000"}}], "totalSize": 1}"#,
        )
        .await;
        let body = MatchDeploymentShapeVersionsBody::new(CreateDeploymentRequest::new(
            "accounts/acct",
            Deployment::new("accounts/fireworks/models/m").enable_addons(true),
        ));
        let matched = client
            .deployment_shapes()
            .match_deployment_shape_versions(body)
            .await
            .unwrap();
        let request = only(&server);
        assert_eq!(
            request.request_line,
            "POST /v1/accounts/acct/deploymentShapeVersions:match HTTP/1.1"
        );
        assert_eq!(
            json_of(&request),
            json!({"createDeploymentRequest": {"parent": "accounts/acct",
                   "deployment": {"baseModel": "accounts/fireworks/models/m", "enableAddons": true}}})
        );
        let version = &matched.deployment_shape_versions.as_ref().unwrap()[0];
        assert_eq!(version.validated, Some(true));
        let shape = version.snapshot.as_ref().unwrap();
        assert_eq!(shape.parameter_count, Some(8_000_000_000));
        assert_eq!(shape.preset_type.as_ref().unwrap().as_str(), "FAST");

        let (server, client) = serve("{}").await;
        client
            .deployment_shapes()
            .get_deployment_shape_version("shape 1", "v/2")
            .await
            .unwrap();
        assert_eq!(
            only(&server).request_line,
            "GET /v1/accounts/acct/deploymentShapes/shape%201/versions/v%2F2 HTTP/1.1"
        );
    })
    .await;
}

#[tokio::test]
async fn create_batch_inference_job_takes_its_id_in_the_query() {
    use fireworks_ai::batch_inference::{BatchInferenceJob, BatchInferenceParameters};
    bounded(async {
        let (server, client) = serve(
            r#"{"name": "accounts/acct/batchInferenceJobs/job1", "state": "JOB_STATE_RUNNING",
                "jobProgress": {"percent": 40, "outputRows": 4, "futureCount": 2},
                "createTime": "2025-01-02T03:04:05Z"}"#,
        )
        .await;
        let job = client
            .batch_inference()
            .create_batch_inference_job(
                BatchInferenceJob::new()
                    .model("accounts/fireworks/models/m")
                    .input_dataset_id("accounts/acct/datasets/in")
                    .inference_parameters(
                        BatchInferenceParameters::new()
                            .max_tokens(16)
                            .extra_body(r#"{"stop": ["\n"]}"#),
                    ),
            )
            .batch_inference_job_id("job1")
            .await
            .unwrap();
        let request = only(&server);
        assert_eq!(
            request.request_line,
            "POST /v1/accounts/acct/batchInferenceJobs?batchInferenceJobId=job1 HTTP/1.1"
        );
        assert_eq!(
            json_of(&request),
            json!({"model": "accounts/fireworks/models/m",
                   "inputDatasetId": "accounts/acct/datasets/in",
                   "inferenceParameters": {"maxTokens": 16, "extraBody": "{\"stop\": [\"\\n\"]}"}})
        );
        assert_eq!(job.state, Some(JobState::JobStateRunning));
        let progress = job.job_progress.as_ref().unwrap();
        assert_eq!(progress.percent, Some(40));
        assert_eq!(progress.extra["futureCount"], 2);
    })
    .await;
}

#[tokio::test]
async fn fine_tuning_cancel_and_resume_send_the_empty_message() {
    bounded(async {
        let (server, client) = serve("{}").await;
        client
            .supervised_fine_tuning()
            .cancel_supervised_fine_tuning_job("sft1", Empty::new())
            .await
            .unwrap();
        let request = only(&server);
        assert_eq!(
            request.request_line,
            "POST /v1/accounts/acct/supervisedFineTuningJobs/sft1:cancel HTTP/1.1"
        );
        assert_eq!(json_of(&request), json!({}));

        let (server, client) = serve(
            r#"{"name": "accounts/acct/dpoJobs/dpo1", "dataset": "accounts/acct/datasets/d",
                "state": "JOB_STATE_WARMING_UP"}"#,
        )
        .await;
        let job = client
            .dpo()
            .resume_dpo_job("dpo1", Empty::new())
            .await
            .unwrap();
        assert_eq!(
            only(&server).request_line,
            "POST /v1/accounts/acct/dpoJobs/dpo1:resume HTTP/1.1"
        );
        assert_eq!(job.dataset, "accounts/acct/datasets/d");
        let state = job.state.unwrap();
        assert!(state.is_unknown());
        assert_eq!(state.as_str(), "JOB_STATE_WARMING_UP");
    })
    .await;
}

#[tokio::test]
async fn rlor_trainer_jobs_execute_a_train_step() {
    use fireworks_ai::reinforcement_fine_tuning::ExecuteRlorTrainStepBody;
    bounded(async {
        let (server, client) = serve("{}").await;
        client
            .reinforcement_fine_tuning()
            .execute_rlor_train_step(
                "r1",
                ExecuteRlorTrainStepBody::new("accounts/acct/datasets/d", "accounts/acct/models/o"),
            )
            .await
            .unwrap();
        let request = only(&server);
        assert_eq!(
            request.request_line,
            "POST /v1/accounts/acct/rlorTrainerJobs/r1:executeTrainStep HTTP/1.1"
        );
        assert_eq!(
            json_of(&request),
            json!({"dataset": "accounts/acct/datasets/d", "outputModel": "accounts/acct/models/o"})
        );
    })
    .await;
}

#[tokio::test]
async fn get_dpo_job_metrics_file_endpoint_returns_a_signed_url() {
    bounded(async {
        let (server, client) = serve(r#"{"signedUrl": "https://storage.test/m.jsonl"}"#).await;
        let endpoint = client
            .dpo()
            .get_dpo_job_metrics_file_endpoint("dpo1")
            .await
            .unwrap();
        assert_eq!(
            only(&server).request_line,
            "GET /v1/accounts/acct/dpoJobs/dpo1:getMetricsFileEndpoint HTTP/1.1"
        );
        assert_eq!(
            endpoint.signed_url.as_deref(),
            Some("https://storage.test/m.jsonl")
        );
    })
    .await;
}

#[tokio::test]
async fn create_evaluator_posts_to_evaluators_v2() {
    use fireworks_ai::evaluators::{CreateEvaluatorBody, Evaluator, EvaluatorState};
    bounded(async {
        let (server, client) = serve(
            r#"{"name": "accounts/acct/evaluators/ev1", "state": "BUILDING",
                "criteria": [{"name": "c", "type": "CODE_SNIPPETS",
                  "codeSnippets": {"language": "python", "fileContents": {"main.py": "x"}}}]}"#,
        )
        .await;
        let evaluator = client
            .evaluators()
            .create_evaluator(
                CreateEvaluatorBody::new(
                    Evaluator::new().display_name("Ev").entry_point("main.py"),
                )
                .evaluator_id("ev1"),
            )
            .await
            .unwrap();
        let request = only(&server);
        assert_eq!(
            request.request_line,
            "POST /v1/accounts/acct/evaluatorsV2 HTTP/1.1"
        );
        assert_eq!(
            json_of(&request),
            json!({"evaluator": {"displayName": "Ev", "entryPoint": "main.py"},
                   "evaluatorId": "ev1"})
        );
        assert_eq!(evaluator.state, Some(EvaluatorState::Building));
        let criterion = &evaluator.criteria.as_ref().unwrap()[0];
        let snippets = criterion.code_snippets.as_ref().unwrap();
        assert_eq!(snippets.file_contents.as_ref().unwrap()["main.py"], "x");
    })
    .await;
}

#[tokio::test]
async fn evaluation_job_log_endpoint_and_list() {
    bounded(async {
        let (server, client) = serve(
            r#"{"executionLogSignedUri": "https://storage.test/log", "contentType": "text/plain",
                "expireTime": "2025-01-02T04:04:05Z"}"#,
        )
        .await;
        let log = client
            .evaluation_jobs()
            .get_evaluation_job_execution_log_endpoint("ej1")
            .await
            .unwrap();
        assert_eq!(
            only(&server).request_line,
            "GET /v1/accounts/acct/evaluationJobs/ej1:getExecutionLogEndpoint HTTP/1.1"
        );
        assert_eq!(
            log.execution_log_signed_uri.as_deref(),
            Some("https://storage.test/log")
        );
        assert_eq!(
            log.expire_time.map(|t| t.to_string()).as_deref(),
            Some("2025-01-02T04:04:05Z")
        );

        let (server, client) = serve(
            r#"{"evaluationJobs": [{"name": "accounts/acct/evaluationJobs/ej1",
                  "evaluator": "accounts/acct/evaluators/ev1", "inputDataset": "i",
                  "outputDataset": "o", "metrics": {"score": 0.5},
                  "state": "JOB_STATE_COMPLETED"}], "nextPageToken": ""}"#,
        )
        .await;
        let page = client
            .evaluation_jobs()
            .list_evaluation_jobs()
            .page_size(1)
            .await
            .unwrap();
        assert_eq!(
            only(&server).request_line,
            "GET /v1/accounts/acct/evaluationJobs?pageSize=1 HTTP/1.1"
        );
        let job = &page.evaluation_jobs.as_ref().unwrap()[0];
        assert_eq!(job.output_dataset, "o");
        assert_eq!(job.state, Some(JobState::JobStateCompleted));
        assert_eq!(job.metrics.as_ref().unwrap()["score"], 0.5);
        assert_eq!(page.next_page_token.as_deref(), Some(""));
    })
    .await;
}

#[tokio::test]
async fn sensitive_fields_never_reach_debug_output() {
    use fireworks_ai::api_keys::{ApiKey, CreateApiKeyBody};
    use fireworks_ai::control::WandbConfig;
    use fireworks_ai::secrets::{Secret, UpdateSecretBody};
    bounded(async {
        let (server, client) =
            serve(r#"{"keyId": "k1", "displayName": "ci", "key": "fw_NEW_SECRET_KEY"}"#).await;
        let created = client
            .api_keys()
            .create_api_key(
                "u1",
                CreateApiKeyBody::new(ApiKey::new().display_name("ci")),
            )
            .await
            .unwrap();
        assert_eq!(
            only(&server).request_line,
            "POST /v1/accounts/acct/users/u1/apiKeys HTTP/1.1"
        );
        // The value is there for the caller ...
        assert_eq!(created.key.as_deref(), Some("fw_NEW_SECRET_KEY"));
        // ... and never in `Debug`, while the other fields still are.
        let shown = format!("{created:?}");
        assert!(!shown.contains("fw_NEW_SECRET_KEY"), "{shown}");
        assert!(shown.contains(r#"key: Some("[REDACTED]")"#), "{shown}");
        assert!(shown.contains(r#"key_id: Some("k1")"#), "{shown}");
        assert!(format!("{created:#?}").contains("[REDACTED]"));
        let unset = format!("{:?}", ApiKey::new());
        assert!(unset.contains("key: None"), "{unset}");

        let secret = Secret::new("HF_TOKEN", "accounts/acct/secrets/s1").value("hunter2");
        let update = UpdateSecretBody::new("HF_TOKEN").value("hunter3");
        let wandb = WandbConfig::new().api_key("wandb-key-1").project("p");
        let deployment = fireworks_ai::control::Deployment::new("accounts/fireworks/models/m")
            .direct_route_api_keys(["route-key-1".to_owned()]);
        for (shown, secret) in [
            (format!("{secret:?}"), "hunter2"),
            (format!("{update:?}"), "hunter3"),
            (format!("{wandb:?}"), "wandb-key-1"),
            (format!("{deployment:?}"), "route-key-1"),
        ] {
            assert!(!shown.contains(secret), "{shown}");
            assert!(shown.contains("[REDACTED]"), "{shown}");
        }
        // Serde still carries the secret to the server.
        assert_eq!(serde_json::to_value(&secret).unwrap()["value"], "hunter2");
    })
    .await;
}

/// A client for the scripted server on a fake clock, with exact (jitter-free) backoff.
fn waiting_client(
    server: &TestServer,
    clock: &std::sync::Arc<support::clock::FakeClock>,
) -> Client {
    Client::builder()
        .api_key("fw_KEY")
        .account_id("acct")
        .base_url(fireworks_ai::batch_inference::CONTROL, &server.url())
        .clock(clock.clone())
        .build()
        .unwrap()
}

#[tokio::test]
async fn wait_batch_inference_job_polls_until_completed_with_the_spec_policy() {
    use support::clock::{FakeClock, secs};
    bounded(async {
        let server = TestServer::sequence(vec![
            Reply::Respond(Resp::json(
                200,
                r#"{"name": "j", "state": "JOB_STATE_PENDING"}"#,
            )),
            Reply::Respond(Resp::json(
                200,
                r#"{"name": "j", "state": "JOB_STATE_SOMETHING_NEW"}"#,
            )),
            Reply::Respond(Resp::json(
                200,
                r#"{"name": "j", "state": "JOB_STATE_RUNNING"}"#,
            )),
            Reply::Respond(Resp::json(
                200,
                r#"{"name": "j", "state": "JOB_STATE_COMPLETED", "outputDatasetId": "out"}"#,
            )),
        ])
        .await;
        let clock = FakeClock::new();
        let client = waiting_client(&server, &clock);
        let mut seen = Vec::new();
        let job = client
            .batch_inference()
            .wait_batch_inference_job("j1")
            .on_progress(|job| seen.push(job.state.as_ref().unwrap().as_str().to_owned()))
            .await
            .unwrap();
        assert_eq!(job.output_dataset_id.as_deref(), Some("out"));
        assert_eq!(
            seen,
            [
                "JOB_STATE_PENDING",
                "JOB_STATE_SOMETHING_NEW",
                "JOB_STATE_RUNNING",
                "JOB_STATE_COMPLETED"
            ]
        );
        let requests = server.requests();
        assert_eq!(requests.len(), 4);
        assert!(
            requests
                .iter()
                .all(|r| r.request_line == "GET /v1/accounts/acct/batchInferenceJobs/j1 HTTP/1.1")
        );
        // The spec's policy (5 s, ×1.5, at most 60 s) with the runtime's ±20 % jitter.
        let sleeps = clock.sleeps();
        assert_eq!(sleeps.len(), 3, "{sleeps:?}");
        for (sleep, base) in sleeps.iter().zip([5.0, 7.5, 11.25]) {
            assert!(
                *sleep >= secs(base * 0.8) && *sleep <= secs(base * 1.2),
                "{sleeps:?}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn a_failed_state_ends_the_wait_with_the_jobs_status_message() {
    use fireworks_ai::{Error, WaitErrorKind, WaitPolicy};
    use futures_util::StreamExt;
    use support::clock::FakeClock;
    bounded(async {
        let server = TestServer::sequence(vec![
            Reply::Respond(Resp::json(
                200,
                r#"{"state": "READY_SOON", "baseModel": "m"}"#,
            )),
            Reply::Respond(Resp::json(
                200,
                r#"{"state": "FAILED", "baseModel": "m",
                    "status": {"code": "RESOURCE_EXHAUSTED", "message": "no H100 left"}}"#,
            )),
        ])
        .await;
        let clock = FakeClock::new();
        let client = waiting_client(&server, &clock);
        let mut states = client
            .deployments()
            .wait_deployment("d1")
            .policy(WaitPolicy::new().no_jitter())
            .into_stream();
        let first = states.next().await.unwrap().unwrap();
        assert!(first.state.as_ref().unwrap().is_unknown());
        let failed = states.next().await.unwrap().unwrap();
        assert_eq!(failed.state.as_ref().unwrap().as_str(), "FAILED");
        let err = states.next().await.unwrap().unwrap_err();
        let Error::Wait(wait) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(wait.kind(), WaitErrorKind::Failed);
        assert_eq!(wait.job_id(), "d1");
        assert_eq!(wait.last_status(), Some("FAILED"));
        assert_eq!(wait.last_message(), Some("no H100 left"));
        assert!(err.to_string().contains("no H100 left"), "{err}");
        assert!(states.next().await.is_none());
        assert_eq!(
            server.requests()[0].request_line,
            "GET /v1/accounts/acct/deployments/d1 HTTP/1.1"
        );
        // The caller's policy replaced the spec's (5 s first): the runtime default, no jitter.
        assert_eq!(clock.sleeps(), [std::time::Duration::from_secs(2)]);
    })
    .await;
}

#[tokio::test]
async fn create_and_wait_polls_the_created_job_in_the_create_account_until_completed() {
    use fireworks_ai::batch_inference::BatchInferenceJob;
    use fireworks_ai::{Error, WaitErrorKind, WaitPolicy};
    use support::clock::FakeClock;
    bounded(async {
        let server = TestServer::sequence(vec![
            Reply::Respond(Resp::json(
                200,
                r#"{"name": "accounts/team/batchInferenceJobs/job-9", "state": "JOB_STATE_CREATING"}"#,
            )),
            Reply::Respond(Resp::json(
                200,
                r#"{"name": "accounts/team/batchInferenceJobs/job-9", "state": "JOB_STATE_RUNNING"}"#,
            )),
            Reply::Respond(Resp::json(
                200,
                r#"{"name": "accounts/team/batchInferenceJobs/job-9", "state": "JOB_STATE_COMPLETED",
                    "outputDatasetId": "accounts/team/datasets/out"}"#,
            )),
        ])
        .await;
        let clock = FakeClock::new();
        let client = waiting_client(&server, &clock);
        let mut seen = Vec::new();
        let job = client
            .batch_inference()
            .create_batch_inference_job(BatchInferenceJob::new().model("m"))
            .account_id("team")
            .and_wait()
            .policy(WaitPolicy::new().no_jitter())
            .on_progress(|job| seen.push(job.state.as_ref().unwrap().as_str().to_owned()))
            .await
            .unwrap();
        assert_eq!(
            job.output_dataset_id.as_deref(),
            Some("accounts/team/datasets/out")
        );
        // The create's response is not a poll: progress sees the two polls only.
        assert_eq!(seen, ["JOB_STATE_RUNNING", "JOB_STATE_COMPLETED"]);
        let lines: Vec<String> = server
            .requests()
            .into_iter()
            .map(|r| r.request_line)
            .collect();
        assert_eq!(
            lines,
            [
                "POST /v1/accounts/team/batchInferenceJobs HTTP/1.1",
                // The id is the last segment of the created name; the account is the create's
                // override, not the client's `acct`.
                "GET /v1/accounts/team/batchInferenceJobs/job-9 HTTP/1.1",
                "GET /v1/accounts/team/batchInferenceJobs/job-9 HTTP/1.1",
            ]
        );
        assert_eq!(clock.sleeps(), [std::time::Duration::from_secs(2)]);

        // A create answer without a name cannot start the wait, and nothing is polled.
        let server = TestServer::sequence(vec![Reply::Respond(Resp::json(
            200,
            r#"{"state": "JOB_STATE_CREATING"}"#,
        ))])
        .await;
        let client = waiting_client(&server, &clock);
        let err = client
            .batch_inference()
            .create_batch_inference_job(BatchInferenceJob::new())
            .and_wait()
            .await
            .unwrap_err();
        let Error::Wait(wait) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(wait.kind(), WaitErrorKind::NoResult);
        assert_eq!(wait.job_id(), "name");
        assert_eq!(wait.polls(), 0);
        assert_eq!(server.requests().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn a_failed_create_ends_create_and_wait_with_its_own_error() {
    use futures_util::StreamExt;
    use support::clock::FakeClock;
    bounded(async {
        let server = TestServer::sequence(vec![Reply::Respond(Resp::json(
            400,
            r#"{"code": 3, "message": "bad base model", "details": []}"#,
        ))])
        .await;
        let clock = FakeClock::new();
        let client = waiting_client(&server, &clock);
        let items: Vec<_> = client
            .deployments()
            .create_deployment(Deployment::new("m"))
            .and_wait()
            .into_stream()
            .collect()
            .await;
        assert_eq!(items.len(), 1);
        let err = items.into_iter().next().unwrap().unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(400), "{err:?}");
        assert_eq!(server.requests().len(), 1);
        assert!(clock.sleeps().is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_status_builder_waits_with_its_own_parameters() {
    use fireworks_ai::WaitPolicy;
    use support::clock::FakeClock;
    bounded(async {
        let server = TestServer::sequence(vec![
            Reply::Respond(Resp::json(200, r#"{"state": "JOB_STATE_RUNNING"}"#)),
            Reply::Respond(Resp::json(200, r#"{"state": "JOB_STATE_COMPLETED"}"#)),
        ])
        .await;
        let clock = FakeClock::new();
        let client = waiting_client(&server, &clock);
        let job = client
            .batch_inference()
            .get_batch_inference_job("j1")
            .account_id("team")
            .read_mask("state")
            .wait()
            .policy(WaitPolicy::new().no_jitter())
            .await
            .unwrap();
        assert_eq!(job.state, Some(JobState::JobStateCompleted));
        let lines: Vec<String> = server
            .requests()
            .into_iter()
            .map(|r| r.request_line)
            .collect();
        assert_eq!(
            lines,
            ["GET /v1/accounts/team/batchInferenceJobs/j1?readMask=state HTTP/1.1"; 2]
        );
    })
    .await;
}
