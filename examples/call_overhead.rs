//! What a generated call costs next to a hand-written reqwest call doing the same work:
//! `cargo run --release --example call_overhead [-- --calls N] [--rounds R]`.
//!
//! A minimal keep-alive HTTP/1.1 responder on 127.0.0.1, in this process, answers every
//! request with the same small `BatchStatus` JSON, so the client side dominates. Three variants
//! then run `N` calls each per round, in a rotating order over `R` rounds:
//!
//! - `baseline`: what a careful user writes with reqwest alone: one shared `reqwest::Client`,
//!   the URL formatted with percent-encoded segments, the raw key in `Authorization`, GET,
//!   status check, body read, `serde_json::from_slice` into a struct with the same fields;
//! - `send`: `client.audio_batch().get_batch_status("b-1").account_id("acct").send()`;
//! - `send_with_meta`: the same call with `.send_with_meta()`.
//!
//! It prints the median time per call over the rounds, allocations and allocated bytes per
//! call (counted by a `#[global_allocator]` wrapper around `System`; the in-process responder
//! allocates nothing per request), and each variant's ratio to the baseline. A second table
//! decodes the same body without any I/O, to show how much of a call's cost is decoding.

// The counting allocator below is the only unsafe code: it forwards to `System` unchanged.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use fireworks_ai::Client;
use fireworks_ai::audio_batch::{AUDIO_BATCH, BatchJobStatus, BatchStatus};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::header::{AUTHORIZATION, HeaderValue};
use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const USAGE: &str = "usage: call_overhead [--calls N] [--rounds R]";
const ACCOUNT: &str = "acct";
const BATCH_ID: &str = "b-1";
const API_KEY: &str = "fw-bench-key";
/// The status every request gets: a completed job with a small embedded result.
const BODY: &str = r#"{"status":"completed","batch_id":"b-1","message":null,"content_type":"application/json","body":"{\"text\":\"Hello from the responder.\"}"}"#;

/// Counts every allocation (and reallocation) in the process, then forwards to `System`.
struct CountingAlloc;

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

fn count(bytes: usize) {
    ALLOCS.fetch_add(1, Ordering::Relaxed);
    BYTES.fetch_add(u64::try_from(bytes).unwrap_or(u64::MAX), Ordering::Relaxed);
}

// SAFETY: every method passes its arguments to `System` unchanged and returns its result; the
// counters are atomics that never allocate.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, forwarded as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` through this allocator with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        // SAFETY: as for `dealloc`, and the caller upholds `realloc`'s size contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

/// Allocations and allocated bytes so far in the whole process.
#[derive(Clone, Copy)]
struct Counts {
    allocs: u64,
    bytes: u64,
}

impl Counts {
    fn now() -> Option<Self> {
        Some(Self {
            allocs: ALLOCS.load(Ordering::Relaxed),
            bytes: BYTES.load(Ordering::Relaxed),
        })
    }
}

/// Command-line options.
struct Args {
    calls: u32,
    rounds: u32,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args {
        calls: 4_000,
        rounds: 15,
    };
    while let Some(arg) = args.next() {
        let slot = match arg.as_str() {
            "--calls" => &mut parsed.calls,
            "--rounds" => &mut parsed.rounds,
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unexpected argument `{other}`\n{USAGE}")),
        };
        *slot = args
            .next()
            .and_then(|v| v.parse().ok())
            .filter(|v| *v > 0)
            .ok_or_else(|| format!("{arg} needs a positive number\n{USAGE}"))?;
    }
    Ok(parsed)
}

/// The hand-written baseline's view of the response: the same fields as `BatchStatus`.
#[derive(Deserialize)]
struct RawStatus {
    status: String,
    batch_id: String,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    content_type: Option<String>,
    #[serde(default)]
    body: Option<String>,
}

impl RawStatus {
    /// Touches every field, so the decode cannot be optimised away.
    fn weight(&self) -> usize {
        self.status.len()
            + self.batch_id.len()
            + self.message.as_ref().map_or(0, String::len)
            + self.content_type.as_ref().map_or(0, String::len)
            + self.body.as_ref().map_or(0, String::len)
    }
}

