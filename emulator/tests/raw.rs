//! The emulator on raw TCP, where HTTP clients hide the details: an early refusal of an upload
//! still reaches a client that is writing the body, an upload past the limit gets 413 as soon as
//! that is known, every error has the JSON body of its host's shape, and the key is checked
//! before anything else.

// Test helpers outside `#[test]` functions are not covered by clippy's allow-*-in-tests settings.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use fireworks_ai_emulator::Emulator;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const LIMIT: Duration = Duration::from_secs(20);
const BOUNDARY: &str = "emulator-raw-test";

/// A response as read off the socket.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: HashMap<String, String>,
    body: Value,
}

/// Reads one response: the head, then `Content-Length` bytes of body (or to the end).
async fn read_answer(stream: &mut TcpStream) -> std::io::Result<Answer> {
    let mut buf = Vec::new();
    let mut chunk = [0_u8; 8192];
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buf[..head_end].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: HashMap<String, String> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let mut body = buf[head_end + 4..].to_vec();
    match headers.get("content-length") {
        Some(length) => {
            let length: usize = length.parse().unwrap();
            while body.len() < length {
                let n = stream.read(&mut chunk).await?;
                if n == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                body.extend_from_slice(&chunk[..n]);
            }
        }
        None => {
            stream.read_to_end(&mut body).await?;
        }
    }
    let body = serde_json::from_slice(&body)
        .unwrap_or(Value::String(String::from_utf8_lossy(&body).into_owned()));
    Ok(Answer {
        status,
        headers,
        body,
    })
}

/// Sends a request with no body and reads the answer.
async fn ask(addr: SocketAddr, method: &str, target: &str, auth: Option<&str>) -> Answer {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let auth = auth.map_or(String::new(), |auth| format!("Authorization: {auth}\r\n"));
    let request = format!(
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    tokio::time::timeout(LIMIT, read_answer(&mut stream))
        .await
        .unwrap()
        .unwrap()
}

/// A multipart body: the text `fields` first, then a `file` part of `audio_len` bytes.
fn multipart(fields: &[(&str, &str)], audio_len: usize) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.mp3\"\r\nContent-Type: audio/mpeg\r\n\r\n"
        )
        .as_bytes(),
    );
    body.resize(body.len() + audio_len, 7);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn upload_head(addr: SocketAddr, target: &str, auth: &str, length: usize, extra: &str) -> String {
    format!(
        "POST {target} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {auth}\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {length}\r\n{extra}\r\n"
    )
}

/// Writes the whole upload (head and body) while reading the answer, as HTTP clients do; the
/// answer, and whether every byte could be written.
async fn upload(addr: SocketAddr, target: &str, auth: &str, body: Vec<u8>) -> (Answer, bool) {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (read, mut write) = stream.into_split();
    let head = upload_head(addr, target, auth, body.len(), "");
    let writer = tokio::spawn(async move {
        write.write_all(head.as_bytes()).await?;
        for chunk in body.chunks(64 << 10) {
            write.write_all(chunk).await?;
        }
        write.flush().await?;
        Ok::<_, std::io::Error>(write)
    });
    let written = tokio::time::timeout(LIMIT, writer).await.unwrap().unwrap();
    let all_written = written.is_ok();
    let mut stream = read.reunite(written.unwrap()).unwrap();
    let answer = tokio::time::timeout(LIMIT, read_answer(&mut stream))
        .await
        .unwrap()
        .unwrap();
    (answer, all_written)
}

