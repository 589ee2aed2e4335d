//! What a generated call costs next to the reqwest call a careful engineer writes by hand:
//! `cargo run --release --example call_overhead [-- --rounds R] [--slices S] [--scale X]`.
//!
//! A keep-alive HTTP/1.1 responder in this process answers `GET .../batch_job/small` with a
//! 1 KB `BatchStatus` and `.../batch_job/large` with a 1 MB one. Client and responder share one
//! current-thread runtime, so no cross-thread wake-up adds noise (this machine has 2 cores
//! shared with other work). Three variants:
//!
//! - `A`: the hand-written call: one `reqwest::Client` built with the same settings as the
//!   generated client's default (no redirects, 5 s connect timeout, 90 s pool idle timeout),
//!   the URL formatted with percent-encoded segments, the raw key in `Authorization`, GET,
//!   status check, `bytes()`, `serde_json::from_slice` into a struct with the same fields;
//! - `A2`: a second, independent instance of `A` (its own `reqwest::Client` and connections),
//!   so `A2/A` shows the noise floor of the comparison;
//! - `C`: the generated `client.audio_batch().get_batch_status(id).account_id(..).send()`, on
//!   a client built with the default `ClientBuilder` (its own `reqwest::Client`).
//!
//! Four scenarios: 1 KB and 1 MB bodies, each sequential and with 64 calls in flight (one
//! task, `buffer_unordered(64)`). Each round runs every scenario as `S` slices, and each slice
//! runs a few calls of every variant in a rotating order, so slow drifts of the machine hit
//! all variants alike. Per round and scenario the ratio is the throughput of a variant over
//! `A`'s (`C/A` = time of `A` / time of `C`: below 1 means slower than hand-written). The table
//! shows the median of the per-round ratios with their min–max.
//!
//! `--serve` only runs the responder and prints its address; `--only A|C --addr HOST:PORT
//! --calls N [--large]` runs `N` sequential 1 KB (or 1 MB) calls of one variant against it
//! and exits, which is what `scripts/callgrind.sh` runs under callgrind for instructions per
//! call.
//!
//! Allocations are counted by a `#[global_allocator]` wrapper around `System` (the responder
//! allocates nothing per request), in a separate sequential pass after the timed rounds.

// The counting allocator below is the only unsafe code: it forwards to `System` unchanged.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use fireworks_ai::Client;
use fireworks_ai::audio_batch::{AUDIO_BATCH, BatchJobStatus};
use futures_util::{StreamExt, TryStreamExt};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::header::{AUTHORIZATION, HeaderValue};
use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const USAGE: &str = "usage: call_overhead [--rounds R] [--slices S] [--scale X]
       call_overhead --serve
       call_overhead --only A|C --addr HOST:PORT --calls N [--large]";
const ACCOUNT: &str = "acct";
const API_KEY: &str = "fw-bench-key";
/// Calls in flight in the concurrent scenarios.
const IN_FLIGHT: usize = 64;

/// Counts every allocation (and reallocation) in the process, then forwards to `System`.
struct CountingAlloc;

static ALLOCS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every method passes its arguments to `System` unchanged and returns its result; the
// counter is an atomic that never allocates.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, forwarded as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` through this allocator with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: as for `dealloc`, and the caller upholds `realloc`'s size contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

/// Command-line options.
struct Args {
    rounds: u32,
    slices: u32,
    scale: f64,
    serve: bool,
    only: Option<Variant>,
    addr: Option<String>,
    calls: u32,
    large: bool,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args {
        rounds: 7,
        slices: 12,
        scale: 1.0,
        serve: false,
        only: None,
        addr: None,
        calls: 1000,
        large: false,
    };
    let bad = |arg: &str| format!("{arg} needs a positive value\n{USAGE}");
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--serve" => parsed.serve = true,
            "--large" => parsed.large = true,
            "--rounds" | "--slices" | "--calls" => {
                let value = args
                    .next()
                    .and_then(|v| v.parse::<u32>().ok())
                    .filter(|v| *v > 0)
                    .ok_or_else(|| bad(&arg))?;
                match arg.as_str() {
                    "--rounds" => parsed.rounds = value,
                    "--slices" => parsed.slices = value,
                    _ => parsed.calls = value,
                }
            }
            "--scale" => {
                parsed.scale = args
                    .next()
                    .and_then(|v| v.parse::<f64>().ok())
                    .filter(|v| *v > 0.0)
                    .ok_or_else(|| bad(&arg))?;
            }
            "--only" => {
                parsed.only = Some(match args.next().as_deref() {
                    Some("A") => Variant::A,
                    Some("C") => Variant::C,
                    _ => return Err(format!("--only takes A or C\n{USAGE}")),
                });
            }
            "--addr" => parsed.addr = Some(args.next().ok_or_else(|| bad(&arg))?),
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unexpected argument `{other}`\n{USAGE}")),
        }
    }
    Ok(parsed)
}

