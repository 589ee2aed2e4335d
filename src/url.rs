//! URL building for generated calls: the base URL and the path are written into one `String`,
//! each path parameter percent-encoded as exactly one segment. Also holds the base-URL checks
//! (HTTPS, no userinfo, query or fragment) and the redaction of query-parameter keys.

use std::sync::{PoisonError, RwLock};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::client::{Client, Server};
use crate::error::Error;
use crate::operation::Operation;

/// The URL of one call, written into one buffer: base URL, path, then query.
#[derive(Debug, Clone)]
pub struct UrlBuilder {
    pub(crate) buf: String,
    pub(crate) has_query: bool,
    /// How much of `buf` is the base URL.
    pub(crate) base_len: usize,
}

impl UrlBuilder {
    /// Starts with the base URL the client uses for the operation's server.
    ///
    /// # Errors
    /// None today; the `Result` leaves room for per-call base URL checks.
    pub fn new(client: &Client, op: &'static Operation) -> Result<Self, Error> {
        let base = client.base_url(op.server);
        let mut buf = String::with_capacity(base.len() + op.path.len() + 32);
        buf.push_str(base);
        Ok(Self {
            buf,
            has_query: false,
            base_len: base.len(),
        })
    }

    /// Like [`UrlBuilder::new`], for an operation whose server is chosen per call (derived from
    /// a request field) rather than fixed: starts with the client's base URL for `server`.
    ///
    /// # Errors
    /// None today, as for [`UrlBuilder::new`].
    pub fn with_server(
        client: &Client,
        op: &'static Operation,
        server: &'static Server,
    ) -> Result<Self, Error> {
        let base = client.base_url(server);
        let mut buf = String::with_capacity(base.len() + op.path.len() + 32);
        buf.push_str(base);
        Ok(Self {
            buf,
            has_query: false,
            base_len: base.len(),
        })
    }

    /// Appends a literal part of the path template, as is.
    pub fn literal(&mut self, s: &'static str) {
        self.buf.push_str(s);
    }

    /// Appends a path parameter as exactly one percent-encoded segment.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming `name` for `""`, `"."` and `".."`.
    pub fn segment(&mut self, name: &'static str, value: &str) -> Result<(), Error> {
        push_segment(&mut self.buf, name, value)
    }

    /// Appends `name=value` to the query, both percent-encoded.
    pub fn query(&mut self, name: &'static str, value: &str) {
        self.buf.push(if self.has_query { '&' } else { '?' });
        self.has_query = true;
        push_query_component(&mut self.buf, name);
        self.buf.push('=');
        push_query_component(&mut self.buf, value);
    }
}

/// Base URLs parsed once per client, so a call parses only its path and query: parsing the
/// host (IDNA processing included) was a quarter of a small call's instructions.
#[derive(Debug, Default)]
pub(crate) struct BaseCache {
    entries: RwLock<Vec<ParsedBase>>,
}

/// A base URL as written, parsed, with the length of its scheme and authority.
#[derive(Debug)]
struct ParsedBase {
    text: String,
    url: reqwest::Url,
    authority_len: usize,
}

/// `url::ParseError` under the name reqwest exports it.
pub(crate) type ParseError = <reqwest::Url as std::str::FromStr>::Err;

/// At most this many base URLs are kept per client (a client has a handful of servers).
const BASE_CACHE_MAX: usize = 16;

impl BaseCache {
    /// Parses `full`, which starts with the `base_len` bytes of a base URL: as a reference
    /// against the cached parse of that base, which gives the same URL as parsing `full`
    /// whole, or whole when the base is not in its normal form.
    pub(crate) fn parse(&self, full: &str, base_len: usize) -> Result<reqwest::Url, ParseError> {
        let Some(base) = full.get(..base_len) else {
            return reqwest::Url::parse(full);
        };
        {
            let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(entry) = entries.iter().find(|e| e.text == base) {
                // Only a path after the base, and never one that reads as `//host`.
                let after_base = full.get(base_len..).unwrap_or_default();
                let rest = full.get(entry.authority_len..).unwrap_or_default();
                let is_slash = |c: Option<u8>| matches!(c, Some(b'/' | b'\\'));
                let mut bytes = rest.bytes();
                let network_path = is_slash(bytes.next()) && is_slash(bytes.next());
                if (after_base.is_empty() || after_base.starts_with('/')) && !network_path {
                    return reqwest::Url::options()
                        .base_url(Some(&entry.url))
                        .parse(rest);
                }
                return reqwest::Url::parse(full);
            }
        }
        if let Some(entry) = ParsedBase::new(base) {
            let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
            if entries.len() < BASE_CACHE_MAX && !entries.iter().any(|e| e.text == base) {
                entries.push(entry);
            }
        }
        reqwest::Url::parse(full)
    }
}

