//! The validated model: references resolved, Rust names decided, path templates split. It is
//! built only after `check/` found no errors, so lowering failures here are internal errors.

use serde_saphyr::Spanned;

use crate::diag::Location;
use crate::ident::RustName;
use crate::spec;

pub(crate) use crate::spec::{ClientDefault, Encoding, Kind, ListStyle, Method, ParamIn, Scalar};
pub(crate) use crate::syntax::Segment;

/// One spec file, ready for expansion.
#[derive(Debug)]
pub(crate) struct Api {
    pub(crate) area: String,
    /// Module and accessor name (`audio_batch`).
    pub(crate) module: RustName,
    /// Area struct (`AudioBatch`).
    pub(crate) client_type: RustName,
    /// Extension trait for macro mode (`AudioBatchExt`).
    pub(crate) ext_trait: RustName,
    pub(crate) description: Option<String>,
    pub(crate) servers: Vec<Server>,
    pub(crate) types: Vec<TypeDef>,
    pub(crate) operations: Vec<Operation>,
}

/// A named base URL.
#[derive(Debug)]
pub(crate) struct Server {
    pub(crate) name: String,
    pub(crate) constant: RustName,
    pub(crate) url: String,
    pub(crate) description: Option<String>,
}

/// How the key is sent, after the operation's override is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Auth {
    None,
    Raw,
    Bearer,
    Query(String),
}

/// One operation.
#[derive(Debug)]
pub(crate) struct Operation {
    pub(crate) id: String,
    pub(crate) method_name: RustName,
    pub(crate) static_name: RustName,
    pub(crate) request_type: RustName,
    pub(crate) summary: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) method: Method,
    /// The server, or the derived server's default.
    pub(crate) server_name: String,
    pub(crate) server_constant: RustName,
    /// The server chosen per call from a body field, if the spec derives it.
    pub(crate) server_derive: Option<Derive<ServerTarget>>,
    pub(crate) path: String,
    pub(crate) segments: Vec<Segment>,
    pub(crate) auth: Auth,
    pub(crate) idempotent: bool,
    pub(crate) timeout_secs: Option<u64>,
    pub(crate) params: Vec<Param>,
    pub(crate) body: Option<Body>,
    pub(crate) response: TypeRef,
    /// For an output type: the body field whose value selects the case.
    pub(crate) select: Option<Select>,
    /// For a paginated list: the token param and the page's fields.
    pub(crate) pagination: Option<Pagination>,
    /// For a status operation: the generated waiter.
    pub(crate) wait: Option<Waiter>,
    /// Server-sent events, when the spec declares `stream:`.
    pub(crate) stream: Option<Stream>,
    /// The wire name of the query param that carries the update mask (`update_mask:`).
    pub(crate) update_mask: Option<String>,
}

/// A waiter, lowered from `wait:`.
#[derive(Debug)]
pub(crate) struct Waiter {
    /// The area method (`wait_batch_inference_job`).
    pub(crate) method: RustName,
    /// The state field and whether it is an enum (else a string).
    pub(crate) state: SourceField,
    pub(crate) state_is_enum: bool,
    pub(crate) done: Vec<String>,
    /// `failed` followed by `failed_unlisted`.
    pub(crate) failed: Vec<String>,
    pub(crate) pending: Vec<String>,
    /// States are compared ignoring ASCII case.
    pub(crate) ignore_case: bool,
    /// The path to a string field with the status message (`status.message`: one field per
    /// step).
    pub(crate) message: Vec<SourceField>,
    /// A field that must be present on a done state.
    pub(crate) result: Option<SourceField>,
    /// Default policy: first delay, max delay (milliseconds) and factor.
    pub(crate) initial_ms: Option<u64>,
    pub(crate) max_ms: Option<u64>,
    pub(crate) multiplier: Option<f64>,
    /// The start operations whose builders get `.and_wait()`.
    pub(crate) from: Vec<WaitStart>,
}

/// A start operation whose builder gets `.and_wait()`, lowered from `wait.from`.
#[derive(Debug)]
pub(crate) struct WaitStart {
    /// The start operation's spec id.
    pub(crate) id: String,
    /// The start operation's request builder.
    pub(crate) request: RustName,
    /// One value per param of the status operation, in param order.
    pub(crate) params: Vec<PollParam>,
}

