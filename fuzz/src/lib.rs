//! The properties the fuzz targets check, shared with `tests/corpus.rs` (which includes this
//! file as a module) so that CI replays `fuzz/corpus/` through exactly the same assertions on
//! stable Rust without cargo-fuzz. Every check panics on a violated property; nothing else here
//! may panic.

// These checks are test code: a failed assertion is how a property violation is reported, and
// clippy's allow-*-in-tests settings do not reach helpers outside `#[test]` functions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fireworks_ai::audio_batch::{AUDIO_BATCH, BatchStatus};
use fireworks_ai::{__private, BodyKind, DecodedBody, EmbeddedBody, Error, StatusError};
use fireworks_ai_codegen::{Settings, SpecErrors, generate, generate_with_imports, render};
use http::StatusCode;
use http::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use serde_json::Value;

/// The display path every fuzzed spec is generated under.
pub const SPEC_PATH: &str = "spec/fuzz.yaml";

/// The longest body snippet an error may keep, in bytes, counting any `[REDACTED]` marker but
/// not the `…` cut markers: the runtime's own cap, which its docs promise is 512.
pub const SNIPPET_CAP: usize = __private::fuzz::SNIPPET_MAX;

/// What the runtime writes in place of the key.
const REDACTED: &str = "[REDACTED]";

/// The cut marker the runtime puts at a snippet's start and/or end.
const CUT: char = '…';

/// A canary API key: it must never appear in any error text, whatever the body contains.
pub const CANARY_KEY: &str = "fw-canary-5f3a9c1e7b";

/// How much of an error body the harness serves; the runtime's error-body cap is 64 KiB.
const MAX_ERROR_BODY: usize = 32 * 1024;

/// Generates `text` as a spec and checks the generator's contract: no panic; on success the
/// tokens render through `prettyplease` (also in macro mode); on failure every error has a
/// 1-based line and column inside the file, the display path, and renders as
/// `spec/fuzz.yaml:line:column: message`, sorted and deduplicated. Output is deterministic.
pub fn check_spec(text: &str) {
    check_outcomes(text, &|settings| {
        generate(text, SPEC_PATH, settings)
            .map(|tokens| (render(&tokens, SPEC_PATH), tokens.to_string()))
    });
}

/// Like [`check_spec`] through `generate_with_imports`, with `imports` (display path, text)
/// as the only files an `imports:` entry can load; any other path is reported as missing.
/// The errors, including those about an imported file, must all point into `text`.
pub fn check_spec_with_imports(text: &str, imports: &[(String, String)]) {
    check_outcomes(text, &|settings| {
        let mut load = |path: &str| {
            imports
                .iter()
                .find(|(name, _)| name == path)
                .map(|(_, text)| text.clone())
                .ok_or_else(|| format!("no file `{path}` in this test"))
        };
        generate_with_imports(text, SPEC_PATH, settings, &mut load)
            .map(|tokens| (render(&tokens, SPEC_PATH), tokens.to_string()))
    });
}

