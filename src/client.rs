//! The hand-written [`Client`] and [`ClientBuilder`]: API key, default account id, base URL
//! per server, user agent, timeouts, retries and limits. Generated code adds one method per
//! API area to `Client`; sending lives in `call`.

use std::ffi::OsStr;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::HeaderValue;
use secrecy::{ExposeSecret, SecretString};

use crate::error::Error;
use crate::limit::Limits;
use crate::options::Config;
use crate::retry::{Clock, RetryBudget, RetryPolicy, TokioClock};
use crate::url::{BaseCache, REDACTED, check_base_url};

/// A named API host from the spec, with its default base URL.
///
/// Generated code declares one `pub const` per server, e.g.
/// `fireworks_ai::audio_batch::AUDIO_BATCH`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Server {
    name: &'static str,
    default_url: &'static str,
}

impl Server {
    /// Declares a server.
    pub const fn new(name: &'static str, default_url: &'static str) -> Self {
        Self { name, default_url }
    }

    /// The server's name in the spec (`audio_batch`), also used for its
    /// `FIREWORKS_<NAME>_BASE_URL` variable.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The base URL used unless overridden.
    pub const fn default_url(&self) -> &'static str {
        self.default_url
    }
}

/// A Fireworks API client. Cheap to clone: clones share the connection pool, the
/// configuration and the retry budget.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

/// Everything a client holds; the key appears only inside `SecretString` and the sensitive
/// header values derived from it. The rest of the runtime reads it through the accessors.
pub(crate) struct Inner {
    http: reqwest::Client,
    api_key: Option<SecretString>,
    auth_raw: Option<HeaderValue>,
    auth_bearer: Option<HeaderValue>,
    account_id: Option<String>,
    base_urls: Vec<(String, String)>,
    user_agent: HeaderValue,
    config: Config,
    budget: RetryBudget,
    clock: Arc<dyn Clock>,
    base_cache: BaseCache,
    limits: Limits,
}

impl Inner {
    /// The base URLs this client has parsed.
    pub(crate) fn base_cache(&self) -> &BaseCache {
        &self.base_cache
    }

    /// The HTTP client that sends every request.
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The API key, for the one place that sends it in a query and for redaction.
    pub(crate) fn api_key(&self) -> Option<&str> {
        self.api_key.as_ref().map(ExposeSecret::expose_secret)
    }

    /// `Authorization: <key>`, marked sensitive.
    pub(crate) fn auth_raw(&self) -> Option<&HeaderValue> {
        self.auth_raw.as_ref()
    }

    /// `Authorization: Bearer <key>`, marked sensitive.
    pub(crate) fn auth_bearer(&self) -> Option<&HeaderValue> {
        self.auth_bearer.as_ref()
    }

    /// The `User-Agent` value.
    pub(crate) fn user_agent(&self) -> &HeaderValue {
        &self.user_agent
    }

    /// Timeouts, limits and the retry policy.
    pub(crate) fn config(&self) -> &Config {
        &self.config
    }

    /// The retry budget shared by the client's clones.
    pub(crate) fn budget(&self) -> &RetryBudget {
        &self.budget
    }

    /// The clock for backoff sleeps and deadlines.
    pub(crate) fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The clock for backoff sleeps and the deadline.
    pub(crate) fn clock(&self) -> &dyn Clock {
        &*self.clock
    }

