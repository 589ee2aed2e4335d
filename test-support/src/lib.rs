//! Test helpers of the workspace (not published): a scripted raw-TCP HTTP/1.1 server on
//! 127.0.0.1 for behaviour and fault-injection tests:
//! it records every request exactly as received and answers each from a script (respond,
//! hang, reset, close after headers, truncate, drip, stall, garbage, endless body). The fake
//! clock for exact backoff is in `clock`, audio inputs and transcript helpers in `audio` and
//! `wav`.

// Test code: a failed unwrap is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers: a broken expectation fails the test that uses them"
)]
#![forbid(unsafe_code)]

pub mod audio;
pub mod clock;
pub mod wav;

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A client of the control plane (server `control`, which every control-plane area shares) at
/// `url`, with the key `fw_KEY` and the default account `acct` the control-plane tests assert.
pub fn control_client(url: &str) -> fireworks_ai::Client {
    fireworks_ai::Client::builder()
        .api_key("fw_KEY")
        .account_id("acct")
        .base_url(fireworks_ai::batch_inference::CONTROL, url)
        .build()
        .unwrap()
}

/// Every test finishes well within this; a hang fails the test instead of the suite.
pub const TEST_LIMIT: Duration = Duration::from_secs(30);

/// Runs a test body under [`TEST_LIMIT`].
pub async fn bounded<T>(body: impl Future<Output = T>) -> T {
    tokio::time::timeout(TEST_LIMIT, body)
        .await
        .expect("test exceeded its time limit")
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The request line, e.g. `GET /v1/x HTTP/1.1`.
    pub request_line: String,
    /// The request target (path and query) exactly as sent.
    pub target: String,
    /// Header lines as sent, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// Which accepted connection carried it (0-based).
    pub connection: usize,
}

impl Recorded {
    /// The first value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The whole head as text, for leak checks.
    pub fn text(&self) -> String {
        let mut s = self.request_line.clone();
        for (n, v) in &self.headers {
            s.push_str(&format!("\n{n}: {v}"));
        }
        s.push('\n');
        s.push_str(&String::from_utf8_lossy(&self.body));
        s
    }
}

/// A response to write.
#[derive(Debug, Clone)]
pub struct Resp {
    /// The status code.
    pub status: u16,
    /// Header lines to send, in order (a `content-length` is added when the reply needs one).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Resp {
    /// A JSON response.
    pub fn json(status: u16, body: &str) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    /// A response with a content type.
    pub fn typed(status: u16, content_type: &str, body: &str) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.as_bytes().to_vec(),
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The head, with a Content-Length of `len`.
    fn head(&self, len: Option<usize>) -> Vec<u8> {
        let mut s = format!("HTTP/1.1 {} X\r\n", self.status);
        for (n, v) in &self.headers {
            s.push_str(&format!("{n}: {v}\r\n"));
        }
        if let Some(len) = len {
            s.push_str(&format!("content-length: {len}\r\n"));
        }
        s.push_str("\r\n");
        s.into_bytes()
    }
}

/// What the server does with one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Answer and keep the connection open.
    Respond(Resp),
    /// Never answer; hold the connection.
    Hang,
    /// Close the connection with a TCP reset.
    Reset,
    /// Send the head (announcing the full body) and close.
    CloseAfterHeaders(Resp),
    /// Send the head and the first `n` body bytes, then close.
    Truncate(Resp, usize),
    /// Send the head and the first `n` body bytes, then hold the connection silently.
    StallAfter(Resp, usize),
    /// Send the body in `chunk`-byte pieces with `delay` between them.
    Drip(Resp, usize, Duration),
    /// Send these bytes as the whole answer and close.
    Garbage(Vec<u8>),
    /// A chunked 200 body that never ends (until the client goes away).
    Endless,
    /// Announce this Content-Length for a 200 and then send nothing more.
    HugeLength(u64),
}

/// A scripted HTTP/1.1 server on 127.0.0.1.
pub struct TestServer {
    addr: std::net::SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
    accepted: Arc<AtomicUsize>,
    open: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

type Script = Arc<dyn Fn(usize, &Recorded) -> Reply + Send + Sync>;

impl TestServer {
    /// Answers request `n` (0-based) with `replies[n]`, repeating the last reply.
    pub async fn sequence(replies: Vec<Reply>) -> Self {
        Self::start(move |n, _| {
            replies
                .get(n)
                .or(replies.last())
                .cloned()
                .unwrap_or(Reply::Reset)
        })
        .await
    }

    /// Answers every request with the same reply.
    pub async fn always(reply: Reply) -> Self {
        Self::start(move |_, _| reply.clone()).await
    }

