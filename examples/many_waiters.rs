//! Many concurrent waiters on one client (issue 12): N batch jobs waited on at once with
//! `client.audio_batch().wait(id)`, against the emulator binary in its own process, so that the
//! file descriptors and memory printed are the client's alone.
//!
//! ```sh
//! scripts/many_waiters.sh                  # builds, then runs under `ulimit -n` 1024 and 20000
//! cargo run --release --example many_waiters -- --waiters 10000 --emulator target/release/fireworks-ai-emulator
//! ```
//!
//! Each job completes on its 4th poll; polls are 200 ms apart (no jitter). It prints the polls
//! sent (counted from the client's own `sending` trace events, so retries count) against the
//! ideal of 4 per job, the wall time against the schedule's 600 ms, the most file descriptors
//! the process held, and its peak RSS.

use std::io::BufRead;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use fireworks_ai::audio_batch::AUDIO_BATCH;
use fireworks_ai::{Client, WaitPolicy};
use futures_util::StreamExt;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const POLLS_PER_JOB: u64 = 4;
const INTERVAL: Duration = Duration::from_millis(200);

fn main() -> Result<(), BoxError> {
    let mut waiters: u32 = 10_000;
    let mut emulator = String::from("target/release/fireworks-ai-emulator");
    let mut max_in_flight: Option<usize> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--waiters" => waiters = args.next().ok_or("--waiters N")?.parse()?,
            "--emulator" => emulator = args.next().ok_or("--emulator PATH")?,
            "--max-in-flight" => {
                max_in_flight = Some(args.next().ok_or("--max-in-flight N")?.parse()?);
            }
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let sent = Arc::new(AtomicU64::new(0));
    tracing::subscriber::set_global_default(CountSends {
        sent: Arc::clone(&sent),
        next_id: AtomicU64::new(1),
    })?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(run(waiters, &emulator, max_in_flight, &sent))
}

async fn run(
    waiters: u32,
    emulator: &str,
    max_in_flight: Option<usize>,
    sent: &AtomicU64,
) -> Result<(), BoxError> {
    let mut child = Command::new(emulator)
        .args(["--account", "bench", "--api-key", "bench-key"])
        .args(["--seed-jobs", &waiters.to_string(), "--seed-jobs-complete-after"])
        .arg(POLLS_PER_JOB.saturating_sub(1).to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {emulator} (build it with `cargo build --release -p fireworks-ai-emulator`): {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = std::io::BufReader::new(stdout).lines();
    let _shared = lines.next().ok_or("no URL from the emulator")??;
    let batch_url = lines.next().ok_or("no batch URL from the emulator")??;

    let mut builder = Client::builder()
        .api_key("bench-key")
        .account_id("bench")
        .base_url(AUDIO_BATCH, &batch_url);
    if let Some(n) = max_in_flight {
        builder = builder.max_in_flight(n);
    }
    let client = builder.build()?;
    let policy = WaitPolicy::new()
        .first_delay(INTERVAL)
        .max_delay(INTERVAL)
        .factor(1.0)
        .no_jitter()
        .deadline(Duration::from_secs(600));

    let fds = Arc::new(AtomicUsize::new(open_fds()));
    let watcher = tokio::spawn({
        let fds = Arc::clone(&fds);
        async move {
            loop {
                fds.fetch_max(open_fds(), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    });
    let rss_before = peak_rss_kib();
    let started = Instant::now();
    let completed = futures_util::stream::iter(0..waiters)
        .map(|n| {
            let client = client.clone();
            let policy = policy.clone();
            async move {
                let id = format!("job-{n}");
                client.audio_batch().wait(id).policy(policy).await.is_ok()
            }
        })
        .buffer_unordered(waiters as usize)
        .filter(|ok| std::future::ready(*ok))
        .count()
        .await;
    let wall = started.elapsed();
    watcher.abort();
    let _ = child.kill();
    let _ = child.wait();

    let ideal_polls = u64::from(waiters) * POLLS_PER_JOB;
    let polls = sent.load(Ordering::Relaxed);
    let ideal_wall = INTERVAL * u32::try_from(POLLS_PER_JOB - 1)?;
    println!("waiters          {waiters}");
    println!("completed        {completed}");
    println!(
        "polls sent       {polls} (ideal {ideal_polls}, ratio {:.3})",
        polls as f64 / ideal_polls as f64
    );
    println!(
        "wall time        {:.2} s (schedule {:.2} s, ratio {:.2})",
        wall.as_secs_f64(),
        ideal_wall.as_secs_f64(),
        wall.as_secs_f64() / ideal_wall.as_secs_f64()
    );
    println!("max open fds     {}", fds.load(Ordering::Relaxed));
    println!(
        "peak RSS         {:.1} MB (before the waiters {:.1} MB; {:.0} bytes per waiter)",
        peak_rss_kib() as f64 / 1024.0,
        rss_before as f64 / 1024.0,
        (peak_rss_kib().saturating_sub(rss_before) * 1024) as f64 / f64::from(waiters)
    );
    if completed != waiters as usize {
        return Err(format!("only {completed} of {waiters} waits completed").into());
    }
    Ok(())
}

/// Open file descriptors of this process.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, Iterator::count)
}

/// Peak resident set size of this process, in KiB (`VmHWM`).
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// A tracing subscriber that only counts the runtime's `sending` events (one per attempt).
struct CountSends {
    sent: Arc<AtomicU64>,
    next_id: AtomicU64,
}

impl tracing::Subscriber for CountSends {
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        metadata.is_event() && metadata.target().starts_with("fireworks_ai")
    }

    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(self.next_id.fetch_add(1, Ordering::Relaxed))
    }

    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

    fn event(&self, event: &tracing::Event<'_>) {
        struct IsSending(bool);
        impl tracing::field::Visit for IsSending {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() == "message" && format!("{value:?}") == "sending" {
                    self.0 = true;
                }
            }
        }
        let mut visitor = IsSending(false);
        event.record(&mut visitor);
        if visitor.0 {
            self.sent.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn enter(&self, _: &tracing::span::Id) {}

    fn exit(&self, _: &tracing::span::Id) {}
}
