//! The description API: what the validated model says about every operation and type, as plain
//! serialisable data for tools that must not re-parse the YAML (the emulator's route table, a
//! spec-diff check, a CLI).
//!
//! It reads the same validated model the generator expands, so a description can never disagree
//! with the generated code. Everything here is data: no tokens, no I/O.

use serde::{Deserialize, Serialize};

use crate::diag::SpecErrors;
use crate::model::{self, Api, Auth, Encoding, Kind, Method, ParamIn, Segment, TypeBody, TypeRef};

/// One spec file's text and the path it is reported under (for example `spec/datasets.yaml`).
///
/// Imports are resolved among the sources passed to [`describe`]: an import `control.yaml` of
/// `spec/datasets.yaml` names the source whose path is `spec/control.yaml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecSource {
    /// The display path, as the user wrote it; imports are joined to its folder.
    pub path: String,
    /// The YAML text.
    pub text: String,
}

impl SpecSource {
    /// A source from its display path and text.
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        SpecSource {
            path: path.into(),
            text: text.into(),
        }
    }
}

/// Every spec described, in the order given.
///
/// Serialises to JSON with the field names below (snake_case); the shape is kept stable: fields
/// may be added, none renamed or removed without a note in the changelog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    /// One entry per spec file.
    pub areas: Vec<AreaInfo>,
}

impl Catalog {
    /// Every operation of every area, with its area.
    pub fn operations(&self) -> impl Iterator<Item = (&AreaInfo, &OperationInfo)> {
        self.areas
            .iter()
            .flat_map(|area| area.operations.iter().map(move |op| (area, op)))
    }

    /// The area with this name (`datasets`).
    pub fn area(&self, name: &str) -> Option<&AreaInfo> {
        self.areas.iter().find(|area| area.area == name)
    }
}

/// One spec file: its area, servers, operations and types.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AreaInfo {
    /// The spec's `area:` (`batch_inference`).
    pub area: String,
    /// The display path the spec was read from.
    pub file: String,
    /// The Rust module and client accessor (`batch_inference`).
    pub module: String,
    /// The area's client type (`BatchInference`).
    pub client_type: String,
    /// The spec's `description:`.
    pub description: Option<String>,
    /// The named servers, in spec order.
    pub servers: Vec<ServerInfo>,
    /// The operations, in spec order.
    pub operations: Vec<OperationInfo>,
    /// The named types, in spec order.
    pub types: Vec<TypeInfo>,
}

impl AreaInfo {
    /// The operation with this spec id (`create_dataset`).
    pub fn operation(&self, id: &str) -> Option<&OperationInfo> {
        self.operations.iter().find(|op| op.id == id)
    }

    /// The type with this Rust name (`Dataset`).
    pub fn type_info(&self, name: &str) -> Option<&TypeInfo> {
        self.types.iter().find(|ty| ty.name == name)
    }
}

/// A named base URL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerInfo {
    /// The spec name (`control`).
    pub name: String,
    /// The default base URL.
    pub url: String,
    /// How the key is sent: `none`, `raw`, `bearer` or `query:<param>`.
    pub auth: String,
}

/// One operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationInfo {
    /// The spec id (`create_dataset`).
    pub id: String,
    /// The generated client method (`create_dataset`).
    pub rust_method: String,
    /// The spec's `summary:`, one line.
    pub summary: Option<String>,
    /// The spec's `description:`.
    pub description: Option<String>,
    /// The HTTP method in capitals (`POST`).
    pub http_method: String,
    /// The server's spec name (the default one, when the server is derived from a body field).
    pub server: String,
    /// The path template as written (`/v1/accounts/{account_id}/datasets/{dataset_id}:upload`).
    pub path: String,
    /// The template split into literal text and parameters.
    pub segments: Vec<PathSegment>,
    /// Path, query and header parameters, in spec order.
    pub params: Vec<ParamInfo>,
    /// The request body, if any.
    pub body: Option<BodyInfo>,
    /// The success response's type text (see [`TypeInfo`] for the notation).
    pub response: String,
    /// Whether retries may resend it (from the spec, defaulting from the method).
    pub idempotent: bool,
    /// Whether the operation can answer with server-sent events (`stream:`).
    pub stream: bool,
    /// The paginated-list description, when the spec declares `pagination:`.
    pub pagination: Option<PaginationInfo>,
    /// The generated waiter, when the spec declares `wait:`.
    pub wait: Option<WaitInfo>,
    /// The query param (wire name) a PATCH fills with the body's field mask (`update_mask:`).
    pub update_mask: Option<String>,
}

