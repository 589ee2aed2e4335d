//! Reads the message, code, type and param out of every error-body shape Fireworks is known
//! to send (FIREWORKS_API.md section 2.5). It never fails: an unknown shape yields no fields,
//! and the caller still has the body snippet.

use serde_json::{Map, Value};

use super::redact::Redactor;

/// The fields a Fireworks error body may carry; each is `None` when absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ErrorFields {
    pub(crate) message: Option<String>,
    pub(crate) code: Option<String>,
    pub(crate) error_type: Option<String>,
    pub(crate) param: Option<String>,
}

impl ErrorFields {
    /// Parses an error body; anything that is not a JSON object gives empty fields.
    ///
    /// Shapes handled, most specific first:
    /// - OpenAI nested `{"error": {"message", "type", "code", "param"}}`, which also covers
    ///   the Anthropic style `{"type": "error", "error": {"type", "message"}}`;
    /// - `{"error": "text"}`;
    /// - flat `{"message", "code", "param", "type"}`;
    /// - grpc-gateway `{"code": 5, "message", "details"}` (numeric codes named);
    /// - `{"detail": "text"}` and `{"error_message": "text"}` as last resorts.
    pub(crate) fn parse(body: &[u8]) -> Self {
        let Ok(Value::Object(top)) = serde_json::from_slice::<Value>(body) else {
            return Self::default();
        };
        let mut fields = Self::default();
        match top.get("error") {
            Some(Value::Object(inner)) => fields.fill_from(inner),
            Some(Value::String(text)) if !text.is_empty() => fields.message = Some(text.clone()),
            _ => {}
        }
        fields.fill_from(&top);
        if fields.message.is_none() {
            fields.message = ["detail", "error_message"]
                .iter()
                .find_map(|key| text(top.get(*key)));
        }
        fields
    }

    /// The fields with the API key replaced in each, since all of them come from the body.
    pub(crate) fn redacted(self, redactor: Redactor<'_>) -> Self {
        Self {
            message: redactor.field(self.message),
            code: redactor.field(self.code),
            error_type: redactor.field(self.error_type),
            param: redactor.field(self.param),
        }
    }

    /// Fills each still-empty field from one JSON object.
    fn fill_from(&mut self, object: &Map<String, Value>) {
        if self.message.is_none() {
            self.message = text(object.get("message"));
        }
        if self.code.is_none() {
            self.code = code(object.get("code"));
        }
        if self.error_type.is_none() {
            self.error_type = text(object.get("type"));
        }
        if self.param.is_none() {
            self.param = text(object.get("param"));
        }
    }
}

/// A non-empty JSON string, owned.
fn text(value: Option<&Value>) -> Option<String> {
    match value {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// A code given as a string, or as an integer; integers in the google.rpc range are named.
fn code(value: Option<&Value>) -> Option<String> {
    match value {
        Some(Value::Number(n)) => Some(match n.as_u64().and_then(grpc_code_name) {
            Some(name) => name.to_owned(),
            None => n.to_string(),
        }),
        other => text(other),
    }
}

/// The google.rpc.Code name for a numeric code, as grpc-gateway sends it.
fn grpc_code_name(code: u64) -> Option<&'static str> {
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
    usize::try_from(code)
        .ok()
        .and_then(|i| NAMES.get(i))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(
        message: &str,
        code: Option<&str>,
        ty: Option<&str>,
        param: Option<&str>,
    ) -> ErrorFields {
        ErrorFields {
            message: Some(message.to_owned()),
            code: code.map(str::to_owned),
            error_type: ty.map(str::to_owned),
            param: param.map(str::to_owned),
        }
    }

    #[test]
    fn every_known_shape() {
        let table: &[(&str, ErrorFields)] = &[
            (
                r#"{"error":{"object":"error","type":"invalid_request_error","message":"bad model","code":"DeploymentNotFound"}}"#,
                fields(
                    "bad model",
                    Some("DeploymentNotFound"),
                    Some("invalid_request_error"),
                    None,
                ),
            ),
            (
                r#"{"message":"Model not found, inaccessible, and/or not deployed","param":"model","code":"NOT_FOUND","type":"error"}"#,
                fields(
                    "Model not found, inaccessible, and/or not deployed",
                    Some("NOT_FOUND"),
                    Some("error"),
                    Some("model"),
                ),
            ),
            (
                r#"{"error":{"type":"invalid_request_error","message":"max_tokens too big"},"type":"error"}"#,
                fields(
                    "max_tokens too big",
                    None,
                    Some("invalid_request_error"),
                    None,
                ),
            ),
            (
                r#"{"code":5,"message":"dataset not found","details":[]}"#,
                fields("dataset not found", Some("NOT_FOUND"), None, None),
            ),
            (
                r#"{"code":16,"message":"no key"}"#,
                fields("no key", Some("UNAUTHENTICATED"), None, None),
            ),
            (
                r#"{"code":404,"message":"x"}"#,
                fields("x", Some("404"), None, None),
            ),
            (
                r#"{"error":"unauthorized"}"#,
                fields("unauthorized", None, None, None),
            ),
            (
                r#"{"detail":"Not Found"}"#,
                fields("Not Found", None, None, None),
            ),
            (
                r#"{"error_message":"oops"}"#,
                fields("oops", None, None, None),
            ),
        ];
        for (body, want) in table {
            assert_eq!(&ErrorFields::parse(body.as_bytes()), want, "body {body}");
        }
    }

    #[test]
    fn unknown_or_broken_bodies_give_nothing() {
        for body in [
            "",
            "<html>502</html>",
            "[1,2]",
            "\"text\"",
            "{\"error\":null}",
            "{",
        ] {
            assert_eq!(
                ErrorFields::parse(body.as_bytes()),
                ErrorFields::default(),
                "{body}"
            );
        }
    }

    #[test]
    fn the_key_is_redacted_in_every_field() {
        let key = "fw-canary-5f3a9c1e7b";
        let table: &[(&str, ErrorFields)] = &[
            (
                r#"{"message":"bad key fw-canary-5f3a9c1e7b"}"#,
                fields("bad key [REDACTED]", None, None, None),
            ),
            (
                r#"{"error":{"message":"m fw-canary-5f3a9c1e7b","code":"fw-canary-5f3a9c1e7b","type":"t-fw-canary-5f3a9c1e7b","param":"fw-canary-5f3a9c1e7b?"}}"#,
                fields(
                    "m [REDACTED]",
                    Some("[REDACTED]"),
                    Some("t-[REDACTED]"),
                    Some("[REDACTED]?"),
                ),
            ),
            (
                r#"{"error":"fw-canary-5f3a9c1e7b"}"#,
                fields("[REDACTED]", None, None, None),
            ),
            (
                r#"{"detail":"key fw-canary-5f3a9c1e7b!"}"#,
                fields("key [REDACTED]!", None, None, None),
            ),
            (
                r#"{"error_message":"fw-canary-5f3a9c1e7b","code":"fw-canary-5f3a9c1e7b"}"#,
                fields("[REDACTED]", Some("[REDACTED]"), None, None),
            ),
        ];
        for (body, want) in table {
            let got = ErrorFields::parse(body.as_bytes()).redacted(Redactor::new(Some(key)));
            assert_eq!(&got, want, "body {body}");
        }
    }

    #[test]
    fn null_message_is_absent() {
        let got = ErrorFields::parse(br#"{"message":null,"error":{"message":null,"code":"X"}}"#);
        assert_eq!(got.message, None);
        assert_eq!(got.code.as_deref(), Some("X"));
    }
}
