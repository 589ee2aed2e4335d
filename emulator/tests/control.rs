//! The control plane served from the spec, driven by the generated `fireworks_ai` client (and
//! plain reqwest where the wire itself is the point): create, get, list across pages, update
//! with and without a mask, delete and undelete, custom verbs, job progress to a terminal state
//! through the generated waiter, the dataset upload flows and grpc-gateway errors.

// Test helpers outside `#[test]` functions are not covered by clippy's allow-*-in-tests settings.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use fireworks_ai::batch_inference::BatchInferenceJob;
use fireworks_ai::control::{Empty, JobState};
use fireworks_ai::datasets::{
    CreateDatasetBody, Dataset, DatasetState, GetDatasetUploadEndpointBody, UploadDatasetForm,
};
use fireworks_ai::deployments::ScaleDeploymentBody;
use fireworks_ai::{Client, Error, FileInput, WaitPolicy};
use fireworks_ai_emulator::{Emulator, FAIL_DISPLAY_NAME_PREFIX, RunningEmulator};
use futures_util::TryStreamExt;
use serde_json::{Value, json};
use support::http;

const ACCOUNT: &str = "acct";

fn client(emulator: &RunningEmulator) -> Client {
    Client::builder()
        .api_key("fw_KEY")
        .account_id(ACCOUNT)
        .base_url(fireworks_ai::datasets::CONTROL, emulator.base_url())
        .build()
        .unwrap()
}

/// A waiter policy that polls at once, so tests take milliseconds.
fn fast() -> WaitPolicy {
    WaitPolicy::new()
        .first_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(5))
}

fn status_code(error: &Error) -> Option<u16> {
    match error {
        Error::Status(status) => Some(status.status().as_u16()),
        _ => None,
    }
}

