//! The middleware in front of every route: it records the request, decides its surface, checks
//! the key before anything else, enforces the upload limit (413 as soon as it is passed, then a
//! lingering close), turns any error that is not JSON into the surface's error body, and reads
//! what is left of an upload before answering, so a client still writing gets the answer
//! instead of a broken connection.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, BodyDataStream, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use futures_util::{Stream, StreamExt};
use percent_encoding::percent_decode_str;

use crate::job::lock;
use crate::record::RecordedRequest;
use crate::server::Shared;
use crate::surface::{self, Listener, Surface};

/// How long the rest of a refused upload may take to arrive before the connection is closed.
const DRAIN_TIME: Duration = Duration::from_secs(60);
/// How much of an upload past the limit is read and discarded after the 413 has been sent.
const LINGER_BYTES: u64 = 64 << 20;
/// How long an upload past the limit is read after the 413 has been sent.
const LINGER_TIME: Duration = Duration::from_secs(5);

/// What the middleware needs: the shared state and which listener it serves.
#[derive(Debug, Clone)]
pub(crate) struct Guard {
    pub(crate) shared: Arc<Shared>,
    pub(crate) listener: Listener,
}

/// The middleware itself; see the module docs.
pub(crate) async fn guard(State(guard): State<Guard>, request: Request, next: Next) -> Response {
    let state = &guard.shared;
    state.record.push(RecordedRequest::of(&request));
    let surface = Surface::of(guard.listener, request.uri());
    count_status_request(state, &request);
    let method = request.method().clone();
    let limit = state.config.upload_limit;
    let declared = content_length(request.headers());
    let expects_continue = request
        .headers()
        .get(header::EXPECT)
        .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    let (mut parts, body) = request.into_parts();
    let upload = Arc::new(Upload {
        rest: Mutex::new(Some(body.into_data_stream())),
        read: AtomicU64::new(0),
        polled: AtomicBool::new(false),
        over: AtomicBool::new(false),
        limit,
    });

    let response = if let Err(message) =
        surface::authenticate(&state.config, surface, &parts.headers, parts.uri.query())
    {
        surface::error(surface, StatusCode::UNAUTHORIZED, message)
    } else if declared.is_some_and(|length| length > limit) {
        return linger(too_large(surface, limit), upload);
    } else {
        parts.extensions.insert(surface);
        let body = Body::from_stream(Tracked(Arc::clone(&upload)));
        let response = next.run(Request::from_parts(parts, body)).await;
        if upload.over.load(Ordering::Relaxed) {
            return linger(too_large(surface, limit), upload);
        }
        as_json(surface, &method, response).await
    };
    finish(response, &upload, declared, expects_continue).await
}

/// Counts a batch status request for [`crate::RunningEmulator::poll_count`], whatever its outcome.
fn count_status_request(state: &Shared, request: &Request) {
    if request.method() != Method::GET {
        return;
    }
    let path = request.uri().path();
    let Some(rest) = path.strip_prefix("/v1/accounts/") else {
        return;
    };
    let segments: Vec<&str> = rest.split('/').collect();
    if let [account, "batch_job", batch] = segments.as_slice() {
        let decode = |segment: &str| {
            percent_decode_str(segment)
                .decode_utf8()
                .ok()
                .map(|text| text.into_owned())
        };
        if let (Some(account), Some(batch)) = (decode(account), decode(batch)) {
            state.jobs.count_request(&account, &batch);
        }
    }
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn too_large(surface: Surface, limit: u64) -> Response {
    surface::error(
        surface,
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!("payload too large: the request body may be at most {limit} bytes"),
    )
}

/// Sends a response with `Connection: close` at once, and goes on reading and discarding the
/// body for a while in the background (a lingering close), so a client still writing can read
/// the response before the connection closes; past [`LINGER_BYTES`] or [`LINGER_TIME`] the
/// connection is closed with the rest unread.
fn linger(response: Response, upload: Arc<Upload>) -> Response {
    if let Some(mut rest) = lock(&upload.rest).take() {
        tokio::spawn(async move {
            let _ = tokio::time::timeout(LINGER_TIME, async {
                let mut read: u64 = 0;
                while let Some(Ok(chunk)) = rest.next().await {
                    read = read.saturating_add(chunk.len() as u64);
                    if read > LINGER_BYTES {
                        break;
                    }
                }
            })
            .await;
        });
    }
    closing(response)
}

/// Marks a response as the last on its connection.
fn closing(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// Replaces an error response that is not JSON (an extractor's plain-text rejection, an empty
/// 405) with the surface's error body, keeping its status and `Allow` header.
async fn as_json(surface: Surface, method: &Method, response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 64 << 10)
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_owned())
        .unwrap_or_default();
    let message = match (text.is_empty(), status) {
        (false, _) => text,
        (true, StatusCode::METHOD_NOT_ALLOWED) => {
            format!("method `{method}` is not allowed on this path")
        }
        (true, _) => status
            .canonical_reason()
            .unwrap_or("error")
            .to_ascii_lowercase(),
    };
    let mut fresh = surface::error(surface, status, &message);
    if let Some(allow) = parts.headers.get(header::ALLOW) {
        fresh.headers_mut().insert(header::ALLOW, allow.clone());
    }
    fresh
}

/// Reads and discards what the handler left of the body before the response goes out, so the
/// client can finish writing and then read it. A client that waits for `100 Continue` has sent
/// nothing yet and is answered at once; an upload that cannot fit the limit, or is too slow, is
/// answered with `Connection: close` instead of being read.
async fn finish(
    response: Response,
    upload: &Upload,
    declared: Option<u64>,
    expects_continue: bool,
) -> Response {
    if expects_continue && !upload.polled.load(Ordering::Relaxed) {
        return closing(response);
    }
    if declared.is_some_and(|length| length > upload.limit) {
        return closing(response);
    }
    let Some(mut rest) = lock(&upload.rest).take() else {
        return response;
    };
    let drained = tokio::time::timeout(DRAIN_TIME, async {
        let mut read = upload.read.load(Ordering::Relaxed);
        while let Some(chunk) = rest.next().await {
            let Ok(chunk) = chunk else {
                return false;
            };
            read = read.saturating_add(chunk.len() as u64);
            if read > upload.limit {
                return false;
            }
        }
        true
    })
    .await;
    match drained {
        Ok(true) => response,
        _ => closing(response),
    }
}

/// The request body, shared between the handler (through [`Tracked`]) and [`finish`].
struct Upload {
    rest: Mutex<Option<BodyDataStream>>,
    read: AtomicU64,
    polled: AtomicBool,
    over: AtomicBool,
    limit: u64,
}

/// The body the handler reads: counts bytes and fails once the limit is passed.
struct Tracked(Arc<Upload>);

impl Stream for Tracked {
    type Item = Result<Bytes, axum::Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let upload = &self.0;
        upload.polled.store(true, Ordering::Relaxed);
        let mut rest = lock(&upload.rest);
        let Some(stream) = rest.as_mut() else {
            return Poll::Ready(None);
        };
        let polled = Pin::new(stream).poll_next(cx);
        if let Poll::Ready(Some(Ok(chunk))) = &polled {
            let read = upload
                .read
                .fetch_add(chunk.len() as u64, Ordering::Relaxed)
                .saturating_add(chunk.len() as u64);
            if read > upload.limit {
                upload.over.store(true, Ordering::Relaxed);
                return Poll::Ready(Some(Err(axum::Error::new(format!(
                    "the request body passed the {} byte limit",
                    upload.limit
                )))));
            }
        }
        polled
    }
}