    /// Answers each request with `script(index, request)`.
    pub async fn start(script: impl Fn(usize, &Recorded) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let accepted = Arc::new(AtomicUsize::new(0));
        let open = Arc::new(AtomicUsize::new(0));
        let script: Script = Arc::new(script);
        let task = {
            let (requests, accepted, open) = (requests.clone(), accepted.clone(), open.clone());
            tokio::spawn(async move {
                // Connections end when the client goes away, or when the runtime shuts down.
                while let Ok((stream, _)) = listener.accept().await {
                    let connection = accepted.fetch_add(1, Ordering::SeqCst);
                    open.fetch_add(1, Ordering::SeqCst);
                    let (requests, open, script) = (requests.clone(), open.clone(), script.clone());
                    tokio::spawn(async move {
                        serve(stream, connection, &requests, &script).await;
                        open.fetch_sub(1, Ordering::SeqCst);
                    });
                }
            })
        };
        Self {
            addr,
            requests,
            accepted,
            open,
            task,
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Requests received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    /// How many requests were received.
    pub fn count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }

    /// How many connections were accepted.
    pub fn connections(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// How many connections are still open on the server side.
    pub fn open_connections(&self) -> usize {
        self.open.load(Ordering::SeqCst)
    }

    /// Waits (bounded) until at most `n` connections are open; returns the final count.
    pub async fn wait_open_at_most(&self, n: usize, within: Duration) -> usize {
        let start = tokio::time::Instant::now();
        while self.open_connections() > n && start.elapsed() < within {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.open_connections()
    }
}

/// Serves one connection until it closes or a reply ends it.
async fn serve(
    mut stream: TcpStream,
    connection: usize,
    requests: &Mutex<Vec<Recorded>>,
    script: &Script,
) {
    let mut buf = Vec::new();
    loop {
        let Some(request) = read_request(&mut stream, &mut buf, connection).await else {
            return;
        };
        let index = {
            let mut all = requests.lock().unwrap();
            all.push(request.clone());
            all.len() - 1
        };
        let reply = script(index, &request);
        if !answer(&mut stream, reply).await {
            return;
        }
    }
}

/// Reads one request (head plus Content-Length body); `None` at end of stream.
async fn read_request(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    connection: usize,
) -> Option<Recorded> {
    let head_end = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos;
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default().to_owned();
    let target = request_line
        .split(' ')
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    buf.drain(..head_end + 4);
    while buf.len() < len {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body: Vec<u8> = buf.drain(..len).collect();
    Some(Recorded {
        request_line,
        target,
        headers,
        body,
        connection,
    })
}

/// Writes one reply; `false` when the connection must end.
async fn answer(stream: &mut TcpStream, reply: Reply) -> bool {
    match reply {
        Reply::Respond(resp) => {
            let mut out = resp.head(Some(resp.body.len()));
            out.extend_from_slice(&resp.body);
            stream.write_all(&out).await.is_ok()
        }
        Reply::Hang => std::future::pending().await,
        Reply::Reset => {
            let _ = stream.set_zero_linger();
            false
        }
        Reply::CloseAfterHeaders(resp) => {
            let _ = stream.write_all(&resp.head(Some(resp.body.len()))).await;
            false
        }
        Reply::Truncate(resp, n) => {
            let mut out = resp.head(Some(resp.body.len()));
            out.extend_from_slice(&resp.body[..n.min(resp.body.len())]);
            let _ = stream.write_all(&out).await;
            false
        }
        Reply::StallAfter(resp, n) => {
            let mut out = resp.head(Some(resp.body.len()));
            out.extend_from_slice(&resp.body[..n.min(resp.body.len())]);
            let _ = stream.write_all(&out).await;
            std::future::pending().await
        }
        Reply::Drip(resp, chunk, delay) => {
            if stream
                .write_all(&resp.head(Some(resp.body.len())))
                .await
                .is_err()
            {
                return false;
            }
            for piece in resp.body.chunks(chunk.max(1)) {
                tokio::time::sleep(delay).await;
                if stream.write_all(piece).await.is_err() {
                    return false;
                }
            }
            true
        }
        Reply::Garbage(bytes) => {
            let _ = stream.write_all(&bytes).await;
            false
        }
        Reply::Endless => {
            let head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
            if stream.write_all(head).await.is_err() {
                return false;
            }
            let piece = format!("1000\r\n{}\r\n", " ".repeat(0x1000));
            // Bounded: at most 1 GiB, though the client normally stops far earlier.
            for _ in 0..(1usize << 18) {
                if stream.write_all(piece.as_bytes()).await.is_err() {
                    return false;
                }
            }
            false
        }
        Reply::HugeLength(len) => {
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {len}\r\n\r\n"
            );
            let _ = stream.write_all(head.as_bytes()).await;
            std::future::pending().await
        }
    }
}

/// Asserts `key` is absent from every rendering of `err` (`Display`, `Debug`, pretty `Debug`).
pub fn assert_no_key(err: &fireworks_ai::Error, key: &str) {
    let shown = format!("{err} {err:?} {err:#?}");
    assert!(!shown.contains(key), "key leaked: {shown}");
}