/// Bytes left unencoded in a path segment: RFC 3986 `unreserved`.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The raw reqwest baseline: everything a careful user sets up once.
struct Baseline {
    http: reqwest::Client,
    base: String,
    auth: HeaderValue,
}

impl Baseline {
    async fn get_batch_status(&self, account: &str, batch_id: &str) -> Result<RawStatus, BoxError> {
        let url = format!(
            "{}/v1/accounts/{}/batch_job/{}",
            self.base,
            utf8_percent_encode(account, SEGMENT),
            utf8_percent_encode(batch_id, SEGMENT)
        );
        let response = self
            .http
            .get(url)
            .header(AUTHORIZATION, self.auth.clone())
            .send()
            .await?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("HTTP {status}").into());
        }
        let body = response.bytes().await?;
        Ok(serde_json::from_slice(&body)?)
    }
}

/// A measured variant.
#[derive(Clone, Copy)]
enum Variant {
    Baseline,
    Send,
    SendWithMeta,
}

impl Variant {
    const ALL: [Self; 3] = [Self::Baseline, Self::Send, Self::SendWithMeta];

    fn label(self) -> &'static str {
        match self {
            Self::Baseline => "raw reqwest baseline",
            Self::Send => "generated .send()",
            Self::SendWithMeta => "generated .send_with_meta()",
        }
    }
}

/// What one call returns, reduced to a number so the work is not optimised away.
async fn call_once(
    variant: Variant,
    client: &Client,
    baseline: &Baseline,
) -> Result<usize, BoxError> {
    Ok(match variant {
        Variant::Baseline => {
            black_box(baseline.get_batch_status(ACCOUNT, BATCH_ID).await?).weight()
        }
        Variant::Send => {
            let status = client
                .audio_batch()
                .get_batch_status(BATCH_ID)
                .account_id(ACCOUNT)
                .send()
                .await?;
            black_box(status).batch_id.len()
        }
        Variant::SendWithMeta => {
            let response = client
                .audio_batch()
                .get_batch_status(BATCH_ID)
                .account_id(ACCOUNT)
                .send_with_meta()
                .await?;
            black_box(response).value().batch_id.len()
        }
    })
}

/// One round of one variant: nanoseconds, allocations and bytes, each per call.
#[derive(Clone, Copy)]
struct Sample {
    nanos: f64,
    allocs: Option<f64>,
    bytes: Option<f64>,
}

/// What `calls` iterations cost, per iteration.
fn per_call(calls: u32, nanos: u128, before: Option<Counts>, after: Option<Counts>) -> Sample {
    let n = f64::from(calls);
    let delta = before.zip(after).map(|(b, a)| {
        (
            a.allocs.saturating_sub(b.allocs),
            a.bytes.saturating_sub(b.bytes),
        )
    });
    Sample {
        nanos: nanos as f64 / n,
        allocs: delta.map(|(allocs, _)| allocs as f64 / n),
        bytes: delta.map(|(_, bytes)| bytes as f64 / n),
    }
}

async fn run_calls(
    variant: Variant,
    calls: u32,
    client: &Client,
    baseline: &Baseline,
) -> Result<Sample, BoxError> {
    let mut sink = 0usize;
    let before = Counts::now();
    let start = Instant::now();
    for _ in 0..calls {
        sink = sink.wrapping_add(call_once(variant, client, baseline).await?);
    }
    let nanos = start.elapsed().as_nanos();
    let after = Counts::now();
    black_box(sink);
    Ok(per_call(calls, nanos, before, after))
}

/// A decode-only variant: the same body, no I/O.
#[derive(Clone, Copy)]
enum Decode {
    /// What a generated call does: `serde_path_to_error` over `serde_json`, into `BatchStatus`.
    Generated,
    /// `BatchStatus` straight from `serde_json::from_slice`, without path tracking.
    PlainGeneratedType,
    /// The baseline's `serde_json::from_slice` into `RawStatus`.
    Baseline,
    /// `RawStatus` through `serde_path_to_error`: the cost of path tracking alone.
    TrackedBaseline,
}

