//! Serde model of a spec file exactly as written, with a parser position on every node
//! (`Spanned`). Shape errors (unknown keys, bad enum values, YAML syntax) come from here; checks
//! across nodes live in `check/`.

use indexmap::IndexMap;
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::diag::{Location, SpecError, one_of, suggest};
use crate::syntax::{PathTemplate, TypeText};

/// A mapping whose keys keep their positions; order is the spec's.
pub(crate) type Map<T> = IndexMap<Spanned<String>, T>;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SpecFile {
    pub(crate) version: Spanned<u32>,
    pub(crate) area: Spanned<String>,
    pub(crate) description: Option<Spanned<String>>,
    /// Other spec files whose types this one uses, keyed by their area.
    #[serde(default)]
    pub(crate) imports: Map<Spanned<String>>,
    #[serde(default)]
    pub(crate) servers: Map<Server>,
    #[serde(default)]
    pub(crate) operations: Map<Operation>,
    #[serde(default)]
    pub(crate) types: Map<TypeDef>,
    /// The imported specs, attached by `generate` after parsing; never written in YAML.
    #[serde(skip)]
    pub(crate) imported: Vec<Imported>,
}

/// A spec file named under `imports`, parsed.
#[derive(Debug)]
pub(crate) struct Imported {
    /// The key under `imports`, which is also the imported file's area.
    pub(crate) alias: String,
    pub(crate) spec: SpecFile,
}

/// A named base URL.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Server {
    pub(crate) url: Spanned<String>,
    pub(crate) auth: Option<Spanned<Auth>>,
    pub(crate) description: Option<Spanned<String>>,
}

/// How the API key is sent.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Auth {
    /// No key.
    None,
    /// `Authorization: <key>`.
    Raw,
    /// `Authorization: Bearer <key>`.
    Bearer,
    /// `?<name>=<key>`.
    Query(Spanned<String>),
}

/// HTTP methods format v1 knows.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[allow(clippy::upper_case_acronyms, reason = "spelt as in the spec")]
pub(crate) enum Method {
    GET,
    POST,
    PUT,
    PATCH,
    DELETE,
    HEAD,
    OPTIONS,
}

/// One operation, keyed by its id.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Operation {
    pub(crate) summary: Option<Spanned<String>>,
    pub(crate) description: Option<Spanned<String>>,
    pub(crate) method: Spanned<Method>,
    pub(crate) server: Spanned<ServerRef>,
    pub(crate) auth: Option<Spanned<Auth>>,
    pub(crate) path: Spanned<PathTemplate>,
    pub(crate) idempotent: Option<Spanned<bool>>,
    pub(crate) timeout_secs: Option<Spanned<u64>>,
    #[serde(default)]
    pub(crate) params: Map<Param>,
    pub(crate) body: Option<Spanned<Body>>,
    #[serde(default)]
    pub(crate) responses: Map<Response>,
    /// A list operation whose pages the generated `.pages()` / `.items()` follow.
    pub(crate) pagination: Option<Spanned<Pagination>>,
    /// A status operation the generated `wait_*` method polls until a terminal state.
    pub(crate) wait: Option<Spanned<WaitDecl>>,
    /// Server-sent events: how `.stream()` turns the call into a stream of chunks.
    pub(crate) stream: Option<Spanned<Stream>>,
    /// A PATCH's field-mask query param (wire name), filled from the body fields set when the
    /// caller does not set it.
    pub(crate) update_mask: Option<Spanned<String>>,
}

/// `wait:` on a status operation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WaitDecl {
    /// Method suffix: `wait_<name>`.
    pub(crate) name: Option<Spanned<String>>,
    /// The whole method name, instead of `wait_<name>`.
    pub(crate) method: Option<Spanned<String>>,
    /// Wire name of the response field holding the state.
    pub(crate) state: Spanned<String>,
    /// States that end the wait with the status.
    pub(crate) done: Spanned<Vec<Spanned<String>>>,
    /// States that end the wait with a failure.
    #[serde(default)]
    pub(crate) failed: Vec<Spanned<String>>,
    /// Failed states the server may send that the state's enum does not list (undocumented
    /// failures); not checked against the enum.
    #[serde(default)]
    pub(crate) failed_unlisted: Vec<Spanned<String>>,
    /// Compare states ignoring ASCII case.
    #[serde(default)]
    pub(crate) ignore_case: Option<Spanned<bool>>,
    /// States known to be in between (documentation; unknown states keep polling anyway).
    #[serde(default)]
    pub(crate) pending: Vec<Spanned<String>>,
    /// Wire name of the response field with the status message.
    pub(crate) message: Option<Spanned<String>>,
    /// Wire name of a response field that must be present on a done state.
    pub(crate) result: Option<Spanned<String>>,
    /// The default polling policy.
    pub(crate) policy: Option<Spanned<WaitPolicyDecl>>,
    /// Start operations (a create or submit of this area) whose response says what to poll:
    /// operation id → poll parameter → response field. Each gets `.and_wait()`.
    #[serde(default)]
    pub(crate) from: Map<Map<Spanned<WaitFrom>>>,
}

