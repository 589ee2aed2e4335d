//! Multipart requests on the wire, against the scripted raw-TCP server on 127.0.0.1: a full
//! transcription request field by field (snapshot, boundary normalised), URL input, a file
//! streamed from disk and read again on a retry, and no retry once a submit may have been acted
//! on. Memory use of a large upload is measured by `tests/rss.rs`, in a binary of its own.

// Test code: a failed unwrap is a failed test, and helpers outside `#[test]` functions are
// not covered by clippy's allow-*-in-tests settings.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use fireworks_ai_test_support as support;

use std::path::PathBuf;

use fireworks_ai::audio::{
    AlignmentModel, AudioModel, Preprocessing, ResponseFormat, TimestampGranularity,
    TranscriptionRequest, VadModel,
};
use fireworks_ai::audio_batch::AUDIO_BATCH;
use fireworks_ai::{Client, Error, FileInput};
use support::{Recorded, Reply, Resp, TestServer, bounded};

const KEY: &str = "fw_MULTIPART_KEY";
const SUBMITTED: &str =
    r#"{"status":"submitted","batch_id":"b-1","account_id":"acct","endpoint_id":"audio-turbo"}"#;

fn client(server: &TestServer) -> Client {
    Client::builder()
        .api_key(KEY)
        .base_url(AUDIO_BATCH, &server.url())
        .build()
        .unwrap()
}

/// Submits `request` to `server` for batch transcription, which must succeed, and gives every
/// request the server received.
async fn submitted(server: &TestServer, request: TranscriptionRequest) -> Vec<Recorded> {
    client(server)
        .audio_batch()
        .submit_transcription(request)
        .await
        .unwrap();
    server.requests()
}