impl OperationInfo {
    /// The parameter with this wire name.
    pub fn param(&self, wire: &str) -> Option<&ParamInfo> {
        self.params.iter().find(|param| param.wire == wire)
    }
}

/// A piece of a path template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PathSegment {
    /// Literal text, for example `/v1/accounts/` or `:upload`.
    Literal(String),
    /// A path parameter's wire name.
    Param(String),
}

/// A path, query or header parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamInfo {
    /// The wire name (`pageToken`, `account_id`).
    pub wire: String,
    /// The Rust argument or setter name (`page_token`).
    pub rust: String,
    /// `path`, `query` or `header`.
    pub location: String,
    /// Whether it is a method argument (else an optional builder setter).
    pub required: bool,
    /// The type text.
    pub ty: String,
    /// What the client fills in when unset: `account_id`, or none.
    pub client_default: Option<String>,
    /// The body field it is derived from when unset, if any.
    pub derived_from: Option<String>,
    /// The spec's `description:`.
    pub description: Option<String>,
}

/// A request body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BodyInfo {
    /// `json` or `multipart`.
    pub encoding: String,
    /// The body's type text.
    pub ty: String,
}

/// A paginated list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaginationInfo {
    /// The response field holding the page's items (`datasets`).
    pub items: String,
    /// The items' type text (`Dataset`).
    pub item_type: String,
    /// The response field holding the next page's token (`nextPageToken`).
    pub next_token: String,
    /// The query parameter the token goes back in (`pageToken`).
    pub token_param: String,
    /// The query parameter for the page size (`pageSize`), if any.
    pub page_size_param: Option<String>,
}

/// A generated waiter (`wait:`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaitInfo {
    /// The generated area method (`wait_batch_inference_job`).
    pub rust_method: String,
    /// The response field holding the state (`state`).
    pub state_field: String,
    /// Whether the state field is an enum (else a string).
    pub state_is_enum: bool,
    /// States that end the wait successfully.
    pub done: Vec<String>,
    /// States that end the wait with an error, those the state's enum does not list included.
    pub failed: Vec<String>,
    /// Whether states are compared ignoring ASCII case.
    pub ignore_case: bool,
    /// States listed as still in progress (any state neither done nor failed also is).
    pub pending: Vec<String>,
    /// The wire path of the status message, one field per step (`["status", "message"]`).
    pub message_path: Vec<String>,
    /// A field that must be present when done, if the spec names one.
    pub result_field: Option<String>,
    /// The start operations (spec ids) whose builders get `.and_wait()` (`wait.from`).
    pub starts: Vec<String>,
}

/// A named type.
///
/// Type text uses the spec's notation: `string`, `bool`, `i32`, `i64`, `f64`, `int64_string`,
/// `file`, `timestamp`, `duration`, `array<T>`, `map<T>`, and a named type by its Rust name,
/// prefixed with the import alias when it belongs to another spec (`control.Status`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypeInfo {
    /// The Rust name (`Dataset`).
    pub name: String,
    /// `object`, `enum`, `output` or `union`.
    pub kind: String,
    /// The spec's `description:`.
    pub description: Option<String>,
    /// An object's fields, in spec order (empty for other kinds).
    pub fields: Vec<FieldInfo>,
    /// An enum's wire values, in spec order (empty for other kinds). Every enum is open: the
    /// generated type keeps values not listed here.
    pub values: Vec<String>,
    /// An object with a `file` field: sent as a multipart form.
    pub form: bool,
    /// A union's or an output's cases: wire value (tag, key or format) and type text (`None`
    /// for an output case kept as text).
    pub cases: Vec<CaseInfo>,
}