/// Every `*.yaml` file in `dir`, as (`spec/<name>`, text), sorted: what an `imports:` entry of
/// a spec under `spec/` may load.
pub fn spec_files(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .filter(|name| name.ends_with(".yaml"))
                .filter_map(|name| {
                    let text = std::fs::read_to_string(dir.join(&name)).ok()?;
                    Some((format!("spec/{name}"), text))
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// One way of generating a spec: (rendered source, token text) or the errors.
type Generate<'a> = dyn Fn(&Settings) -> Result<(String, String), SpecErrors> + 'a;

/// Runs one way of generating twice in build-script mode and once in macro mode, and checks
/// whichever outcome it gives.
fn check_outcomes(text: &str, generate: &Generate<'_>) {
    let first = generate(&Settings::build_script());
    let second = generate(&Settings::build_script());
    match (first, second) {
        (Ok((source, tokens)), Ok((again, _))) => {
            check_rendered(&source, &tokens);
            assert_eq!(source, again, "output is not deterministic");
            match generate(&Settings::macro_call()) {
                Ok((source, tokens)) => check_rendered(&source, &tokens),
                Err(errors) => {
                    panic!("build-script mode accepted what macro mode rejects:\n{errors}")
                }
            }
        }
        (Err(errors), Err(again)) => {
            check_spec_errors(&errors, text);
            assert_eq!(errors, again, "diagnostics are not deterministic");
        }
        _ => panic!("generate gave Ok once and Err once for the same text"),
    }
}

/// Checks rendered source: the header, and tokens that parsed as a Rust file. `render` falls
/// back to the unformatted token text only when they do not, so formatted output differs from
/// `header + tokens_text`.
fn check_rendered(source: &str, tokens_text: &str) {
    let header =
        format!("// @generated by fireworks-ai-codegen from {SPEC_PATH}. Do not edit.\n\n");
    assert!(
        source.starts_with(&header),
        "rendered source lacks the header"
    );
    assert_ne!(
        source,
        format!("{header}{tokens_text}"),
        "generated tokens do not parse as a Rust file"
    );
}

/// Checks the located diagnostics for one failed spec.
fn check_spec_errors(errors: &SpecErrors, text: &str) {
    assert!(!errors.is_empty(), "generate returned an empty error list");
    let lines = split_lines(text);
    let mut previous: Option<(u32, u32)> = None;
    let mut rendered_each = Vec::new();
    for error in errors {
        let (line, column) = (error.line(), error.column());
        assert!(
            line >= 1 && column >= 1,
            "position {line}:{column} is not 1-based: {error}"
        );
        assert_eq!(error.path(), SPEC_PATH, "error names another path: {error}");
        let index = usize::try_from(line).unwrap() - 1;
        let line_text = lines.get(index).copied();
        assert!(
            line_text.is_some(),
            "line {line} is past the end of a {}-line file: {error}",
            lines.len()
        );
        let width = line_text.map_or(0, str::len);
        assert!(
            usize::try_from(column).unwrap() <= width + 1,
            "column {column} is past the end of line {line} ({width} bytes): {error}"
        );
        assert!(
            !error.message().is_empty(),
            "empty message at {line}:{column}"
        );
        if let Some(previous) = previous {
            assert!(
                previous <= (line, column),
                "errors are not sorted by position"
            );
        }
        previous = Some((line, column));
        let rendered = error.to_string();
        let prefix = format!("{SPEC_PATH}:{line}:{column}: ");
        assert!(
            rendered.starts_with(&prefix),
            "rendered error does not start with {prefix:?}: {rendered:?}"
        );
        rendered_each.push(rendered);
    }
    assert_eq!(
        errors.to_string(),
        rendered_each.join("\n"),
        "SpecErrors does not render as its errors, one per line"
    );
}

/// Splits text into lines the way YAML counts them: `\r\n`, `\n` and a lone `\r` end a line.
/// A file always has at least one line, and text after the last break is one more.
fn split_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes.get(i) {
            Some(b'\n') => {
                lines.push(text.get(start..i).unwrap_or_default());
                start = i + 1;
            }
            Some(b'\r') => {
                lines.push(text.get(start..i).unwrap_or_default());
                if bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    lines.push(text.get(start..).unwrap_or_default());
    lines
}

/// Splits an `embedded_body` input: the first line is the content type (`NONE` for a missing
/// one), the rest is the body. Both are read as lossy UTF-8, as they arrive in a JSON string.
pub fn split_embedded(data: &[u8]) -> (Option<String>, String) {
    let text = String::from_utf8_lossy(data);
    match text.split_once('\n') {
        Some(("NONE", body)) => (None, body.to_owned()),
        Some((content_type, body)) => (Some(content_type.to_owned()), body.to_owned()),
        None => (None, text.into_owned()),
    }
}

/// Decodes an embedded body and checks it against its content type: never a panic; JSON types
/// give JSON exactly when the body parses (else a located [`Error::Decode`]); `text/*` gives the
/// text; other types keep the body raw; no content type tries JSON, then text.
pub fn check_embedded_body(content_type: Option<&str>, body: &str) {
    assert!(EmbeddedBody::new(content_type, None).is_none());
    let embedded = EmbeddedBody::new(content_type, Some(body)).expect("a body was given");
    assert_eq!(embedded.raw(), body);
    assert_eq!(embedded.content_type(), content_type);
    let kind = embedded.kind();
    if let Some(content_type) = content_type {
        let lower = content_type.to_ascii_lowercase();
        let upper = content_type.to_ascii_uppercase();
        assert_eq!(
            fireworks_ai::EmbeddedBody::new(Some(&lower), Some(body)).map(|b| b.kind()),
            Some(kind),
            "content type dispatch depends on case: {content_type:?}"
        );
        assert_eq!(
            fireworks_ai::EmbeddedBody::new(Some(&upper), Some(body)).map(|b| b.kind()),
            Some(kind),
            "content type dispatch depends on case: {content_type:?}"
        );
    }
    let oracle = serde_json::from_str::<Value>(body);
    let decoded = embedded.decode();
    match kind {
        BodyKind::Json => match (&decoded, &oracle) {
            (Ok(DecodedBody::Json(got)), Ok(want)) => assert_eq!(got, want),
            (Err(error), Err(_)) => check_decode_error(error, body.as_bytes(), Key::Unknown),
            _ => panic!("JSON content type {content_type:?}: decode gave {decoded:?}"),
        },
        BodyKind::Text => {
            assert_eq!(decoded.ok(), Some(DecodedBody::Text(body.to_owned())));
            assert_eq!(embedded.text(), Some(body));
        }
        BodyKind::Unknown => {
            let want = match oracle {
                Ok(ref value) => DecodedBody::Json(value.clone()),
                Err(_) => DecodedBody::Text(body.to_owned()),
            };
            assert_eq!(decoded.ok(), Some(want));
            assert_eq!(embedded.text(), oracle.is_err().then_some(body));
        }
        BodyKind::Raw => {
            let want = DecodedBody::Raw {
                content_type: content_type.unwrap_or_default().to_owned(),
                body: body.to_owned(),
            };
            assert_eq!(decoded.ok(), Some(want));
            assert_eq!(embedded.text(), None);
        }
        other => panic!("a new body kind {other:?} needs a property here"),
    }
    match (embedded.json_value(), serde_json::from_str::<Value>(body)) {
        (Ok(got), Ok(want)) => assert_eq!(got, want),
        (Err(error), Err(_)) => check_decode_error(&error, body.as_bytes(), Key::Unknown),
        (got, want) => panic!("json_value gave {got:?}, serde_json gave {want:?}"),
    }
}

/// Whether the decoder that made an error was given the client's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    /// A call's decoder: the key never shows.
    Known,
    /// `EmbeddedBody`, which decodes a string the caller holds, with no client and no key:
    /// its errors may quote the key only where that string holds it.
    Unknown,
}

/// A decode error names a JSON path, has a message, keeps a capped snippet and never shows
/// the key (see [`Key`]).
fn check_decode_error(error: &Error, body: &[u8], key: Key) {
    let Error::Decode(decode) = error else {
        panic!("expected a decode error, got {error:?}");
    };
    check_path(decode.path(), body);
    assert!(
        !decode.message().is_empty(),
        "decode error without a message"
    );
    let snippet = decode.snippet();
    let inner = snippet.strip_prefix(CUT).unwrap_or(snippet);
    let inner = inner.strip_suffix(CUT).unwrap_or(inner);
    assert!(
        inner.len() <= SNIPPET_CAP,
        "snippet of {} bytes exceeds the cap of {SNIPPET_CAP}",
        inner.len()
    );
    let whole = !snippet.starts_with(CUT) && !snippet.ends_with(CUT);
    if whole && body.len() <= SNIPPET_CAP && !contains_key_fragment(body) {
        assert_eq!(
            snippet,
            String::from_utf8_lossy(body),
            "short body not kept whole"
        );
    }
    let holds_key = body
        .windows(CANARY_KEY.len())
        .any(|w| w == CANARY_KEY.as_bytes());
    if key == Key::Known || !holds_key {
        check_no_key(error);
    }
}

/// One step of a decode error's path, read back from its text.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
    Unknown,
}

/// A path follows the syntax `DecodeError::path` documents, so it reads back one way, and
/// when the body is valid JSON the steps lead to a value in it (the error is about a value or
/// a field of an object that exists).
fn check_path(path: &str, body: &[u8]) {
    let steps = parse_path(path).unwrap_or_else(|why| panic!("path {path:?}: {why}"));
    if path.contains(REDACTED) || steps.contains(&Step::Unknown) {
        return;
    }
    if let Ok(mut value) = serde_json::from_slice::<Value>(body) {
        for step in &steps {
            value = match (step, value) {
                (Step::Key(key), Value::Object(mut map)) => map.remove(key),
                (Step::Index(index), Value::Array(mut items)) => {
                    (*index < items.len()).then(|| items.swap_remove(*index))
                }
                _ => None,
            }
            .unwrap_or_else(|| panic!("path {path:?} leads to no value in the body"));
        }
    }
}

/// Reads a path in the documented syntax: `.` alone for the document; else steps, each a
/// bare key (after a `.` unless it is the first step), `[index]`, `["json string"]` for a key
/// that cannot be bare, or `?`. The key shows as `[REDACTED]` anywhere in a key.
fn parse_path(path: &str) -> Result<Vec<Step>, String> {
    if path == "." {
        return Ok(Vec::new());
    }
    // An opaque stand-in that a bare key may hold, so the marker reads as part of its key.
    let text = path.replace(REDACTED, "\u{fffe}");
    let mut steps = Vec::new();
    let mut rest = text.as_str();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('[') {
            if let Some(quoted) = after.strip_prefix('"') {
                let end = closing_quote(quoted).ok_or("unterminated quoted key")?;
                let literal = after.get(..end + 2).ok_or("bad quoted key")?;
                // The marker replaces the key wherever its text appears, even where an escape
                // (`\f` before `w-...`) happens to spell it; such a quoted key stays opaque.
                let key = if literal.contains('\u{fffe}') {
                    literal.replace('\u{fffe}', REDACTED)
                } else {
                    let key: String = serde_json::from_str(literal)
                        .map_err(|e| format!("quoted key {literal} is not a JSON string: {e}"))?;
                    if is_bare(&key) {
                        return Err(format!("key {key:?} is quoted but could be bare"));
                    }
                    key
                };
                rest = after
                    .get(end + 2..)
                    .and_then(|r| r.strip_prefix(']'))
                    .ok_or("no `]` after a quoted key")?;
                steps.push(Step::Key(key));
            } else {
                let close = after.find(']').ok_or("no `]` after an index")?;
                let digits = after.get(..close).unwrap_or_default();
                let index = digits
                    .parse::<usize>()
                    .ok()
                    .filter(|_| digits.bytes().all(|b| b.is_ascii_digit()))
                    .filter(|_| digits == "0" || !digits.starts_with('0'))
                    .ok_or_else(|| format!("`[{digits}]` is not an index"))?;
                rest = after.get(close + 1..).unwrap_or_default();
                steps.push(Step::Index(index));
            }
            continue;
        }
        if !steps.is_empty() {
            rest = rest
                .strip_prefix('.')
                .ok_or_else(|| format!("a key must follow `.`: {rest:?}"))?;
        }
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        let key = rest.get(..end).unwrap_or_default();
        rest = rest.get(end..).unwrap_or_default();
        if key == "?" {
            steps.push(Step::Unknown);
        } else if is_bare(key) {
            steps.push(Step::Key(key.replace('\u{fffe}', REDACTED)));
        } else {
            return Err(format!("key {key:?} must be quoted"));
        }
    }
    Ok(steps)
}

/// The byte index of the `"` that closes a JSON string whose opening quote is just before
/// `text`.
fn closing_quote(text: &str) -> Option<usize> {
    let mut escaped = false;
    for (at, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some(at),
            _ => {}
        }
    }
    None
}