#[tokio::test]
async fn early_refusals_reach_a_client_still_writing_its_upload() {
    let emulator = Emulator::builder().api_key("right").start().await.unwrap();
    let addr = emulator.addr();
    let eight_mib = 8 << 20;
    let cases = [
        (
            "/v1/audio/transcriptions",
            "wrong",
            multipart(&[], eight_mib),
            401,
            "invalid API key",
        ),
        (
            "/v1/audio/transcriptions?endpoint_id=audio-fast",
            "right",
            multipart(&[], eight_mib),
            400,
            "`endpoint_id` must be one of",
        ),
        (
            "/v1/audio/transcriptions",
            "right",
            multipart(&[("modle", "whisper-v3")], eight_mib),
            400,
            "unknown field `modle`",
        ),
    ];
    for (target, auth, body, status, message) in cases {
        let (answer, all_written) = upload(addr, target, auth, body).await;
        assert!(all_written, "{target}: the upload was cut off");
        assert_eq!(answer.status, status, "{target}: {answer:?}");
        let got = answer.body["error"]["message"].as_str().unwrap();
        assert!(got.contains(message), "{target}: {got}");
    }
    // The next upload on a fresh connection still works.
    let (answer, _) = upload(
        addr,
        "/v1/audio/transcriptions?endpoint_id=audio-prod",
        "right",
        multipart(&[], 64_000),
    )
    .await;
    assert_eq!(answer.status, 200, "{answer:?}");
}