/// A scratch file removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str, content: &[u8]) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("fireworks-ai-multipart-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, content).unwrap();
        Scratch(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The boundary from the request's `Content-Type`.
fn boundary(request: &Recorded) -> String {
    request
        .header("content-type")
        .unwrap()
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap()
        .to_owned()
}

/// What a server receives, as text: the request line, the headers that describe the body and
/// the key, then the body with the boundary replaced by `BOUNDARY`.
fn wire(request: &Recorded) -> String {
    let boundary = boundary(request);
    let mut out = format!("{}\n", request.request_line);
    for name in ["authorization", "content-type", "content-length", "accept"] {
        let value = request.header(name).unwrap_or("(none)");
        out.push_str(&format!(
            "{name}: {}\n",
            value.replace(&boundary, "BOUNDARY")
        ));
    }
    out.push('\n');
    let body = String::from_utf8(request.body.clone()).unwrap();
    out.push_str(&body.replace(&boundary, "BOUNDARY").replace("\r\n", "␍␊\n"));
    out
}

/// The parts of a multipart body: name, file name and content of each, in order.
fn parts(request: &Recorded) -> Vec<(String, Option<String>, Vec<u8>)> {
    let delimiter = format!("--{}", boundary(request));
    let body = &request.body;
    let mut out = Vec::new();
    let mut rest: &[u8] = body;
    loop {
        let start = find(rest, delimiter.as_bytes()).unwrap() + delimiter.len();
        rest = &rest[start..];
        if rest.starts_with(b"--") {
            return out;
        }
        let head_end = find(rest, b"\r\n\r\n").unwrap();
        let head = String::from_utf8(rest[2..head_end].to_vec()).unwrap();
        let content_start = head_end + 4;
        let next = find(
            &rest[content_start..],
            format!("\r\n{delimiter}").as_bytes(),
        )
        .unwrap();
        let content = rest[content_start..content_start + next].to_vec();
        let attr = |key: &str| {
            head.split("; ")
                .find_map(|p| p.strip_prefix(&format!("{key}=\"")))
                .map(|v| v.split('"').next().unwrap().to_owned())
        };
        out.push((attr("name").unwrap(), attr("filename"), content));
        rest = &rest[content_start + next + 2..];
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[tokio::test]
async fn a_full_transcription_request_on_the_wire() {
    bounded(async {
        let server = TestServer::always(Reply::Respond(Resp::json(200, SUBMITTED))).await;
        let request = TranscriptionRequest::new(FileInput::from_bytes(
            &b"RIFF fake wav"[..],
            "meeting \"final\".wav",
        ))
        .model(AudioModel::WhisperV3Turbo)
        .vad_model(VadModel::WhisperxPyannet)
        .alignment_model(AlignmentModel::TdnnFfn)
        .language("de")
        .prompt("Fireworks, Whisper")
        .temperature([0.0, 0.2, 0.4])
        .response_format(ResponseFormat::VerboseJson)
        .timestamp_granularities([TimestampGranularity::Word, TimestampGranularity::Segment])
        .diarize(true)
        .min_speakers(1)
        .max_speakers(3)
        .preprocessing(Preprocessing::SoftDynamic);
        let submitted = client(&server)
            .audio_batch()
            .submit_transcription(request)
            .await
            .unwrap();
        assert_eq!(submitted.batch_id, "b-1");
        let requests = server.requests();
        assert_eq!(requests.len(), 1);
        insta::assert_snapshot!(wire(&requests[0]));
    })
    .await;
}

#[tokio::test]
async fn unset_fields_are_not_sent_and_a_url_is_a_text_part() {
    bounded(async {
        let server = TestServer::always(Reply::Respond(Resp::json(200, SUBMITTED))).await;
        let request = TranscriptionRequest::new(FileInput::from_url("https://x.test/talk.mp3"));
        let requests = submitted(&server, request).await;
        assert_eq!(
            requests[0].target,
            "/v1/audio/transcriptions?endpoint_id=audio-prod"
        );
        assert_eq!(
            parts(&requests[0]),
            [("file".to_owned(), None, b"https://x.test/talk.mp3".to_vec())]
        );
    })
    .await;
}

#[tokio::test]
async fn a_file_on_disk_is_streamed_whole_and_read_again_on_a_retry() {
    bounded(async {
        let content: Vec<u8> = (0..300_000_u32).map(|i| (i % 253) as u8).collect();
        let file = Scratch::new("retry.flac", &content);
        // 429 means the server refused the request before doing any work, so even a submit
        // is retried, with the file read again from the start.
        let server = TestServer::sequence(vec![
            Reply::Respond(
                Resp::json(429, r#"{"error":"slow down"}"#).header("retry-after", "0.01"),
            ),
            Reply::Respond(Resp::json(200, SUBMITTED)),
        ])
        .await;
        let request = TranscriptionRequest::new(FileInput::from_path(&file.0).await.unwrap())
            .model(AudioModel::WhisperV3Turbo);
        let requests = submitted(&server, request).await;
        assert_eq!(requests.len(), 2);
        for request in &requests {
            let parts = parts(request);
            assert_eq!(parts[0].0, "file");
            assert_eq!(parts[0].1.as_deref(), Some("retry.flac"));
            assert!(parts[0].2 == content, "the whole file, byte for byte");
            assert_eq!(
                request.header("content-length").unwrap(),
                request.body.len().to_string()
            );
        }
        assert_ne!(boundary(&requests[0]), boundary(&requests[1]));
    })
    .await;
}

#[tokio::test]
async fn a_submit_is_not_sent_again_after_a_server_error() {
    bounded(async {
        let server =
            TestServer::always(Reply::Respond(Resp::json(503, r#"{"error":"busy"}"#))).await;
        let request = TranscriptionRequest::new(FileInput::from_bytes(&b"RIFF"[..], "a.wav"));
        let err = client(&server)
            .audio_batch()
            .submit_transcription(request)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Status(_)), "{err}");
        assert_eq!(
            server.count(),
            1,
            "the job may have been queued: no second submit"
        );
    })
    .await;
}