/// Where a status operation's param gets its value in `.and_wait()`.
#[derive(Debug)]
pub(crate) enum PollParam {
    /// From a response field of the start call, maybe one `/` segment of it.
    Field {
        source: SourceField,
        segment: Option<i32>,
    },
    /// Copied from the start builder's param of the same wire name (an `account_id` override).
    Carry(RustName),
    /// Not set: the status operation's default.
    Unset,
}

/// A paginated list operation, lowered from `pagination:`.
#[derive(Debug)]
pub(crate) struct Pagination {
    /// The builder field of the token param (an optional `string` query param).
    pub(crate) token: RustName,
    /// The token param's wire name, for docs.
    pub(crate) token_wire: String,
    /// The page-size param's wire name, for docs.
    pub(crate) page_size: Option<String>,
    /// The response's next-token field (a `string`).
    pub(crate) next_token: SourceField,
    /// The response's items field (an `array<T>`).
    pub(crate) items: SourceField,
    /// `T`.
    pub(crate) item: TypeRef,
    /// Whether this operation emits `impl Page` for the response type (the first operation
    /// of the spec that pages it).
    pub(crate) impl_page: bool,
}

/// An operation's `stream:` block, resolved.
#[derive(Debug)]
pub(crate) struct Stream {
    /// The optional `bool` body field `.stream()` sets.
    pub(crate) flag: RustName,
    pub(crate) chunk: TypeRef,
    pub(crate) done: Option<String>,
    pub(crate) stop_events: Vec<String>,
    pub(crate) skip_events: Vec<String>,
    pub(crate) error_events: Vec<String>,
    pub(crate) idle_timeout_secs: u64,
    pub(crate) collect: Option<Collect>,
}

/// How chunks merge into the whole response (the runtime's `CollectConfig`).
#[derive(Debug)]
pub(crate) struct Collect {
    pub(crate) rename: Vec<(String, String)>,
    pub(crate) concat: Vec<String>,
    pub(crate) set: Vec<(String, String)>,
}

/// A server a derived server can be: its spec name and its constant.
#[derive(Debug)]
pub(crate) struct ServerTarget {
    pub(crate) name: String,
    pub(crate) constant: RustName,
}

/// A request body.
#[derive(Debug)]
pub(crate) struct Body {
    pub(crate) encoding: Encoding,
    pub(crate) ty: TypeRef,
    pub(crate) description: Option<String>,
}

/// A field of the request body read at send time.
#[derive(Debug, Clone)]
pub(crate) struct SourceField {
    pub(crate) wire: String,
    pub(crate) name: RustName,
    /// Whether the Rust field is an `Option`.
    pub(crate) optional: bool,
}

/// A value derived from a body field: `map` from the field's wire values, `default` when
/// the field is unset.
#[derive(Debug)]
pub(crate) struct Derive<T> {
    pub(crate) source: SourceField,
    pub(crate) map: Vec<(String, T)>,
    pub(crate) default: T,
}

/// The body field that selects an output type's case, and its wire value when unset.
#[derive(Debug)]
pub(crate) struct Select {
    pub(crate) source: SourceField,
    pub(crate) default: Option<String>,
}

/// A path, query or header parameter.
#[derive(Debug)]
pub(crate) struct Param {
    pub(crate) wire: String,
    pub(crate) name: RustName,
    pub(crate) location: ParamIn,
    pub(crate) ty: TypeRef,
    /// Required params are arguments of the client method; the rest are builder setters.
    pub(crate) required: bool,
    pub(crate) client_default: Option<ClientDefault>,
    /// Filled in from a body field unless overridden.
    pub(crate) derive: Option<Derive<String>>,
    /// The local holding the derived value in `send_with_meta`.
    pub(crate) derived_local: RustName,
    pub(crate) description: Option<String>,
}

/// A resolved type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TypeRef {
    String,
    Bool,
    I32,
    I64,
    F64,
    /// An `i64` carried as a JSON string.
    Int64String,
    /// A multipart file part: the runtime's `FileInput`.
    File,
    /// An RFC 3339 instant: the runtime's `Timestamp` (jiff's).
    Timestamp,
    /// A protobuf JSON duration: the runtime's `ProtoDuration`.
    Duration,
    Array(Box<TypeRef>),
    Map(Box<TypeRef>),
    Named {
        name: RustName,
        kind: Kind,
        /// The import alias, for a type of another spec (`super::<alias>::<name>`).
        module: Option<RustName>,
    },
}