/// Whether the documented syntax writes `key` bare.
fn is_bare(key: &str) -> bool {
    !key.is_empty()
        && !key.chars().any(|c| {
            matches!(c, '.' | '[' | ']' | '"' | '\\' | '?') || c.is_whitespace() || c.is_control()
        })
}

/// The canary key appears in no `Display` or `Debug` output of an error.
fn check_no_key(error: &Error) {
    assert!(
        !error.to_string().contains(CANARY_KEY),
        "key in Display: {error}"
    );
    assert!(!format!("{error:?}").contains(CANARY_KEY), "key in Debug");
}

/// Builds the `Status` error for `body` with the runtime's own function (no server) and checks
/// it: the status is kept, the snippet is the start of the body within the cap (never the key),
/// and the message, code, type and param are the ones an independent reading of
/// FIREWORKS_API.md section 2.5 finds, with the key redacted.
pub fn check_error_body(status: u16, body: &[u8]) {
    let body = body.get(..MAX_ERROR_BODY).unwrap_or(body);
    let error = status_error(status, body);
    assert_eq!(error.status().as_u16(), status);
    check_status_snippet(error.body_snippet(), body);
    let want = expected_fields(body);
    assert_eq!(
        error.message(),
        want.message.as_deref(),
        "message of {body:?}"
    );
    assert_eq!(error.code(), want.code.as_deref(), "code of {body:?}");
    assert_eq!(
        error.error_type(),
        want.error_type.as_deref(),
        "type of {body:?}"
    );
    assert_eq!(error.param(), want.param.as_deref(), "param of {body:?}");
    check_no_key(&Error::Status(Box::new(error)));
}

