//! The emulator under many concurrent clients: a connection past `max_connections` gets a 503
//! with a JSON error, and running out of file descriptors neither kills nor spins the accept
//! loop (the binary run in a child process under a low `ulimit -n`).

// Test helpers outside `#[test]` functions are not covered by clippy's allow-*-in-tests settings.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::time::Duration;

use fireworks_ai_emulator::{Emulator, Job};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Opens a keep-alive connection, sends one status request on it and reads the status line of
/// the answer, leaving the connection open.
async fn request(addr: &str, path: &str) -> (TcpStream, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    send(&mut stream, addr, path).await;
    let status = status_line(&mut stream).await;
    (stream, status)
}

async fn send(stream: &mut TcpStream, addr: &str, path: &str) {
    let request = format!("GET {path} HTTP/1.1\r\nhost: {addr}\r\nauthorization: key\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
}

async fn status_line(stream: &mut TcpStream) -> String {
    let mut head = vec![0; 4096];
    let read = stream.read(&mut head).await.unwrap();
    let text = String::from_utf8_lossy(&head[..read]).into_owned();
    text.lines().next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn connection_past_the_cap_is_answered_503_with_a_json_error() {
    let emulator = Emulator::builder()
        .max_connections(2)
        .start()
        .await
        .unwrap();
    emulator.seed_job("acct", "job", Job::completes_after(100));
    let addr = emulator.base_url().trim_start_matches("http://").to_owned();
    let path = "/v1/accounts/acct/batch_job/job";
    let (first, status) = request(&addr, path).await;
    assert_eq!(status, "HTTP/1.1 200 OK");
    let (_second, status) = request(&addr, path).await;
    assert_eq!(status, "HTTP/1.1 200 OK");

    // A third client, through an ordinary HTTP client: a clear, retryable refusal.
    let url = format!("{}{path}", emulator.base_url());
    let fresh = || {
        reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .unwrap()
    };
    let refused = fresh()
        .get(&url)
        .header("authorization", "key")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 503);
    assert_eq!(refused.headers()["retry-after"], "1");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_connections");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("limit of 2 open connections"), "{message}");

    // Closing one held connection frees its slot for the next client.
    drop(first);
    let mut status = 0;
    for _ in 0..100 {
        let response = fresh()
            .get(&url)
            .header("authorization", "key")
            .send()
            .await
            .unwrap();
        status = response.status().as_u16();
        if status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        status, 200,
        "the slot of the closed connection was not freed"
    );
}

#[cfg(target_os = "linux")]
mod out_of_descriptors {
    use std::process::{Child, Command, Stdio};

    use super::*;

    /// Kills the child emulator however the test ends.
    struct Killed(Child);

    impl Drop for Killed {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    /// User plus system CPU time of a process, in clock ticks (`/proc/PID/stat` fields 14, 15).
    fn cpu_ticks(pid: u32) -> u64 {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        // The command name is in parentheses and may hold spaces; fields are counted after it.
        let after = &stat[stat.rfind(')').unwrap() + 2..];
        let fields: Vec<&str> = after.split(' ').collect();
        fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
    }

    #[tokio::test]
    async fn accept_loop_backs_off_and_keeps_serving_when_out_of_descriptors() {
        // 48 descriptors: the runtime, the two listeners and the standard streams take about
        // a dozen, so about 35 connections fit and the rest of the 60 below wait in the backlog.
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(r#"ulimit -n 48 && exec "$0" --max-connections 100000"#)
            .arg(env!("CARGO_BIN_EXE_fireworks-ai-emulator"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let child = Killed(child);
        // The reader is kept open for the whole test: the emulator prints a second line (the
        // audio batch URL) and would die of a broken pipe if stdout were closed before that.
        let (url, _stdout) = tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            let mut stdout = std::io::BufReader::new(stdout);
            std::io::BufRead::read_line(&mut stdout, &mut line).unwrap();
            (line.trim().to_owned(), stdout)
        })
        .await
        .unwrap();
        let addr = url.trim_start_matches("http://").to_owned();
        let path = "/v1/accounts/demo-account/batch_job/demo-batch";

        let mut streams = Vec::new();
        for _ in 0..60 {
            let mut stream = TcpStream::connect(&addr).await.unwrap();
            send(&mut stream, &addr, path).await;
            streams.push(stream);
        }
        // Which connections are answered within 500 ms; the others wait unaccepted.
        let reads = streams.into_iter().map(|mut stream| async move {
            let answer =
                tokio::time::timeout(Duration::from_millis(500), status_line(&mut stream)).await;
            (stream, answer.ok())
        });
        let mut answered = Vec::new();
        let mut waiting = Vec::new();
        for (stream, answer) in futures_util::future::join_all(reads).await {
            match answer {
                Some(status) => {
                    assert_eq!(status, "HTTP/1.1 200 OK");
                    answered.push(stream);
                }
                None => waiting.push(stream),
            }
        }
        assert!(!answered.is_empty(), "no connection was served at all");
        assert!(
            !waiting.is_empty(),
            "all 60 connections were served under ulimit -n 48; the test did not reach the limit"
        );

        // Out of descriptors, with connections pending: the accept loop must not spin.
        let pid = child.0.id();
        let before = cpu_ticks(pid);
        tokio::time::sleep(Duration::from_secs(1)).await;
        let used = cpu_ticks(pid) - before;
        assert!(
            used < 50,
            "the emulator used {used} ticks of CPU in 1 s while out of descriptors"
        );

        // Closing the served connections lets the waiting ones in, and every one is answered.
        drop(answered);
        let reads = waiting.into_iter().map(|mut stream| async move {
            tokio::time::timeout(Duration::from_secs(10), status_line(&mut stream)).await
        });
        for answer in futures_util::future::join_all(reads).await {
            let status = answer.expect("a queued connection was never served");
            assert_eq!(status, "HTTP/1.1 200 OK");
        }
    }
}
