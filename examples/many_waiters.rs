//! Many concurrent waiters on one client (issue 12): N batch jobs waited on at once with
//! `client.audio_batch().wait(id)`, against the emulator binary in its own process, so that the
//! file descriptors and memory printed are the client's alone.
//!
//! ```sh
//! scripts/many_waiters.sh                  # builds, then runs under `ulimit -n` 1024 and 20000
//! cargo run --release --example many_waiters -- --waiters 10000 --emulator target/release/fireworks-ai-emulator
//! cargo run --release --example many_waiters -- --waiters 10000 --shared   # one `Client::wait_all` driver
//! ```
//!
//! Each job completes on its 4th poll; polls are 200 ms apart (no jitter). It prints the polls
//! sent (counted from the client's own `sending` trace events, so retries count) against the
//! ideal of 4 per job, the wall time against the schedule's 600 ms and against the floor that
//! the server's throughput sets (measured first, in the same run: N status calls at once on
//! the same client), the most file descriptors the process held, its peak RSS, the live heap
//! per waiter (a counting allocator), and the size of one wait future.
//!
//! With N waiters, P polls each, I between polls and W = N ÷ throughput the time one round of
//! N polls takes at the server's pace, no client can finish sooner than
//! `max(P·W, (P−1)·I + W)`: when W > I every waiter is ready again before the round ends and
//! the server is busy throughout (P·W), otherwise the rounds are I apart and the last takes W.