impl Decode {
    const ALL: [Self; 4] = [
        Self::Baseline,
        Self::TrackedBaseline,
        Self::PlainGeneratedType,
        Self::Generated,
    ];

    fn label(self) -> &'static str {
        match self {
            Self::Baseline => "RawStatus, serde_json",
            Self::TrackedBaseline => "RawStatus, serde_path_to_error",
            Self::Generated => "BatchStatus, serde_path_to_error",
            Self::PlainGeneratedType => "BatchStatus, serde_json",
        }
    }

    fn once(self, body: &[u8]) -> Result<usize, BoxError> {
        Ok(match self {
            Self::Baseline => black_box(serde_json::from_slice::<RawStatus>(body)?).weight(),
            Self::TrackedBaseline => {
                let mut de = serde_json::Deserializer::from_slice(body);
                let status: RawStatus = serde_path_to_error::deserialize(&mut de)?;
                de.end()?;
                black_box(status).weight()
            }
            Self::Generated => {
                let mut de = serde_json::Deserializer::from_slice(body);
                let status: BatchStatus = serde_path_to_error::deserialize(&mut de)?;
                de.end()?;
                black_box(status).batch_id.len()
            }
            Self::PlainGeneratedType => black_box(serde_json::from_slice::<BatchStatus>(body)?)
                .batch_id
                .len(),
        })
    }

    fn run(self, iterations: u32, body: &[u8]) -> Result<Sample, BoxError> {
        let mut sink = 0usize;
        let before = Counts::now();
        let start = Instant::now();
        for _ in 0..iterations {
            sink = sink.wrapping_add(self.once(black_box(body))?);
        }
        let nanos = start.elapsed().as_nanos();
        let after = Counts::now();
        black_box(sink);
        Ok(per_call(iterations, nanos, before, after))
    }
}

/// Answers every request head on one connection with `response`, reusing one buffer.
async fn respond(mut stream: TcpStream, response: Arc<[u8]>) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut buf = vec![0u8; 16 * 1024];
    let mut filled = 0;
    loop {
        let Some(free) = buf.get_mut(filled..).filter(|free| !free.is_empty()) else {
            return Err(std::io::Error::other("request head larger than the buffer"));
        };
        let read = stream.read(free).await?;
        if read == 0 {
            return Ok(());
        }
        filled += read;
        while let Some(end) = buf
            .get(..filled)
            .and_then(|head| head.windows(4).position(|w| w == b"\r\n\r\n"))
            .map(|at| at + 4)
        {
            stream.write_all(&response).await?;
            buf.copy_within(end..filled, 0);
            filled -= end;
        }
    }
}

