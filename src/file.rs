//! [`FileInput`]: the audio (or any file) sent in a multipart request, from memory, from a
//! path that is streamed from disk on every attempt, or as a URL the server fetches itself.
//! Encoding the request is `multipart`'s job; this module only describes the file.

use std::fmt;
use std::path::{Path, PathBuf};

use bytes::Bytes;

/// A file part of a multipart request: its content (or where to find it), file name and
/// content type.
///
/// - [`FileInput::from_bytes`] keeps the content in memory (cheap to clone: the bytes are
///   shared).
/// - [`FileInput::from_path`] remembers the path and length only; every attempt opens the
///   file again and streams it in 64 KiB chunks, so a 1 GB file never sits in memory.
/// - [`FileInput::from_url`] sends the URL as the text of the part, which the Fireworks
///   audio API accepts for a publicly reachable file (the docs and the official Python SDK
///   do the same).
///
/// The content type is guessed from the file name's extension unless set with
/// [`FileInput::with_content_type`]: `wav`, `mp3`, `flac`, `ogg`, `m4a`, `webm` and `mp4` are
/// known, anything else is `application/octet-stream`.
///
/// ```
/// use fireworks_ai::FileInput;
///
/// let file = FileInput::from_bytes(vec![0_u8; 44], "clip.wav");
/// assert_eq!(file.filename(), Some("clip.wav"));
/// assert_eq!(file.content_type(), Some("audio/wav"));
/// assert_eq!(file.size(), Some(44));
///
/// let remote = FileInput::from_url("https://example.com/talk.mp3");
/// assert_eq!(remote.url(), Some("https://example.com/talk.mp3"));
/// assert_eq!(remote.content_type(), None);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct FileInput {
    source: Source,
    filename: Option<String>,
    content_type: Option<String>,
}

/// Where the content comes from.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// In memory.
    Bytes(Bytes),
    /// On disk, with the length seen when the input was made.
    Path { path: PathBuf, len: u64 },
    /// A URL sent as the part's text.
    Url(String),
}

impl FileInput {
    /// Content held in memory, sent with `filename` (which also selects the content type).
    pub fn from_bytes(bytes: impl Into<Bytes>, filename: impl Into<String>) -> Self {
        Self {
            source: Source::Bytes(bytes.into()),
            filename: Some(filename.into()),
            content_type: None,
        }
    }

    /// A file on disk, sent under its own file name. Only its metadata is read here; the
    /// content is streamed from disk when the request is sent, and read again from the start
    /// if the request is retried.
    ///
    /// # Errors
    /// The I/O error from reading the metadata, or [`std::io::ErrorKind::InvalidInput`] when
    /// the path is not a regular file.
    pub async fn from_path(path: impl AsRef<Path>) -> std::io::Result<Self> {
        let path = path.as_ref();
        let metadata = tokio::fs::metadata(path).await?;
        if !metadata.is_file() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("`{}` is not a regular file", path.display()),
            ));
        }
        let filename = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned());
        Ok(Self {
            source: Source::Path {
                path: path.to_owned(),
                len: metadata.len(),
            },
            filename,
            content_type: None,
        })
    }

    /// A URL of a publicly reachable file, which the server downloads itself. It is sent as
    /// the text of the part, without a file name or content type.
    pub fn from_url(url: impl Into<String>) -> Self {
        Self {
            source: Source::Url(url.into()),
            filename: None,
            content_type: None,
        }
    }

    /// Replaces the file name sent with the part (and so the guessed content type). Has no
    /// effect on a URL input, which is sent as text.
    pub fn with_filename(mut self, filename: impl Into<String>) -> Self {
        self.filename = Some(filename.into());
        self
    }

    /// Sets the content type instead of guessing it from the file name. Has no effect on a URL
    /// input, which is sent as text.
    pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// The file name sent with the part; `None` for a URL.
    pub fn filename(&self) -> Option<&str> {
        match self.source {
            Source::Url(_) => None,
            _ => self.filename.as_deref(),
        }
    }

    /// The content type sent with the part: the one set, else the guess from the file name;
    /// `None` for a URL.
    pub fn content_type(&self) -> Option<&str> {
        match self.source {
            Source::Url(_) => None,
            _ => Some(self.content_type.as_deref().unwrap_or_else(|| {
                self.filename
                    .as_deref()
                    .map_or(OCTET_STREAM, content_type_for)
            })),
        }
    }

    /// The size of the content in bytes (for a path, as seen when the input was made); `None`
    /// for a URL.
    pub fn size(&self) -> Option<u64> {
        match &self.source {
            Source::Bytes(bytes) => Some(bytes.len() as u64),
            Source::Path { len, .. } => Some(*len),
            Source::Url(_) => None,
        }
    }

    /// The URL, for an input made with [`FileInput::from_url`].
    pub fn url(&self) -> Option<&str> {
        match &self.source {
            Source::Url(url) => Some(url),
            _ => None,
        }
    }

    /// The path, for an input made with [`FileInput::from_path`].
    pub fn path(&self) -> Option<&Path> {
        match &self.source {
            Source::Path { path, .. } => Some(path),
            _ => None,
        }
    }

    pub(crate) fn source(&self) -> &Source {
        &self.source
    }
}

