//! The error for a body that is not the JSON (or text) an operation expects: where, what the
//! parser said and a snippet around the place, each redacted here for every caller.

use std::fmt;

use super::CallInfo;
use super::redact::Redactor;
use super::snippet::snippet;
use crate::response::ResponseMeta;

/// Payload of [`Error::Decode`](super::Error::Decode).
#[derive(Debug, Clone)]
pub struct DecodeError {
    pub(crate) call: Option<CallInfo>,
    pub(crate) meta: Option<ResponseMeta>,
    pub(crate) path: String,
    pub(crate) message: String,
    pub(crate) snippet: String,
    /// The byte offset in the body the snippet is taken around.
    pub(crate) offset: usize,
}

impl DecodeError {
    /// The error for `body`, failing at byte `offset`, with `path` and `message` from the
    /// parser; all three texts are cleaned by `redactor`.
    pub(crate) fn new(
        path: String,
        message: String,
        body: &[u8],
        offset: usize,
        redactor: Redactor<'_>,
    ) -> Self {
        Self {
            call: None,
            meta: None,
            path: redactor.string(path),
            message: redactor.string(message),
            snippet: snippet(body, offset, true, redactor),
            offset,
        }
    }

    /// Cleans an error that was made from `body` without the key (by a decoder that does not
    /// know it) with `redactor`, as [`DecodeError::new`] would have.
    pub(crate) fn redact(&mut self, body: &[u8], redactor: Redactor<'_>) {
        self.path = redactor.string(std::mem::take(&mut self.path));
        self.message = redactor.string(std::mem::take(&mut self.message));
        self.snippet = snippet(body, self.offset, true, redactor);
    }

    /// The JSON path of the offending value.
    ///
    /// The syntax:
    /// - `.` is the document itself; it is also the path of trailing characters after the
    ///   document and of a body that is not UTF-8;
    /// - object keys are joined with `.`: `status`, `error.code`;
    /// - array elements are `[index]`: `items[2].name`;
    /// - a key that is empty or contains `.`, `[`, `]`, `"`, `\`, `?`, whitespace or a
    ///   control character is written as a JSON string in brackets, so every path reads one
    ///   way: `[""]` (an empty key), `[""][""]` (two nested empty keys), `a["b.c"]`;
    /// - `?` is a step the parser could not name (a non-string map key).
    ///
    /// Keys come from the body, so the client's API key shows as `[REDACTED]`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The parser's message, with line and column; the API key shows as `[REDACTED]`.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Part of the body around the error: at most 512 bytes (counting any `[REDACTED]`)
    /// plus `…` marking a cut at either end, with the API key redacted.
    pub fn snippet(&self) -> &str {
        &self.snippet
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("could not decode ")?;
        match &self.call {
            Some(call) => write!(f, "the response of {call}")?,
            None => f.write_str("an embedded body")?,
        }
        if let Some(meta) = &self.meta {
            write!(f, " (HTTP {}", meta.status())?;
            if let Some(id) = meta.request_id() {
                write!(f, ", request id {id}")?;
            }
            f.write_str(")")?;
        }
        write!(
            f,
            " at `{}`: {}; body {:?}",
            self.path, self.message, self.snippet
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    const KEY: &str = "fw-canary-5f3a9c1e7b";

    /// An error made by a decoder that does not know the key (generated output enums) is
    /// cleaned afterwards exactly as if it had: path, message and snippet.
    #[test]
    fn decode_errors_made_without_the_key_are_redacted_afterwards() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)] // The field exists only to be decoded.
        struct Status {
            status: u32,
        }
        let body = r#"{"status":"fw-canary-5f3a9c1e7b","fw-canary-5f3a9c1e7b":1}"#;
        let redactor = Redactor::new(Some(KEY));
        let Err(Error::Decode(mut late)) = crate::__private::decode_json_str::<Status>(body) else {
            panic!("expected a decode error");
        };
        assert!(
            late.message().contains(KEY),
            "the decoder alone cannot redact"
        );
        late.redact(body.as_bytes(), redactor);
        let Err(Error::Decode(early)) =
            crate::body::decode_json::<Status>(body.as_bytes(), None, None, redactor)
        else {
            panic!("expected a decode error");
        };
        assert_eq!(
            (late.path(), late.message(), late.snippet()),
            (early.path(), early.message(), early.snippet())
        );
        let shown = format!("{late} {late:?}");
        assert!(!shown.contains(KEY), "{shown}");
    }
}