/// One case of a union or an output type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseInfo {
    /// The tag value, the untagged variant's key, or the output format value.
    pub wire: String,
    /// The case's type text.
    pub ty: Option<String>,
}

/// One object field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldInfo {
    /// The wire name (`createTime`).
    pub wire: String,
    /// The Rust field name (`create_time`).
    pub rust: String,
    /// The type text.
    pub ty: String,
    /// `required: true` in the spec.
    pub required: bool,
    /// `nullable: true` in the spec.
    pub nullable: bool,
    /// A secret, redacted by the generated `Debug`.
    pub sensitive: bool,
    /// The spec's `description:`.
    pub description: Option<String>,
}

/// Describes every spec: each is parsed, checked and lowered exactly as [`crate::generate`]
/// does, with imports resolved among `specs`.
///
/// # Errors
/// The [`SpecErrors`] of every spec that has any, in the order given (each spec's errors sorted
/// by position); nothing is described when any spec is invalid.
///
/// ```
/// use fireworks_ai_codegen::{SpecSource, describe};
///
/// let spec = r#"
/// version: 1
/// area: demo
/// servers:
///   api:
///     url: https://example.com
/// operations:
///   get_thing:
///     method: GET
///     server: api
///     path: /v1/things/{thing_id}
///     params:
///       thing_id:
///         in: path
///         type: string
///     responses:
///       "200":
///         type: Thing
/// types:
///   Thing:
///     kind: object
///     fields:
///       name:
///         type: string
/// "#;
/// let catalog = describe(&[SpecSource::new("spec/demo.yaml", spec)]).unwrap();
/// let op = catalog.area("demo").unwrap().operation("get_thing").unwrap();
/// assert_eq!(op.http_method, "GET");
/// assert_eq!(op.param("thing_id").unwrap().location, "path");
/// ```
pub fn describe(specs: &[SpecSource]) -> Result<Catalog, SpecErrors> {
    let mut areas = Vec::with_capacity(specs.len());
    let mut errors: Option<SpecErrors> = None;
    for source in specs {
        let mut load = |path: &str| {
            specs
                .iter()
                .find(|other| other.path == path)
                .map(|other| other.text.clone())
                .ok_or_else(|| format!("`{path}` is not among the specs described"))
        };
        match crate::validate(&source.text, &source.path, &mut load) {
            Ok(api) => areas.push(area_info(&api, &source.path)),
            Err(found) => match errors.as_mut() {
                Some(all) => all.extend(found),
                None => errors = Some(found),
            },
        }
    }
    match errors {
        Some(errors) => Err(errors),
        None => Ok(Catalog { areas }),
    }
}

fn area_info(api: &Api, file: &str) -> AreaInfo {
    AreaInfo {
        area: api.area.clone(),
        file: file.to_owned(),
        module: api.module.text.clone(),
        client_type: api.client_type.text.clone(),
        description: api.description.clone(),
        servers: api
            .servers
            .iter()
            .map(|server| ServerInfo {
                name: server.name.clone(),
                url: server.url.clone(),
                auth: api
                    .operations
                    .iter()
                    .find(|op| op.server_name == server.name)
                    .map_or_else(|| "bearer".to_owned(), |op| auth_text(&op.auth)),
            })
            .collect(),
        operations: api.operations.iter().map(operation_info).collect(),
        types: api.types.iter().map(type_info).collect(),
    }
}

fn auth_text(auth: &Auth) -> String {
    match auth {
        Auth::None => "none".to_owned(),
        Auth::Raw => "raw".to_owned(),
        Auth::Bearer => "bearer".to_owned(),
        Auth::Query(name) => format!("query:{name}"),
    }
}