impl ParsedBase {
    /// The parse of `text`, if `text` is exactly how the URL serialises (up to a trailing
    /// `/`), has no query or fragment, and can be a base: then `text` followed by an
    /// absolute path and query parses the same as that path and query against it.
    fn new(text: &str) -> Option<Self> {
        let url = reqwest::Url::parse(text).ok()?;
        let serialized = url.as_str();
        let normal = serialized == text
            || (serialized.len() == text.len() + 1
                && serialized.starts_with(text)
                && serialized.ends_with('/'));
        if !normal
            || url.cannot_be_a_base()
            || url.query().is_some()
            || url.fragment().is_some()
            || !url.path().starts_with('/')
        {
            return None;
        }
        let authority_len = serialized.len().checked_sub(url.path().len())?;
        Some(Self {
            text: text.to_owned(),
            url,
            authority_len,
        })
    }
}

/// Bytes left unencoded in a path segment: RFC 3986 `unreserved`, plus the `sub-delims`,
/// `:` and `@` that a segment may carry, as the official Python SDK does.
///
/// `;` is encoded too even though RFC 3986 allows it: servlet containers and some proxies
/// strip `;...` as a path parameter, which would silently change the id.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b'=')
    .remove(b':')
    .remove(b'@');

/// Bytes left unencoded in a query name or value: only RFC 3986 `unreserved`, so `&`, `=`,
/// `+` and `#` inside a value can never change the meaning of the query.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Appends `value` to `out` as one percent-encoded path segment.
///
/// # Errors
/// [`Error::InvalidArgument`] for `""`, `"."` and `".."`, which a server or proxy would
/// treat as "no segment", "this directory" or "parent directory" instead of an id.
pub(crate) fn push_segment(out: &mut String, name: &'static str, value: &str) -> Result<(), Error> {
    match value {
        "" => Err(Error::invalid_argument(name, "must not be empty")),
        "." | ".." => Err(Error::invalid_argument(
            name,
            format!("`{value}` is not allowed as a path segment"),
        )),
        _ => {
            out.extend(utf8_percent_encode(value, SEGMENT));
            Ok(())
        }
    }
}

/// Appends `value` to `out` percent-encoded for a query name or value.
pub(crate) fn push_query_component(out: &mut String, value: &str) {
    out.extend(utf8_percent_encode(value, QUERY));
}

/// Encodes `value` as one path segment into a new string, for tests.
#[cfg(test)]
pub(crate) fn encode_segment(value: &str) -> Result<String, Error> {
    let mut out = String::with_capacity(value.len());
    push_segment(&mut out, "value", value)?;
    Ok(out)
}

