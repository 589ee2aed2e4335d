//! Bodies carried inside responses as strings tagged with a content type (the audio batch
//! status `body`), and the JSON decoding shared with HTTP responses, which names the JSON
//! path of a failing field.

use serde::de::DeserializeOwned;

use crate::error::{CallInfo, DecodeError, Error, Redactor};
use crate::response::ResponseMeta;

/// A serialised result embedded in a response, tagged with its original `Content-Type`.
///
/// It decodes a string you already hold, with no client and so no API key at hand: unlike a
/// call's errors, its [`Error::Decode`] quotes the body as it is, key or not.
///
/// Generated types offer it through an `embedded_body()` method:
///
/// ```
/// use fireworks_ai::{DecodedBody, EmbeddedBody};
///
/// let body = EmbeddedBody::new(Some("application/json; charset=utf-8"), Some(r#"{"text":"hi"}"#));
/// match body.map(|b| b.decode()) {
///     Some(Ok(DecodedBody::Json(value))) => assert_eq!(value["text"], "hi"),
///     other => panic!("{other:?}"),
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmbeddedBody<'a> {
    content_type: Option<&'a str>,
    body: &'a str,
}

/// How an embedded body is interpreted, from its content type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BodyKind {
    /// `application/json`, any `+json` suffix (`application/problem+json`), any `*/json`.
    Json,
    /// Any other `text/*` type.
    Text,
    /// Everything else, including content types that do not parse.
    Raw,
    /// No content type: JSON if it parses, text otherwise.
    Unknown,
}

/// An embedded body decoded according to its content type.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DecodedBody {
    /// A JSON document.
    Json(serde_json::Value),
    /// Text (`text/*`, or no content type and not JSON).
    Text(String),
    /// Anything else, kept as received with its content type.
    Raw {
        /// The content type as received.
        content_type: String,
        /// The body as received.
        body: String,
    },
}

impl<'a> EmbeddedBody<'a> {
    /// Wraps a body and its content type; `None` when there is no body.
    pub fn new(content_type: Option<&'a str>, body: Option<&'a str>) -> Option<Self> {
        body.map(|body| Self { content_type, body })
    }

    /// The content type as received.
    pub fn content_type(&self) -> Option<&'a str> {
        self.content_type
    }

    /// The body as received.
    pub fn raw(&self) -> &'a str {
        self.body
    }

    /// How the content type says to read the body.
    pub fn kind(&self) -> BodyKind {
        self.content_type.map_or(BodyKind::Unknown, kind_of)
    }

    /// The body as text when its content type is `text/*` (other than JSON), or when there
    /// is no content type and the body is not JSON.
    pub fn text(&self) -> Option<&'a str> {
        match self.kind() {
            BodyKind::Text => Some(self.body),
            BodyKind::Unknown if serde_json::from_str::<serde_json::Value>(self.body).is_err() => {
                Some(self.body)
            }
            _ => None,
        }
    }

    /// Parses the body as JSON, whatever the content type says.
    ///
    /// # Errors
    /// [`Error::Decode`] naming the position, with a snippet.
    pub fn json_value(&self) -> Result<serde_json::Value, Error> {
        self.json()
    }

    /// Parses the body as JSON into `T`, whatever the content type says.
    ///
    /// # Errors
    /// [`Error::Decode`] naming the JSON path of the failing field, with a snippet.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        decode_json(self.body.as_bytes(), None, None, Redactor::new(None))
    }

    /// Decodes the body as its content type says: JSON types into a [`serde_json::Value`],
    /// `text/*` into a `String`, anything else kept raw. With no content type, JSON is tried
    /// and text is the fallback.
    ///
    /// # Errors
    /// [`Error::Decode`] when a JSON content type carries a body that is not JSON.
    pub fn decode(&self) -> Result<DecodedBody, Error> {
        match self.kind() {
            BodyKind::Json => self.json_value().map(DecodedBody::Json),
            BodyKind::Text => Ok(DecodedBody::Text(self.body.to_owned())),
            BodyKind::Unknown => Ok(match serde_json::from_str(self.body) {
                Ok(value) => DecodedBody::Json(value),
                Err(_) => DecodedBody::Text(self.body.to_owned()),
            }),
            BodyKind::Raw => Ok(DecodedBody::Raw {
                content_type: self.content_type.unwrap_or_default().to_owned(),
                body: self.body.to_owned(),
            }),
        }
    }
}

