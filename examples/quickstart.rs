//! The README's first command: submit audio for batch transcription, wait with visible
//! progress, print the transcript. `cargo run --example quickstart` runs offline against the
//! bundled emulator with a generated WAV; with `FIREWORKS_API_KEY` set, pass a file:
//! `cargo run --example quickstart -- talk.wav [--model whisper-v3-turbo] [--format text]`.

// The workspace's WAV writer (test-support, a dev-dependency), so no audio file is committed.
use fireworks_ai_test_support::wav;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use fireworks_ai::audio::{
    AudioModel, ResponseFormat, TimestampGranularity, TranscriptionOutput, TranscriptionRequest,
};
use fireworks_ai::audio_batch::AUDIO_BATCH;
use fireworks_ai::{Client, FileInput, WaitPolicy};
use fireworks_ai_emulator::{Completion, Emulator};

/// The help text.
pub const USAGE: &str = "usage: quickstart [<audio file>] [--model whisper-v3|whisper-v3-turbo] [--format json|verbose_json|text|srt|vtt]
  Without FIREWORKS_API_KEY it runs against the bundled emulator (a generated WAV if no file is given).";

/// Seconds of tone in the generated WAV.
const DEMO_SECONDS: u32 = 3;

/// Any error, for printing.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Command-line options.
#[derive(Debug, Clone, PartialEq)]
pub struct Args {
    /// Audio to transcribe; required with `FIREWORKS_API_KEY`.
    pub file: Option<PathBuf>,
    /// Model (`--model`, default `whisper-v3`).
    pub model: AudioModel,
    /// Response format (`--format`, default `verbose_json` with word timestamps).
    pub format: ResponseFormat,
}

impl Default for Args {
    fn default() -> Self {
        Self {
            file: None,
            model: AudioModel::WhisperV3,
            format: ResponseFormat::VerboseJson,
        }
    }
}

/// Parses the arguments after the program name.
///
/// # Errors
/// A message for the user when an argument is unknown or a value is missing or invalid.
pub fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args::default();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--model" => {
                let value = args.next().ok_or("--model needs a value")?;
                parsed.model = AudioModel::from(value.as_str());
                if parsed.model.is_unknown() {
                    return Err(format!("unknown model `{value}`"));
                }
            }
            "--format" => {
                let value = args.next().ok_or("--format needs a value")?;
                parsed.format = ResponseFormat::from(value.as_str());
                if parsed.format.is_unknown() {
                    return Err(format!("unknown format `{value}`"));
                }
            }
            "-h" | "--help" => return Err(USAGE.to_owned()),
            flag if flag.starts_with("--") => return Err(format!("unknown option `{flag}`")),
            _ if parsed.file.is_none() => parsed.file = Some(PathBuf::from(arg)),
            _ => return Err(format!("unexpected argument `{arg}`")),
        }
    }
    Ok(parsed)
}

/// Runs the quickstart and returns what goes to stdout; progress lines go to `log`.
/// `api_key` is the value of `FIREWORKS_API_KEY`: without one, the bundled emulator is used.
///
/// # Errors
/// A missing file in online mode, an unreadable file, or any API error.
pub async fn run(
    args: &Args,
    api_key: Option<&str>,
    log: &(dyn Fn(String) + Sync),
) -> Result<String, BoxError> {
    let Some(_key) = api_key.filter(|key| !key.is_empty()) else {
        return run_offline(args, log).await;
    };
    let path = args
        .file
        .as_ref()
        .ok_or("FIREWORKS_API_KEY is set: give an audio file to transcribe")?;
    let client = Client::from_env()?;
    let file = FileInput::from_path(path)
        .await
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    log(format!(
        "Transcribing `{}` with the Fireworks audio batch API at {}",
        path.display(),
        client.base_url(&AUDIO_BATCH)
    ));
    transcribe(&client, file, args, WaitPolicy::new(), log).await
}

