//! Decoding a completed batch result: a 20 MB `verbose_json` transcript inside a batch status
//! `body`, from the status response's bytes to the typed transcript, against a direct
//! `serde_json` parse of the inner document into the same type.
//!
//! `cargo bench --bench completed_decode [-- --rounds R] [--mb M]`
//!
//! - `direct`: `serde_json::from_str::<VerboseTranscription>(inner)`, the inner document
//!   already in memory;
//! - `ours`: the status response's bytes (as a poll reads them) decoded into `BatchStatus` by
//!   the call path's decoder, the bytes dropped (as `send` drops them), then
//!   `CompletedBatch::from_status(status, Some(verbose_json)).transcript()`;
//! - `ours, format inferred`: the same without the `response_format`, so the format is
//!   guessed from the content type and the body's top-level keys;
//! - `BatchStatus only`: just the first step, which unescapes the embedded document into a
//!   `String`: the part of `ours` a direct parse does not have to do.
//!
//! Time is the median over the rounds, interleaved; memory is the peak of live heap bytes
//! above the start of each variant (the input already allocated), counted by a
//! `#[global_allocator]` wrapper around `System`. Prints the ratios to `direct` and to the
//! body size. A benchmark that prints ratios, not a timed test: nothing here fails on speed.

// The counting allocator below is the only unsafe code: it forwards to `System` unchanged.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use fireworks_ai::CompletedBatch;
use fireworks_ai::audio::{ResponseFormat, TranscriptionOutput, VerboseTranscription};
use fireworks_ai::audio_batch::BatchStatus;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Tracks live heap bytes and their peak, then forwards to `System`.
struct PeakAlloc;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grow(bytes: usize) {
    let live = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

// SAFETY: every method passes its arguments to `System` unchanged and returns its result; the
// counters are atomics that never allocate.
unsafe impl GlobalAlloc for PeakAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grow(layout.size());
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, forwarded as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        grow(layout.size());
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` came from `System` through this allocator with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size >= layout.size() {
            grow(new_size - layout.size());
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        // SAFETY: as for `dealloc`, and the caller upholds `realloc`'s size contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: PeakAlloc = PeakAlloc;

/// A `verbose_json` transcript of about `size` bytes: segments of words with timings.
fn verbose_json(size: usize) -> String {
    let words = [
        "hello",
        "from",
        "the",
        "batch",
        "transcription",
        "bench",
        "again",
    ];
    let mut segments = Vec::new();
    let mut all_words = Vec::new();
    let mut text = String::new();
    let mut t = 0.0f64;
    let mut approx = 0usize;
    let mut id = 0i64;
    while approx < size {
        let mut seg_words = Vec::new();
        let mut seg_text = String::new();
        for (i, w) in words.iter().enumerate() {
            let start = t;
            t += 0.25 + i as f64 * 0.01;
            let word = serde_json::json!({
                "word": w, "start": start, "end": t, "probability": 0.93,
            });
            approx += 165;
            seg_words.push(word.clone());
            all_words.push(word);
            seg_text.push(' ');
            seg_text.push_str(w);
        }
        approx += 160 + seg_text.len() * 2;
        text.push_str(&seg_text);
        segments.push(serde_json::json!({
            "id": id, "seek": 0, "start": t - 2.0, "end": t, "text": seg_text,
            "words": seg_words, "language": "en",
        }));
        id += 1;
    }
    serde_json::json!({
        "task": "transcribe", "language": "en", "duration": t, "text": text,
        "words": all_words, "segments": segments,
    })
    .to_string()
}

/// What a variant returns, reduced to a number so the work is not optimised away.
fn weight(verbose: &VerboseTranscription) -> usize {
    verbose.segments.as_ref().map_or(0, Vec::len) + verbose.words.as_ref().map_or(0, Vec::len)
}

#[derive(Clone, Copy)]
enum Variant {
    Direct,
    Ours,
    OursInferred,
    StatusOnly,
}

impl Variant {
    const ALL: [Self; 4] = [
        Self::Direct,
        Self::Ours,
        Self::OursInferred,
        Self::StatusOnly,
    ];

    fn label(self) -> &'static str {
        match self {
            Self::Direct => "direct serde_json parse of the inner document",
            Self::Ours => "status bytes -> BatchStatus -> transcript()",
            Self::OursInferred => "the same, format inferred",
            Self::StatusOnly => "status bytes -> BatchStatus only (the unescape)",
        }
    }

    /// One decode, returning (ns, peak bytes above start).
    fn run(self, inner: &str, outer: &[u8]) -> Result<(f64, usize), BoxError> {
        // Each variant starts from its input in memory, as a poll's body read leaves it.
        let input: Vec<u8> = match self {
            Self::Direct => inner.as_bytes().to_vec(),
            Self::Ours | Self::OursInferred | Self::StatusOnly => outer.to_vec(),
        };
        let start_live = LIVE.load(Ordering::Relaxed);
        PEAK.store(start_live, Ordering::Relaxed);
        let started = Instant::now();
        let n = match self {
            Self::Direct => {
                let text = std::str::from_utf8(&input)?;
                weight(&serde_json::from_str::<VerboseTranscription>(text)?)
            }
            Self::StatusOnly => {
                let status: BatchStatus = fireworks_ai::__private::fuzz::decode_json(&input, None)?;
                status.body.map_or(0, |b| b.len())
            }
            Self::Ours | Self::OursInferred => {
                let status: BatchStatus = fireworks_ai::__private::fuzz::decode_json(&input, None)?;
                drop(input);
                let format = matches!(self, Self::Ours).then_some(ResponseFormat::VerboseJson);
                let done = CompletedBatch::from_status(status, format)?;
                match done.transcript()? {
                    TranscriptionOutput::VerboseJson(v) => weight(&v),
                    _ => return Err("not verbose_json".into()),
                }
            }
        };
        let nanos = started.elapsed().as_nanos() as f64;
        black_box(n);
        let peak = PEAK.load(Ordering::Relaxed).saturating_sub(start_live);
        Ok((nanos, peak))
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

fn main() -> Result<(), BoxError> {
    let mut rounds = 7u32;
    let mut mb = 20usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rounds" => rounds = args.next().and_then(|v| v.parse().ok()).unwrap_or(rounds),
            "--mb" => mb = args.next().and_then(|v| v.parse().ok()).unwrap_or(mb),
            // `cargo bench` passes `--bench`; ignore what is not ours.
            _ => {}
        }
    }
    let inner = verbose_json(mb * 1024 * 1024);
    let outer = serde_json::json!({
        "status": "completed",
        "batch_id": "b-1",
        "content_type": "application/json",
        "body": inner,
    })
    .to_string()
    .into_bytes();

    let mut times: Vec<Vec<f64>> = vec![Vec::new(); Variant::ALL.len()];
    let mut peaks = vec![0usize; Variant::ALL.len()];
    for variant in Variant::ALL {
        variant.run(&inner, &outer)?;
    }
    for round in 0..rounds {
        let mut order = Variant::ALL;
        order.rotate_left(round as usize % Variant::ALL.len());
        for variant in order {
            let (nanos, peak) = variant.run(&inner, &outer)?;
            let index = variant as usize;
            if let (Some(t), Some(p)) = (times.get_mut(index), peaks.get_mut(index)) {
                t.push(nanos);
                *p = (*p).max(peak);
            }
        }
    }
    let body = inner.len() as f64;
    println!(
        "completed_decode: {:.1} MB verbose_json inside a {:.1} MB status response; {rounds} rounds, \
         median time, peak heap above start",
        body / 1e6,
        outer.len() as f64 / 1e6
    );
    let mut direct = None;
    for (variant, (t, peak)) in Variant::ALL.iter().zip(times.iter_mut().zip(&peaks)) {
        let t = median(t);
        let (base_t, base_p) = *direct.get_or_insert((t, *peak as f64));
        println!(
            "  {:<48} {:>8.1} ms {:>6.2}x   peak {:>6.1} MB {:>5.2}x direct {:>5.2}x body",
            variant.label(),
            t / 1e6,
            t / base_t,
            *peak as f64 / 1e6,
            *peak as f64 / base_p,
            *peak as f64 / body,
        );
    }
    Ok(())
}