    /// The clock, shared (for a waiter that outlives a borrow of the client).
    pub(crate) fn clock_arc(&self) -> Arc<dyn Clock> {
        Arc::clone(&self.clock)
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("Client")
            .field("api_key", &inner.api_key.as_ref().map(|_| REDACTED))
            .field("account_id", &inner.account_id)
            .field("base_urls", &inner.base_urls)
            .field("user_agent", &inner.user_agent)
            .field("config", &inner.config)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// The client's settings and state, for the rest of the runtime.
    pub(crate) fn inner(&self) -> &Inner {
        &self.inner
    }

    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// A client configured from the environment: `FIREWORKS_API_KEY` (required),
    /// `FIREWORKS_ACCOUNT_ID`, and `FIREWORKS_<SERVER>_BASE_URL` for each server to override
    /// (`FIREWORKS_AUDIO_BATCH_BASE_URL` for server `audio_batch`).
    ///
    /// # Errors
    /// [`Error::Config`] when the key is missing or a variable is invalid.
    pub fn from_env() -> Result<Self, Error> {
        ClientBuilder::new()
            .env_vars(std::env::vars_os())
            .require_api_key()
            .build()
    }

    /// The default account id, used when a call does not name one.
    pub fn account_id(&self) -> Option<&str> {
        self.inner.account_id.as_deref()
    }

    /// The base URL in use for `server`, without a trailing slash.
    pub fn base_url(&self, server: &Server) -> &str {
        self.inner
            .base_urls
            .iter()
            .find(|(name, _)| name == server.name)
            .map_or(server.default_url, |(_, url)| url.as_str())
    }
}

/// Configures and builds a [`Client`]. Errors in the settings are reported by
/// [`ClientBuilder::build`].
pub struct ClientBuilder {
    api_key: Option<SecretString>,
    require_key: bool,
    account_id: Option<String>,
    base_urls: Vec<(String, String)>,
    user_agent: Option<String>,
    http: Option<reqwest::Client>,
    allow_http: bool,
    config: Config,
    clock: Arc<dyn Clock>,
    error: Option<Error>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| REDACTED))
            .field("account_id", &self.account_id)
            .field("base_urls", &self.base_urls)
            .field("user_agent", &self.user_agent)
            .field("allow_http", &self.allow_http)
            .field("config", &self.config)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ClientBuilder {
    /// A builder with the defaults: no key, no account id, the spec's base URLs, retries and
    /// timeouts as described in the crate documentation.
    pub fn new() -> Self {
        Self {
            api_key: None,
            require_key: false,
            account_id: None,
            base_urls: Vec::new(),
            user_agent: None,
            http: None,
            allow_http: false,
            config: Config::default(),
            clock: Arc::new(TokioClock),
            error: None,
        }
    }

    /// The API key. It is kept in a secret type and never shown by `Debug` or errors.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(SecretString::from(key.into()));
        self
    }

    /// The default account id for calls whose path names an account.
    pub fn account_id(mut self, account_id: impl Into<String>) -> Self {
        self.account_id = Some(account_id.into());
        self
    }

    /// Overrides the base URL of `server` (for a proxy, a regional host or a local emulator).
    pub fn base_url(self, server: Server, url: &str) -> Self {
        self.base_url_named(server.name(), url)
    }

    /// Overrides the base URL of the server with this spec name.
    pub fn base_url_named(mut self, name: &str, url: &str) -> Self {
        self.base_urls.retain(|(n, _)| n != name);
        self.base_urls.push((name.to_owned(), url.to_owned()));
        self
    }

    /// Replaces the `User-Agent` (default `fireworks-ai-rust/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Uses a caller-built `reqwest::Client`. Its own redirect policy, connect timeout and
    /// TLS settings then apply; build it with `redirect::Policy::none()` to keep the
    /// no-redirect guarantee.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Time allowed per attempt for operations whose spec sets no timeout (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.config.attempt_timeout = timeout;
        self
    }

    /// Time allowed to establish a connection (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.config.connect_timeout = timeout;
        self
    }

    /// Longest pause between two pieces of a response body (default 30 s; `None` disables).
    pub fn read_stall_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.config.read_stall_timeout = timeout;
        self
    }

    /// Time allowed for a whole call including retries and sleeps (default: none).
    pub fn deadline(mut self, deadline: Option<Duration>) -> Self {
        self.config.deadline = deadline;
        self
    }

    /// Retries after the first attempt (default 2).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.config.retry.max_retries = retries;
        self
    }

    /// Replaces the whole retry policy (backoff, jitter, budget).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.config.retry = policy;
        self
    }

    /// Largest successful response body accepted (default 64 MiB).
    pub fn max_body_bytes(mut self, bytes: u64) -> Self {
        self.config.max_body_bytes = bytes;
        self
    }

    /// How much of an error body is read (default 64 KiB); the rest is discarded.
    pub fn max_error_body_bytes(mut self, bytes: u64) -> Self {
        self.config.max_error_body_bytes = bytes;
        self
    }

    /// The most requests this client (and its clones) keeps in flight to one server at a
    /// time; further calls wait for a free slot (default 32).
    ///
    /// Servers are told apart by origin (scheme, host and port), so the inference and control
    /// planes on `api.fireworks.ai` share one limit, as they share connections. A call holds a
    /// slot only while its request is on the wire and its body is read, never while it sleeps
    /// between retries or polls, so thousands of waiters share a few connections. Waiting for a
    /// slot counts against the call's deadline and ends when the call is dropped.
    ///
    /// Why 32: the documented account cap is 6 000 requests a minute (100 a second); at the
    /// 0.2–1 s a call usually takes, 32 in flight already reach it, and more would only buy
    /// 429s, more TLS handshakes and more file descriptors. `0` counts as 1.
    pub fn max_in_flight(mut self, requests: usize) -> Self {
        self.config.max_in_flight = requests.max(1);
        self
    }

    /// Allows plain `http://` base URLs for non-loopback hosts (loopback is always allowed).
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// Replaces the clock used for backoff sleeps and the deadline (for tests).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Applies `FIREWORKS_API_KEY`, `FIREWORKS_ACCOUNT_ID` and `FIREWORKS_<SERVER>_BASE_URL`
    /// from the given variables; [`Client::from_env`] passes the process environment.
    /// Other variables are ignored.
    pub fn env_vars<I, K, V>(mut self, vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        for (key, value) in vars {
            let Some(key) = key.as_ref().to_str() else {
                continue;
            };
            let server = key
                .strip_prefix("FIREWORKS_")
                .and_then(|k| k.strip_suffix("_BASE_URL"))
                .filter(|name| !name.is_empty());
            let read =
                key == "FIREWORKS_API_KEY" || key == "FIREWORKS_ACCOUNT_ID" || server.is_some();
            if !read {
                continue;
            }
            let Some(value) = value.as_ref().to_str() else {
                self.error
                    .get_or_insert(Error::config(format!("`{key}` is not valid UTF-8")));
                continue;
            };
            if key == "FIREWORKS_API_KEY" {
                if !value.is_empty() {
                    self = self.api_key(value);
                }
            } else if key == "FIREWORKS_ACCOUNT_ID" {
                if !value.is_empty() {
                    self = self.account_id(value);
                }
            } else if let Some(name) = server {
                self = self.base_url_named(&name.to_ascii_lowercase(), value);
            }
        }
        self
    }

    /// Makes [`ClientBuilder::build`] fail when no key was given.
    fn require_api_key(mut self) -> Self {
        self.require_key = true;
        self
    }

    /// Checks the settings and builds the client.
    ///
    /// # Errors
    /// [`Error::Config`] for a base URL that is not HTTPS (outside loopback, without
    /// [`ClientBuilder::allow_http`]) or carries userinfo, a query or a fragment; a key or
    /// user agent that cannot be sent in a header; a missing key for [`Client::from_env`];
    /// or an HTTP client that cannot be built.
    pub fn build(self) -> Result<Client, Error> {
        if let Some(error) = self.error {
            return Err(error);
        }
        if self.require_key && self.api_key.is_none() {
            return Err(Error::config("`FIREWORKS_API_KEY` is not set"));
        }
        let base_urls = self
            .base_urls
            .iter()
            .map(|(name, url)| Ok((name.clone(), check_base_url(name, url, self.allow_http)?)))
            .collect::<Result<Vec<_>, Error>>()?;
        let (auth_raw, auth_bearer) = match &self.api_key {
            Some(key) => {
                let key = key.expose_secret();
                (
                    Some(sensitive(key)?),
                    Some(sensitive(&format!("Bearer {key}"))?),
                )
            }
            None => (None, None),
        };
        let user_agent = match &self.user_agent {
            Some(ua) => HeaderValue::from_str(ua).map_err(|_| {
                Error::config("the user agent contains characters not allowed in a header")
            })?,
            None => {
                HeaderValue::from_static(concat!("fireworks-ai-rust/", env!("CARGO_PKG_VERSION")))
            }
        };
        let http = match self.http {
            Some(http) => http,
            None => build_http(&self.config)?,
        };
        let budget = RetryBudget::new(&self.config.retry);
        let limits = Limits::new(self.config.max_in_flight);
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                api_key: self.api_key,
                auth_raw,
                auth_bearer,
                account_id: self.account_id,
                base_urls,
                user_agent,
                config: self.config,
                budget,
                clock: self.clock,
                base_cache: BaseCache::default(),
                limits,
            }),
        })
    }
}

