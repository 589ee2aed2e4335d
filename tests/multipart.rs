//! Multipart requests on the wire, against the scripted raw-TCP server on 127.0.0.1: a full
//! transcription request field by field (snapshot, boundary normalised), URL input, a file
//! streamed from disk and read again on a retry, no retry once a submit may have been acted
//! on, and a 200 MB file sent without the process growing by its size.

// Test code: a failed unwrap is a failed test, and helpers outside `#[test]` functions are
// not covered by clippy's allow-*-in-tests settings.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

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
        client(&server)
            .audio_batch()
            .submit_transcription(request)
            .await
            .unwrap();
        let requests = server.requests();
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
        client(&server)
            .audio_batch()
            .submit_transcription(request)
            .await
            .unwrap();
        let requests = server.requests();
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

/// Peak resident memory of this process in KiB (`VmHWM`).
#[cfg(target_os = "linux")]
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// A server that reads one request, counting and discarding the body, then answers 200.
#[cfg(target_os = "linux")]
async fn discarding_server() -> (String, tokio::task::JoinHandle<u64>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut buf = vec![0_u8; 64 * 1024];
        let mut head = Vec::new();
        let body_start = loop {
            let n = stream.read(&mut buf).await.unwrap();
            head.extend_from_slice(&buf[..n]);
            if let Some(i) = find(&head, b"\r\n\r\n") {
                break i + 4;
            }
        };
        let text = String::from_utf8_lossy(&head[..body_start]).to_ascii_lowercase();
        let length: u64 = text
            .lines()
            .find_map(|l| l.strip_prefix("content-length: "))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let mut received = (head.len() - body_start) as u64;
        while received < length {
            let n = stream.read(&mut buf).await.unwrap();
            assert!(n > 0, "body ended early");
            received += n as u64;
        }
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{SUBMITTED}",
            SUBMITTED.len()
        );
        stream.write_all(answer.as_bytes()).await.unwrap();
        received
    });
    (url, task)
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_200_mb_file_is_sent_without_reading_it_into_memory() {
    bounded(async {
        const SIZE: u64 = 200 * 1024 * 1024;
        let file = Scratch::new("large.wav", b"");
        // A sparse file: no disk space, but every byte is read and sent.
        std::fs::OpenOptions::new()
            .write(true)
            .open(&file.0)
            .unwrap()
            .set_len(SIZE)
            .unwrap();
        let (url, server) = discarding_server().await;
        let client = Client::builder()
            .api_key(KEY)
            .base_url(AUDIO_BATCH, &url)
            .build()
            .unwrap();
        let request = TranscriptionRequest::new(FileInput::from_path(&file.0).await.unwrap());
        let before = peak_rss_kib();
        client
            .audio_batch()
            .submit_transcription(request)
            .await
            .unwrap();
        let grown_mib = (peak_rss_kib() - before) / 1024;
        let received = server.await.unwrap();
        assert!(
            received > SIZE,
            "the whole file and the form around it: {received}"
        );
        assert!(
            grown_mib < 32,
            "peak RSS grew by {grown_mib} MiB for a 200 MiB file"
        );
    })
    .await;
}