/// Classifies a content type with the `mime` parser, so parameters, case and suffixes are
/// handled the way RFC 6838 says.
pub fn kind_of(content_type: &str) -> BodyKind {
    let Ok(mime) = content_type.trim().parse::<mime::Mime>() else {
        return BodyKind::Raw;
    };
    if mime.subtype() == mime::JSON || mime.suffix() == Some(mime::JSON) {
        BodyKind::Json
    } else if mime.type_() == mime::TEXT {
        BodyKind::Text
    } else {
        BodyKind::Raw
    }
}

/// Decodes JSON into `T`; on failure the error names the JSON path of the failing field (see
/// [`DecodeError::path`] for the syntax) and keeps a snippet around it, and `redactor` cleans
/// the path, the parser's message and the snippet, all of which can quote the body.
pub(crate) fn decode_json<T: DeserializeOwned>(
    bytes: &[u8],
    call: Option<&CallInfo>,
    meta: Option<&ResponseMeta>,
    redactor: Redactor<'_>,
) -> Result<T, Error> {
    // The fast path decodes without tracking the path: `serde_path_to_error` allocates two
    // strings per object key, which was most of a call's overhead over hand-written reqwest
    // (`examples/call_overhead.rs`). Only a body that fails is decoded again to find the path.
    let first = match serde_json::from_slice::<T>(bytes) {
        Ok(value) => return Ok(value),
        Err(err) => err,
    };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let result = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(err) => Err((render_path(err.path()), err.into_inner())),
        Ok(_) => Err((".".to_owned(), de.end().err().unwrap_or(first))),
    };
    result.map_err(|(path, inner): (String, serde_json::Error)| {
        let offset = byte_offset(bytes, inner.line(), inner.column());
        let mut error = DecodeError::new(path, inner.to_string(), bytes, offset, redactor);
        error.call = call.cloned();
        error.meta = meta.cloned();
        Error::Decode(Box::new(error))
    })
}

/// Writes a path in the syntax documented on [`DecodeError::path`]: unlike
/// `serde_path_to_error`'s own `Display`, an empty key or one holding a separator cannot be
/// mistaken for another path.
fn render_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;

    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => {
                out.push('[');
                out.push_str(&index.to_string());
                out.push(']');
            }
            Segment::Map { key } | Segment::Enum { variant: key } if is_bare(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Map { key } | Segment::Enum { variant: key } => {
                out.push('[');
                // Serialising a string cannot fail; `Debug` quoting is the fallback anyway.
                out.push_str(&serde_json::to_string(key).unwrap_or_else(|_| format!("{key:?}")));
                out.push(']');
            }
            Segment::Unknown => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push('?');
            }
        }
    }
    if out.is_empty() {
        out.push('.');
    }
    out
}

/// Whether a key can be written as it is in a path: not empty, and free of the characters the
/// path syntax uses and of characters that do not show.
fn is_bare(key: &str) -> bool {
    !key.is_empty()
        && !key.chars().any(|c| {
            matches!(c, '.' | '[' | ']' | '"' | '\\' | '?') || c.is_whitespace() || c.is_control()
        })
}