/// The hand-written call's view of the response: the same fields as `BatchStatus`.
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

/// Bytes left unencoded in a path segment: RFC 3986 `unreserved`.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The `reqwest::Client` settings the generated client uses by default.
fn http_client() -> Result<reqwest::Client, BoxError> {
    Ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .pool_idle_timeout(Duration::from_secs(90))
        .build()?)
}

/// The hand-written call: everything a careful user sets up once.
struct Baseline {
    http: reqwest::Client,
    base: String,
    auth: HeaderValue,
}

impl Baseline {
    fn new(base: &str) -> Result<Self, BoxError> {
        let mut auth = HeaderValue::from_str(API_KEY)?;
        auth.set_sensitive(true);
        Ok(Self {
            http: http_client()?,
            base: base.to_owned(),
            auth,
        })
    }

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
#[derive(Clone, Copy, PartialEq, Eq)]
enum Variant {
    A,
    A2,
    C,
}

impl Variant {
    const ALL: [Self; 3] = [Self::A, Self::A2, Self::C];

    fn index(self) -> usize {
        match self {
            Self::A => 0,
            Self::A2 => 1,
            Self::C => 2,
        }
    }
}

/// The three callers.
struct Callers {
    a: Baseline,
    a2: Baseline,
    c: Client,
}

impl Callers {
    fn new(base: &str) -> Result<Self, BoxError> {
        Ok(Self {
            a: Baseline::new(base)?,
            a2: Baseline::new(base)?,
            c: Client::builder()
                .api_key(API_KEY)
                .base_url(AUDIO_BATCH, base)
                .build()?,
        })
    }

    /// One call, reduced to the length of the decoded `body` so nothing is optimised away.
    async fn call(&self, variant: Variant, batch_id: &str) -> Result<usize, BoxError> {
        let baseline = match variant {
            Variant::A => &self.a,
            Variant::A2 => &self.a2,
            Variant::C => {
                let status = self
                    .c
                    .audio_batch()
                    .get_batch_status(batch_id)
                    .account_id(ACCOUNT)
                    .send()
                    .await?;
                return Ok(black_box(status).body.map_or(0, |b| b.len()));
            }
        };
        let status = baseline.get_batch_status(ACCOUNT, batch_id).await?;
        Ok(black_box(status).body.map_or(0, |b| b.len()))
    }

    /// `calls` calls, one after another or `IN_FLIGHT` at a time.
    async fn run(
        &self,
        variant: Variant,
        scenario: &Scenario,
        calls: usize,
    ) -> Result<usize, BoxError> {
        if scenario.concurrent {
            futures_util::stream::iter(0..calls)
                .map(|_| self.call(variant, scenario.batch_id))
                .buffer_unordered(IN_FLIGHT)
                .try_fold(0usize, |sum, n| async move { Ok(sum.wrapping_add(n)) })
                .await
        } else {
            let mut sum = 0usize;
            for _ in 0..calls {
                sum = sum.wrapping_add(self.call(variant, scenario.batch_id).await?);
            }
            Ok(sum)
        }
    }
}

/// One measured workload.
struct Scenario {
    label: &'static str,
    batch_id: &'static str,
    concurrent: bool,
    /// Calls of each variant per slice at `--scale 1`.
    calls_per_slice: usize,
}

const SCENARIOS: [Scenario; 4] = [
    Scenario {
        label: "sequential, 1 KB body",
        batch_id: "small",
        concurrent: false,
        calls_per_slice: 200,
    },
    Scenario {
        label: "64 in flight, 1 KB",
        batch_id: "small",
        concurrent: true,
        calls_per_slice: 640,
    },
    Scenario {
        label: "sequential, 1 MB body",
        batch_id: "large",
        concurrent: false,
        calls_per_slice: 6,
    },
    Scenario {
        label: "64 in flight, 1 MB",
        batch_id: "large",
        concurrent: true,
        calls_per_slice: 64,
    },
];

/// A `BatchStatus` whose embedded result (a JSON document, so the body string carries
/// escapes) makes the whole response about `size` bytes.
fn status_json(batch_id: &str, size: usize) -> String {
    let word = "lorem ipsum dolor sit amet ";
    let mut text = String::with_capacity(size);
    while text.len() + word.len() + 200 < size {
        text.push_str(word);
    }
    let inner = serde_json::json!({ "text": text, "language": "en" }).to_string();
    serde_json::json!({
        "status": "completed",
        "batch_id": batch_id,
        "message": null,
        "content_type": "application/json",
        "body": inner,
    })
    .to_string()
}

fn http_response(body: &str) -> Arc<[u8]> {
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    [head.as_bytes(), body.as_bytes()].concat().into()
}

/// The two canned responses.
#[derive(Clone)]
struct Responses {
    small: Arc<[u8]>,
    large: Arc<[u8]>,
}

/// Answers every request head on one connection, reusing one buffer: `.../large` gets the
/// 1 MB status, anything else the 1 KB one.
async fn respond(mut stream: TcpStream, responses: Responses) -> std::io::Result<()> {
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
            let head = buf.get(..end).unwrap_or_default();
            let large = head.windows(16).any(|w| w == b"batch_job/large ");
            let response = if large {
                &responses.large
            } else {
                &responses.small
            };
            stream.write_all(response).await?;
            buf.copy_within(end..filled, 0);
            filled -= end;
        }
    }
}