/// A named type.
#[derive(Debug)]
pub(crate) struct TypeDef {
    pub(crate) name: RustName,
    pub(crate) description: Option<String>,
    pub(crate) body: TypeBody,
}

/// What a named type is.
#[derive(Debug)]
pub(crate) enum TypeBody {
    Object(Box<Object>),
    Enum(Vec<Variant>),
    Output(Box<Output>),
    Union(Box<Union>),
}

/// A union: one of several types, told apart by a tag field or by shape.
#[derive(Debug)]
pub(crate) struct Union {
    /// The tag field's wire name; `None` for an untagged union.
    pub(crate) tag: Option<String>,
    pub(crate) variants: Vec<UnionVariant>,
}

/// One variant of a union.
#[derive(Debug)]
pub(crate) struct UnionVariant {
    /// The tag value (tagged) or the variant key (untagged).
    pub(crate) wire: String,
    pub(crate) name: RustName,
    pub(crate) ty: TypeRef,
}

/// An object: named fields plus a map of the fields the spec does not describe.
#[derive(Debug)]
pub(crate) struct Object {
    pub(crate) fields: Vec<Field>,
    pub(crate) embedded_body: Option<EmbeddedBody>,
    /// Has a `file` field: a multipart form, with no serde impls and no `extra` map.
    pub(crate) form: bool,
}

/// A response whose shape depends on a format value.
#[derive(Debug)]
pub(crate) struct Output {
    /// The enum whose value selects the case.
    pub(crate) format: TypeRef,
    pub(crate) cases: Vec<OutputCase>,
}

/// One case of an output type.
#[derive(Debug)]
pub(crate) struct OutputCase {
    /// The format value.
    pub(crate) wire: String,
    pub(crate) variant: RustName,
    /// The object decoded from JSON; `None` keeps the body as text.
    pub(crate) ty: Option<TypeRef>,
    /// The object's field wire names, to guess the case of a body of unknown format.
    pub(crate) json_fields: Vec<String>,
}

/// Which fields hold a serialised response and its content type.
#[derive(Debug)]
pub(crate) struct EmbeddedBody {
    pub(crate) content_type: Field,
    pub(crate) body: Field,
}

/// One object field.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub(crate) wire: String,
    pub(crate) name: RustName,
    pub(crate) ty: TypeRef,
    pub(crate) required: bool,
    pub(crate) nullable: bool,
    pub(crate) default: Option<Scalar>,
    /// The hidden function that gives the default, when there is one.
    pub(crate) default_fn: RustName,
    pub(crate) list_style: ListStyle,
    /// A secret: the generated `Debug` prints `[REDACTED]` instead of the value.
    pub(crate) sensitive: bool,
    pub(crate) description: Option<String>,
}

impl Field {
    /// Whether the Rust field is an `Option` (anything that may be absent or null, unless a
    /// default fills it).
    pub(crate) fn is_option(&self) -> bool {
        self.nullable || (!self.required && self.default.is_none())
    }
}

/// One value of an open enum.
#[derive(Debug)]
pub(crate) struct Variant {
    pub(crate) wire: String,
    pub(crate) name: RustName,
    pub(crate) description: Option<String>,
}

/// The default `idempotent` for a method: safe and idempotent methods per RFC 9110.
pub(crate) fn idempotent_by_default(method: Method) -> bool {
    !matches!(method, Method::POST | Method::PATCH)
}

/// A position for a node, falling back to `ancestor` when the parser recorded none.
pub(crate) fn loc<T>(node: &Spanned<T>, ancestor: Location) -> Location {
    Location::or(node.referenced, ancestor)
}

impl spec::Auth {
    pub(crate) fn lower(&self) -> Auth {
        match self {
            spec::Auth::None => Auth::None,
            spec::Auth::Raw => Auth::Raw,
            spec::Auth::Bearer => Auth::Bearer,
            spec::Auth::Query(name) => Auth::Query(name.value.clone()),
        }
    }
}
