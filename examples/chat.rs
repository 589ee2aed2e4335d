//! Streams a chat reply token by token to stdout.
//!
//! `cargo run --example chat -- "Why is the sky blue?"` runs offline against the bundled
//! emulator when `FIREWORKS_API_KEY` is unset, and against the real API otherwise
//! (`--model accounts/fireworks/models/...` picks the model).

use std::process::ExitCode;

use fireworks_ai::Client;
use fireworks_ai::inference::{
    ChatCompletionRequest, ChatMessage, INFERENCE, MessageContent, SystemMessage, UserMessage,
};
use fireworks_ai_emulator::Emulator;
use futures_util::StreamExt as _;

/// Any error, for printing.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The model used unless `--model` names another.
const DEFAULT_MODEL: &str = "accounts/fireworks/models/llama-v3p1-8b-instruct";

/// The help text.
const USAGE: &str = "usage: chat [--model <model>] [<prompt>]
  Without FIREWORKS_API_KEY it runs against the bundled emulator.";

/// Streams the reply to `prompt`, writing each token to `out` as it arrives.
async fn chat(
    client: &Client,
    model: &str,
    prompt: &str,
    out: &mut dyn std::io::Write,
) -> Result<(), BoxError> {
    let request = ChatCompletionRequest::new(
        model,
        vec![
            ChatMessage::System(SystemMessage::new("Answer in one short paragraph.")),
            ChatMessage::User(UserMessage::new(prompt)),
        ],
    )
    .max_tokens(200);
    let mut stream = client
        .inference()
        .create_chat_completion(request)
        .stream()
        .await?;
    while let Some(chunk) = stream.next().await {
        for choice in chunk?.choices {
            if let Some(MessageContent::Text(token)) = choice.delta.content {
                out.write_all(token.as_bytes())?;
                out.flush()?;
            }
        }
    }
    writeln!(out)?;
    Ok(())
}

async fn run(model: &str, prompt: &str, key: Option<&str>) -> Result<(), BoxError> {
    let mut stdout = std::io::stdout();
    if key.is_some() {
        let client = Client::from_env()?;
        return chat(&client, model, prompt, &mut stdout).await;
    }
    let emulator = Emulator::builder().start().await?;
    eprintln!(
        "FIREWORKS_API_KEY is not set: using the bundled emulator at {}",
        emulator.base_url()
    );
    let client = Client::builder()
        .api_key("emulator-key")
        .base_url(INFERENCE, &format!("{}/inference", emulator.base_url()))
        .build()?;
    let result = chat(&client, model, prompt, &mut stdout).await;
    emulator.shutdown().await;
    result
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut model = DEFAULT_MODEL.to_owned();
    let mut prompt = None;
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
            _ => prompt = Some(arg),
        }
    }
    let prompt = prompt.unwrap_or_else(|| "Say hello in five words.".to_owned());
    let key = std::env::var("FIREWORKS_API_KEY").ok();
    match run(&model, &prompt, key.as_deref()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