/// One poll parameter taken from a start operation's response: `{ field: name, segment: -1 }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WaitFrom {
    /// Wire name of a `string` field of the start operation's response.
    pub(crate) field: Spanned<String>,
    /// The `/`-separated segment of the field's text to use (negative counts from the end);
    /// the whole text when absent.
    pub(crate) segment: Option<Spanned<i32>>,
}

/// `wait.policy`: the default backoff.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WaitPolicyDecl {
    pub(crate) initial_secs: Option<Spanned<f64>>,
    pub(crate) max_secs: Option<Spanned<f64>>,
    pub(crate) multiplier: Option<Spanned<f64>>,
}

/// `pagination:` on a list operation: which query param carries the page token and which
/// response fields hold the next token and the items.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Pagination {
    /// Wire name of the query param that carries the token.
    pub(crate) token: Spanned<String>,
    /// Wire name of the response's string field with the next page's token.
    pub(crate) next_token: Spanned<String>,
    /// Wire name of the response's `array<T>` field with the page's items.
    pub(crate) items: Spanned<String>,
    /// Wire name of the query param with the page size, if the list has one.
    pub(crate) page_size: Option<Spanned<String>>,
}

/// An operation's server: a name, or `{ derive: ... }` to choose it from a request field.
#[derive(Debug)]
pub(crate) enum ServerRef {
    Name(String),
    Derive(Box<Spanned<Derive>>),
}

impl ServerRef {
    /// The fixed server's name, or the derived server's default.
    pub(crate) fn default_name(&self) -> &str {
        match self {
            ServerRef::Name(name) => name,
            ServerRef::Derive(derive) => &derive.value.default.value,
        }
    }
}

/// The `{ derive: ... }` form of `server`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServerDerive {
    derive: Spanned<Derive>,
}

impl<'de> Deserialize<'de> for ServerRef {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = ServerRef;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a server name or `{ derive: ... }`")
            }

            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<ServerRef, E> {
                Ok(ServerRef::Name(value.to_owned()))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<ServerRef, A::Error> {
                let derive =
                    ServerDerive::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(ServerRef::Derive(Box::new(derive.derive)))
            }
        }

        deserializer.deserialize_any(Visitor)
    }
}

/// A value chosen from a request field through a map, with a default for an unset field.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Derive {
    pub(crate) from: Spanned<String>,
    pub(crate) map: Spanned<Map<Spanned<String>>>,
    pub(crate) default: Spanned<String>,
}

/// A request body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Body {
    pub(crate) encoding: Spanned<Encoding>,
    #[serde(rename = "type")]
    pub(crate) ty: Spanned<TypeText>,
    pub(crate) description: Option<Spanned<String>>,
}

/// How a request body is encoded.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Encoding {
    Multipart,
    Json,
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ParamIn {
    Path,
    Query,
    Header,
}

/// Values the client can fill in for a parameter.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ClientDefault {
    AccountId,
}

/// A path, query or header parameter, keyed by its wire name.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Param {
    #[serde(rename = "in")]
    pub(crate) location: Spanned<ParamIn>,
    #[serde(rename = "type")]
    pub(crate) ty: Spanned<TypeText>,
    pub(crate) required: Option<Spanned<bool>>,
    pub(crate) client_default: Option<Spanned<ClientDefault>>,
    pub(crate) derive: Option<Spanned<Derive>>,
    pub(crate) rust_name: Option<Spanned<String>>,
    pub(crate) description: Option<Spanned<String>>,
}

/// A response, keyed by its status code.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Response {
    #[serde(rename = "type")]
    pub(crate) ty: Spanned<TypeText>,
    pub(crate) by_request_field: Option<Spanned<ByRequestField>>,
    #[allow(dead_code, reason = "read by people; the generated docs name the type")]
    pub(crate) description: Option<Spanned<String>>,
}

/// Which request field selects the case of an output type, and its value when unset.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ByRequestField {
    pub(crate) field: Spanned<String>,
    pub(crate) default: Option<Spanned<String>>,
}

/// The kinds of named type.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Kind {
    Object,
    Enum,
    Output,
    Union,
}

