//! The one mechanism that keeps the API key out of everything the runtime derives from a
//! response: error fields, decode messages and paths, header values and body snippets all pass
//! through a [`Redactor`] before they are stored in a value that can be printed.

use std::borrow::Cow;

use http::{HeaderMap, HeaderValue};

use crate::url::REDACTED;

/// Replaces the API key in text taken from a response with [`REDACTED`].
///
/// It matches the key as written and as `Debug` escapes it (serde's messages quote
/// unexpected strings that way). It deliberately has no `Debug` impl, since it holds the key.
#[derive(Clone, Copy)]
pub(crate) struct Redactor<'a> {
    secret: Option<&'a str>,
}

impl<'a> Redactor<'a> {
    /// A redactor for `secret`; `None` or an empty key redacts nothing.
    pub(crate) fn new(secret: Option<&'a str>) -> Self {
        Self {
            secret: secret.filter(|s| !s.is_empty()),
        }
    }

    /// The key, when there is one to redact.
    pub(crate) fn secret(&self) -> Option<&'a str> {
        self.secret
    }

    /// `text` with every occurrence of the key replaced.
    ///
    /// If the replacement itself forms the key again (possible only for a key that contains
    /// the marker), the whole text is replaced, so the result never contains the key.
    pub(crate) fn text<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let Some(secret) = self.secret else {
            return Cow::Borrowed(text);
        };
        let escaped = format!("{secret:?}");
        let escaped = escaped
            .get(1..escaped.len().saturating_sub(1))
            .filter(|e| *e != secret && !e.is_empty());
        let mut out = Cow::Borrowed(text);
        for form in std::iter::once(secret).chain(escaped) {
            if out.contains(form) {
                out = Cow::Owned(out.replace(form, REDACTED));
            }
        }
        if out.contains(secret) {
            return Cow::Borrowed(REDACTED);
        }
        out
    }

    /// An owned string with the key replaced.
    pub(crate) fn string(&self, text: String) -> String {
        match self.text(&text) {
            Cow::Borrowed(same) if std::ptr::eq(same, text.as_str()) => text,
            other => other.into_owned(),
        }
    }

    /// An optional owned string with the key replaced.
    pub(crate) fn field(&self, text: Option<String>) -> Option<String> {
        text.map(|t| self.string(t))
    }

    /// Header values that contain the key get it replaced (a server or proxy that echoes the
    /// request, or a `Location` carrying a query-parameter key).
    pub(crate) fn headers(&self, headers: &mut HeaderMap) {
        let Some(secret) = self.secret else {
            return;
        };
        for value in headers.values_mut() {
            let bytes = value.as_bytes();
            if !contains(bytes, secret.as_bytes()) {
                continue;
            }
            let text = String::from_utf8_lossy(bytes);
            let redacted = self.text(&text);
            // The marker is visible ASCII, so the new value is valid whenever the old one was;
            // the fallback only guards that reasoning.
            *value = HeaderValue::from_str(&redacted)
                .unwrap_or_else(|_| HeaderValue::from_static(REDACTED));
        }
    }
}

/// Whether `haystack` contains `needle`; compares a window only where its first byte
/// matches, since most header values share no byte with the key at most positions.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return false;
    };
    let Some(last_start) = haystack.len().checked_sub(needle.len()) else {
        return false;
    };
    (0..=last_start).any(|at| {
        haystack.get(at) == Some(&first)
            && haystack
                .get(at + 1..)
                .is_some_and(|tail| tail.starts_with(rest))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "fw-canary-5f3a9c1e7b";

    #[test]
    fn text_table() {
        let table: &[(Option<&str>, &str, &str)] = &[
            (
                Some(KEY),
                "bad key fw-canary-5f3a9c1e7b",
                "bad key [REDACTED]",
            ),
            (
                Some(KEY),
                "fw-canary-5f3a9c1e7bfw-canary-5f3a9c1e7b",
                "[REDACTED][REDACTED]",
            ),
            (
                Some(KEY),
                "no key here, fw-canary only",
                "no key here, fw-canary only",
            ),
            (None, "fw-canary-5f3a9c1e7b", "fw-canary-5f3a9c1e7b"),
            (Some(""), "anything", "anything"),
            // Debug-escaped forms, as serde's messages quote unexpected strings.
            (
                Some("k\"ey\n1"),
                r#"string "k\"ey\n1""#,
                r#"string "[REDACTED]""#,
            ),
            (Some("k\"ey\n1"), "raw k\"ey\n1", "raw [REDACTED]"),
            // A key that contains the marker: the whole text goes.
            (Some("[REDACTED]]"), "x[REDACTED]]]", "[REDACTED]"),
        ];
        for (secret, text, want) in table {
            let got = Redactor::new(*secret).text(text);
            assert_eq!(got, *want, "{text:?}");
        }
    }

    #[test]
    fn headers_with_the_key_are_redacted() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "location",
            HeaderValue::from_static("https://x/?api_key=fw-canary-5f3a9c1e7b&a=1"),
        );
        headers.insert("x-request-id", HeaderValue::from_static("req-1"));
        Redactor::new(Some(KEY)).headers(&mut headers);
        assert_eq!(
            headers.get("location").unwrap(),
            "https://x/?api_key=[REDACTED]&a=1"
        );
        assert_eq!(headers.get("x-request-id").unwrap(), "req-1");
    }
}