/// The runtime's `Status` error for a JSON error response, for a client holding the canary key.
fn status_error(status: u16, body: &[u8]) -> StatusError {
    let status = StatusCode::from_u16(status).expect("a status in 400..=599");
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    __private::fuzz::status_error(status, headers, body, Some(CANARY_KEY))
}

/// Decodes `body` as a `BatchStatus` with the runtime's own `decode_json` (no server) and
/// checks it: it succeeds exactly when `serde_json` alone decodes the same value (the path
/// tracking changes nothing), fails only with a located `Decode` error, agrees with
/// `EmbeddedBody::json` on UTF-8 input, and the decoded embedded body is checked too.
pub fn check_json_response(body: &[u8]) {
    let result = __private::fuzz::decode_json::<BatchStatus>(body, Some(CANARY_KEY));
    let oracle = serde_json::from_slice::<BatchStatus>(body);
    match (&result, &oracle) {
        (Ok(got), Ok(want)) => assert_eq!(got, want),
        (Err(error), Err(_)) => check_decode_error(error, body, Key::Known),
        _ => panic!("runtime gave {result:?}, serde_json gave {oracle:?}"),
    }
    if let Ok(text) = std::str::from_utf8(body) {
        let embedded = EmbeddedBody::new(Some("application/json"), Some(text))
            .expect("a body was given")
            .json::<BatchStatus>();
        match (&result, &embedded) {
            (Ok(got), Ok(want)) => assert_eq!(got, want),
            (Err(Error::Decode(got)), Err(Error::Decode(want))) => {
                let want = want.path().replace(CANARY_KEY, REDACTED);
                assert_eq!(got.path(), want, "decode with and without the key disagree");
            }
            _ => panic!("decode gave {result:?}, embedded decode gave {embedded:?}"),
        }
    }
    if let Some(embedded) = result.as_ref().ok().and_then(BatchStatus::embedded_body) {
        check_embedded_body(embedded.content_type(), embedded.raw());
    }
}

