//! What generated code declares about each operation ([`Operation`], [`Auth`]) and the boxed
//! future its `IntoFuture` impls return ([`BoxFuture`]). Runtime types, re-exported to
//! generated code through `__private`.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use http::Method;

use crate::client::Server;

/// The future returned by generated `IntoFuture` impls.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// How an operation sends the API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// No key.
    None,
    /// `Authorization: <key>` (the audio hosts).
    Raw,
    /// `Authorization: Bearer <key>`.
    Bearer,
    /// The key as this query parameter; redacted in every URL shown in errors and logs.
    Query(&'static str),
}

/// Everything the runtime needs to know about one operation; generated as a `static`.
#[derive(Debug)]
pub struct Operation {
    /// The operation id from the spec.
    pub id: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The server it is sent to.
    pub server: &'static Server,
    /// The path template, for logs and errors.
    pub path: &'static str,
    /// How the key is sent.
    pub auth: Auth,
    /// Whether repeating the request is harmless, so it may be retried after it may have
    /// reached the server.
    pub idempotent: bool,
    /// The spec's default per-attempt timeout, if it sets one.
    pub timeout: Option<Duration>,
}
