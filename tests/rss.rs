//! A 200 MiB file sent with `FileInput::from_path` through submit-and-wait to the in-process
//! emulator must not grow the process's peak RSS by more than 32 MiB.
//!
//! Why a process-wide number is reliable here: this file is its own test binary, so its own
//! process, and holds this one test, so nothing else allocates while it runs (Cargo runs test
//! binaries one after another). The file is written beforehand a second of audio at a time, a
//! small warm-up upload builds the connection pool and buffers first, and then the peak
//! (`VmHWM`) is reset through `/proc/self/clear_refs` and compared with the RSS at that moment,
//! so only the upload itself is counted: the client streaming the file and the emulator
//! parsing and discarding it in the same process. Where the reset is not allowed the figure
//! can only be too high, never too low. Reading the file into memory instead grows the peak by
//! more than the file's size (see `cargo run --example rss_upload`), so 32 MiB leaves a wide
//! margin on both sides of the measured 2 MiB or so.

#![cfg(target_os = "linux")]
// Test code: a failed unwrap is a failed test, and helpers outside `#[test]` functions are
// not covered by clippy's allow-*-in-tests settings.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use fireworks_ai_test_support as support;

// The example's `main` and `run` are not called here; its helpers are what it measures with.
#[allow(dead_code)]
#[path = "../examples/rss_upload.rs"]
mod rss_upload;

use fireworks_ai::FileInput;
use rss_upload::{Scratch, measured, start, upload, write_wav};
use support::bounded;

const SIZE_MIB: u32 = 200;
const LIMIT_MIB: u64 = 32;

#[tokio::test]
async fn a_200_mib_file_streams_through_submit_and_wait_within_32_mib_of_peak_rss() {
    bounded(async {
        let (emulator, client) = start().await.unwrap();
        let scratch = Scratch::new("rss-test").unwrap();
        let path = scratch.0.join("large.wav");
        let written = write_wav(&path, SIZE_MIB).unwrap();
        assert_eq!(written, u64::from(SIZE_MIB) * 1024 * 1024 + 44);

        let warm = scratch.0.join("warm-up.wav");
        write_wav(&warm, 1).unwrap();
        upload(&client, FileInput::from_path(&warm).await.unwrap())
            .await
            .unwrap();

        let file = FileInput::from_path(&path).await.unwrap();
        assert_eq!(file.size(), Some(written));
        let (words, growth) = measured(upload(&client, file)).await.unwrap();
        // The emulator answers only once it has parsed the form to its closing boundary, so
        // the whole file went over the wire; 200 MiB of audio is past its 600-word cap.
        assert_eq!(words, 600);
        assert_eq!(emulator.requests().len(), 4, "two submits and two polls");
        let grown_mib = growth.kib / 1024;
        assert!(
            grown_mib < LIMIT_MIB,
            "peak RSS grew by {grown_mib} MiB for a {SIZE_MIB} MiB file (peak reset: {})",
            growth.peak_was_reset
        );
    })
    .await;
}
