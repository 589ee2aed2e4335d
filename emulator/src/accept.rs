//! The accept loop under load: a cap on open connections, answered past it with a 503 and a
//! JSON error, and a short backoff when the process is out of file descriptors.
//!
//! `axum::serve`'s own `TcpListener` sleeps a whole second after an accept error such as
//! `EMFILE`, leaving every waiting client stalled; [`Capped`] takes its place, counts the
//! connections it hands to hyper and retries a failed accept after 5 ms, doubling up to 200 ms,
//! so it neither spins nor stalls while descriptors are short.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The first wait after a failed accept; it doubles up to [`MAX_BACKOFF`] while accepts fail.
const FIRST_BACKOFF: Duration = Duration::from_millis(5);
/// The longest wait between accept attempts while they fail.
const MAX_BACKOFF: Duration = Duration::from_millis(200);

/// A listener that holds at most `cap` connections open at once.
pub(crate) struct Capped {
    listener: TcpListener,
    slots: Arc<Semaphore>,
    cap: usize,
}

impl Capped {
    pub(crate) fn new(listener: TcpListener, cap: usize) -> Self {
        Self {
            listener,
            slots: Arc::new(Semaphore::new(cap)),
            cap,
        }
    }
}

impl axum::serve::Listener for Capped {
    type Io = Counted;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let mut backoff = FIRST_BACKOFF;
        loop {
            match self.listener.accept().await {
                Ok((stream, addr)) => {
                    backoff = FIRST_BACKOFF;
                    match Arc::clone(&self.slots).try_acquire_owned() {
                        Ok(permit) => {
                            return (
                                Counted {
                                    stream,
                                    _permit: permit,
                                },
                                addr,
                            );
                        }
                        Err(_) => {
                            tokio::spawn(refuse(stream, self.cap));
                        }
                    }
                }
                // The peer gave up before it was accepted: nothing to wait for.
                Err(err) if is_connection_error(&err) => {}
                // Out of descriptors (`EMFILE`, `ENFILE`) or memory: the connection stays in
                // the backlog; try again once some may have been closed.
                Err(_) => {
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.listener.local_addr()
    }
}

fn is_connection_error(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// The answer to a connection past the cap, sent once its request head is read; the
/// connection is then closed. `Retry-After: 1` lets a retrying client come back.
async fn refuse(mut stream: TcpStream, cap: usize) {
    let body = format!(
        r#"{{"error":{{"code":"too_many_connections","message":"the emulator already holds its limit of {cap} open connections (--max-connections); retry later"}}}}"#
    );
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\nretry-after: 1\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    // The peer may already be gone; there is nobody to tell then.
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        // An HTTP client takes an answer that comes before its request as a protocol error, so
        // the request head (up to 16 KiB) is read first.
        let mut head = Vec::with_capacity(1024);
        let mut chunk = [0; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
            let read = stream.read(&mut chunk).await?;
            if read == 0 {
                break;
            }
            head.extend_from_slice(chunk.get(..read).unwrap_or_default());
        }
        stream.write_all(response.as_bytes()).await?;
        stream.shutdown().await?;
        // Read what the peer sent until it closes, so closing does not reset the connection
        // (and discard the response) while its request is still unread.
        let mut sink = [0; 4096];
        while stream.read(&mut sink).await? > 0 {}
        io::Result::Ok(())
    })
    .await;
}

/// An accepted connection that frees its slot under the cap when hyper drops it.
pub(crate) struct Counted {
    stream: TcpStream,
    _permit: OwnedSemaphorePermit,
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