/// Checks a base URL and returns it without a trailing slash.
///
/// Plain `http` is accepted for loopback hosts (`localhost`, `127.0.0.0/8`, `[::1]`) and
/// otherwise only when `allow_http` is set, because the key travels in every request.
///
/// # Errors
/// [`Error::Config`] when the URL does not parse, is not HTTP(S), carries userinfo, a query
/// or a fragment, or is plain HTTP to a non-loopback host without the opt-in.
pub(crate) fn check_base_url(server: &str, url: &str, allow_http: bool) -> Result<String, Error> {
    let bad = |why: &str| Error::config(format!("base URL `{url}` for server `{server}` {why}"));
    let parsed = reqwest::Url::parse(url).map_err(|e| bad(&format!("is not a URL: {e}")))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Error::config(format!(
            "base URL for server `{server}` must not contain userinfo (credentials)"
        )));
    }
    if parsed.query().is_some() {
        return Err(bad("must not contain a query"));
    }
    if parsed.fragment().is_some() {
        return Err(bad("must not contain a fragment"));
    }
    match parsed.scheme() {
        "https" => {}
        "http" if allow_http || is_loopback(&parsed) => {}
        "http" => {
            return Err(bad(
                "uses plain http to a non-loopback host; use https or `ClientBuilder::allow_http(true)`",
            ));
        }
        other => return Err(bad(&format!("has unsupported scheme `{other}`"))),
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// Whether the URL's host is a loopback name or address.
fn is_loopback(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

/// The redaction marker written in place of secrets.
pub(crate) const REDACTED: &str = "[REDACTED]";

#[cfg(test)]
mod tests {
    use super::*;

    /// A cached base gives exactly the URL a whole parse gives, and a base that is not in its
    /// normal form is parsed whole every time.
    #[test]
    fn cached_bases_parse_like_whole_urls() {
        let bases = [
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8080/",
            "https://audio-batch.api.fireworks.ai",
            "https://api.fireworks.ai/inference",
            "https://api.fireworks.ai/inference/",
            "http://[::1]:9000",
            "HTTPS://Example.COM",
            "https://bücher.example",
            "https://host:443",
        ];
        let rests = [
            "",
            "x",
            "?q=1",
            "//evil.example/x",
            "/\\\\evil/x",
            "/v1/accounts/acct/batch_job/b-1",
            "/v1/a%2Fb/c?x=1&y=%20z",
            "/v1/caf%C3%A9/:x@y!$&'()*+,=",
            "/v1/%2E%2E/x?key=fw%2Dk",
        ];
        let cache = BaseCache::default();
        for base in bases {
            for rest in rests {
                let full = format!("{base}{rest}");
                for _ in 0..2 {
                    let got = cache.parse(&full, base.len()).map(String::from);
                    let want = reqwest::Url::parse(&full).map(String::from);
                    assert_eq!(got, want, "{full}");
                }
            }
        }
        let cached = cache.entries.read().unwrap().len();
        assert!((1..bases.len()).contains(&cached), "{cached}");
    }

    #[test]
    fn segment_encoding_table() {
        let table: &[(&str, &str)] = &[
            ("abc-123_x.y~z", "abc-123_x.y~z"),
            ("a/b", "a%2Fb"),
            ("a?b", "a%3Fb"),
            ("a#b", "a%23b"),
            ("%2e%2e", "%252e%252e"),
            ("a b", "a%20b"),
            ("ü", "%C3%BC"),
            ("日本", "%E6%97%A5%E6%9C%AC"),
            ("a;b", "a%3Bb"),
            ("a\\b", "a%5Cb"),
            ("a\"b<>", "a%22b%3C%3E"),
            ("model:prepare", "model:prepare"),
            ("a+b=c&d", "a+b=c&d"),
            ("user@host", "user@host"),
            ("...", "..."),
            (".a", ".a"),
            ("\n\t", "%0A%09"),
            ("a%b", "a%25b"),
        ];
        for (input, want) in table {
            assert_eq!(encode_segment(input).unwrap(), *want, "input {input:?}");
        }
    }

    #[test]
    fn dot_segments_and_empty_are_refused() {
        for bad in ["", ".", ".."] {
            let err = encode_segment(bad).unwrap_err();
            assert!(matches!(err, Error::InvalidArgument(_)), "{bad:?}: {err:?}");
        }
    }

    #[test]
    fn query_component_encodes_delimiters() {
        let mut out = String::new();
        push_query_component(&mut out, "a&b=c+d#e f/ü");
        assert_eq!(out, "a%26b%3Dc%2Bd%23e%20f%2F%C3%BC");
    }

    #[test]
    fn base_url_rules() {
        assert_eq!(
            check_base_url("s", "https://api.example.com/", false).unwrap(),
            "https://api.example.com"
        );
        assert!(check_base_url("s", "http://127.0.0.1:8080", false).is_ok());
        assert!(check_base_url("s", "http://127.1.2.3:8080", false).is_ok());
        assert!(check_base_url("s", "http://localhost:1", false).is_ok());
        assert!(check_base_url("s", "http://[::1]:1/x", false).is_ok());
        assert!(check_base_url("s", "http://example.com", false).is_err());
        assert!(check_base_url("s", "http://example.com", true).is_ok());
        assert!(check_base_url("s", "https://u:p@example.com", false).is_err());
        assert!(check_base_url("s", "https://u@example.com", false).is_err());
        assert!(check_base_url("s", "https://example.com/?a=b", false).is_err());
        assert!(check_base_url("s", "https://example.com/#f", false).is_err());
        assert!(check_base_url("s", "ftp://example.com", false).is_err());
        assert!(check_base_url("s", "not a url", false).is_err());
    }

    #[test]
    fn userinfo_error_does_not_echo_the_password() {
        let err = check_base_url("s", "https://user:canary-secret@example.com", false).unwrap_err();
        assert!(!format!("{err} {err:?}").contains("canary-secret"));
    }

    mod properties {
        use super::*;
        use percent_encoding::percent_decode_str;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn a_segment_is_one_segment_and_decodes_back(value in any::<String>()) {
                match encode_segment(&value) {
                    Err(_) => prop_assert!(matches!(value.as_str(), "" | "." | "..")),
                    Ok(encoded) => {
                        prop_assert!(encoded.bytes().all(|b| b.is_ascii_graphic()));
                        prop_assert!(!encoded.contains(['/', '?', '#', ' ', ';', '\\']));
                        prop_assert!(encoded != "." && encoded != "..");
                        let decoded = percent_decode_str(&encoded).decode_utf8().unwrap();
                        prop_assert_eq!(decoded, value.as_str());
                    }
                }
            }

            #[test]
            fn dots_and_percents_never_form_a_dot_segment(value in "[.%2eE]{1,6}") {
                if let Ok(encoded) = encode_segment(&value) {
                    prop_assert!(encoded != "." && encoded != "..");
                    prop_assert_eq!(percent_decode_str(&encoded).decode_utf8().unwrap(), value.as_str());
                }
            }
        }
    }
}
