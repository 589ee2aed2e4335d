//! `multipart/form-data` bodies for generated calls: a [`Multipart`] lists the parts once per
//! call, and every attempt encodes it into a fresh body, streaming file parts from disk. The
//! encoding is written here rather than with reqwest's form so that every byte on the wire
//! is known (and tested) and the length is always declared.

use std::collections::VecDeque;
use std::fmt::{Display, Write as _};
use std::path::PathBuf;

use bytes::{Bytes, BytesMut};
use tokio::io::AsyncReadExt;

use crate::file::{FileInput, Source};

/// How much of a file is read per chunk.
const CHUNK: usize = 64 * 1024;

/// The parts of a multipart body, in order. Generated code fills it from a request type;
/// values are already text (booleans `true`/`false`, numbers with `Display`, lists
/// comma-joined) or a [`FileInput`].
#[derive(Debug, Clone, Default)]
pub struct Multipart {
    parts: Vec<Part>,
}

#[derive(Debug, Clone)]
struct Part {
    name: &'static str,
    value: Value,
}

#[derive(Debug, Clone)]
enum Value {
    Text(String),
    File(FileInput),
}

impl Multipart {
    /// An empty form.
    pub fn new() -> Self {
        Self::default()
    }

    /// A text part.
    pub fn text(&mut self, name: &'static str, value: &str) {
        self.push(name, Value::Text(value.to_owned()));
    }

    /// A boolean as `true` or `false` (lowercase, as the Fireworks docs specify).
    pub fn bool(&mut self, name: &'static str, value: bool) {
        self.text(name, if value { "true" } else { "false" });
    }

    /// A value written with `Display` (numbers, open enums).
    pub fn display(&mut self, name: &'static str, value: &dyn Display) {
        self.push(name, Value::Text(value.to_string()));
    }

    /// A list as one part with the items joined by commas; an empty list is not sent.
    pub fn list<T: Display>(&mut self, name: &'static str, items: &[T]) {
        let mut joined = String::new();
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                joined.push(',');
            }
            let _ = write!(joined, "{item}");
        }
        if !items.is_empty() {
            self.push(name, Value::Text(joined));
        }
    }

    /// A list as one part per item, all with the same name.
    pub fn repeat<T: Display>(&mut self, name: &'static str, items: &[T]) {
        for item in items {
            self.display(name, item);
        }
    }

    /// A file part; a URL input becomes a text part holding the URL.
    pub fn file(&mut self, name: &'static str, file: &FileInput) {
        let value = match file.source() {
            Source::Url(url) => Value::Text(url.clone()),
            _ => Value::File(file.clone()),
        };
        self.push(name, value);
    }

    fn push(&mut self, name: &'static str, value: Value) {
        self.parts.push(Part { name, value });
    }

    /// Encodes the form for one attempt with a fresh random boundary: the `Content-Type`
    /// value, the exact length and the body. File parts on disk are opened only when the body
    /// is polled, so each attempt reads the file again from the start.
    pub(crate) fn encode(&self) -> Encoded {
        let boundary = format!(
            "fireworks-ai-{:016x}{:016x}",
            fastrand::u64(..),
            fastrand::u64(..)
        );
        let mut pieces: Vec<Piece> = Vec::new();
        let mut head = BytesMut::new();
        for part in &self.parts {
            head.extend_from_slice(b"--");
            head.extend_from_slice(boundary.as_bytes());
            head.extend_from_slice(b"\r\nContent-Disposition: form-data; name=\"");
            head.extend_from_slice(escape(part.name).as_bytes());
            head.extend_from_slice(b"\"");
            match &part.value {
                Value::Text(text) => {
                    head.extend_from_slice(b"\r\n\r\n");
                    head.extend_from_slice(text.as_bytes());
                }
                Value::File(file) => {
                    if let Some(filename) = file.filename() {
                        head.extend_from_slice(b"; filename=\"");
                        head.extend_from_slice(escape(filename).as_bytes());
                        head.extend_from_slice(b"\"");
                    }
                    if let Some(content_type) = file.content_type() {
                        head.extend_from_slice(b"\r\nContent-Type: ");
                        head.extend_from_slice(strip_line_breaks(content_type).as_bytes());
                    }
                    head.extend_from_slice(b"\r\n\r\n");
                    match file.source() {
                        // The shared buffer itself goes into the body, so no attempt copies it.
                        Source::Bytes(bytes) => {
                            pieces.push(Piece::Bytes(head.split().freeze()));
                            pieces.push(Piece::Bytes(bytes.clone()));
                        }
                        Source::Path { path, len } => {
                            pieces.push(Piece::Bytes(head.split().freeze()));
                            pieces.push(Piece::File {
                                path: path.clone(),
                                len: *len,
                            });
                        }
                        Source::Url(url) => head.extend_from_slice(url.as_bytes()),
                    }
                }
            }
            head.extend_from_slice(b"\r\n");
        }
        head.extend_from_slice(b"--");
        head.extend_from_slice(boundary.as_bytes());
        head.extend_from_slice(b"--\r\n");
        pieces.push(Piece::Bytes(head.freeze()));
        let length = pieces
            .iter()
            .map(Piece::len)
            .fold(0_u64, u64::saturating_add);
        Encoded {
            content_type: format!("multipart/form-data; boundary={boundary}"),
            length,
            pieces,
        }
    }
}

