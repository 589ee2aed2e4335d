//! Capped, key-redacted excerpts of response bodies for error values, so an error can show
//! what the server said without holding megabytes or echoing a secret.

use super::redact::Redactor;
use crate::url::REDACTED;

/// Longest snippet kept, in bytes, counting any `[REDACTED]` marker but not the `…` cut
/// markers; a cut falls on a character boundary.
pub(crate) const SNIPPET_MAX: usize = 512;

/// The shortest piece of the key that is hidden when a cut leaves only part of it.
const MIN_FRAGMENT: usize = 4;

/// The cut marker put at a snippet's start and/or end.
const CUT: char = '…';

/// An excerpt of `body` of at most [`SNIPPET_MAX`] bytes starting near `around` (a byte
/// offset, e.g. where a JSON error was found), lossily decoded and cleaned by `redactor`.
///
/// Every whole occurrence of the key becomes `[REDACTED]`, and so does a piece of the key of
/// [`MIN_FRAGMENT`] or more bytes at a cut edge: the start when the excerpt does not begin at
/// the body's start, the end when bytes follow it or `complete` is false (the body itself was
/// only partly read). A piece of the key at the body's real start or end is the server's
/// text, not something a cut made, and is kept. A cut is marked with `…`.
pub(crate) fn snippet(
    body: &[u8],
    around: usize,
    complete: bool,
    redactor: Redactor<'_>,
) -> String {
    let secret = redactor.secret();
    let start = around.saturating_sub(SNIPPET_MAX / 2).min(body.len());
    // Read a key's length past the cap, so a key that straddles the cap is seen whole.
    let pad = secret.map_or(0, str::len);
    let end = start
        .saturating_add(SNIPPET_MAX)
        .saturating_add(pad)
        .min(body.len());
    let mut text = String::from_utf8_lossy(body.get(start..end).unwrap_or_default()).into_owned();
    let cut_start = start > 0;
    let mut cut_end = end < body.len() || !complete;
    let leading = secret
        .filter(|s| cut_start && !text.starts_with(*s))
        .and_then(|s| fragment(s, |piece| text.starts_with(piece), Edge::Start));
    if let Some(len) = leading {
        text.replace_range(..len, REDACTED);
    }
    let mut inner = String::with_capacity(SNIPPET_MAX);
    let pieces: Vec<&str> = match secret {
        Some(secret) => text.split(secret).collect(),
        None => vec![text.as_str()],
    };
    for (index, piece) in pieces.into_iter().enumerate() {
        if index > 0 {
            // A marker is kept whole or not at all.
            if inner.len() + REDACTED.len() > SNIPPET_MAX {
                cut_end = true;
                break;
            }
            inner.push_str(REDACTED);
        }
        let room = SNIPPET_MAX - inner.len();
        if piece.len() > room {
            inner.push_str(prefix_within(piece, room));
            cut_end = true;
            break;
        }
        inner.push_str(piece);
    }
    let trailing = secret
        .filter(|_| cut_end)
        .and_then(|s| fragment(s, |piece| inner.ends_with(piece), Edge::End));
    if let Some(len) = trailing {
        inner.truncate(inner.len() - len);
        if !inner.ends_with(REDACTED) {
            while inner.len() + REDACTED.len() > SNIPPET_MAX {
                inner.pop();
            }
            inner.push_str(REDACTED);
        }
    }
    if secret.is_some_and(|s| inner.contains(s)) {
        // Only a key that contains the marker itself can get here; show nothing of it.
        inner = REDACTED.to_owned();
    }
    let mut out = String::with_capacity(inner.len() + 2 * CUT.len_utf8());
    if cut_start {
        out.push(CUT);
    }
    out.push_str(&inner);
    if cut_end {
        out.push(CUT);
    }
    out
}

/// Which edge of an excerpt a piece of the key is looked for at.
#[derive(Clone, Copy)]
enum Edge {
    /// The excerpt starts with the end of the key.
    Start,
    /// The excerpt ends with the start of the key.
    End,
}

/// The length of the longest proper piece of `secret`, at least [`MIN_FRAGMENT`] bytes, that
/// `found` reports at the given edge.
fn fragment(secret: &str, found: impl Fn(&str) -> bool, edge: Edge) -> Option<usize> {
    (MIN_FRAGMENT..secret.len()).rev().find(|len| {
        let piece = match edge {
            Edge::Start => secret.get(secret.len() - len..),
            Edge::End => secret.get(..*len),
        };
        piece.is_some_and(&found)
    })
}