/// The responder's canned answers.
fn responses() -> Responses {
    Responses {
        small: http_response(&status_json("small", 1024)),
        large: http_response(&status_json("large", 1024 * 1024)),
    }
}

/// Binds the responder on 127.0.0.1 and spawns its accept loop on the current runtime;
/// returns the base URL.
async fn start_responder() -> Result<String, BoxError> {
    let responses = responses();
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(respond(stream, responses.clone()));
        }
    });
    Ok(format!("http://{addr}"))
}

fn client_runtime() -> Result<tokio::runtime::Runtime, BoxError> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// Median, min and max.
fn spread(values: &mut [f64]) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    let median = values.get(values.len() / 2).copied().unwrap_or(f64::NAN);
    let min = values.first().copied().unwrap_or(f64::NAN);
    let max = values.last().copied().unwrap_or(f64::NAN);
    (median, min, max)
}

fn time(nanos: f64) -> String {
    if nanos >= 10_000.0 {
        format!("{:.1} µs", nanos / 1000.0)
    } else {
        format!("{nanos:.0} ns")
    }
}

/// Checks that both sides decode the same thing, or the comparison means nothing.
async fn check_same(callers: &Callers) -> Result<(), BoxError> {
    for batch_id in ["small", "large"] {
        let ours = callers
            .c
            .audio_batch()
            .get_batch_status(batch_id)
            .account_id(ACCOUNT)
            .send()
            .await?;
        let raw = callers.a.get_batch_status(ACCOUNT, batch_id).await?;
        let same = ours.status == BatchJobStatus::Completed
            && raw.status == ours.status.as_str()
            && raw.batch_id == ours.batch_id
            && raw.message == ours.message
            && raw.content_type == ours.content_type
            && raw.body == ours.body;
        if !same {
            return Err("the generated and the baseline call decoded different values".into());
        }
    }
    Ok(())
}