/// A raw control-plane call: status and JSON body.
async fn raw(
    emulator: &RunningEmulator,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = http()
        .request(method, format!("{}{path}", emulator.base_url()))
        .header("Authorization", "Bearer k");
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn every_control_operation_of_the_spec_is_served() {
    let emulator = Emulator::builder().start().await.unwrap();
    let ops = emulator.control_operations();
    for id in [
        "list_accounts",
        "create_dataset",
        "upload_dataset",
        "delete_api_key",
        "scale_deployment",
        "create_evaluator",
        "execute_rlor_train_step",
        "match_deployment_shape_versions",
    ] {
        assert!(ops.iter().any(|op| op == id), "{id} in {ops:?}");
    }
    assert!(ops.len() >= 93, "{ops:?}");
    // The inference host's `/v1/models` is not a control-plane route.
    assert!(!ops.iter().any(|op| op == "list_models"));
}

#[tokio::test]
async fn create_get_list_update_and_delete_a_dataset() {
    let emulator = Emulator::builder().start().await.unwrap();
    let client = client(&emulator);
    let datasets = client.datasets();
    let created = datasets
        .create_dataset(CreateDatasetBody::new(
            Dataset::new()
                .display_name("First")
                .user_uploaded(Empty::new()),
            "ds-1",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(created.name.as_deref(), Some("accounts/acct/datasets/ds-1"));
    assert_eq!(created.state, Some(DatasetState::Uploading));
    assert!(created.create_time.is_some());
    assert_eq!(created.create_time, created.update_time);
    for id in ["ds-3", "ds-2", "ds-4"] {
        datasets
            .create_dataset(CreateDatasetBody::new(Dataset::new(), id))
            .send()
            .await
            .unwrap();
    }
    let got = datasets.get_dataset("ds-1").send().await.unwrap();
    assert_eq!(got.display_name.as_deref(), Some("First"));

    // Pages of two, in id order, with a real token and the total.
    let first = datasets.list_datasets().page_size(2).send().await.unwrap();
    let names: Vec<_> = first
        .datasets
        .iter()
        .flatten()
        .map(|d| d.name.clone().unwrap())
        .collect();
    assert_eq!(
        names,
        ["accounts/acct/datasets/ds-1", "accounts/acct/datasets/ds-2"]
    );
    assert_eq!(first.total_size, Some(4));
    assert!(first.next_page_token.is_some());
    let all: Vec<Dataset> = datasets
        .list_datasets()
        .page_size(2)
        .items()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<_> = all
        .iter()
        .map(|d| d.name.as_deref().unwrap().rsplit('/').next().unwrap())
        .collect();
    assert_eq!(ids, ["ds-1", "ds-2", "ds-3", "ds-4"]);

    // No mask: the fields sent are merged, the rest kept.
    let updated = datasets
        .update_dataset("ds-1", Dataset::new().display_name("Renamed"))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.display_name.as_deref(), Some("Renamed"));
    assert_eq!(updated.user_uploaded, Some(Empty::new()));
    assert_eq!(updated.name.as_deref(), Some("accounts/acct/datasets/ds-1"));

    datasets.delete_dataset("ds-2").send().await.unwrap();
    let gone = datasets.get_dataset("ds-2").send().await.unwrap_err();
    assert_eq!(status_code(&gone), Some(404));
    let Error::Status(status) = &gone else {
        panic!("{gone:?}")
    };
    assert_eq!(status.code(), Some("NOT_FOUND"));
    let left = datasets.list_datasets().send().await.unwrap();
    assert_eq!(left.total_size, Some(3));
}

#[tokio::test]
async fn an_update_mask_sets_or_clears_exactly_the_paths_it_names() {
    let emulator = Emulator::builder().start().await.unwrap();
    let path = "/v1/accounts/acct/datasets";
    let body = json!({"datasetId": "d", "dataset": {"displayName": "a", "externalUrl": "gs://x", "format": "CHAT"}});
    assert_eq!(
        raw(&emulator, reqwest::Method::POST, path, Some(body))
            .await
            .0,
        200
    );
    let (status, updated) = raw(
        &emulator,
        reqwest::Method::PATCH,
        &format!("{path}/d?updateMask=displayName,externalUrl"),
        Some(json!({"displayName": "b", "format": "COMPLETION"})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(updated["displayName"], "b");
    assert_eq!(updated["format"], "CHAT", "not in the mask");
    assert!(
        updated.get("externalUrl").is_none(),
        "masked and absent: cleared"
    );
    let (status, error) = raw(
        &emulator,
        reqwest::Method::PATCH,
        &format!("{path}/d?updateMask=noSuchField"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(error["code"], 3);
}

#[tokio::test]
async fn errors_have_the_grpc_gateway_shape_and_codes() {
    let emulator = Emulator::builder().api_key("k").start().await.unwrap();
    let path = "/v1/accounts/acct/datasets";
    let create = json!({"datasetId": "dup", "dataset": {}});
    assert_eq!(
        raw(&emulator, reqwest::Method::POST, path, Some(create.clone()))
            .await
            .0,
        200
    );
    let (status, body) = raw(&emulator, reqwest::Method::POST, path, Some(create)).await;
    assert_eq!((status, &body["code"]), (409, &json!(6)), "{body}");
    assert_eq!(
        body["message"],
        "dataset \"accounts/acct/datasets/dup\" already exists"
    );
    assert_eq!(body["details"], json!([]));
    let (status, body) = raw(
        &emulator,
        reqwest::Method::GET,
        &format!("{path}/nope"),
        None,
    )
    .await;
    assert_eq!((status, &body["code"]), (404, &json!(5)));
    let (status, body) = raw(
        &emulator,
        reqwest::Method::POST,
        path,
        Some(json!({"datasetId": "Bad_Id", "dataset": {}})),
    )
    .await;
    assert_eq!((status, &body["code"]), (400, &json!(3)));
    let (status, body) = raw(
        &emulator,
        reqwest::Method::POST,
        path,
        Some(json!({"dataset": {}})),
    )
    .await;
    assert_eq!(
        (status, &body["code"]),
        (400, &json!(3)),
        "datasetId is required"
    );
    let (status, body) = raw(
        &emulator,
        reqwest::Method::POST,
        path,
        Some(json!({"datasetId": 7, "dataset": {}})),
    )
    .await;
    assert_eq!((status, &body["code"]), (400, &json!(3)), "{body}");
    let response = http()
        .get(format!("{}{path}", emulator.base_url()))
        .header("Authorization", "Bearer wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], 16);
    let (status, body) = raw(
        &emulator,
        reqwest::Method::GET,
        &format!("{path}?filter=x"),
        None,
    )
    .await;
    assert_eq!(
        (status, &body["code"]),
        (400, &json!(3)),
        "filters are refused, not ignored"
    );
}

#[tokio::test]
async fn a_batch_inference_job_runs_to_completion_and_writes_its_output_dataset() {
    let emulator = Emulator::builder().job_polls(3).start().await.unwrap();
    let client = client(&emulator);
    let datasets = client.datasets();
    datasets
        .create_dataset(CreateDatasetBody::new(
            Dataset::new().user_uploaded(Empty::new()),
            "input",
        ))
        .send()
        .await
        .unwrap();
    let lines = "{\"custom_id\":\"a\",\"body\":{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}\n\
                 {\"custom_id\":\"b\",\"body\":{\"messages\":[{\"role\":\"user\",\"content\":\"yo\"}]}}\n";
    let uploaded = datasets
        .upload_dataset(
            "input",
            UploadDatasetForm::new(FileInput::from_bytes(lines.as_bytes().to_vec(), "in.jsonl")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.filename.as_deref(), Some("in.jsonl"));
    let input = datasets.get_dataset("input").send().await.unwrap();
    assert_eq!(input.state, Some(DatasetState::Ready));
    assert_eq!(input.example_count, Some(2));

    let jobs = client.batch_inference();
    let job = jobs
        .create_batch_inference_job(
            BatchInferenceJob::new()
                .model("accounts/fireworks/models/llama-v3p1-8b-instruct")
                .input_dataset_id("accounts/acct/datasets/input"),
        )
        .batch_inference_job_id("job-1")
        .send()
        .await
        .unwrap();
    assert_eq!(job.state, Some(JobState::JobStatePending));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    let done = jobs
        .wait_batch_inference_job("job-1")
        .policy(fast())
        .on_progress(move |job: &BatchInferenceJob| {
            record.lock().unwrap().push(job.state.clone());
        })
        .await
        .unwrap();
    assert_eq!(done.state, Some(JobState::JobStateCompleted));
    assert_eq!(
        *seen.lock().unwrap(),
        [
            Some(JobState::JobStateRunning),
            Some(JobState::JobStateRunning),
            Some(JobState::JobStateCompleted)
        ]
    );
    let output = done.output_dataset_id.unwrap();
    assert_eq!(output, "accounts/acct/datasets/job-1-output");
    let urls = datasets
        .get_dataset_download_endpoint("job-1-output")
        .send()
        .await
        .unwrap()
        .filename_to_signed_urls
        .unwrap();
    let url = &urls["results.jsonl"];
    let results = http().get(url).send().await.unwrap().text().await.unwrap();
    let lines: Vec<Value> = results
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["custom_id"], "b");
    assert_eq!(
        lines[1]["response"]["choices"][0]["message"]["content"],
        "echo: yo"
    );
}

#[tokio::test]
async fn a_job_seeded_to_fail_ends_the_wait_with_its_status_message() {
    let emulator = Emulator::builder().job_polls(1).start().await.unwrap();
    let client = client(&emulator);
    let jobs = client.batch_inference();
    let created = jobs
        .create_batch_inference_job(
            BatchInferenceJob::new().display_name(format!("{FAIL_DISPLAY_NAME_PREFIX} please")),
        )
        .send()
        .await
        .unwrap();
    let id = created.name.unwrap().rsplit('/').next().unwrap().to_owned();
    let error = jobs
        .wait_batch_inference_job(&id)
        .policy(fast())
        .await
        .unwrap_err();
    let shown = error.to_string();
    assert!(shown.contains("JOB_STATE_FAILED"), "{shown}");
    assert!(shown.contains("failed this job on purpose"), "{shown}");
}

#[tokio::test]
async fn cancel_resume_scale_and_undelete_change_state() {
    let emulator = Emulator::builder().job_polls(5).start().await.unwrap();
    let client = client(&emulator);
    let sft = client.supervised_fine_tuning();
    let job = sft
        .create_supervised_fine_tuning_job(
            fireworks_ai::supervised_fine_tuning::SupervisedFineTuningJob::new("ds"),
        )
        .supervised_fine_tuning_job_id("sft-1")
        .send()
        .await
        .unwrap();
    assert_eq!(job.state, Some(JobState::JobStatePending));
    sft.cancel_supervised_fine_tuning_job("sft-1", Empty::new())
        .send()
        .await
        .unwrap();
    let cancelled = sft
        .get_supervised_fine_tuning_job("sft-1")
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.state, Some(JobState::JobStateCancelled));
    let again = sft
        .get_supervised_fine_tuning_job("sft-1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.state,
        Some(JobState::JobStateCancelled),
        "a cancelled job stays"
    );
    sft.resume_supervised_fine_tuning_job("sft-1", Empty::new())
        .send()
        .await
        .unwrap();
    let resumed = sft
        .get_supervised_fine_tuning_job("sft-1")
        .send()
        .await
        .unwrap();
    assert_eq!(resumed.state, Some(JobState::JobStateRunning));

    let (status, deployment) = raw(
        &emulator,
        reqwest::Method::POST,
        "/v1/accounts/acct/deployments?deploymentId=dep",
        Some(json!({"baseModel": "accounts/fireworks/models/llama-v3p1-8b-instruct"})),
    )
    .await;
    assert_eq!(status, 200, "{deployment}");
    assert_eq!(deployment["state"], "CREATING");
    let deployments = client.deployments();
    let scaled = deployments
        .scale_deployment("dep", ScaleDeploymentBody::new().replica_count(3))
        .send()
        .await
        .unwrap();
    let (_, got) = raw(
        &emulator,
        reqwest::Method::GET,
        "/v1/accounts/acct/deployments/dep",
        None,
    )
    .await;
    assert_eq!(got["replicaCount"], 3, "{scaled:?}");
    deployments.delete_deployment("dep").send().await.unwrap();
    assert_eq!(
        raw(
            &emulator,
            reqwest::Method::GET,
            "/v1/accounts/acct/deployments/dep",
            None
        )
        .await
        .0,
        404
    );
    deployments
        .undelete_deployment("dep", Empty::new())
        .send()
        .await
        .unwrap();
    let back = deployments.get_deployment("dep").send().await.unwrap();
    assert_eq!(
        back.base_model,
        "accounts/fireworks/models/llama-v3p1-8b-instruct"
    );
}

#[tokio::test]
async fn the_signed_url_upload_flow_makes_a_dataset_ready() {
    let emulator = Emulator::builder().start().await.unwrap();
    let client = client(&emulator);
    let datasets = client.datasets();
    datasets
        .create_dataset(CreateDatasetBody::new(
            Dataset::new().user_uploaded(Empty::new()),
            "big",
        ))
        .send()
        .await
        .unwrap();
    let data = "{\"messages\":[]}\n".repeat(3);
    let mut sizes = std::collections::BTreeMap::new();
    sizes.insert("train.jsonl".to_owned(), data.len().to_string());
    let urls = datasets
        .get_dataset_upload_endpoint("big", GetDatasetUploadEndpointBody::new(sizes))
        .send()
        .await
        .unwrap()
        .filename_to_signed_urls
        .unwrap();
    let url = &urls["train.jsonl"];
    assert!(url.starts_with(emulator.base_url()), "{url}");
    // Validating before the PUT is refused.
    let early = datasets
        .validate_dataset_upload("big", Empty::new())
        .send()
        .await
        .unwrap_err();
    assert_eq!(status_code(&early), Some(400));
    // A signed URL takes no key; a wrong size is refused.
    let wrong = http().put(url).body("short").send().await.unwrap();
    assert_eq!(wrong.status().as_u16(), 403);
    let put = http()
        .put(url)
        .header("Content-Type", "application/octet-stream")
        .body(data.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(put.status().as_u16(), 200);
    datasets
        .validate_dataset_upload("big", Empty::new())
        .send()
        .await
        .unwrap();
    let ready = datasets.get_dataset("big").send().await.unwrap();
    assert_eq!(ready.state, Some(DatasetState::Ready));
    assert_eq!(ready.example_count, Some(3));
    let download = datasets
        .get_dataset_download_endpoint("big")
        .send()
        .await
        .unwrap()
        .filename_to_signed_urls
        .unwrap();
    let body = http()
        .get(&download["train.jsonl"])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(body, data);
}

#[tokio::test]
async fn api_keys_show_their_secret_once_and_delete_by_key_id() {
    let emulator = Emulator::builder().start().await.unwrap();
    let client = client(&emulator);
    let keys = client.api_keys();
    let created = keys
        .create_api_key(
            "me",
            fireworks_ai::api_keys::CreateApiKeyBody::new(
                fireworks_ai::api_keys::ApiKey::new().display_name("ci"),
            ),
        )
        .send()
        .await
        .unwrap();
    let key_id = created.key_id.clone().unwrap();
    assert!(created.key.is_some());
    let listed = keys.list_api_keys("me").send().await.unwrap();
    let stored = &listed.api_keys.unwrap()[0];
    assert_eq!(stored.key_id.as_deref(), Some(key_id.as_str()));
    assert!(stored.key.is_none(), "the secret is shown only on creation");
    keys.delete_api_key("me", fireworks_ai::api_keys::DeleteApiKeyBody::new(&key_id))
        .send()
        .await
        .unwrap();
    let again = keys
        .delete_api_key("me", fireworks_ai::api_keys::DeleteApiKeyBody::new(&key_id))
        .send()
        .await
        .unwrap_err();
    assert_eq!(status_code(&again), Some(404));
}

#[tokio::test]
async fn accounts_and_created_models_share_the_model_routes() {
    let emulator = Emulator::builder()
        .account_id("acct")
        .start()
        .await
        .unwrap();
    let client = client(&emulator);
    let accounts = client.accounts().list_accounts().send().await.unwrap();
    let names: Vec<_> = accounts
        .accounts
        .unwrap()
        .into_iter()
        .filter_map(|a| a.name)
        .collect();
    assert_eq!(names, ["accounts/acct", "accounts/fireworks"]);
    let account = client.accounts().get_account().send().await.unwrap();
    assert_eq!(account.name.as_deref(), Some("accounts/acct"));
    let (status, model) = raw(
        &emulator,
        reqwest::Method::POST,
        "/v1/accounts/acct/models",
        Some(json!({"modelId": "mine", "model": {"displayName": "Mine"}})),
    )
    .await;
    assert_eq!(status, 200, "{model}");
    assert_eq!(model["state"], "UPLOADING");
    let got = client.models().get_model("mine").send().await.unwrap();
    assert_eq!(got.display_name.as_deref(), Some("Mine"));
}

#[tokio::test]
async fn the_resource_waiters_see_uploads_finish_or_a_build_fail() {
    let emulator = Emulator::builder().start().await.unwrap();
    let client = client(&emulator);
    let datasets = client.datasets();
    datasets
        .create_dataset(CreateDatasetBody::new(Dataset::new(), "w"))
        .send()
        .await
        .unwrap();
    datasets
        .upload_dataset(
            "w",
            UploadDatasetForm::new(FileInput::from_bytes(&b"{}\n"[..], "w.jsonl")),
        )
        .send()
        .await
        .unwrap();
    let ready = datasets.wait_dataset("w").policy(fast()).await.unwrap();
    assert_eq!(ready.state, Some(DatasetState::Ready));

    let evaluators = client.evaluators();
    let (status, created) = raw(
        &emulator,
        reqwest::Method::POST,
        "/v1/accounts/acct/evaluatorsV2",
        Some(json!({"evaluatorId": "ev", "evaluator": {"displayName": format!("{FAIL_DISPLAY_NAME_PREFIX} build")}})),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["name"], "accounts/acct/evaluators/ev");
    assert_eq!(created["state"], "BUILDING");
    let (_, urls) = raw(
        &emulator,
        reqwest::Method::POST,
        "/v1/accounts/acct/evaluators/ev:getUploadEndpoint",
        Some(json!({"filenameToSize": {"main.py": "2"}})),
    )
    .await;
    let url = urls["filenameToSignedUrls"]["main.py"].as_str().unwrap();
    assert_eq!(
        http().put(url).body("ok").send().await.unwrap().status(),
        200
    );
    evaluators
        .validate_evaluator_upload("ev", Empty::new())
        .send()
        .await
        .unwrap();
    let error = evaluators
        .wait_evaluator("ev")
        .policy(fast())
        .await
        .unwrap_err();
    let shown = error.to_string();
    assert!(shown.contains("BUILD_FAILED"), "{shown}");
    assert!(shown.contains("failed this build on purpose"), "{shown}");
}

#[tokio::test]
async fn log_endpoints_point_at_a_file_the_emulator_serves() {
    let emulator = Emulator::builder().start().await.unwrap();
    let client = client(&emulator);
    let (status, created) = raw(
        &emulator,
        reqwest::Method::POST,
        "/v1/accounts/acct/evaluationJobs",
        Some(json!({"evaluationJobId": "ej", "evaluationJob": {"evaluator": "accounts/acct/evaluators/e",
            "inputDataset": "accounts/acct/datasets/d", "outputDataset": "accounts/acct/datasets/o"}})),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let log = client
        .evaluation_jobs()
        .get_evaluation_job_execution_log_endpoint("ej")
        .send()
        .await
        .unwrap();
    assert_eq!(log.content_type.as_deref(), Some("text/plain"));
    let url = log.execution_log_signed_uri.unwrap();
    let text = http().get(&url).send().await.unwrap().text().await.unwrap();
    assert!(text.contains("accounts/acct/evaluationJobs/ej"), "{text}");
    let missing = client
        .evaluation_jobs()
        .get_evaluation_job_execution_log_endpoint("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(status_code(&missing), Some(404));
}

/// A PATCH through the generated client sends the fields it set as the mask, so the emulator
/// leaves every other field alone; an explicit mask clears a listed field the body leaves out.
#[tokio::test]
async fn generated_updates_send_the_set_fields_as_the_mask_and_names_give_ids() {
    let emulator = Emulator::builder().start().await.unwrap();
    let client = client(&emulator);
    let datasets = client.datasets();
    let created = datasets
        .create_dataset(CreateDatasetBody::new(
            Dataset::new()
                .display_name("a")
                .external_url("gs://x")
                .user_uploaded(Empty::new()),
            "d",
        ))
        .send()
        .await
        .unwrap();
    // The created resource's name gives the ids the next call takes.
    let name: fireworks_ai::ResourceName = created.name.as_deref().unwrap().parse().unwrap();
    assert_eq!(name.to_string(), "accounts/acct/datasets/d");
    let got = datasets
        .get_dataset(name.id())
        .account_id(name.account_id().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(got.display_name.as_deref(), Some("a"));
    let updated = datasets
        .update_dataset("d", Dataset::new().display_name("b"))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.display_name.as_deref(), Some("b"));
    assert_eq!(
        updated.external_url.as_deref(),
        Some("gs://x"),
        "not set, so not in the mask"
    );
    let cleared = datasets
        .update_dataset("d", Dataset::new().display_name("c"))
        .update_mask("displayName,externalUrl")
        .send()
        .await
        .unwrap();
    assert_eq!(cleared.display_name.as_deref(), Some("c"));
    assert_eq!(cleared.external_url, None, "in the explicit mask, absent");
}