/// What the loopback server answers with next.
#[derive(Debug, Clone)]
struct Canned {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
}

/// A client wired to a one-route HTTP/1.1 server on 127.0.0.1 that answers every request with
/// the current canned response. The fuzz targets use the runtime's functions directly
/// ([`check_error_body`], [`check_json_response`]); this checks that a real call builds the
/// same errors and values from the same response.
pub struct Harness {
    runtime: tokio::runtime::Runtime,
    client: fireworks_ai::Client,
    canned: Arc<Mutex<Canned>>,
}

impl Harness {
    /// Starts the server thread and builds a client with no retries and a short timeout.
    pub fn new() -> Harness {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local address");
        let canned = Arc::new(Mutex::new(Canned {
            status: 200,
            content_type: "application/json",
            body: Vec::new(),
        }));
        let shared = Arc::clone(&canned);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = Arc::clone(&shared);
                std::thread::spawn(move || serve(stream, &shared));
            }
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        let client = fireworks_ai::Client::builder()
            .api_key(CANARY_KEY)
            .account_id("acct-fuzz")
            .base_url(AUDIO_BATCH, &format!("http://{addr}"))
            .max_retries(0)
            .timeout(Duration::from_secs(10))
            .build()
            .expect("client");
        Harness {
            runtime,
            client,
            canned,
        }
    }

    /// Serves one canned response to a batch status call and returns the call's result.
    fn call(
        &self,
        status: u16,
        content_type: &'static str,
        body: &[u8],
    ) -> Result<BatchStatus, Error> {
        *self.canned.lock().unwrap() = Canned {
            status,
            content_type,
            body: body.to_vec(),
        };
        let request = self.client.audio_batch().get_batch_status("batch-fuzz");
        self.runtime.block_on(request.send())
    }

    /// Serves `body` as an error response: the call gives the `Status` error that
    /// `__private::fuzz::status_error` builds from the same response, field for field.
    pub fn check_error_body(&self, status: u16, body: &[u8]) {
        let body = body.get(..MAX_ERROR_BODY).unwrap_or(body);
        let got = match self.call(status, "application/json", body) {
            Err(Error::Status(error)) => error,
            other => panic!("status {status} gave {other:?}"),
        };
        let want = status_error(status, body);
        assert_eq!(got.status(), want.status());
        assert_eq!(got.message(), want.message(), "message of {body:?}");
        assert_eq!(got.code(), want.code(), "code of {body:?}");
        assert_eq!(got.error_type(), want.error_type(), "type of {body:?}");
        assert_eq!(got.param(), want.param(), "param of {body:?}");
        assert_eq!(
            got.body_snippet(),
            want.body_snippet(),
            "snippet of {body:?}"
        );
        check_no_key(&Error::Status(got));
    }

    /// Serves `body` as a 200 JSON answer to the batch status call: the call gives what
    /// `__private::fuzz::decode_json` gives for the same body, the same value or the same error.
    pub fn check_json_response(&self, body: &[u8]) {
        let got = self.call(200, "application/json", body);
        let want = __private::fuzz::decode_json::<BatchStatus>(body, Some(CANARY_KEY));
        match (&got, &want) {
            (Ok(got), Ok(want)) => assert_eq!(got, want),
            (Err(Error::Decode(got)), Err(Error::Decode(want))) => {
                assert_eq!(got.path(), want.path(), "path of {body:?}");
                assert_eq!(got.message(), want.message(), "message of {body:?}");
                assert_eq!(got.snippet(), want.snippet(), "snippet of {body:?}");
            }
            _ => panic!("the call gave {got:?}, decode_json gave {want:?}"),
        }
        if let Err(error) = &got {
            check_no_key(error);
        }
    }
}