fn operation_info(op: &model::Operation) -> OperationInfo {
    OperationInfo {
        id: op.id.clone(),
        rust_method: op.method_name.text.clone(),
        summary: op.summary.clone(),
        description: op.description.clone(),
        http_method: method_text(op.method).to_owned(),
        server: op.server_name.clone(),
        path: op.path.clone(),
        segments: op
            .segments
            .iter()
            .map(|segment| match segment {
                Segment::Literal(text) => PathSegment::Literal(text.clone()),
                Segment::Param(name) => PathSegment::Param(name.clone()),
            })
            .collect(),
        params: op
            .params
            .iter()
            .map(|param| ParamInfo {
                wire: param.wire.clone(),
                rust: param.name.text.clone(),
                location: match param.location {
                    ParamIn::Path => "path",
                    ParamIn::Query => "query",
                    ParamIn::Header => "header",
                }
                .to_owned(),
                required: param.required,
                ty: type_text(&param.ty),
                client_default: param.client_default.map(|_| "account_id".to_owned()),
                derived_from: param.derive.as_ref().map(|d| d.source.wire.clone()),
                description: param.description.clone(),
            })
            .collect(),
        body: op.body.as_ref().map(|body| BodyInfo {
            encoding: match body.encoding {
                Encoding::Json => "json",
                Encoding::Multipart => "multipart",
            }
            .to_owned(),
            ty: type_text(&body.ty),
        }),
        response: type_text(&op.response),
        idempotent: op.idempotent,
        stream: op.stream.is_some(),
        pagination: op.pagination.as_ref().map(|page| PaginationInfo {
            items: page.items.wire.clone(),
            item_type: type_text(&page.item),
            next_token: page.next_token.wire.clone(),
            token_param: page.token_wire.clone(),
            page_size_param: page.page_size.clone(),
        }),
        wait: op.wait.as_ref().map(|wait| WaitInfo {
            rust_method: wait.method.text.clone(),
            state_field: wait.state.wire.clone(),
            state_is_enum: wait.state_is_enum,
            done: wait.done.clone(),
            failed: wait.failed.clone(),
            ignore_case: wait.ignore_case,
            pending: wait.pending.clone(),
            message_path: wait.message.iter().map(|f| f.wire.clone()).collect(),
            result_field: wait.result.as_ref().map(|f| f.wire.clone()),
            starts: wait.from.iter().map(|start| start.id.clone()).collect(),
        }),
        update_mask: op.update_mask.clone(),
    }
}

fn method_text(method: Method) -> &'static str {
    match method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
    }
}

fn type_text(ty: &TypeRef) -> String {
    match ty {
        TypeRef::String => "string".to_owned(),
        TypeRef::Bool => "bool".to_owned(),
        TypeRef::I32 => "i32".to_owned(),
        TypeRef::I64 => "i64".to_owned(),
        TypeRef::F64 => "f64".to_owned(),
        TypeRef::Int64String => "int64_string".to_owned(),
        TypeRef::File => "file".to_owned(),
        TypeRef::Timestamp => "timestamp".to_owned(),
        TypeRef::Duration => "duration".to_owned(),
        TypeRef::Array(inner) => format!("array<{}>", type_text(inner)),
        TypeRef::Map(inner) => format!("map<{}>", type_text(inner)),
        TypeRef::Named { name, module, .. } => match module {
            Some(module) => format!("{}.{}", module.text, name.text),
            None => name.text.clone(),
        },
    }
}

