//! Rust names for spec names: case conversion with `heck`, keyword escaping and collision
//! detection. Every generated identifier is made here, so no other module calls `Ident::new`.

use heck::{ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, Span};

/// Keywords that cannot be used as plain identifiers in edition 2024 (strict and reserved).
pub(crate) const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "gen", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Keywords that are not allowed even as raw identifiers; they get a trailing underscore.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super"];

/// The casing a generated name follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Case {
    /// Types and enum variants.
    UpperCamel,
    /// Fields, methods, parameters and modules.
    Snake,
    /// Constants and statics.
    ShoutySnake,
}

/// Converts a spec name to the given case; the result may still be a keyword or not an
/// identifier at all (see [`is_identifier`]).
pub(crate) fn convert(name: &str, case: Case) -> String {
    match case {
        Case::UpperCamel => name.to_upper_camel_case(),
        Case::Snake => name.to_snake_case(),
        Case::ShoutySnake => name.to_shouty_snake_case(),
    }
}

/// Whether `name` is an ASCII identifier (keywords included, `_` alone excluded).
pub(crate) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) if first.is_ascii_alphabetic() || first == '_' => {}
        _ => return false,
    }
    name != "_" && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// How a Rust name is spelt in source: raw for keywords, trailing underscore where a raw
/// identifier is not allowed. Returns `None` when `name` is not an identifier.
pub(crate) fn escape(name: &str) -> Option<String> {
    if !is_identifier(name) {
        return None;
    }
    Some(if NOT_RAW.contains(&name) {
        format!("{name}_")
    } else if KEYWORDS.contains(&name) {
        format!("r#{name}")
    } else {
        name.to_owned()
    })
}

/// A checked Rust name: `text` is the unescaped name (used for collisions and serde), `ident`
/// the token to emit.
#[derive(Debug, Clone)]
pub(crate) struct RustName {
    pub(crate) text: String,
    pub(crate) ident: Ident,
}

impl PartialEq for RustName {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl RustName {
    /// Makes a name from an already-chosen Rust name; `None` when it is not an identifier.
    pub(crate) fn new(name: &str) -> Option<RustName> {
        let escaped = escape(name)?;
        let ident = match escaped.strip_prefix("r#") {
            Some(raw) => Ident::new_raw(raw, Span::call_site()),
            None => Ident::new(&escaped, Span::call_site()),
        };
        Some(RustName {
            text: escaped.strip_prefix("r#").unwrap_or(&escaped).to_owned(),
            ident,
        })
    }

    /// Converts a spec name to `case` and escapes it; `None` when no identifier results.
    pub(crate) fn convert(name: &str, case: Case) -> Option<RustName> {
        RustName::new(&convert(name, case))
    }

    /// A derived name such as `GetBatchStatusRequest`, built from a checked name plus a suffix.
    pub(crate) fn suffixed(&self, suffix: &str) -> Option<RustName> {
        RustName::new(&format!("{}{suffix}", self.text))
    }

    /// Whether the identifier differs from the wire name, so serde needs a rename.
    pub(crate) fn differs_from(&self, wire: &str) -> bool {
        self.text != wire || self.ident.to_string().starts_with("r#")
    }
}

/// Remembers which spec name claimed each Rust name in one namespace.
pub(crate) struct Namespace<T> {
    claimed: Vec<(String, T)>,
}

impl<T: Clone> Namespace<T> {
    pub(crate) fn new() -> Namespace<T> {
        Namespace {
            claimed: Vec::new(),
        }
    }

    /// Claims `rust` for `owner`; returns the earlier owner when the name was taken.
    pub(crate) fn claim(&mut self, rust: &str, owner: T) -> Option<T> {
        if let Some((_, earlier)) = self.claimed.iter().find(|(name, _)| name == rust) {
            return Some(earlier.clone());
        }
        self.claimed.push((rust.to_owned(), owner));
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_conversion_table() {
        let table: &[(&str, Case, &str)] = &[
            ("batch_id", Case::Snake, "batch_id"),
            ("batchId", Case::Snake, "batch_id"),
            ("BatchStatus", Case::Snake, "batch_status"),
            ("x-request-id", Case::Snake, "x_request_id"),
            ("pageSize", Case::Snake, "page_size"),
            ("get_batch_status", Case::UpperCamel, "GetBatchStatus"),
            ("processing", Case::UpperCamel, "Processing"),
            ("verbose_json", Case::UpperCamel, "VerboseJson"),
            ("text/plain", Case::UpperCamel, "TextPlain"),
            ("audio_batch", Case::ShoutySnake, "AUDIO_BATCH"),
            ("get_batch_status", Case::ShoutySnake, "GET_BATCH_STATUS"),
            ("audio-prod", Case::ShoutySnake, "AUDIO_PROD"),
        ];
        for (input, case, expected) in table {
            assert_eq!(convert(input, *case), *expected, "{input} as {case:?}");
        }
    }

    #[test]
    fn every_keyword_is_escaped() {
        for keyword in KEYWORDS {
            let name = RustName::new(keyword).unwrap();
            let expected = if NOT_RAW.contains(keyword) {
                format!("{keyword}_")
            } else {
                format!("r#{keyword}")
            };
            assert_eq!(name.ident.to_string(), expected, "{keyword}");
            assert!(name.differs_from(keyword), "{keyword} needs a serde rename");
        }
    }

    #[test]
    fn escape_table() {
        let table: &[(&str, Option<&str>)] = &[
            ("type", Some("r#type")),
            ("r#type", None),
            ("Self", Some("Self_")),
            ("self", Some("self_")),
            ("super", Some("super_")),
            ("crate", Some("crate_")),
            ("gen", Some("r#gen")),
            ("union", Some("union")),
            ("batch_id", Some("batch_id")),
            ("_private", Some("_private")),
            ("_", None),
            ("", None),
            ("1080p", None),
            ("émoji", None),
            ("a-b", None),
        ];
        for (input, expected) in table {
            assert_eq!(escape(input).as_deref(), *expected, "{input}");
        }
    }

    #[test]
    fn namespace_reports_the_first_owner() {
        let mut ns = Namespace::new();
        assert_eq!(ns.claim("foo_bar", "fooBar"), None);
        assert_eq!(ns.claim("baz", "baz"), None);
        assert_eq!(ns.claim("foo_bar", "foo_bar"), Some("fooBar"));
    }
}