/// A header value marked sensitive, so `http` and `reqwest` never print it.
fn sensitive(value: &str) -> Result<HeaderValue, Error> {
    let mut header = HeaderValue::from_str(value)
        .map_err(|_| Error::config("the API key contains characters not allowed in a header"))?;
    header.set_sensitive(true);
    Ok(header)
}

/// The default `reqwest` client: no redirects, the connect timeout, and the TLS stack the
/// crate's features chose. Nothing here installs process-wide state.
fn build_http(config: &Config) -> Result<reqwest::Client, Error> {
    let builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(config.connect_timeout)
        .pool_idle_timeout(Duration::from_secs(90))
        .pool_max_idle_per_host(config.max_in_flight);
    let builder = tls::configure(builder)?;
    builder
        .build()
        .map_err(|e| Error::config(format!("could not build the HTTP client: {e}")))
}

/// TLS by feature; see the `[features]` table of the crate's manifest.
mod tls {
    use super::Error;

    /// `rustls-ring` alone: an explicit `ring` provider for this client only.
    #[cfg(all(
        feature = "rustls-ring",
        not(feature = "rustls"),
        not(feature = "native-tls")
    ))]
    pub(super) fn configure(
        builder: reqwest::ClientBuilder,
    ) -> Result<reqwest::ClientBuilder, Error> {
        use rustls_platform_verifier::BuilderVerifierExt;
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let mut tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::config(format!("TLS configuration: {e}")))?
            .with_platform_verifier()
            .map_err(|e| Error::config(format!("TLS certificate verifier: {e}")))?
            .with_no_client_auth();
        tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(builder.tls_backend_preconfigured(tls))
    }

    /// `rustls-no-provider` alone: the application's process-wide provider, checked here so a
    /// missing one is a configuration error rather than reqwest's panic.
    #[cfg(all(
        feature = "rustls-no-provider",
        not(feature = "rustls"),
        not(feature = "rustls-ring"),
        not(feature = "native-tls")
    ))]
    pub(super) fn configure(
        builder: reqwest::ClientBuilder,
    ) -> Result<reqwest::ClientBuilder, Error> {
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            return Err(Error::config(
                "fireworks-ai was built with the `rustls-no-provider` feature and no rustls crypto \
                 provider is installed: call `rustls::crypto::CryptoProvider::install_default` \
                 before building a Client, or use the default `rustls` feature",
            ));
        }
        Ok(builder)
    }

    /// The default `rustls`, `native-tls`, or no TLS at all: reqwest's own setup carries
    /// everything it needs.
    #[cfg(not(any(
        all(
            feature = "rustls-ring",
            not(feature = "rustls"),
            not(feature = "native-tls")
        ),
        all(
            feature = "rustls-no-provider",
            not(feature = "rustls"),
            not(feature = "rustls-ring"),
            not(feature = "native-tls")
        )
    )))]
    pub(super) fn configure(
        builder: reqwest::ClientBuilder,
    ) -> Result<reqwest::ClientBuilder, Error> {
        Ok(builder)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CANARY: &str = "fw_CANARY_a1b2c3d4e5";

    #[test]
    #[cfg(unix)]
    fn only_variables_the_client_reads_must_be_utf8() {
        use std::ffi::OsString;
        use std::os::unix::ffi::OsStringExt;

        let bad = || OsString::from_vec(vec![0xff, 0xfe]);
        let unrelated = [
            (OsString::from("FIREWORKS_API_KEY"), OsString::from(CANARY)),
            (OsString::from("FIREWORKS_NOTES"), bad()),
            (OsString::from("FIREWORKS_BASE_URL"), bad()),
        ];
        let client = Client::builder().env_vars(unrelated).build().unwrap();
        assert!(client.account_id().is_none());

        for read in ["FIREWORKS_ACCOUNT_ID", "FIREWORKS_AUDIO_BATCH_BASE_URL"] {
            let vars = [
                (OsString::from("FIREWORKS_API_KEY"), OsString::from(CANARY)),
                (OsString::from(read), bad()),
            ];
            let err = Client::builder().env_vars(vars).build().unwrap_err();
            assert!(matches!(err, Error::Config(_)), "{read}: {err:?}");
            assert!(err.to_string().contains(read), "{err}");
        }
    }

    #[test]
    fn debug_never_shows_the_key() {
        let builder = Client::builder().api_key(CANARY).account_id("acct");
        let shown = format!("{builder:?} {builder:#?}");
        assert!(
            !shown.contains(CANARY) && shown.contains("REDACTED"),
            "{shown}"
        );
        let client = builder.build().unwrap();
        let shown = format!("{client:?} {client:#?}");
        assert!(!shown.contains(CANARY) && shown.contains("acct"), "{shown}");
        let raw = client.inner.auth_raw.as_ref().unwrap();
        assert!(raw.is_sensitive() && !format!("{raw:?}").contains(CANARY));
        let bearer = client.inner.auth_bearer.as_ref().unwrap();
        assert_eq!(bearer.as_bytes(), format!("Bearer {CANARY}").as_bytes());
    }

    #[test]
    fn env_vars_set_key_account_and_base_urls() {
        let client = ClientBuilder::new()
            .env_vars([
                ("FIREWORKS_API_KEY", "k"),
                ("FIREWORKS_ACCOUNT_ID", "acct"),
                ("FIREWORKS_AUDIO_BATCH_BASE_URL", "http://127.0.0.1:9/"),
                ("FIREWORKS__BASE_URL", "ignored"),
                ("PATH", "/bin"),
            ])
            .require_api_key()
            .build()
            .unwrap();
        assert_eq!(client.account_id(), Some("acct"));
        let server = Server::new("audio_batch", "https://audio-batch.api.fireworks.ai");
        assert_eq!(client.base_url(&server), "http://127.0.0.1:9");
        let other = Server::new("control", "https://api.fireworks.ai");
        assert_eq!(client.base_url(&other), "https://api.fireworks.ai");
    }

    #[test]
    fn from_env_style_build_requires_a_key() {
        let err = ClientBuilder::new()
            .env_vars([("FIREWORKS_API_KEY", "")])
            .require_api_key()
            .build();
        assert!(matches!(err, Err(Error::Config(_))));
    }

    #[test]
    fn bad_base_urls_and_keys_are_refused() {
        let s = Server::new("s", "https://x");
        for url in [
            "http://example.com",
            "https://a:b@x.com",
            "https://x.com?q",
            "https://x.com#f",
        ] {
            assert!(
                matches!(
                    Client::builder().base_url(s, url).build(),
                    Err(Error::Config(_))
                ),
                "{url}"
            );
        }
        assert!(
            Client::builder()
                .base_url(s, "http://example.com")
                .allow_http(true)
                .build()
                .is_ok()
        );
        let err = Client::builder().api_key("bad\nkey").build().unwrap_err();
        assert!(!err.to_string().contains("bad\nkey"));
    }
}