/// Accepts connections until the runtime stops.
async fn serve(listener: TcpListener, response: Arc<[u8]>) {
    while let Ok((stream, _)) = listener.accept().await {
        tokio::spawn(respond(stream, Arc::clone(&response)));
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// The median of each column over the rounds.
fn summarise(samples: &[Sample]) -> Sample {
    let column = |f: fn(&Sample) -> Option<f64>| {
        let mut values: Option<Vec<f64>> = samples.iter().map(f).collect();
        values.as_mut().map(|v| median(v))
    };
    Sample {
        nanos: column(|s| Some(s.nanos)).unwrap_or(f64::NAN),
        allocs: column(|s| s.allocs),
        bytes: column(|s| s.bytes),
    }
}

fn time(nanos: f64) -> String {
    if nanos >= 10_000.0 {
        format!("{:.1} µs", nanos / 1000.0)
    } else {
        format!("{nanos:.0} ns")
    }
}

fn amount(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.decimals$}"))
}

fn ratio(value: Option<f64>, base: Option<f64>) -> String {
    match value.zip(base) {
        Some((v, b)) if b > 0.0 => format!("{:.2}x", v / b),
        _ => "n/a".to_owned(),
    }
}

/// Prints one table; the first row is the base of the ratios.
fn print_table(title: &str, rows: &[(&str, Sample)]) {
    let Some((_, base)) = rows.first().copied() else {
        return;
    };
    println!("{title}");
    println!(
        "  {:<34} {:>10} {:>10} {:>11} {:>7} {:>8} {:>7}",
        "variant", "time", "allocs", "bytes", "time/b", "allocs/b", "bytes/b"
    );
    for (label, s) in rows {
        println!(
            "  {:<34} {:>10} {:>10} {:>11} {:>7} {:>8} {:>7}",
            label,
            time(s.nanos),
            amount(s.allocs, 1),
            amount(s.bytes, 0),
            ratio(Some(s.nanos), Some(base.nanos)),
            ratio(s.allocs, base.allocs),
            ratio(s.bytes, base.bytes),
        );
    }
    println!();
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), BoxError> {
    let args = parse_args(std::env::args().skip(1))?;

    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        BODY.len()
    );
    let response: Arc<[u8]> = [head.as_bytes(), BODY.as_bytes()].concat().into();
    tokio::spawn(serve(listener, response));

    let client = Client::builder()
        .api_key(API_KEY)
        .base_url(AUDIO_BATCH, &base)
        .build()?;
    let mut auth = HeaderValue::from_str(API_KEY)?;
    auth.set_sensitive(true);
    let baseline = Baseline {
        // The fireworks client above installed the `ring` crypto provider reqwest needs.
        http: reqwest::Client::builder().build()?,
        base,
        auth,
    };

    // Both sides must decode the same thing, or the comparison means nothing.
    let expected = client
        .audio_batch()
        .get_batch_status(BATCH_ID)
        .account_id(ACCOUNT)
        .send()
        .await?;
    let raw = baseline.get_batch_status(ACCOUNT, BATCH_ID).await?;
    let same = expected.status == BatchJobStatus::Completed
        && raw.status == expected.status.as_str()
        && raw.batch_id == expected.batch_id
        && raw.message == expected.message
        && raw.content_type == expected.content_type
        && raw.body == expected.body;
    if !same {
        return Err("the generated and the baseline call decoded different values".into());
    }

    // Warm up connections, allocator caches and branch predictors.
    for variant in Variant::ALL {
        run_calls(variant, args.calls.div_ceil(4), &client, &baseline).await?;
    }
    let mut samples: Vec<(Variant, Vec<Sample>)> =
        Variant::ALL.iter().map(|v| (*v, Vec::new())).collect();
    let started = Instant::now();
    for round in 0..args.rounds {
        // Rotate the order so no variant always runs right after the same one.
        let shift = usize::try_from(round).unwrap_or(0) % samples.len();
        samples.rotate_left(shift);
        for (variant, runs) in &mut samples {
            runs.push(run_calls(*variant, args.calls, &client, &baseline).await?);
        }
        samples.rotate_right(shift);
    }
    let io_secs = started.elapsed().as_secs_f64();

    let body = BODY.as_bytes();
    let iterations = args.calls.saturating_mul(10);
    let mut decodes: Vec<(Decode, Vec<Sample>)> =
        Decode::ALL.iter().map(|d| (*d, Vec::new())).collect();
    for (decode, _) in &decodes {
        decode.run(iterations.div_ceil(4), body)?;
    }
    for _ in 0..args.rounds {
        for (decode, runs) in &mut decodes {
            runs.push(decode.run(iterations, body)?);
        }
    }

    println!(
        "call_overhead: {} rounds x {} calls per variant over keep-alive HTTP/1.1 on 127.0.0.1 \
         (current-thread runtime, {io_secs:.1} s); medians of the rounds, per call; \
         x/b = ratio to the first row",
        args.rounds, args.calls
    );
    println!();
    let rows: Vec<(&str, Sample)> = samples
        .iter()
        .map(|(variant, runs)| (variant.label(), summarise(runs)))
        .collect();
    print_table("calls (client and responder in one process)", &rows);
    let rows: Vec<(&str, Sample)> = decodes
        .iter()
        .map(|(decode, runs)| (decode.label(), summarise(runs)))
        .collect();
    print_table(
        &format!(
            "decoding the {}-byte body alone, {iterations} per round",
            body.len()
        ),
        &rows,
    );
    if Counts::now().is_none() {
        println!("allocations: n/a in this build; the note at the top of the example says why");
    }
    Ok(())
}