// The counting allocator below forwards to the system allocator; that takes `unsafe`.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::future::IntoFuture;
use std::io::BufRead;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use fireworks_ai::audio_batch::AUDIO_BATCH;
use fireworks_ai::{Client, WaitPolicy};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Counts the bytes live on the heap, and the most at once.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc` is passed on as is.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` came from `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract for `realloc` is passed on as is.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            let live = LIVE.fetch_add(new_size, Ordering::Relaxed) + new_size;
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const POLLS_PER_JOB: u64 = 4;
const INTERVAL: Duration = Duration::from_millis(200);

fn main() -> Result<(), BoxError> {
    let mut waiters: u32 = 10_000;
    let mut emulator = String::from("target/release/fireworks-ai-emulator");
    let mut max_in_flight: Option<usize> = None;
    let mut shared = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--waiters" => waiters = args.next().ok_or("--waiters N")?.parse()?,
            "--emulator" => emulator = args.next().ok_or("--emulator PATH")?,
            "--max-in-flight" => {
                max_in_flight = Some(args.next().ok_or("--max-in-flight N")?.parse()?);
            }
            "--shared" => shared = true,
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
    runtime.block_on(run(waiters, &emulator, max_in_flight, shared, &sent))
}

async fn run(
    waiters: u32,
    emulator: &str,
    max_in_flight: Option<usize>,
    shared: bool,
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

    // The server's pace through this client: N status calls at once, as many as one round of
    // polls, on a job that is not one of the waiters'. Three rounds; the fastest counts, so the
    // floor derived from it is the lowest the run supports.
    let mut round = Duration::MAX;
    let probe_cpu = cpu_ticks("self");
    for _ in 0..3 {
        let probe = Instant::now();
        // Spawned like the waiters below, so both phases pay the same per-task cost.
        let tasks: Vec<_> = (0..waiters)
            .map(|_| {
                let client = client.clone();
                tokio::spawn(async move {
                    client
                        .audio_batch()
                        .get_batch_status("demo-batch")
                        .await
                        .is_ok()
                })
            })
            .collect();
        let mut probed = 0;
        for task in tasks {
            if task.await? {
                probed += 1;
            }
        }
        round = round.min(probe.elapsed());
        if probed != waiters as usize {
            return Err(format!("only {probed} of {waiters} throughput probes succeeded").into());
        }
    }
    let probe_cpu = cpu_ticks("self") - probe_cpu;
    sent.store(0, Ordering::Relaxed);

    let future_size = std::mem::size_of_val(
        &*client
            .audio_batch()
            .wait("job-0")
            .policy(policy.clone())
            .into_future(),
    );
    let fds = Arc::new(AtomicUsize::new(open_fds()));
    let heap_before = LIVE.load(Ordering::Relaxed);
    PEAK.store(heap_before, Ordering::Relaxed);
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
    let cpu_before = (cpu_ticks("self"), cpu_ticks(&child.id().to_string()));
    let started = Instant::now();
    let completed = if shared {
        // One driver for every wait (`Client::wait_all`): an idle wait is its poll state in
        // the driver's queue, not a task.
        let ids: Vec<String> = (0..waiters).map(|n| format!("job-{n}")).collect();
        let waits = ids
            .iter()
            .map(|id| client.audio_batch().wait_batch(id).policy(policy.clone()));
        let results = client.wait_all(waits).await;
        results.iter().filter(|result| result.is_ok()).count()
    } else {
        // Each waiter is its own task, as an application would spawn them, so both workers
        // run them.
        let tasks: Vec<_> = (0..waiters)
            .map(|n| {
                let client = client.clone();
                let policy = policy.clone();
                tokio::spawn(async move {
                    let id = format!("job-{n}");
                    client.audio_batch().wait(id).policy(policy).await.is_ok()
                })
            })
            .collect();
        let mut completed = 0;
        for task in tasks {
            if task.await? {
                completed += 1;
            }
        }
        completed
    };
    let wall = started.elapsed();
    let cpu = (
        cpu_ticks("self") - cpu_before.0,
        cpu_ticks(&child.id().to_string()) - cpu_before.1,
    );
    watcher.abort();
    let _ = child.kill();
    let _ = child.wait();

    let ideal_polls = u64::from(waiters) * POLLS_PER_JOB;
    let polls = sent.load(Ordering::Relaxed);
    let ideal_wall = INTERVAL * u32::try_from(POLLS_PER_JOB - 1)?;
    let rounds = u32::try_from(POLLS_PER_JOB)?;
    let floor = (round * rounds).max(INTERVAL * (rounds - 1) + round);
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
    println!(
        "server pace      {waiters} calls at once in {:.3} s (fastest of 3) = {:.0} calls/s",
        round.as_secs_f64(),
        f64::from(waiters) / round.as_secs_f64()
    );
    println!(
        "wall vs floor    {:.2} s floor = max(P*W, (P-1)*I + W), ratio {:.2}",
        floor.as_secs_f64(),
        wall.as_secs_f64() / floor.as_secs_f64()
    );
    let ticks = 100.0; // USER_HZ on Linux
    println!(
        "client CPU/call  {:.1} us per probe call, {:.1} us per poll while waiting",
        probe_cpu as f64 / ticks * 1e6 / (3.0 * f64::from(waiters)),
        cpu.0 as f64 / ticks * 1e6 / polls as f64
    );
    println!(
        "CPU during wait  client {:.2} s, emulator {:.2} s, of {:.2} s wall on {} cores",
        cpu.0 as f64 / ticks,
        cpu.1 as f64 / ticks,
        wall.as_secs_f64(),
        std::thread::available_parallelism().map_or(1, usize::from)
    );
    println!("max open fds     {}", fds.load(Ordering::Relaxed));
    let heap_peak = PEAK.load(Ordering::Relaxed).saturating_sub(heap_before);
    println!(
        "live heap        peak {:.1} MB above start, {:.0} bytes per waiter; one wait future {future_size} bytes",
        heap_peak as f64 / 1e6,
        heap_peak as f64 / f64::from(waiters)
    );
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

/// User plus system CPU time of a process (`self` or a pid), in clock ticks.
fn cpu_ticks(pid: &str) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields 14 and 15, counted after the parenthesised command name.
    let after = stat
        .rfind(')')
        .map_or("", |i| stat.get(i + 2..).unwrap_or_default());
    let fields: Vec<&str> = after.split(' ').collect();
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    field(11) + field(12)
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