/// Starts the emulator in this process and transcribes the given file or a generated WAV.
async fn run_offline(args: &Args, log: &(dyn Fn(String) + Sync)) -> Result<String, BoxError> {
    let emulator = Emulator::builder()
        .submit_completion(Completion::AfterPolls(3))
        .start()
        .await?;
    let file = match &args.file {
        Some(path) => FileInput::from_path(path)
            .await
            .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?,
        None => FileInput::from_bytes(wav::tone(DEMO_SECONDS), "tone.wav"),
    };
    log(format!(
        "FIREWORKS_API_KEY is not set: using the bundled emulator at {} with {}",
        emulator.base_url(),
        match &args.file {
            Some(path) => format!("`{}`", path.display()),
            None => format!("a generated {DEMO_SECONDS} s 440 Hz WAV (16 kHz mono)"),
        }
    ));
    let client = Client::builder()
        .api_key("emulator-key")
        .base_url(AUDIO_BATCH, emulator.base_url())
        .build()?;
    // The emulator answers at once, so poll faster than the defaults meant for real jobs.
    let policy = WaitPolicy::new()
        .first_delay(Duration::from_millis(250))
        .max_delay(Duration::from_secs(1));
    let output = transcribe(&client, file, args, policy, log).await;
    emulator.shutdown().await;
    output
}

/// Submits the file, waits with progress on `log`, and renders the transcript.
async fn transcribe(
    client: &Client,
    file: FileInput,
    args: &Args,
    policy: WaitPolicy,
    log: &(dyn Fn(String) + Sync),
) -> Result<String, BoxError> {
    let mut request = TranscriptionRequest::new(file)
        .model(args.model.clone())
        .response_format(args.format.clone());
    if args.format == ResponseFormat::VerboseJson {
        request = request
            .timestamp_granularities([TimestampGranularity::Word, TimestampGranularity::Segment]);
    }
    let mut polls = 0_u32;
    let done = client
        .audio_batch()
        .submit_and_wait(request)
        .policy(policy)
        .on_submitted(|s| {
            log(format!(
                "submitted batch `{}` (account `{}`, endpoint `{}`, model `{}`, format `{}`)",
                s.batch_id, s.account_id, s.endpoint_id, args.model, args.format
            ));
        })
        .on_progress(|s| {
            polls += 1;
            log(format!(
                "poll {polls}: {}{}",
                s.status,
                s.message
                    .as_deref()
                    .map(|m| format!(" ({m})"))
                    .unwrap_or_default()
            ));
        })
        .await?;
    log(format!(
        "completed after {} polls in {:.1} s",
        done.polls(),
        done.elapsed().as_secs_f64()
    ));
    Ok(render(&done.transcript()?))
}

/// The transcript as printed: the text, then word timings for `verbose_json`.
fn render(output: &TranscriptionOutput) -> String {
    let mut out = String::new();
    match output {
        TranscriptionOutput::Json(t) => out.push_str(&t.text),
        TranscriptionOutput::VerboseJson(v) => {
            let _ = writeln!(
                out,
                "{}",
                v.text.as_deref().unwrap_or("(no text)").trim_end()
            );
            let _ = write!(
                out,
                "\nlanguage {}, duration {:.2} s",
                v.language.as_deref().unwrap_or("?"),
                v.duration.unwrap_or_default()
            );
            if let Some(words) = &v.words {
                let _ = writeln!(out, ", {} words:", words.len());
                for w in words {
                    let _ = writeln!(
                        out,
                        "  {:>6.2} – {:>6.2}  {}{}",
                        w.start.unwrap_or_default(),
                        w.end.unwrap_or_default(),
                        w.word.as_deref().unwrap_or_default(),
                        w.speaker_id
                            .as_deref()
                            .map(|s| format!("  [{s}]"))
                            .unwrap_or_default()
                    );
                }
            }
        }
        TranscriptionOutput::Text(text)
        | TranscriptionOutput::Srt(text)
        | TranscriptionOutput::Vtt(text) => out.push_str(text),
        TranscriptionOutput::Other { content_type, body } => {
            let _ = write!(out, "({content_type})\n{body}");
        }
        other => {
            let _ = write!(out, "{other:?}");
        }
    }
    out.trim_end().to_owned()
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let key = std::env::var("FIREWORKS_API_KEY").ok();
    match run(&args, key.as_deref(), &|line| eprintln!("{line}")).await {
        Ok(transcript) => {
            println!("{transcript}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