/// One attempt's encoded form.
pub(crate) struct Encoded {
    pub(crate) content_type: String,
    pub(crate) length: u64,
    pieces: Vec<Piece>,
}

impl Encoded {
    /// The body: one buffer when it is a single piece, else a stream of the pieces (the
    /// buffers of byte inputs are handed over as they are, files are read in chunks).
    pub(crate) fn into_body(self) -> reqwest::Body {
        match self.pieces.as_slice() {
            [Piece::Bytes(bytes)] => reqwest::Body::from(bytes.clone()),
            _ => reqwest::Body::wrap_stream(stream(self.pieces)),
        }
    }

    /// The body as a stream of chunks, for tests.
    #[cfg(test)]
    fn into_stream(
        self,
    ) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
        stream(self.pieces)
    }
}

/// A stretch of the body: bytes in memory, or a file to stream.
enum Piece {
    Bytes(Bytes),
    File { path: PathBuf, len: u64 },
}

impl Piece {
    fn len(&self) -> u64 {
        match self {
            Self::Bytes(bytes) => bytes.len() as u64,
            Self::File { len, .. } => *len,
        }
    }
}

/// Streams the pieces in order, opening each file when it is reached and reading exactly the
/// length declared for it. A file that became shorter is an error (the declared length would
/// be a lie); one that grew is cut at the declared length.
fn stream(
    pieces: Vec<Piece>,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    struct State {
        pieces: VecDeque<Piece>,
        file: Option<(tokio::io::Take<tokio::fs::File>, PathBuf)>,
        failed: bool,
    }
    let state = State {
        pieces: pieces.into(),
        file: None,
        failed: false,
    };
    futures_util::stream::unfold(state, |mut state| async move {
        if state.failed {
            return None;
        }
        loop {
            if let Some((file, path)) = &mut state.file {
                let remaining = file.limit();
                if remaining == 0 {
                    state.file = None;
                    continue;
                }
                let capacity = usize::try_from(remaining).map_or(CHUNK, |r| r.min(CHUNK));
                let mut buf = BytesMut::with_capacity(capacity);
                return match file.read_buf(&mut buf).await {
                    Ok(0) => {
                        let error = std::io::Error::new(
                            std::io::ErrorKind::UnexpectedEof,
                            format!(
                                "`{}` became shorter while it was being sent",
                                path.display()
                            ),
                        );
                        state.failed = true;
                        Some((Err(error), state))
                    }
                    Ok(_) => Some((Ok(buf.freeze()), state)),
                    Err(error) => {
                        state.failed = true;
                        Some((Err(error), state))
                    }
                };
            }
            match state.pieces.pop_front()? {
                Piece::Bytes(bytes) => return Some((Ok(bytes), state)),
                Piece::File { path, len } => match tokio::fs::File::open(&path).await {
                    Ok(file) => state.file = Some((file.take(len), path)),
                    Err(error) => {
                        state.failed = true;
                        let error = std::io::Error::new(
                            error.kind(),
                            format!("cannot open `{}`: {error}", path.display()),
                        );
                        return Some((Err(error), state));
                    }
                },
            }
        }
    })
}