impl Default for Harness {
    fn default() -> Self {
        Harness::new()
    }
}

/// Splits an `error_body` input: a first line holding a status in 400..=599 selects it (else
/// 500 is used and the whole input is the body); the rest is the body, as raw bytes.
pub fn split_error(data: &[u8]) -> (u16, &[u8]) {
    let Some(newline) = data.iter().position(|b| *b == b'\n') else {
        return (500, data);
    };
    let (head, rest) = data.split_at(newline);
    let status = std::str::from_utf8(head)
        .ok()
        .and_then(|s| s.trim().parse::<u16>().ok())
        .filter(|s| (400..=599).contains(s));
    match status {
        Some(status) => (status, rest.get(1..).unwrap_or_default()),
        None => (500, data),
    }
}

/// The status snippet starts at the body's start: a short body is kept whole, a long one is
/// cut at the cap on a character boundary and marked; the key never survives.
fn check_status_snippet(snippet: &str, body: &[u8]) {
    assert!(!snippet.contains(CANARY_KEY), "key in the snippet");
    assert!(
        !snippet.starts_with(CUT) || body.starts_with("…".as_bytes()),
        "snippet of an error body must start at the body's start"
    );
    let inner = snippet.strip_suffix(CUT).unwrap_or(snippet);
    assert!(
        inner.len() <= SNIPPET_CAP,
        "snippet of {} bytes exceeds the cap",
        inner.len()
    );
    if contains_key_fragment(body) {
        return;
    }
    let lossy = String::from_utf8_lossy(body);
    if lossy.len() <= SNIPPET_CAP && body.len() <= SNIPPET_CAP {
        assert_eq!(snippet, lossy, "a short error body is kept whole");
        return;
    }
    assert!(
        snippet.ends_with(CUT),
        "a long error body is not marked as cut"
    );
    assert!(
        inner.len() + 3 >= SNIPPET_CAP,
        "a long error body was cut to {} bytes",
        inner.len()
    );
    // The window's last character may be a replacement for a sequence cut at its edge.
    let mut whole = inner.to_owned();
    if !lossy.starts_with(&whole) {
        whole.pop();
        assert!(
            lossy.starts_with(&whole),
            "the snippet is not the start of the body: {snippet:?}"
        );
    }
}