fn type_info(def: &model::TypeDef) -> TypeInfo {
    let mut info = TypeInfo {
        name: def.name.text.clone(),
        kind: String::new(),
        description: def.description.clone(),
        fields: Vec::new(),
        values: Vec::new(),
        form: false,
        cases: Vec::new(),
    };
    match &def.body {
        TypeBody::Object(object) => {
            info.kind = kind_text(Kind::Object).to_owned();
            info.form = object.form;
            info.fields = object
                .fields
                .iter()
                .map(|field| FieldInfo {
                    wire: field.wire.clone(),
                    rust: field.name.text.clone(),
                    ty: type_text(&field.ty),
                    required: field.required,
                    nullable: field.nullable,
                    sensitive: field.sensitive,
                    description: field.description.clone(),
                })
                .collect();
        }
        TypeBody::Enum(variants) => {
            info.kind = kind_text(Kind::Enum).to_owned();
            info.values = variants.iter().map(|v| v.wire.clone()).collect();
        }
        TypeBody::Output(output) => {
            info.kind = kind_text(Kind::Output).to_owned();
            info.cases = output
                .cases
                .iter()
                .map(|case| CaseInfo {
                    wire: case.wire.clone(),
                    ty: case.ty.as_ref().map(type_text),
                })
                .collect();
        }
        TypeBody::Union(union) => {
            info.kind = kind_text(Kind::Union).to_owned();
            info.cases = union
                .variants
                .iter()
                .map(|variant| CaseInfo {
                    wire: variant.wire.clone(),
                    ty: Some(type_text(&variant.ty)),
                })
                .collect();
        }
    }
    info
}