#[tokio::test]
async fn a_client_waiting_for_100_continue_gets_the_refusal_without_sending_the_body() {
    let emulator = Emulator::builder().api_key("right").start().await.unwrap();
    let addr = emulator.addr();
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = upload_head(
        addr,
        "/v1/audio/transcriptions",
        "wrong",
        8 << 20,
        "Expect: 100-continue\r\n",
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let answer = tokio::time::timeout(LIMIT, read_answer(&mut stream))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(answer.status, 401, "{answer:?}");
    assert_eq!(answer.body["error"]["code"], "UNAUTHENTICATED");
    assert_eq!(
        answer.headers.get("connection").map(String::as_str),
        Some("close")
    );
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_413_before_any_body_is_sent() {
    let emulator = Emulator::builder().start().await.unwrap();
    let addr = emulator.addr();
    for target in [
        "/v1/audio/transcriptions",
        "/v1/audio/translations?endpoint_id=audio-prod",
    ] {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let head = upload_head(addr, target, "k", 2 << 30, "");
        stream.write_all(head.as_bytes()).await.unwrap();
        let answer = tokio::time::timeout(Duration::from_secs(5), read_answer(&mut stream))
            .await
            .expect("413 before the body")
            .unwrap();
        assert_eq!(answer.status, 413, "{answer:?}");
        assert_eq!(answer.body["error"]["code"], "PAYLOAD_TOO_LARGE");
        assert!(
            answer.body["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("payload too large"),
            "{answer:?}"
        );
        assert_eq!(
            answer.headers.get("connection").map(String::as_str),
            Some("close")
        );
    }
}

#[tokio::test]
async fn a_client_writing_an_upload_past_the_limit_still_reads_the_413() {
    let limit = 1 << 20;
    let emulator = Emulator::builder()
        .upload_limit(limit)
        .start()
        .await
        .unwrap();
    // The 413 goes out at once; the emulator then reads and discards the rest for a while
    // (a lingering close), so the client can finish writing and read it.
    let (answer, all_written) = upload(
        emulator.addr(),
        "/v1/audio/transcriptions",
        "k",
        multipart(&[], 4 * limit as usize),
    )
    .await;
    assert!(all_written, "the upload was cut off");
    assert_eq!(answer.status, 413, "{answer:?}");
    assert_eq!(
        answer.headers.get("connection").map(String::as_str),
        Some("close")
    );
}

#[tokio::test]
async fn a_chunked_upload_is_413_once_its_bytes_pass_the_limit() {
    let limit = 1 << 20;
    let emulator = Emulator::builder()
        .upload_limit(limit)
        .start()
        .await
        .unwrap();
    let addr = emulator.addr();
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /v1/audio/transcriptions HTTP/1.1\r\nHost: {addr}\r\nAuthorization: k\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // Past the limit by 64 KiB, and never finished: the answer cannot wait for the end.
    let body = multipart(&[], limit as usize + (64 << 10));
    for chunk in body.chunks(16 << 10) {
        stream
            .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .await
            .unwrap();
        stream.write_all(chunk).await.unwrap();
        stream.write_all(b"\r\n").await.unwrap();
    }
    let answer = tokio::time::timeout(Duration::from_secs(5), read_answer(&mut stream))
        .await
        .expect("413 once past the limit")
        .unwrap();
    assert_eq!(answer.status, 413, "{answer:?}");
    assert_eq!(answer.body["error"]["type"], "invalid_request_error");
}

#[tokio::test]
async fn the_key_is_checked_before_the_method_the_query_and_the_path() {
    let emulator = Emulator::builder().api_key("right").start().await.unwrap();
    let addr = emulator.addr();
    let duplicate = "/v1/audio/transcriptions?endpoint_id=audio-prod&endpoint_id=audio-prod";
    for (method, target) in [
        ("DELETE", "/v1/audio/transcriptions"),
        ("POST", duplicate),
        ("GET", "/v1/accounts/a/batch_job/%FF"),
    ] {
        let answer = ask(addr, method, target, None).await;
        assert_eq!(answer.status, 401, "{method} {target}: {answer:?}");
        assert_eq!(answer.body["error"]["code"], "UNAUTHENTICATED", "{target}");
        let answer = ask(addr, method, target, Some("wrong")).await;
        assert_eq!(answer.status, 401, "{method} {target}: {answer:?}");
    }
    let answer = ask(addr, "PUT", "/v1/accounts/a/models/m", Some("right")).await;
    assert_eq!(
        answer.status, 401,
        "the control plane takes only Bearer: {answer:?}"
    );
    assert_eq!(answer.body["code"], 16);
}

#[tokio::test]
async fn every_error_is_json_in_the_shape_of_its_host() {
    let emulator = Emulator::builder().start().await.unwrap();
    let addr = emulator.addr();
    // (method, target, auth, status, whether the control plane's shape is expected)
    let cases = [
        ("DELETE", "/v1/audio/transcriptions", "k", 405, false),
        ("GET", "/v1/audio/translations", "k", 405, false),
        ("PUT", "/v1/accounts/a/batch_job/b", "k", 405, false),
        ("PUT", "/v1/accounts/a/models/m", "Bearer k", 405, true),
        (
            "POST",
            "/v1/audio/transcriptions?endpoint_id=audio-prod&endpoint_id=audio-prod",
            "k",
            400,
            false,
        ),
        ("GET", "/v1/accounts/a/batch_job/%FF", "k", 400, false),
        ("GET", "/v1/accounts/a/models/%FF%FE", "Bearer k", 400, true),
        (
            "GET",
            "/v1/accounts/a/models?pageSize=1&pageSize=2",
            "Bearer k",
            400,
            true,
        ),
        ("GET", "/v1/accounts/a/nothing", "Bearer k", 404, true),
        ("GET", "/v1/accounts/a/models/m/x", "Bearer k", 404, true),
        ("GET", "/v2/nothing", "k", 404, false),
    ];
    for (method, target, auth, status, control) in cases {
        let answer = ask(addr, method, target, Some(auth)).await;
        let what = format!("{method} {target}: {answer:?}");
        assert_eq!(answer.status, status, "{what}");
        assert_eq!(
            answer.headers.get("content-type").map(String::as_str),
            Some("application/json"),
            "{what}"
        );
        if control {
            assert!(answer.body["code"].is_u64(), "{what}");
            assert!(
                answer.body["message"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty()),
                "{what}"
            );
            assert_eq!(answer.body["details"], Value::Array(Vec::new()), "{what}");
        } else {
            let error = &answer.body["error"];
            assert_eq!(error["object"], "error", "{what}");
            assert!(
                error["type"].is_string() && error["code"].is_string(),
                "{what}"
            );
            assert!(
                error["message"].as_str().is_some_and(|m| !m.is_empty()),
                "{what}"
            );
        }
        if status == 405 {
            assert!(answer.headers.contains_key("allow"), "{what}");
        }
    }
}
