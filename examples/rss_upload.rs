//! Shows that a large file is streamed from disk: uploads a 200 MiB WAV with
//! `FileInput::from_path` to the in-process emulator and prints how much the process's peak RSS
//! grew, next to the same upload from memory. `cargo run --example rss_upload [-- <MiB>]`.

// The workspace's WAV writer (test-support, a dev-dependency), so no audio file is committed.
use fireworks_ai_test_support::wav;

use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use fireworks_ai::audio::{
    ResponseFormat, TimestampGranularity, TranscriptionOutput, TranscriptionRequest,
};
use fireworks_ai::audio_batch::AUDIO_BATCH;
use fireworks_ai::{Client, FileInput, WaitPolicy};
use fireworks_ai_emulator::{Completion, Emulator, RunningEmulator};

/// Any error, for printing.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Default size of the audio data, in MiB.
pub const DEFAULT_MIB: u32 = 200;

/// Memory figures of this process from `/proc/self/status`, in KiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Memory {
    /// `VmRSS`: resident now.
    pub rss_kib: u64,
    /// `VmHWM`: the peak resident size since start or since [`reset_peak`].
    pub peak_kib: u64,
}

/// Reads `VmRSS` and `VmHWM`.
///
/// # Errors
/// When `/proc/self/status` cannot be read or lacks the fields (not Linux).
pub fn memory() -> Result<Memory, BoxError> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let field = |name: &str| -> Result<u64, BoxError> {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .ok_or_else(|| format!("no `{name}` in /proc/self/status").into())
    };
    Ok(Memory {
        rss_kib: field("VmRSS:")?,
        peak_kib: field("VmHWM:")?,
    })
}

/// Resets `VmHWM` to the current RSS (Linux 4.0+, writing 5 to `/proc/self/clear_refs`);
/// returns whether it worked.
pub fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Peak RSS growth around one piece of work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Growth {
    /// Peak RSS during the work minus the RSS just before it, in KiB: an upper bound of what
    /// the work added, whether or not the peak could be reset first.
    pub kib: u64,
    /// Whether the peak was reset before the work (if not, `kib` may overstate the growth).
    pub peak_was_reset: bool,
}

/// Runs `work` and measures how far the peak RSS rose above the RSS before it.
///
/// # Errors
/// The work's error, or a failure to read `/proc/self/status`.
pub async fn measured<T>(
    work: impl std::future::Future<Output = Result<T, BoxError>>,
) -> Result<(T, Growth), BoxError> {
    let peak_was_reset = reset_peak();
    let before = memory()?;
    let value = work.await?;
    let after = memory()?;
    let growth = Growth {
        kib: after.peak_kib.saturating_sub(before.rss_kib),
        peak_was_reset,
    };
    Ok((value, growth))
}

/// A running emulator whose jobs complete at the first poll, and a client for it.
///
/// # Errors
/// When the emulator cannot bind 127.0.0.1 or the client cannot be built.
pub async fn start() -> Result<(RunningEmulator, Client), BoxError> {
    let emulator = Emulator::builder()
        .submit_completion(Completion::AfterPolls(0))
        .start()
        .await?;
    let client = Client::builder()
        .api_key("emulator-key")
        .base_url(AUDIO_BATCH, emulator.base_url())
        .build()?;
    Ok((emulator, client))
}

/// Writes a WAV file with `mib` MiB of tone, a second at a time.
///
/// # Errors
/// The I/O error.
pub fn write_wav(path: &Path, mib: u32) -> Result<u64, BoxError> {
    let data_len = mib
        .checked_mul(1024 * 1024)
        .ok_or("the file must stay under 4 GiB, the WAV limit")?;
    let mut out = BufWriter::new(std::fs::File::create(path)?);
    Ok(wav::write_tone(&mut out, data_len)?)
}

/// Submits `file` for batch transcription, waits for the result and returns the number of
/// words in it (so the upload was really read: two per second of audio, at most 600).
///
/// # Errors
/// Any API error, or a transcript without words.
pub async fn upload(client: &Client, file: FileInput) -> Result<usize, BoxError> {
    let request = TranscriptionRequest::new(file)
        .response_format(ResponseFormat::VerboseJson)
        .timestamp_granularities([TimestampGranularity::Word]);
    let done = client
        .audio_batch()
        .submit_and_wait(request)
        .policy(WaitPolicy::new().first_delay(Duration::from_millis(50)))
        .await?;
    let TranscriptionOutput::VerboseJson(transcript) = done.transcript()? else {
        return Err("verbose_json was asked for".into());
    };
    match transcript.words {
        Some(words) if !words.is_empty() => Ok(words.len()),
        _ => Err("the transcript has no words".into()),
    }
}

/// A scratch directory under the system temp dir, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    /// Creates `fireworks-<name>-<pid>` in the temp dir.
    ///
    /// # Errors
    /// The I/O error.
    pub fn new(name: &str) -> std::io::Result<Self> {
        let dir = std::env::temp_dir().join(format!("fireworks-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(Self(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

async fn run(size_mib: u32) -> Result<(), BoxError> {
    let (_emulator, client) = start().await?;
    let scratch = Scratch::new("rss-upload")?;
    let path = scratch.0.join("large.wav");
    let written = write_wav(&path, size_mib)?;
    let file_mib = written as f64 / (1024.0 * 1024.0);
    println!("wrote {} ({file_mib:.1} MiB)", path.display());

    // A small upload first, so lazily built parts (connection pool, buffers) are not counted.
    let warm = scratch.0.join("warm-up.wav");
    write_wav(&warm, 1)?;
    upload(&client, FileInput::from_path(&warm).await?).await?;
    println!("baseline: {:.1} MiB resident", mib(memory()?.rss_kib));

    let started = Instant::now();
    let (words, streamed) =
        measured(async { upload(&client, FileInput::from_path(&path).await?).await }).await?;
    println!(
        "streamed from disk (FileInput::from_path): peak RSS +{:.1} MiB for a {file_mib:.1} MiB file ({:.1} % of it); {words} words back in {:.1} s; peak reset first: {}",
        mib(streamed.kib),
        100.0 * mib(streamed.kib) / file_mib,
        started.elapsed().as_secs_f64(),
        streamed.peak_was_reset,
    );

    let started = Instant::now();
    let (_, in_memory) = measured(async {
        let bytes = tokio::fs::read(&path).await?;
        upload(&client, FileInput::from_bytes(bytes, "large.wav")).await
    })
    .await?;
    println!(
        "from memory (FileInput::from_bytes after reading the file): peak RSS +{:.1} MiB in {:.1} s",
        mib(in_memory.kib),
        started.elapsed().as_secs_f64(),
    );
    println!(
        "streaming peak growth / in-memory peak growth = {:.3}",
        streamed.kib as f64 / in_memory.kib.max(1) as f64
    );
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let size = match std::env::args().nth(1).map(|arg| arg.parse::<u32>()) {
        None => DEFAULT_MIB,
        Some(Ok(size)) if size > 0 => size,
        Some(_) => {
            eprintln!("usage: rss_upload [<MiB of audio, default {DEFAULT_MIB}>]");
            return ExitCode::from(2);
        }
    };
    match run(size).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
