//! The two small languages inside spec strings: type expressions (`array<map<Foo>>`) and path
//! templates (`/v1/{id}`). Each is parsed once, when the spec is deserialised, into a typed
//! value that keeps the text as written ([`TypeText`], [`PathTemplate`]); a string that does
//! not parse keeps its problem, which the checks report with the node's position and context.

use serde::Deserialize;

/// A piece of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    Literal(String),
    Param(String),
}

/// A type expression as parsed from `type:`, before names are resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TypeExpr {
    String,
    Bool,
    I32,
    I64,
    F64,
    Int64String,
    File,
    /// An RFC 3339 instant.
    Timestamp,
    /// A protobuf JSON duration (`"3600s"`).
    Duration,
    Array(Box<TypeExpr>),
    Map(Box<TypeExpr>),
    /// A type of this spec (`BatchStatus`) or of an imported one (`audio.TranscriptionRequest`).
    Named(String),
}

/// The built-in type names, for messages and suggestions.
pub(crate) const BUILTIN_TYPES: &[&str] = &[
    "string",
    "bool",
    "i32",
    "i64",
    "f64",
    "int64_string",
    "file",
    "timestamp",
    "duration",
];

/// Parses `string`, `array<T>`, `map<T>`, a type name and so on; the error says what is wrong.
fn parse_type_expr(text: &str) -> Result<TypeExpr, String> {
    let text = text.trim();
    for (prefix, wrap) in [
        ("array<", TypeExpr::Array as fn(Box<TypeExpr>) -> TypeExpr),
        ("map<", TypeExpr::Map),
    ] {
        if let Some(rest) = text.strip_prefix(prefix) {
            let inner = rest
                .strip_suffix('>')
                .ok_or_else(|| format!("type `{text}` is missing its closing `>`"))?;
            return Ok(wrap(Box::new(parse_type_expr(inner)?)));
        }
    }
    Ok(match text {
        "string" => TypeExpr::String,
        "bool" => TypeExpr::Bool,
        "i32" => TypeExpr::I32,
        "i64" => TypeExpr::I64,
        "f64" => TypeExpr::F64,
        "int64_string" => TypeExpr::Int64String,
        "file" => TypeExpr::File,
        "timestamp" => TypeExpr::Timestamp,
        "duration" => TypeExpr::Duration,
        "" => return Err("empty type, expected a type name".to_owned()),
        name if is_type_name(name) => TypeExpr::Named(name.to_owned()),
        other => {
            return Err(format!(
                "`{other}` is not a type: expected a type name, a built-in type ({}), `array<T>` or `map<T>`",
                crate::diag::one_of(BUILTIN_TYPES)
            ));
        }
    })
}

/// A type name, optionally qualified by one import: `Name` or `area.Name`.
fn is_type_name(name: &str) -> bool {
    let part = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    match name.split_once('.') {
        Some((alias, rest)) => part(alias) && part(rest),
        None => part(name),
    }
}

/// Splits a path template into literals and `{param}` placeholders.
fn parse_template(path: &str) -> Result<Vec<Segment>, String> {
    let mut segments = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        match (rest.find('{'), rest.find('}')) {
            (None, None) => {
                segments.push(Segment::Literal(rest.to_owned()));
                break;
            }
            (Some(open), Some(close)) if open < close => {
                let (literal, tail) = rest.split_at(open);
                if !literal.is_empty() {
                    segments.push(Segment::Literal(literal.to_owned()));
                }
                let (inner, tail) = tail.split_at(close - open);
                let name = inner.trim_start_matches('{');
                if name.is_empty() || name.contains('{') {
                    return Err(format!("bad placeholder `{inner}}}` in path `{path}`"));
                }
                segments.push(Segment::Param(name.to_owned()));
                rest = tail.strip_prefix('}').unwrap_or(tail);
            }
            _ => return Err(format!("unbalanced `{{` or `}}` in path `{path}`")),
        }
    }
    Ok(segments)
}

/// A `type:` as written, parsed once when the spec is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TypeText {
    text: String,
    expr: Result<TypeExpr, String>,
}

impl TypeText {
    /// Parses a type expression; a bad one keeps its problem for the checks to report.
    pub(crate) fn new(text: String) -> TypeText {
        let expr = parse_type_expr(&text);
        TypeText { text, expr }
    }

    /// The parsed expression, or what is wrong with the text.
    pub(crate) fn expr(&self) -> Result<&TypeExpr, &str> {
        self.expr.as_ref().map_err(String::as_str)
    }

    /// The parsed expression, when the text parses.
    pub(crate) fn parsed(&self) -> Option<&TypeExpr> {
        self.expr.as_ref().ok()
    }

    /// The type name, when the expression is a single named type.
    pub(crate) fn named(&self) -> Option<&str> {
        match &self.expr {
            Ok(TypeExpr::Named(name)) => Some(name),
            _ => None,
        }
    }

    /// Whether the text parses as exactly this expression.
    pub(crate) fn is(&self, expr: &TypeExpr) -> bool {
        self.expr.as_ref() == Ok(expr)
    }
}

impl std::fmt::Display for TypeText {
    /// The text as written.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for TypeText {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(TypeText::new)
    }
}

/// A `path:` as written, split once into literals and placeholders when the spec is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PathTemplate {
    text: String,
    segments: Result<Vec<Segment>, String>,
}

impl PathTemplate {
    /// Splits a template; a bad one keeps its problem for the checks to report.
    pub(crate) fn new(text: String) -> PathTemplate {
        let segments = parse_template(&text);
        PathTemplate { text, segments }
    }

    /// The template as the user wrote it.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// The segments, or what is wrong with the template.
    pub(crate) fn segments(&self) -> Result<&[Segment], &str> {
        self.segments
            .as_ref()
            .map(Vec::as_slice)
            .map_err(String::as_str)
    }
}

impl<'de> Deserialize<'de> for PathTemplate {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(PathTemplate::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_expressions() {
        assert_eq!(parse_type_expr("string"), Ok(TypeExpr::String));
        assert_eq!(
            parse_type_expr("array<map<Foo>>"),
            Ok(TypeExpr::Array(Box::new(TypeExpr::Map(Box::new(
                TypeExpr::Named("Foo".into())
            )))))
        );
        assert!(parse_type_expr("array<Foo").is_err());
        assert!(parse_type_expr("Foo Bar").is_err());
        assert!(parse_type_expr("").is_err());
        assert_eq!(parse_type_expr("file"), Ok(TypeExpr::File));
        assert_eq!(
            parse_type_expr("audio.Request"),
            Ok(TypeExpr::Named("audio.Request".into()))
        );
        assert!(parse_type_expr("a.b.C").is_err());
        assert!(parse_type_expr(".C").is_err());
        assert!(parse_type_expr("a.").is_err());
    }

    #[test]
    fn templates() {
        assert_eq!(
            parse_template("/v1/accounts/{account_id}/datasets/{id}:upload"),
            Ok(vec![
                Segment::Literal("/v1/accounts/".into()),
                Segment::Param("account_id".into()),
                Segment::Literal("/datasets/".into()),
                Segment::Param("id".into()),
                Segment::Literal(":upload".into()),
            ])
        );
        assert!(parse_template("/a/{b").is_err());
        assert!(parse_template("/a/b}").is_err());
        assert!(parse_template("/a/{}").is_err());
    }
}