/// A named type. One struct for every kind, so positions survive (serde's internally tagged
/// enums lose them); `check/types.rs` rejects keys that do not belong to the kind.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TypeDef {
    pub(crate) kind: Spanned<Kind>,
    pub(crate) description: Option<Spanned<String>>,
    pub(crate) rust_name: Option<Spanned<String>>,
    pub(crate) fields: Option<Spanned<Map<Field>>>,
    pub(crate) embedded_body: Option<Spanned<EmbeddedBody>>,
    pub(crate) values: Option<Spanned<Map<Option<Value>>>>,
    /// Output types: the enum whose value selects the case.
    pub(crate) format: Option<Spanned<TypeText>>,
    /// Output types: enum value → `string` or an object type.
    pub(crate) cases: Option<Spanned<Map<Spanned<TypeText>>>>,
    /// Union types: the field whose string value names the variant (tagged unions only).
    pub(crate) tag: Option<Spanned<String>>,
    /// Union types: variant name (untagged) or tag value (tagged) → type.
    pub(crate) variants: Option<Spanned<Map<Spanned<TypeText>>>>,
}

/// One object field, keyed by its wire name.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Field {
    #[serde(rename = "type")]
    pub(crate) ty: Spanned<TypeText>,
    pub(crate) rust_name: Option<Spanned<String>>,
    pub(crate) required: Option<Spanned<bool>>,
    pub(crate) nullable: Option<Spanned<bool>>,
    pub(crate) default: Option<Spanned<Scalar>>,
    pub(crate) multipart_list: Option<Spanned<ListStyle>>,
    /// A secret: `Debug` prints it as `[REDACTED]`.
    pub(crate) sensitive: Option<Spanned<bool>>,
    pub(crate) description: Option<Spanned<String>>,
}

/// How an array field of a multipart form is sent.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ListStyle {
    /// One part, items joined with commas (the default).
    Comma,
    /// One part per item, all with the field's name.
    Repeat,
}

/// A default value as written.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub(crate) enum Scalar {
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
}

/// The `stream:` block of an operation (see `check/stream.rs`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Stream {
    /// The body field `.stream()` sets to `true`.
    pub(crate) flag: Spanned<String>,
    /// The object type of one chunk.
    pub(crate) chunk: Spanned<TypeText>,
    /// The `data:` payload that ends the stream.
    pub(crate) done: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) stop_events: Vec<Spanned<String>>,
    #[serde(default)]
    pub(crate) skip_events: Vec<Spanned<String>>,
    #[serde(default)]
    pub(crate) error_events: Vec<Spanned<String>>,
    pub(crate) idle_timeout_secs: Option<Spanned<u64>>,
    /// How chunks merge into the non-streaming response; enables `.stream_collect()`.
    pub(crate) collect: Option<Spanned<Collect>>,
}

/// How the chunks of a stream merge into the whole response.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Collect {
    #[serde(default)]
    pub(crate) rename: Map<Spanned<String>>,
    #[serde(default)]
    pub(crate) concat: Vec<Spanned<String>>,
    #[serde(default)]
    pub(crate) set: Map<Spanned<String>>,
}

/// Names the two string fields that carry a serialised response and its content type.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EmbeddedBody {
    pub(crate) content_type: Spanned<String>,
    pub(crate) body: Spanned<String>,
}

/// One enum value, keyed by its wire string. `~` (null) is allowed for a value with nothing to
/// say.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Value {
    pub(crate) description: Option<Spanned<String>>,
    pub(crate) rust_name: Option<Spanned<String>>,
}

/// Parses spec text; on failure returns the one located error the parser found, reworded in
/// the project's style. Parsing stops at the first problem because nothing after it can be
/// trusted.
pub(crate) fn parse_spec(text: &str, path: &str) -> Result<SpecFile, SpecError> {
    serde_saphyr::from_str::<SpecFile>(text).map_err(|error| yaml_error(&error, path))
}

fn yaml_error(error: &serde_saphyr::Error, path: &str) -> SpecError {
    use serde_saphyr::{Error, MessageFormatter};
    let error = error.without_snippet();
    let location = error
        .location()
        .and_then(Location::from_yaml)
        .unwrap_or(Location::START);
    let (message, help) = match error {
        Error::SerdeUnknownField {
            field, expected, ..
        } => (
            format!("unknown key `{field}`, expected {}", one_of(expected)),
            suggest(field, expected.iter().copied()),
        ),
        Error::SerdeUnknownVariant {
            variant, expected, ..
        } => (
            format!("unknown value `{variant}`, expected {}", one_of(expected)),
            suggest(variant, expected.iter().copied()),
        ),
        Error::SerdeMissingField { field, .. } => (format!("missing key `{field}`"), None),
        Error::DuplicateMappingKey { key: Some(key), .. } => (
            format!("duplicate key `{key}`"),
            Some("each key may appear once in a mapping; remove or rename one".to_owned()),
        ),
        other => (
            serde_saphyr::DefaultMessageFormatter
                .format_message(other)
                .into_owned(),
            None,
        ),
    };
    let mut spec_error = SpecError::new(path, location, message);
    if let Some(help) = help {
        spec_error.set_help(help);
    }
    spec_error
}