/// Whether the body holds four or more consecutive bytes of the key, which the runtime
/// replaces with `[REDACTED]` (so the snippet is no longer a plain prefix).
fn contains_key_fragment(body: &[u8]) -> bool {
    CANARY_KEY
        .as_bytes()
        .windows(4)
        .any(|fragment| body.windows(4).any(|w| w == fragment))
}

/// The fields an error body carries, read independently of the runtime from the shapes in
/// FIREWORKS_API.md section 2.5, with the key redacted as the runtime promises.
#[derive(Debug, Default)]
struct Fields {
    message: Option<String>,
    code: Option<String>,
    error_type: Option<String>,
    param: Option<String>,
}

/// Reads [`Fields`]: the nested `error` object first, then `error` as a string (message only),
/// then top-level fields, then `detail` and `error_message` (message only).
fn expected_fields(body: &[u8]) -> Fields {
    let Ok(Value::Object(top)) = serde_json::from_slice::<Value>(body) else {
        return Fields::default();
    };
    let nested = top.get("error").and_then(Value::as_object);
    let text = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(|s| s.replace(CANARY_KEY, REDACTED))
    };
    let message = nested
        .and_then(|e| text(e.get("message")))
        .or_else(|| text(top.get("error")))
        .or_else(|| text(top.get("message")))
        .or_else(|| text(top.get("detail")))
        .or_else(|| text(top.get("error_message")));
    let code_of = |v: Option<&Value>| match v {
        Some(Value::Number(n)) => Some(grpc_name(n)),
        other => text(other),
    };
    let code = nested
        .and_then(|e| code_of(e.get("code")))
        .or_else(|| code_of(top.get("code")));
    let field = |name: &str| {
        nested
            .and_then(|e| text(e.get(name)))
            .or_else(|| text(top.get(name)))
    };
    Fields {
        message,
        code,
        error_type: field("type"),
        param: field("param"),
    }
}

/// A numeric code as the runtime names it: google.rpc names for 0..=16, else the number.
fn grpc_name(n: &serde_json::Number) -> String {
    const NAMES: [&str; 17] = [
        "OK",
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    ];
    n.as_u64()
        .and_then(|i| usize::try_from(i).ok())
        .and_then(|i| NAMES.get(i))
        .map_or_else(|| n.to_string(), |name| (*name).to_owned())
}

/// Answers every request on one connection with the current canned response (keep-alive).
fn serve(mut stream: TcpStream, canned: &Mutex<Canned>) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        while !buffer.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(chunk.get(..n).unwrap_or_default()),
            }
        }
        let end = buffer
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or(0)
            + 4;
        buffer.drain(..end);
        let response = canned.lock().unwrap().clone();
        let mut out = format!(
            "HTTP/1.1 {} Fuzz\r\ncontent-type: {}\r\ncontent-length: {}\r\n\r\n",
            response.status,
            response.content_type,
            response.body.len()
        )
        .into_bytes();
        out.extend_from_slice(&response.body);
        if stream.write_all(&out).is_err() {
            return;
        }
    }
}