/// The longest prefix of `text` of at most `max` bytes that ends on a character boundary.
fn prefix_within(text: &str, max: usize) -> &str {
    let mut at = max.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    text.get(..at).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "fw-canary-5f3a9c1e7b";

    fn cut(s: &str) -> String {
        format!("{s}{CUT}")
    }

    /// The snippet without its cut markers.
    fn inner(s: &str) -> &str {
        let s = s.strip_prefix(CUT).unwrap_or(s);
        s.strip_suffix(CUT).unwrap_or(s)
    }

    /// One row: what it shows, body, error offset, whether the body was read whole, the key,
    /// and the snippet expected.
    type Row = (
        &'static str,
        String,
        usize,
        bool,
        Option<&'static str>,
        String,
    );

    #[test]
    fn snippet_table() {
        let x = |n: usize| "x".repeat(n);
        let table: Vec<Row> = vec![
            (
                "short body kept whole",
                "{\"a\":1}".into(),
                0,
                true,
                None,
                "{\"a\":1}".into(),
            ),
            (
                "whole key redacted",
                format!("{{\"echo\":\"{KEY}\"}}"),
                0,
                true,
                Some(KEY),
                "{\"echo\":\"[REDACTED]\"}".into(),
            ),
            (
                "piece of the key at the body's real start is kept",
                "1e7b and more".into(),
                0,
                true,
                Some(KEY),
                "1e7b and more".into(),
            ),
            (
                "the same over the cap: kept, and the cap holds",
                format!("1e7b{}", x(600)),
                0,
                true,
                Some(KEY),
                cut(&format!("1e7b{}", x(508))),
            ),
            (
                "piece of the key at the end cut: redacted within the cap",
                format!("{}fw-c{}", x(508), "y".repeat(100)),
                0,
                true,
                Some(KEY),
                cut(&format!("{}{REDACTED}", x(502))),
            ),
            (
                "key straddling the cap: the marker fits, then the cut",
                format!("{}{KEY}{}", x(500), "y".repeat(100)),
                0,
                true,
                Some(KEY),
                cut(&format!("{}{REDACTED}yy", x(500))),
            ),
            (
                "key straddling a start cut",
                format!("{KEY}{}", x(2000)),
                SNIPPET_MAX / 2 + 10,
                true,
                Some(KEY),
                format!("{CUT}{}", cut(&format!("{REDACTED}{}", x(502)))),
            ),
            (
                "a short key that grows: markers are kept whole",
                "abcd".repeat(200),
                0,
                true,
                Some("abcd"),
                cut(&REDACTED.repeat(51)),
            ),
            (
                "a partly read body ends at a cut",
                "bad key fw-canary-5f".into(),
                0,
                false,
                Some(KEY),
                cut(&format!("bad key {REDACTED}")),
            ),
            (
                "a wholly read body ends where the server ended it",
                "bad key fw-canary-5f".into(),
                0,
                true,
                Some(KEY),
                "bad key fw-canary-5f".into(),
            ),
            (
                "three bytes of the key are not a fragment",
                format!("{}fw-{}", x(509), x(100)),
                0,
                true,
                Some(KEY),
                cut(&format!("{}fw-", x(509))),
            ),
        ];
        for (name, body, around, complete, secret, want) in table {
            let got = snippet(body.as_bytes(), around, complete, Redactor::new(secret));
            assert_eq!(got, want, "{name}");
            assert!(inner(&got).len() <= SNIPPET_MAX, "{name}: over the cap");
        }
    }

    #[test]
    fn long_body_is_capped_on_a_char_boundary() {
        let body = "ü".repeat(1000);
        let s = snippet(body.as_bytes(), 0, true, Redactor::new(None));
        assert_eq!(inner(&s).len(), SNIPPET_MAX);
        assert!(s.ends_with(CUT));
        let odd = format!("a{body}");
        let s = snippet(odd.as_bytes(), 0, true, Redactor::new(None));
        assert_eq!(inner(&s).len(), SNIPPET_MAX - 1);
    }

    #[test]
    fn window_follows_the_error_offset() {
        let body = format!("{}XYZ{}", "a".repeat(2000), "b".repeat(2000));
        let s = snippet(body.as_bytes(), 2000, true, Redactor::new(None));
        assert!(s.starts_with(CUT) && s.ends_with(CUT) && s.contains("XYZ"));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// Bodies made of key pieces, whole keys and filler, so edges often fall inside a key.
        fn body() -> impl Strategy<Value = Vec<u8>> {
            let part = prop_oneof![
                Just(KEY.as_bytes().to_vec()),
                (0..KEY.len(), 1..KEY.len()).prop_map(|(a, n)| {
                    KEY.as_bytes()
                        .get(a..(a + n).min(KEY.len()))
                        .unwrap_or_default()
                        .to_vec()
                }),
                proptest::collection::vec(any::<u8>(), 0..40),
                "[a-zü ]{0,300}".prop_map(String::into_bytes),
            ];
            proptest::collection::vec(part, 0..40).prop_map(|parts| parts.concat())
        }

        proptest! {
            #[test]
            fn the_cap_holds_and_the_key_never_shows(
                body in body(),
                around in 0usize..3000,
                complete in any::<bool>(),
            ) {
                let s = snippet(&body, around, complete, Redactor::new(Some(KEY)));
                prop_assert!(inner(&s).len() <= SNIPPET_MAX, "{} bytes", inner(&s).len());
                prop_assert!(!s.contains(KEY), "{s}");
            }
        }
    }
}
