//! Runs the README's first command, `cargo run --example quickstart`, in-process: the
//! example's own `run` function (its file is included as a module) against the bundled
//! emulator, checking the printed transcript and the progress lines.

// Test code: a failed unwrap is a failed test, and helpers outside `#[test]` functions are
// not covered by clippy's allow-*-in-tests settings.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use fireworks_ai_test_support as support;

// The example's `main` is not called here; everything else is what the binary runs.
#[allow(dead_code)]
#[path = "../examples/quickstart.rs"]
mod quickstart;

use std::sync::Mutex;

use fireworks_ai::audio::{AudioModel, ResponseFormat};
use quickstart::{Args, parse_args, run};
use support::bounded;

/// Runs the quickstart offline and returns (stdout, progress lines).
async fn offline(args: &Args) -> (String, Vec<String>) {
    let lines = Mutex::new(Vec::new());
    let log = |line: String| lines.lock().unwrap().push(line);
    let out = run(args, None, &log).await.unwrap();
    (out, lines.into_inner().unwrap())
}

#[tokio::test]
async fn the_default_run_prints_a_verbose_transcript_with_word_timings() {
    bounded(async {
        let (out, log) = offline(&Args::default()).await;
        let mut lines = out.lines();
        assert_eq!(
            lines.next(),
            Some("This is a deterministic transcript from.")
        );
        assert!(
            out.contains("language en, duration 3.00 s, 6 words:"),
            "{out}"
        );
        assert!(out.contains("  0.00 –   0.45  This"), "{out}");
        assert!(out.contains("  2.50 –   2.95  from."), "{out}");

        assert!(
            log[0].starts_with(
                "FIREWORKS_API_KEY is not set: using the bundled emulator at http://127.0.0.1:"
            ),
            "{log:?}"
        );
        assert!(
            log[1].starts_with("submitted batch `batch-000001`"),
            "{log:?}"
        );
        assert_eq!(
            log[2..6],
            [
                "poll 1: processing (Request is being processed)",
                "poll 2: processing (Request is being processed)",
                "poll 3: processing (Request is being processed)",
                "poll 4: completed",
            ]
        );
        assert!(log[6].starts_with("completed after 4 polls in "), "{log:?}");
    })
    .await;
}

#[tokio::test]
async fn format_and_model_flags_are_honoured() {
    bounded(async {
        let args = parse_args(
            ["--format", "vtt", "--model", "whisper-v3-turbo"]
                .into_iter()
                .map(String::from),
        )
        .unwrap();
        assert_eq!(args.format, ResponseFormat::Vtt);
        assert_eq!(args.model, AudioModel::WhisperV3Turbo);
        let (out, log) = offline(&args).await;
        assert!(
            out.starts_with(
                "WEBVTT\n\n00:00:00.000 --> 00:00:02.950\nThis is a deterministic transcript from."
            ),
            "{out}"
        );
        assert!(
            log[1].contains("endpoint `audio-turbo`, model `whisper-v3-turbo`, format `vtt`"),
            "{log:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_file_on_the_command_line_is_streamed_from_disk() {
    bounded(async {
        let dir = std::env::temp_dir().join(format!("fireworks-quickstart-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("five.wav");
        let mut file = std::fs::File::create(&path).unwrap();
        support::wav::write_tone(&mut file, 5 * support::wav::BYTE_RATE).unwrap();
        let args =
            parse_args([path.display().to_string(), "--format".into(), "text".into()].into_iter())
                .unwrap();
        let (out, log) = offline(&args).await;
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(out.split(' ').count(), 10, "two words per second: {out}");
        assert!(log[0].ends_with("five.wav`"), "{log:?}");
    })
    .await;
}

#[test]
fn bad_arguments_are_refused() {
    let parse = |args: &[&str]| parse_args(args.iter().map(|s| (*s).to_owned()));
    assert_eq!(
        parse(&["--model", "whisper-v4"]).unwrap_err(),
        "unknown model `whisper-v4`"
    );
    assert_eq!(parse(&["--format"]).unwrap_err(), "--format needs a value");
    assert_eq!(
        parse(&["a.wav", "b.wav"]).unwrap_err(),
        "unexpected argument `b.wav`"
    );
    assert!(
        parse(&["--help"])
            .unwrap_err()
            .starts_with("usage: quickstart")
    );
}

#[tokio::test]
async fn with_a_key_but_no_file_it_says_what_is_missing() {
    let err = run(&Args::default(), Some("fw-key"), &|_| {})
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "FIREWORKS_API_KEY is set: give an audio file to transcribe"
    );
}
