//! Runs a batch inference job end to end: creates a dataset, uploads a JSONL file of chat
//! requests, starts a batch inference job on it, waits with progress, and fetches the output
//! dataset's download location (and its first result line).
//!
//! `cargo run --example batch_inference` runs offline against the bundled emulator when
//! `FIREWORKS_API_KEY` is unset, and against the real API otherwise (then `FIREWORKS_ACCOUNT_ID`
//! names the account; `--model accounts/fireworks/models/...` picks the model). Against the real
//! API it creates a dataset and a job named `rs-batch-<unix time>` and leaves them in place.

use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fireworks_ai::batch_inference::{BatchInferenceJob, BatchInferenceParameters};
use fireworks_ai::control::Empty;
use fireworks_ai::datasets::{
    CONTROL, CreateDatasetBody, Dataset, DatasetFormat, UploadDatasetForm,
};
use fireworks_ai::{Client, FileInput, WaitPolicy};
use fireworks_ai_emulator::Emulator;

/// Any error, for printing.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The model used unless `--model` names another.
const DEFAULT_MODEL: &str = "accounts/fireworks/models/llama-v3p1-8b-instruct";

/// The help text.
const USAGE: &str = "usage: batch_inference [--model <model>]
  Without FIREWORKS_API_KEY it runs against the bundled emulator.";

/// The batch input: one chat request per line, each with its `custom_id`.
const INPUT: &str = concat!(
    r#"{"custom_id": "sky", "body": {"messages": [{"role": "user", "content": "Why is the sky blue?"}]}}"#,
    "\n",
    r#"{"custom_id": "sea", "body": {"messages": [{"role": "user", "content": "Why is the sea salty?"}]}}"#,
    "\n",
    r#"{"custom_id": "ice", "body": {"messages": [{"role": "user", "content": "Why does ice float?"}]}}"#,
    "\n",
);

/// The whole flow; `policy` replaces the spec's waiting policy (the emulator needs no 5 s
/// first delay).
async fn run(client: &Client, model: &str, policy: Option<WaitPolicy>) -> Result<(), BoxError> {
    let account = client
        .account_id()
        .ok_or("set FIREWORKS_ACCOUNT_ID to the account that owns the dataset and the job")?
        .to_owned();
    let stamp = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let dataset_id = format!("rs-batch-{stamp}-input");
    let job_id = format!("rs-batch-{stamp}");

    let datasets = client.datasets();
    let dataset = Dataset::new()
        .display_name("batch_inference example input")
        .format(DatasetFormat::Chat)
        .user_uploaded(Empty::new());
    datasets
        .create_dataset(CreateDatasetBody::new(dataset, &dataset_id))
        .send()
        .await?;
    let file = FileInput::from_bytes(INPUT.as_bytes(), "input.jsonl");
    let uploaded = datasets
        .upload_dataset(&dataset_id, UploadDatasetForm::new(file))
        .send()
        .await?;
    eprintln!(
        "uploaded {} ({} bytes) to dataset {dataset_id}",
        uploaded.filename.as_deref().unwrap_or("input.jsonl"),
        uploaded.bytes.unwrap_or_default()
    );
    let mut ready = datasets.wait_dataset(&dataset_id);
    if let Some(policy) = &policy {
        ready = ready.policy(policy.clone());
    }
    let ready = ready.await?;
    eprintln!(
        "dataset ready: {} examples",
        ready.example_count.unwrap_or_default()
    );

    let jobs = client.batch_inference();
    let job = BatchInferenceJob::new()
        .display_name("batch_inference example")
        .model(model)
        .input_dataset_id(format!("accounts/{account}/datasets/{dataset_id}"))
        .inference_parameters(BatchInferenceParameters::new().max_tokens(128));
    let created = jobs
        .create_batch_inference_job(job)
        .batch_inference_job_id(&job_id)
        .send()
        .await?;
    eprintln!(
        "started {}",
        created.name.as_deref().unwrap_or(job_id.as_str())
    );
    let mut wait = jobs
        .wait_batch_inference_job(&job_id)
        .on_progress(|job: &BatchInferenceJob| {
            let state = job.state.as_ref().map_or("?", |state| state.as_str());
            let percent = job
                .job_progress
                .as_ref()
                .and_then(|progress| progress.percent);
            match percent {
                Some(percent) => eprintln!("  {state} ({percent}%)"),
                None => eprintln!("  {state}"),
            }
        });
    if let Some(policy) = policy {
        wait = wait.policy(policy);
    }
    let done = wait.await?;

    let output = done
        .output_dataset_id
        .ok_or("the completed job names no output dataset")?;
    println!("output dataset: {output}");
    let output_id = output.rsplit('/').next().unwrap_or(&output);
    let urls = datasets
        .get_dataset_download_endpoint(output_id)
        .send()
        .await?
        .filename_to_signed_urls
        .unwrap_or_default();
    for (file, url) in &urls {
        println!("  {file}: {url}");
    }
    if let Some((file, url)) = urls.iter().next() {
        let text = reqwest::get(url).await?.error_for_status()?.text().await?;
        let first = text.lines().next().unwrap_or("");
        println!("first line of {file}: {first}");
    }
    Ok(())
}

async fn start(model: &str, key: Option<&str>) -> Result<(), BoxError> {
    if key.is_some() {
        let client = Client::from_env()?;
        return run(&client, model, None).await;
    }
    let emulator = Emulator::builder()
        .account_id("example-account")
        .job_polls(4)
        .start()
        .await?;
    eprintln!(
        "FIREWORKS_API_KEY is not set: using the bundled emulator at {}",
        emulator.base_url()
    );
    let client = Client::builder()
        .api_key("emulator-key")
        .account_id("example-account")
        .base_url(CONTROL, emulator.base_url())
        .build()?;
    let policy = WaitPolicy::new()
        .first_delay(Duration::from_millis(50))
        .max_delay(Duration::from_millis(200));
    let result = run(&client, model, Some(policy)).await;
    emulator.shutdown().await;
    result
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut model = DEFAULT_MODEL.to_owned();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--model" => match args.next() {
                Some(value) => model = value,
                None => {
                    eprintln!("--model needs a value\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
            "-h" | "--help" => {
                eprintln!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("unknown argument `{other}`\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let key = std::env::var("FIREWORKS_API_KEY").ok();
    match start(&model, key.as_deref()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