impl fmt::Debug for FileInput {
    /// Never prints the content, only where it comes from and its size.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("FileInput");
        match &self.source {
            Source::Bytes(bytes) => out.field("bytes", &bytes.len()),
            Source::Path { path, len } => out.field("path", path).field("len", len),
            Source::Url(url) => out.field("url", url),
        };
        out.field("filename", &self.filename())
            .field("content_type", &self.content_type())
            .finish()
    }
}

const OCTET_STREAM: &str = "application/octet-stream";

/// The content type for a file name, from its extension (case-insensitive).
pub(crate) fn content_type_for(filename: &str) -> &'static str {
    let extension = Path::new(filename)
        .extension()
        .map(|ext| ext.to_string_lossy().to_ascii_lowercase());
    match extension.as_deref() {
        Some("wav") => "audio/wav",
        Some("mp3") => "audio/mpeg",
        Some("flac") => "audio/flac",
        Some("ogg") => "audio/ogg",
        Some("m4a") => "audio/mp4",
        Some("webm") => "audio/webm",
        Some("mp4") => "video/mp4",
        _ => OCTET_STREAM,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_by_extension() {
        for (name, want) in [
            ("a.wav", "audio/wav"),
            ("A.WAV", "audio/wav"),
            ("talk.mp3", "audio/mpeg"),
            ("x.flac", "audio/flac"),
            ("x.ogg", "audio/ogg"),
            ("x.m4a", "audio/mp4"),
            ("x.webm", "audio/webm"),
            ("x.mp4", "video/mp4"),
            ("x.tar.wav", "audio/wav"),
            ("x.txt", OCTET_STREAM),
            ("wav", OCTET_STREAM),
            ("", OCTET_STREAM),
        ] {
            assert_eq!(content_type_for(name), want, "{name}");
        }
    }

    #[test]
    fn explicit_names_and_types_win() {
        let file = FileInput::from_bytes(&b"RIFF"[..], "a.bin")
            .with_filename("b.flac")
            .with_content_type("audio/x-custom");
        assert_eq!(file.filename(), Some("b.flac"));
        assert_eq!(file.content_type(), Some("audio/x-custom"));
        let guessed = FileInput::from_bytes(&b"RIFF"[..], "a.bin").with_filename("b.flac");
        assert_eq!(guessed.content_type(), Some("audio/flac"));
    }

    #[test]
    fn urls_have_no_name_or_type_even_when_set() {
        let file = FileInput::from_url("https://x.test/a.wav")
            .with_filename("a.wav")
            .with_content_type("audio/wav");
        assert_eq!(file.filename(), None);
        assert_eq!(file.content_type(), None);
        assert_eq!(file.size(), None);
    }

    #[test]
    fn debug_never_shows_content() {
        let file = FileInput::from_bytes(&b"secret audio"[..], "a.wav");
        let debug = format!("{file:?}");
        assert!(!debug.contains("secret"), "{debug}");
        assert!(debug.contains("bytes: 12"), "{debug}");
    }

    #[tokio::test]
    async fn paths_keep_their_name_and_length_and_refuse_directories() {
        let dir = std::env::temp_dir().join(format!("fireworks-ai-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("clip.ogg");
        std::fs::write(&path, [1_u8; 10]).unwrap();
        let file = FileInput::from_path(&path).await.unwrap();
        assert_eq!(file.filename(), Some("clip.ogg"));
        assert_eq!(file.content_type(), Some("audio/ogg"));
        assert_eq!(file.size(), Some(10));
        assert_eq!(file.path(), Some(path.as_path()));
        let err = FileInput::from_path(&dir).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        let missing = FileInput::from_path(dir.join("missing.wav")).await;
        assert_eq!(missing.unwrap_err().kind(), std::io::ErrorKind::NotFound);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