/// Escapes a name or file name for a `Content-Disposition` quoted string the way browsers do
/// (WHATWG HTML, "multipart/form-data encoding algorithm"): `"` → `%22`, CR → `%0D`,
/// LF → `%0A`.
fn escape(value: &str) -> String {
    value
        .replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A header value cannot contain line breaks; they are dropped.
fn strip_line_breaks(value: &str) -> String {
    value.replace(['\r', '\n'], "")
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt as _;

    /// Collects an encoded form and replaces its boundary with `BOUNDARY`.
    async fn wire(form: &Multipart) -> (String, u64, String) {
        let encoded = form.encode();
        let content_type = encoded.content_type.clone();
        let boundary = encoded
            .content_type
            .strip_prefix("multipart/form-data; boundary=")
            .unwrap()
            .to_owned();
        let length = encoded.length;
        let mut body = Vec::new();
        let mut stream = std::pin::pin!(encoded.into_stream());
        while let Some(chunk) = stream.next().await {
            body.extend_from_slice(&chunk.unwrap());
        }
        assert_eq!(body.len() as u64, length);
        (
            content_type.replace(&boundary, "BOUNDARY"),
            length,
            String::from_utf8(body)
                .unwrap()
                .replace(&boundary, "BOUNDARY"),
        )
    }

    #[tokio::test]
    async fn text_bool_number_list_and_file_parts() {
        let mut form = Multipart::new();
        form.file("file", &FileInput::from_bytes(&b"RIFF"[..], "a \"b\".wav"));
        form.text("model", "whisper-v3");
        form.bool("diarize", true);
        form.display("min_speakers", &2);
        form.list("temperature", &[0.0, 0.2]);
        form.list::<f64>("empty", &[]);
        form.repeat("granularity", &["word", "segment"]);
        let (content_type, _, body) = wire(&form).await;
        assert_eq!(content_type, "multipart/form-data; boundary=BOUNDARY");
        assert_eq!(
            body,
            "--BOUNDARY\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a %22b%22.wav\"\r\nContent-Type: audio/wav\r\n\r\nRIFF\r\n\
             --BOUNDARY\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-v3\r\n\
             --BOUNDARY\r\nContent-Disposition: form-data; name=\"diarize\"\r\n\r\ntrue\r\n\
             --BOUNDARY\r\nContent-Disposition: form-data; name=\"min_speakers\"\r\n\r\n2\r\n\
             --BOUNDARY\r\nContent-Disposition: form-data; name=\"temperature\"\r\n\r\n0,0.2\r\n\
             --BOUNDARY\r\nContent-Disposition: form-data; name=\"granularity\"\r\n\r\nword\r\n\
             --BOUNDARY\r\nContent-Disposition: form-data; name=\"granularity\"\r\n\r\nsegment\r\n\
             --BOUNDARY--\r\n"
        );
    }

    #[tokio::test]
    async fn byte_inputs_are_shared_with_every_encoding_not_copied() {
        let data = Bytes::from(
            (0..100_000_u32)
                .map(|i| (i % 253) as u8)
                .collect::<Vec<u8>>(),
        );
        let mut form = Multipart::new();
        form.text("model", "m");
        form.file("file", &FileInput::from_bytes(data.clone(), "a.wav"));
        form.text("language", "en");
        let is_data = |bytes: &Bytes| bytes.as_ptr() == data.as_ptr() && bytes.len() == data.len();
        for _ in 0..2 {
            let encoded = form.encode();
            let shared = encoded
                .pieces
                .iter()
                .filter(|piece| matches!(piece, Piece::Bytes(bytes) if is_data(bytes)))
                .count();
            assert_eq!(shared, 1, "the input's own buffer is one piece of the body");
            let length = encoded.length;
            let chunks: Vec<Bytes> = encoded.into_stream().map(Result::unwrap).collect().await;
            assert_eq!(chunks.iter().filter(|chunk| is_data(chunk)).count(), 1);
            let body: Vec<u8> = chunks.concat();
            assert_eq!(body.len() as u64, length);
            assert!(body.windows(data.len()).any(|w| w == &data[..]));
        }
    }

    #[tokio::test]
    async fn urls_are_text_parts() {
        let mut form = Multipart::new();
        form.file("file", &FileInput::from_url("https://x.test/a.wav"));
        let (_, _, body) = wire(&form).await;
        assert_eq!(
            body,
            "--BOUNDARY\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nhttps://x.test/a.wav\r\n--BOUNDARY--\r\n"
        );
    }

    #[tokio::test]
    async fn paths_are_streamed_again_for_every_encoding() {
        let dir =
            std::env::temp_dir().join(format!("fireworks-ai-multipart-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("big.flac");
        let content: Vec<u8> = (0..200_000_u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &content).unwrap();
        let mut form = Multipart::new();
        form.text("model", "m");
        form.file("file", &FileInput::from_path(&path).await.unwrap());
        for _ in 0..2 {
            let encoded = form.encode();
            let length = encoded.length;
            let mut stream = std::pin::pin!(encoded.into_stream());
            let mut body = Vec::new();
            let mut chunks = 0;
            while let Some(chunk) = stream.next().await {
                body.extend_from_slice(&chunk.unwrap());
                chunks += 1;
            }
            assert!(chunks > 3, "streamed in chunks, got {chunks}");
            assert_eq!(body.len() as u64, length);
            let start = body
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .map(|i| i + 4)
                .unwrap();
            let file_start = body[start..]
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .map(|i| start + i + 4)
                .unwrap();
            assert_eq!(&body[file_start..file_start + content.len()], &content[..]);
        }
        // A file that shrinks after the input was made fails the body instead of sending a
        // wrong length.
        std::fs::write(&path, b"short").unwrap();
        let mut stream = std::pin::pin!(form.encode().into_stream());
        let mut failed = false;
        while let Some(chunk) = stream.next().await {
            if chunk.is_err() {
                failed = true;
            }
        }
        assert!(failed);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