async fn bench(args: &Args, base: &str) -> Result<(), BoxError> {
    let callers = Callers::new(base)?;
    check_same(&callers).await?;
    let slice_calls =
        |s: &Scenario| ((s.calls_per_slice as f64 * args.scale).ceil() as usize).max(1);

    // Warm up: open every variant's connections and fill allocator caches.
    for scenario in &SCENARIOS {
        for variant in Variant::ALL {
            callers
                .run(variant, scenario, slice_calls(scenario))
                .await?;
        }
    }

    // ratios[scenario][variant] = per-round throughput ratios to A; nanos = per-call times.
    let mut ratios = vec![[Vec::new(), Vec::new(), Vec::new()]; SCENARIOS.len()];
    let mut nanos = vec![[Vec::new(), Vec::new(), Vec::new()]; SCENARIOS.len()];
    let started = Instant::now();
    for _round in 0..args.rounds {
        for (index, scenario) in SCENARIOS.iter().enumerate() {
            let calls = slice_calls(scenario);
            let mut totals = [Duration::ZERO; 3];
            for slice in 0..args.slices {
                let mut order = Variant::ALL;
                order.rotate_left(usize::try_from(slice).unwrap_or(0) % Variant::ALL.len());
                for variant in order {
                    let start = Instant::now();
                    black_box(callers.run(variant, scenario, calls).await?);
                    if let Some(total) = totals.get_mut(variant.index()) {
                        *total += start.elapsed();
                    }
                }
            }
            let per_call =
                |d: Duration| d.as_nanos() as f64 / (calls as f64 * f64::from(args.slices));
            let [a, a2, c] = totals;
            if let (Some(r), Some(n)) = (ratios.get_mut(index), nanos.get_mut(index)) {
                for (slot, value) in r.iter_mut().zip([a, a2, c]) {
                    slot.push(a.as_secs_f64() / value.as_secs_f64());
                }
                for (slot, value) in n.iter_mut().zip([a, a2, c]) {
                    slot.push(per_call(value));
                }
            }
        }
    }
    let secs = started.elapsed().as_secs_f64();

    // Allocations per sequential 1 KB call, outside the timed rounds.
    let mut allocs = [0f64; 3];
    let small = SCENARIOS.first().ok_or("no scenario")?;
    for variant in Variant::ALL {
        let before = ALLOCS.load(Ordering::Relaxed);
        callers.run(variant, small, 1000).await?;
        let after = ALLOCS.load(Ordering::Relaxed);
        if let Some(slot) = allocs.get_mut(variant.index()) {
            *slot = after.saturating_sub(before) as f64 / 1000.0;
        }
    }

    println!(
        "call_overhead: {} rounds x {} interleaved slices per scenario, {secs:.0} s; client on a \
         one current-thread runtime with the responder; ratios are throughput relative to \
         A (median of the per-round ratios, [min–max])",
        args.rounds, args.slices
    );
    println!();
    println!(
        "  {:<22} {:>10} {:>10} {:>24} {:>24}",
        "scenario", "A / call", "C / call", "A2/A (noise floor)", "C/A"
    );
    for (index, scenario) in SCENARIOS.iter().enumerate() {
        let (Some(r), Some(n)) = (ratios.get_mut(index), nanos.get_mut(index)) else {
            continue;
        };
        let [_, ra2, rc] = r;
        let [na, _, nc] = n;
        let show = |values: &mut Vec<f64>| {
            let (m, lo, hi) = spread(values);
            format!("{m:.3} [{lo:.3}–{hi:.3}]")
        };
        println!(
            "  {:<22} {:>10} {:>10} {:>24} {:>24}",
            scenario.label,
            time(spread(na).0),
            time(spread(nc).0),
            show(ra2),
            show(rc),
        );
    }
    println!();
    let [a, a2, c] = allocs;
    println!("allocations per sequential 1 KB call: A {a:.1}, A2 {a2:.1}, C {c:.1}");
    let a_future = callers.a.get_batch_status(ACCOUNT, "small");
    let c_future = callers
        .c
        .audio_batch()
        .get_batch_status("small")
        .account_id(ACCOUNT)
        .send();
    println!(
        "future size: A {} bytes, C {} bytes",
        std::mem::size_of_val(&a_future),
        std::mem::size_of_val(&c_future)
    );
    Ok(())
}

/// `--only`: `calls` sequential calls of one variant (1 KB bodies, or 1 MB with `--large`),
/// for callgrind.
async fn only(variant: Variant, base: &str, calls: u32, large: bool) -> Result<(), BoxError> {
    let callers = Callers::new(base)?;
    let scenario = SCENARIOS
        .get(if large { 2 } else { 0 })
        .ok_or("no scenario")?;
    let sum = callers.run(variant, scenario, calls as usize).await?;
    black_box(sum);
    Ok(())
}

fn main() -> Result<(), BoxError> {
    let args = parse_args(std::env::args().skip(1))?;
    let runtime = client_runtime()?;
    if args.serve {
        return runtime.block_on(async {
            let base = start_responder().await?;
            println!("{base}");
            // Serve until killed.
            std::future::pending::<()>().await;
            Ok(())
        });
    }
    if let Some(variant) = args.only {
        let addr = args.addr.as_deref().ok_or("--only needs --addr")?;
        let base = if addr.starts_with("http://") {
            addr.to_owned()
        } else {
            format!("http://{addr}")
        };
        return runtime.block_on(only(variant, &base, args.calls, args.large));
    }
    runtime.block_on(async {
        let base = start_responder().await?;
        bench(&args, &base).await
    })
}