/// The byte offset of a 1-based line and column as serde_json reports them.
fn byte_offset(bytes: &[u8], line: usize, column: usize) -> usize {
    let line_start = bytes
        .split_inclusive(|b| *b == b'\n')
        .take(line.saturating_sub(1))
        .map(<[u8]>::len)
        .sum::<usize>();
    line_start.saturating_add(column.saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_type_dispatch_table() {
        let table: &[(&str, BodyKind)] = &[
            ("application/json", BodyKind::Json),
            ("application/json; charset=utf-8", BodyKind::Json),
            ("APPLICATION/JSON; Charset=UTF-8", BodyKind::Json),
            ("  application/json  ", BodyKind::Json),
            ("application/problem+json", BodyKind::Json),
            ("application/vnd.fireworks.v1+JSON", BodyKind::Json),
            ("text/json", BodyKind::Json),
            ("text/plain", BodyKind::Text),
            ("text/plain; charset=ISO-8859-1", BodyKind::Text),
            ("TEXT/VTT", BodyKind::Text),
            ("text/srt", BodyKind::Text),
            ("application/x-subrip", BodyKind::Raw),
            ("application/octet-stream", BodyKind::Raw),
            ("application/x-ndjson", BodyKind::Raw),
            ("jsonish", BodyKind::Raw),
            ("", BodyKind::Raw),
        ];
        for (ct, want) in table {
            assert_eq!(kind_of(ct), *want, "{ct:?}");
        }
    }

    #[test]
    fn decode_follows_the_content_type() {
        let json = EmbeddedBody::new(Some("application/json"), Some("{\"a\":[1]}")).unwrap();
        assert_eq!(
            json.decode().unwrap(),
            DecodedBody::Json(serde_json::json!({"a": [1]}))
        );
        let text = EmbeddedBody::new(Some("text/plain; charset=utf-8"), Some("{\"a\":1}")).unwrap();
        assert_eq!(
            text.decode().unwrap(),
            DecodedBody::Text("{\"a\":1}".into())
        );
        assert_eq!(text.text(), Some("{\"a\":1}"));
        let raw = EmbeddedBody::new(Some("audio/wav"), Some("RIFF")).unwrap();
        assert_eq!(
            raw.decode().unwrap(),
            DecodedBody::Raw {
                content_type: "audio/wav".into(),
                body: "RIFF".into()
            }
        );
        assert_eq!(raw.text(), None);
    }

    #[test]
    fn missing_content_type_tries_json_then_text() {
        let j = EmbeddedBody::new(None, Some("[1]")).unwrap();
        assert_eq!(
            j.decode().unwrap(),
            DecodedBody::Json(serde_json::json!([1]))
        );
        assert_eq!(j.text(), None);
        let t = EmbeddedBody::new(None, Some("1\n00:00 --> 00:01")).unwrap();
        assert_eq!(
            t.decode().unwrap(),
            DecodedBody::Text("1\n00:00 --> 00:01".into())
        );
    }

    #[test]
    fn no_body_is_none() {
        assert!(EmbeddedBody::new(Some("application/json"), None).is_none());
    }

    #[test]
    fn invalid_json_names_the_path() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)] // Fields exist only to be decoded.
        struct Word {
            word: String,
            start: f64,
        }
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Transcript {
            words: Vec<Word>,
        }
        let body = r#"{"words":[{"word":"a","start":0.0},{"word":"b","start":"x"}]}"#;
        let b = EmbeddedBody::new(Some("application/json"), Some(body)).unwrap();
        let Err(Error::Decode(err)) = b.json::<Transcript>() else {
            panic!("expected a decode error");
        };
        assert_eq!(err.path(), "words[1].start");
        assert!(
            err.snippet().contains("\"start\":\"x\""),
            "{}",
            err.snippet()
        );
        let broken = EmbeddedBody::new(Some("application/json"), Some("{\"a\":")).unwrap();
        assert!(matches!(broken.decode(), Err(Error::Decode(_))));
    }

    #[test]
    fn paths_read_one_way() {
        let table: &[(&str, &str)] = &[
            (r#"{"":1e400}"#, r#"[""]"#),
            (r#"{"":{"":1e400}}"#, r#"[""][""]"#),
            (r#"{"a":{"":1e400}}"#, r#"a[""]"#),
            (r#"{"a.b":1e400}"#, r#"["a.b"]"#),
            (r#"{"a":{"b":1e400}}"#, "a.b"),
            (r#"{"a":[0,{"b c":1e400}]}"#, r#"a[1]["b c"]"#),
            (r#"{"[0]":1e400}"#, r#"["[0]"]"#),
            (r#"{"?":1e400}"#, r#"["?"]"#),
            (r#"{"q\"\\":1e400}"#, r#"["q\"\\"]"#),
            (r#"{"ü":[1e400]}"#, "ü[0]"),
            ("[1e400]", "[0]"),
            ("1e400", "."),
            ("{} x", "."),
        ];
        for (body, want) in table {
            let got =
                decode_json::<serde_json::Value>(body.as_bytes(), None, None, Redactor::new(None));
            let Err(Error::Decode(err)) = got else {
                panic!("{body}: expected a decode error, got {got:?}");
            };
            assert_eq!(err.path(), *want, "{body}");
        }
    }

    #[test]
    fn the_key_is_redacted_in_path_message_and_snippet() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)] // Fields exist only to be decoded.
        struct Status {
            status: u32,
        }
        let key = "fw-canary-5f3a9c1e7b";
        let bodies = [
            r#"{"status":"fw-canary-5f3a9c1e7b"}"#,
            r#"{"fw-canary-5f3a9c1e7b":1e400}"#,
            r#"{"status":{"fw-canary-5f3a9c1e7b":1}}"#,
            r#"{"status":1} fw-canary-5f3a9c1e7b"#,
        ];
        for body in bodies {
            let got = decode_json::<Status>(body.as_bytes(), None, None, Redactor::new(Some(key)));
            let Err(error) = got else {
                panic!("{body}: expected an error");
            };
            let shown = format!("{error} {error:?}");
            assert!(!shown.contains(key), "{body}: {shown}");
            assert!(shown.contains("[REDACTED]"), "{body}: {shown}");
        }
        let Err(Error::Decode(err)) =
            decode_json::<Status>(bodies[0].as_bytes(), None, None, Redactor::new(Some(key)))
        else {
            panic!("expected a decode error");
        };
        assert!(
            err.message()
                .starts_with("invalid type: string \"[REDACTED]\""),
            "{}",
            err.message()
        );
    }

    #[test]
    fn trailing_garbage_is_an_error() {
        let b = EmbeddedBody::new(Some("application/json"), Some("{} x")).unwrap();
        assert!(b.json_value().is_err());
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// A string with random ASCII case.
        fn any_case(s: &'static str) -> impl Strategy<Value = String> {
            proptest::collection::vec(any::<bool>(), s.len()).prop_map(move |upper| {
                s.chars()
                    .zip(upper)
                    .map(|(c, u)| if u { c.to_ascii_uppercase() } else { c })
                    .collect()
            })
        }

        proptest! {
            #[test]
            fn json_types_are_json_whatever_the_case_and_params(
                essence in prop_oneof![
                    any_case("application/json"),
                    any_case("application/problem+json"),
                    any_case("application/vnd.x+json"),
                ],
                params in proptest::collection::vec(("[a-z]{1,8}", "[a-zA-Z0-9-]{1,8}"), 0..3),
            ) {
                let mut ct = essence;
                for (k, v) in params {
                    ct.push_str(&format!("; {k}={v}"));
                }
                prop_assert_eq!(kind_of(&ct), BodyKind::Json, "{}", ct);
            }

            #[test]
            fn text_types_are_text(sub in "[a-ik-z][a-z]{0,8}", charset in "[a-zA-Z0-9-]{1,10}") {
                let ct = format!("TEXT/{sub}; charset={charset}");
                prop_assert_eq!(kind_of(&ct), BodyKind::Text, "{}", ct);
            }

            #[test]
            fn any_content_type_and_body_decode_without_panicking(ct in any::<Option<String>>(), body in any::<String>()) {
                let embedded = EmbeddedBody::new(ct.as_deref(), Some(&body)).unwrap();
                match embedded.decode() {
                    Ok(DecodedBody::Text(t)) => prop_assert_eq!(t, body),
                    Ok(DecodedBody::Raw { body: b, .. }) => prop_assert_eq!(b, body),
                    Ok(DecodedBody::Json(_)) => prop_assert!(serde_json::from_str::<serde_json::Value>(&body).is_ok()),
                    Err(e) => prop_assert!(matches!(e, Error::Decode(_))),
                }
            }
        }
    }
}