fn kind_text(kind: Kind) -> &'static str {
    match kind {
        Kind::Object => "object",
        Kind::Enum => "enum",
        Kind::Output => "output",
        Kind::Union => "union",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, text: &str) -> SpecSource {
        SpecSource::new(format!("spec/{name}"), text)
    }

    fn control_specs() -> Vec<SpecSource> {
        vec![
            spec("control.yaml", include_str!("../../spec/control.yaml")),
            spec("datasets.yaml", include_str!("../../spec/datasets.yaml")),
            spec(
                "batch-inference.yaml",
                include_str!("../../spec/batch-inference.yaml"),
            ),
            spec("api-keys.yaml", include_str!("../../spec/api-keys.yaml")),
        ]
    }

    #[test]
    fn operations_carry_method_path_params_and_body() {
        let catalog = describe(&control_specs()).unwrap();
        assert_eq!(catalog.areas.len(), 4);
        let datasets = catalog.area("datasets").unwrap();
        assert_eq!(datasets.file, "spec/datasets.yaml");
        assert_eq!(datasets.servers[0].name, "control");
        assert_eq!(datasets.servers[0].auth, "bearer");
        let create = datasets.operation("create_dataset").unwrap();
        assert_eq!(create.rust_method, "create_dataset");
        assert_eq!(create.http_method, "POST");
        assert_eq!(create.server, "control");
        assert_eq!(create.path, "/v1/accounts/{account_id}/datasets");
        assert_eq!(
            create.segments,
            vec![
                PathSegment::Literal("/v1/accounts/".to_owned()),
                PathSegment::Param("account_id".to_owned()),
                PathSegment::Literal("/datasets".to_owned()),
            ]
        );
        let account = create.param("account_id").unwrap();
        assert_eq!(account.location, "path");
        assert_eq!(account.client_default.as_deref(), Some("account_id"));
        assert_eq!(
            create.body,
            Some(BodyInfo {
                encoding: "json".to_owned(),
                ty: "CreateDatasetBody".to_owned()
            })
        );
        assert_eq!(create.response, "Dataset");
        assert_eq!(create.summary.as_deref(), Some("Create a dataset."));
        assert!(
            account
                .description
                .as_deref()
                .is_some_and(|d| d.contains("account"))
        );
        assert!(!create.idempotent);
        let upload = datasets.operation("upload_dataset").unwrap();
        assert_eq!(upload.body.as_ref().unwrap().encoding, "multipart");
        let delete = datasets.operation("delete_dataset").unwrap();
        assert_eq!(delete.response, "control.Empty");
        assert!(delete.idempotent);
        let get = datasets.operation("get_dataset").unwrap();
        let mask = get.param("readMask").unwrap();
        assert_eq!(
            (mask.rust.as_str(), mask.location.as_str()),
            ("read_mask", "query")
        );
        assert!(!mask.required);
        assert!(get.param("dataset_id").unwrap().required);
    }

    #[test]
    fn pagination_and_waiters_are_described() {
        let catalog = describe(&control_specs()).unwrap();
        let list = catalog
            .area("datasets")
            .unwrap()
            .operation("list_datasets")
            .unwrap();
        assert_eq!(
            list.pagination,
            Some(PaginationInfo {
                items: "datasets".to_owned(),
                item_type: "Dataset".to_owned(),
                next_token: "nextPageToken".to_owned(),
                token_param: "pageToken".to_owned(),
                page_size_param: Some("pageSize".to_owned()),
            })
        );
        let (area, get_job) = catalog
            .operations()
            .find(|(_, op)| op.id == "get_batch_inference_job")
            .unwrap();
        assert_eq!(area.area, "batch_inference");
        let wait = get_job.wait.as_ref().unwrap();
        assert_eq!(wait.rust_method, "wait_batch_inference_job");
        assert_eq!(wait.state_field, "state");
        assert!(wait.done.contains(&"JOB_STATE_COMPLETED".to_owned()));
        assert!(wait.failed.contains(&"JOB_STATE_FAILED".to_owned()));
        assert_eq!(wait.message_path, ["status", "message"]);
    }

    #[test]
    fn types_carry_fields_and_open_enum_values() {
        let catalog = describe(&control_specs()).unwrap();
        let datasets = catalog.area("datasets").unwrap();
        let dataset = datasets.type_info("Dataset").unwrap();
        assert_eq!(dataset.kind, "object");
        let count = dataset
            .fields
            .iter()
            .find(|f| f.wire == "exampleCount")
            .unwrap();
        assert_eq!(count.rust, "example_count");
        assert_eq!(count.ty, "int64_string");
        assert!(!count.required);
        let status = dataset.fields.iter().find(|f| f.wire == "status").unwrap();
        assert_eq!(status.ty, "control.Status");
        let body = datasets.type_info("CreateDatasetBody").unwrap();
        assert!(
            body.fields
                .iter()
                .any(|f| f.wire == "datasetId" && f.required)
        );
        let state = datasets.type_info("DatasetState").unwrap();
        assert_eq!(state.kind, "enum");
        assert_eq!(state.values, ["STATE_UNSPECIFIED", "UPLOADING", "READY"]);
        assert!(datasets.type_info("UploadDatasetForm").unwrap().form);
        let keys = catalog.area("api_keys").unwrap();
        assert!(
            keys.types
                .iter()
                .flat_map(|ty| &ty.fields)
                .any(|f| f.sensitive)
        );
    }

    #[test]
    fn a_missing_import_or_a_bad_spec_is_a_located_error() {
        let only = [spec(
            "datasets.yaml",
            include_str!("../../spec/datasets.yaml"),
        )];
        let errors = describe(&only).unwrap_err();
        let text = errors.to_string();
        assert!(text.contains("spec/datasets.yaml:"), "{text}");
        assert!(text.contains("control.yaml"), "{text}");
        let bad = [
            spec(
                "a.yaml",
                "version: 1\narea: a\ntypes:\n  T:\n    kind: object\n    fields:\n      x:\n        type: Missing\n",
            ),
            spec("b.yaml", "version: 1\narea: [\n"),
        ];
        let errors = describe(&bad).unwrap_err();
        let paths: Vec<_> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(paths.len(), 2, "{paths:?}");
        assert!(paths[0].contains("spec/a.yaml:8:"), "{paths:?}");
        assert!(paths[1].contains("spec/b.yaml:"), "{paths:?}");
    }

    #[test]
    fn the_catalog_round_trips_through_json() {
        let catalog = describe(&control_specs()).unwrap();
        let json = serde_json::to_string(&catalog).unwrap();
        assert!(json.contains(r#""http_method":"PATCH""#));
        assert!(json.contains(r#"{"param":"dataset_id"}"#));
        let back: Catalog = serde_json::from_str(&json).unwrap();
        assert_eq!(back, catalog);
    }
}
