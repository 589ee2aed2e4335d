//! Capped, key-redacted excerpts of response bodies for error values, so an error can show
//! what the server said without holding megabytes or echoing a secret.

use crate::url::REDACTED;

/// Longest snippet kept, in bytes (the cut falls on a character boundary).
pub(crate) const SNIPPET_MAX: usize = 512;

/// An excerpt of `body` of at most [`SNIPPET_MAX`] bytes starting near `around` (a byte
/// offset, e.g. where a JSON error was found), lossily decoded, with every occurrence of
/// `secret` replaced by `[REDACTED]`. A cut is marked with `…`.
pub(crate) fn snippet(body: &[u8], around: usize, secret: Option<&str>) -> String {
    let start = around.saturating_sub(SNIPPET_MAX / 2).min(body.len());
    // Include a little more than the cap so the redaction still sees a key cut at the edge.
    let extra = secret.map_or(0, str::len);
    let end = start.saturating_add(SNIPPET_MAX + extra).min(body.len());
    let window = body.get(start..end).unwrap_or_default();
    let mut text = String::from_utf8_lossy(window).into_owned();
    if let Some(secret) = secret.filter(|s| !s.is_empty()) {
        text = text.replace(secret, REDACTED);
    }
    let mut cut_end = end < body.len();
    if text.len() > SNIPPET_MAX {
        let mut at = SNIPPET_MAX;
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        text.truncate(at);
        cut_end = true;
    }
    if let Some(secret) = secret.filter(|s| s.len() > 3) {
        // A key cut in half by the window edge would survive the replace above.
        text = strip_partial_secret(text, secret);
    }
    let mut out = String::with_capacity(text.len() + 6);
    if start > 0 {
        out.push('…');
    }
    out.push_str(&text);
    if cut_end {
        out.push('…');
    }
    out
}

/// Removes a trailing or leading fragment of `secret` longer than three bytes.
fn strip_partial_secret(mut text: String, secret: &str) -> String {
    for len in (4..secret.len()).rev() {
        if let (Some(prefix), Some(suffix)) = (secret.get(..len), secret.get(secret.len() - len..))
        {
            if text.ends_with(prefix) {
                text.truncate(text.len() - len);
                text.push_str(REDACTED);
                break;
            }
            if text.starts_with(suffix) {
                text.replace_range(..len, REDACTED);
                break;
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_body_is_kept_whole() {
        assert_eq!(snippet(b"{\"a\":1}", 0, None), "{\"a\":1}");
    }

    #[test]
    fn long_body_is_capped_on_a_char_boundary() {
        let body = "ü".repeat(1000);
        let s = snippet(body.as_bytes(), 0, None);
        assert!(s.len() <= SNIPPET_MAX + '…'.len_utf8());
        assert!(s.ends_with('…'));
    }

    #[test]
    fn window_follows_the_error_offset() {
        let body = format!("{}XYZ{}", "a".repeat(2000), "b".repeat(2000));
        let s = snippet(body.as_bytes(), 2000, None);
        assert!(s.starts_with('…') && s.ends_with('…') && s.contains("XYZ"));
    }

    #[test]
    fn secret_is_redacted_whole_and_at_the_edge() {
        let key = "fw_canary_0123456789";
        let body = format!("{{\"echo\":\"{key}\"}}");
        assert_eq!(
            snippet(body.as_bytes(), 0, Some(key)),
            "{\"echo\":\"[REDACTED]\"}"
        );
        let edge = format!("{}{key}", "x".repeat(SNIPPET_MAX - 8));
        let s = snippet(edge.as_bytes(), 0, Some(key));
        assert!(!s.contains("fw_canary"), "{s}");
    }
}
