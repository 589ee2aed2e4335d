//! Spec as written → validated model. Runs only after every check passed, so each failure here is
//! reported as an internal error with the node's position rather than a panic.

use crate::diag::{Diags, Location};
use crate::ident::{Case, RustName};
use crate::model::{
    Api, Auth, Body, Derive, EmbeddedBody, Field, ListStyle, Object, Operation, Output, OutputCase,
    Param, Segment, Select, Server, ServerTarget, SourceField, TypeBody, TypeDef, TypeRef, Variant,
    idempotent_by_default, loc, rust_name,
};
use crate::scope::{Found, Scope, is_form, lookup, lookup_expr};
use crate::spec::{self, Kind, SpecFile};
use crate::syntax::{TypeExpr, TypeText};

/// Lowers a checked spec; `None` after reporting an internal error.
pub(crate) fn lower_spec(spec: &SpecFile, diags: &mut Diags) -> Option<Api> {
    let area_at = loc(&spec.area, Location::START);
    let area = &spec.area.value;
    let module = name(area, None, Case::Snake, area_at, diags)?;
    let client_type = name(area, None, Case::UpperCamel, area_at, diags)?;
    let ext_trait = internal(client_type.suffixed("Ext"), area_at, diags)?;
    let mut servers = Vec::new();
    for (key, server) in &spec.servers {
        servers.push(Server {
            name: key.value.clone(),
            constant: name(
                &key.value,
                None,
                Case::ShoutySnake,
                loc(key, area_at),
                diags,
            )?,
            url: server.url.value.clone(),
            description: text(server.description.as_ref()),
        });
    }
    let mut types = Vec::new();
    for (key, def) in &spec.types {
        types.push(lower_type(spec, key, def, diags)?);
    }
    let mut operations = Vec::new();
    for (key, op) in &spec.operations {
        operations.push(lower_operation(spec, key, op, diags)?);
    }
    Some(Api {
        area: area.clone(),
        module,
        client_type,
        ext_trait,
        description: text(spec.description.as_ref()),
        servers,
        types,
        operations,
    })
}

fn lower_type(
    spec: &SpecFile,
    key: &serde_saphyr::Spanned<String>,
    def: &spec::TypeDef,
    diags: &mut Diags,
) -> Option<TypeDef> {
    let at = loc(key, Location::START);
    let type_name = name(
        &key.value,
        def.rust_name.as_ref(),
        Case::UpperCamel,
        at,
        diags,
    )?;
    let body = match def.kind.value {
        Kind::Enum => {
            let mut variants = Vec::new();
            for (wire, value) in def.values.iter().flat_map(|v| v.value.iter()) {
                let explicit = value.as_ref().and_then(|v| v.rust_name.as_ref());
                variants.push(Variant {
                    wire: wire.value.clone(),
                    name: name(
                        &wire.value,
                        explicit,
                        Case::UpperCamel,
                        loc(wire, at),
                        diags,
                    )?,
                    description: text(value.as_ref().and_then(|v| v.description.as_ref())),
                });
            }
            TypeBody::Enum(variants)
        }
        Kind::Output => {
            let format_text = def.format.as_ref().map(|f| &f.value);
            let format_text = internal(format_text, at, diags)?;
            let format = resolve_type(spec, Scope::Root, format_text, at, diags)?;
            let format_found = lookup_expr(spec, Scope::Root, format_text);
            let format_found = internal(format_found, at, diags)?;
            let mut cases = Vec::new();
            for (wire, ty) in def.cases.iter().flat_map(|c| c.value.iter()) {
                let case_at = loc(wire, at);
                let explicit = format_found
                    .def
                    .values
                    .as_ref()
                    .and_then(|v| v.value.iter().find(|(k, _)| k.value == wire.value))
                    .and_then(|(_, value)| value.as_ref())
                    .and_then(|value| value.rust_name.as_ref());
                let (ty, json_fields) = if ty.value.is(&TypeExpr::String) {
                    (None, Vec::new())
                } else {
                    let found = lookup_expr(spec, Scope::Root, &ty.value);
                    let found = internal(found, case_at, diags)?;
                    let fields = found.field_names().into_iter().map(str::to_owned).collect();
                    (
                        Some(resolve_type(spec, Scope::Root, &ty.value, case_at, diags)?),
                        fields,
                    )
                };
                cases.push(OutputCase {
                    wire: wire.value.clone(),
                    variant: name(&wire.value, explicit, Case::UpperCamel, case_at, diags)?,
                    ty,
                    json_fields,
                });
            }
            TypeBody::Output(Box::new(Output { format, cases }))
        }
        Kind::Object => {
            let mut fields = Vec::new();
            for (wire, field) in def.fields.iter().flat_map(|f| f.value.iter()) {
                let field_at = loc(wire, at);
                fields.push(Field {
                    wire: wire.value.clone(),
                    name: name(
                        &wire.value,
                        field.rust_name.as_ref(),
                        Case::Snake,
                        field_at,
                        diags,
                    )?,
                    ty: resolve_type(spec, Scope::Root, &field.ty.value, field_at, diags)?,
                    required: field.required.as_ref().is_some_and(|r| r.value),
                    nullable: field.nullable.as_ref().is_some_and(|n| n.value),
                    default: field.default.as_ref().map(|d| d.value.clone()),
                    list_style: field
                        .multipart_list
                        .as_ref()
                        .map_or(ListStyle::Comma, |style| style.value),
                    description: text(field.description.as_ref()),
                });
            }
            let embedded_body = match &def.embedded_body {
                None => None,
                Some(embedded) => {
                    let find = |wire: &str| fields.iter().find(|f| f.wire == wire).cloned();
                    let content_type = find(&embedded.value.content_type.value);
                    let body = find(&embedded.value.body.value);
                    let at = loc(embedded, at);
                    Some(EmbeddedBody {
                        content_type: internal(content_type, at, diags)?,
                        body: internal(body, at, diags)?,
                    })
                }
            };
            TypeBody::Object(Box::new(Object {
                fields,
                embedded_body,
                form: is_form(def),
            }))
        }
    };
    Some(TypeDef {
        name: type_name,
        description: text(def.description.as_ref()),
        body,
    })
}

fn lower_operation(
    spec: &SpecFile,
    key: &serde_saphyr::Spanned<String>,
    op: &spec::Operation,
    diags: &mut Diags,
) -> Option<Operation> {
    let at = loc(key, Location::START);
    let id = &key.value;
    let server = spec
        .servers
        .iter()
        .find(|(k, _)| k.value == op.server.value.default_name());
    let (server_key, server) = internal(server, loc(&op.server, at), diags)?;
    let server_derive = match &op.server.value {
        spec::ServerRef::Name(_) => None,
        spec::ServerRef::Derive(derive) => {
            let at = loc(derive, at);
            let constant = |server: &str, diags: &mut Diags| {
                Some(ServerTarget {
                    name: server.to_owned(),
                    constant: name(server, None, Case::ShoutySnake, at, diags)?,
                })
            };
            let mut map = Vec::new();
            for (from, to) in &derive.value.map.value {
                map.push((from.value.clone(), constant(&to.value, diags)?));
            }
            Some(Derive {
                source: source_field(spec, op, &derive.value.from.value, at, diags)?,
                map,
                default: constant(&derive.value.default.value, diags)?,
            })
        }
    };
    let auth = match (&op.auth, &server.auth) {
        (Some(auth), _) | (None, Some(auth)) => auth.value.lower(),
        (None, None) => Auth::Bearer,
    };
    let mut params = Vec::new();
    for (wire, param) in &op.params {
        let param_at = loc(wire, at);
        let is_path = param.location.value == spec::ParamIn::Path;
        let client_default = param.client_default.as_ref().map(|d| d.value);
        let derive = match &param.derive {
            None => None,
            Some(derive) => {
                let at = loc(derive, param_at);
                let map = derive
                    .value
                    .map
                    .value
                    .iter()
                    .map(|(from, to)| (from.value.clone(), to.value.clone()))
                    .collect();
                Some(Derive {
                    source: source_field(spec, op, &derive.value.from.value, at, diags)?,
                    map,
                    default: derive.value.default.value.clone(),
                })
            }
        };
        params.push(Param {
            wire: wire.value.clone(),
            name: name(
                &wire.value,
                param.rust_name.as_ref(),
                Case::Snake,
                param_at,
                diags,
            )?,
            location: param.location.value,
            ty: resolve_type(spec, Scope::Root, &param.ty.value, param_at, diags)?,
            required: client_default.is_none()
                && derive.is_none()
                && (is_path || param.required.as_ref().is_some_and(|r| r.value)),
            client_default,
            derive,
            description: text(param.description.as_ref()),
        });
    }
    let body = match &op.body {
        None => None,
        Some(body) => Some(Body {
            encoding: body.value.encoding.value,
            ty: resolve_type(
                spec,
                Scope::Root,
                &body.value.ty.value,
                loc(body, at),
                diags,
            )?,
            description: text(body.value.description.as_ref()),
        }),
    };
    let success = op
        .responses
        .iter()
        .find(|(status, _)| status.value.starts_with('2'));
    let (_, success) = internal(success, at, diags)?;
    let select = match &success.by_request_field {
        None => None,
        Some(by) => Some(Select {
            source: source_field(spec, op, &by.value.field.value, loc(by, at), diags)?,
            default: by.value.default.as_ref().map(|d| d.value.clone()),
        }),
    };
    let segments = internal(op.path.value.segments().ok(), loc(&op.path, at), diags)?.to_vec();
    for segment in &segments {
        if let Segment::Param(p) = segment {
            internal(params.iter().find(|x| &x.wire == p), at, diags)?;
        }
    }
    Some(Operation {
        id: id.clone(),
        method_name: name(id, None, Case::Snake, at, diags)?,
        static_name: name(id, None, Case::ShoutySnake, at, diags)?,
        request_type: internal(
            name(id, None, Case::UpperCamel, at, diags)?.suffixed("Request"),
            at,
            diags,
        )?,
        summary: text(op.summary.as_ref()),
        description: text(op.description.as_ref()),
        method: op.method.value,
        server_name: server_key.value.clone(),
        server_constant: name(&server_key.value, None, Case::ShoutySnake, at, diags)?,
        server_derive,
        path: op.path.value.text().to_owned(),
        segments,
        auth,
        idempotent: op
            .idempotent
            .as_ref()
            .map_or_else(|| idempotent_by_default(op.method.value), |i| i.value),
        timeout_secs: op.timeout_secs.as_ref().map(|t| t.value),
        params,
        body,
        response: resolve_type(spec, Scope::Root, &success.ty.value, at, diags)?,
        select,
    })
}

/// The body field named by a checked `body.<field>`.
fn source_field(
    spec: &SpecFile,
    op: &spec::Operation,
    from: &str,
    at: Location,
    diags: &mut Diags,
) -> Option<SourceField> {
    let wire = internal(from.strip_prefix("body."), at, diags)?;
    let body = internal(op.body.as_ref(), at, diags)?;
    let body_type: Option<Found<'_>> = lookup_expr(spec, Scope::Root, &body.value.ty.value);
    let body_type = internal(body_type, at, diags)?;
    let (key, field) = internal(body_type.field(wire), at, diags)?;
    let required = field.required.as_ref().is_some_and(|r| r.value);
    let nullable = field.nullable.as_ref().is_some_and(|n| n.value);
    Some(SourceField {
        wire: wire.to_owned(),
        name: name(&key.value, field.rust_name.as_ref(), Case::Snake, at, diags)?,
        optional: nullable || (!required && field.default.is_none()),
    })
}

/// Resolves a `type:` against the types visible from `scope`.
fn resolve_type(
    spec: &SpecFile,
    scope: Scope<'_>,
    ty: &TypeText,
    at: Location,
    diags: &mut Diags,
) -> Option<TypeRef> {
    let expr = internal(ty.parsed(), at, diags)?;
    resolve_expr(spec, scope, expr, at, diags)
}

fn resolve_expr(
    spec: &SpecFile,
    scope: Scope<'_>,
    expr: &TypeExpr,
    at: Location,
    diags: &mut Diags,
) -> Option<TypeRef> {
    Some(match expr {
        TypeExpr::String => TypeRef::String,
        TypeExpr::Bool => TypeRef::Bool,
        TypeExpr::I32 => TypeRef::I32,
        TypeExpr::I64 => TypeRef::I64,
        TypeExpr::F64 => TypeRef::F64,
        TypeExpr::Int64String => TypeRef::Int64String,
        TypeExpr::File => TypeRef::File,
        TypeExpr::Array(inner) => {
            TypeRef::Array(Box::new(resolve_expr(spec, scope, inner, at, diags)?))
        }
        TypeExpr::Map(inner) => {
            TypeRef::Map(Box::new(resolve_expr(spec, scope, inner, at, diags)?))
        }
        TypeExpr::Named(type_name) => {
            let found = internal(lookup(spec, scope, type_name), at, diags)?;
            let module = match found.scope.alias() {
                Some(alias) => Some(name(alias, None, Case::Snake, at, diags)?),
                None => None,
            };
            TypeRef::Named {
                name: name(
                    &found.key.value,
                    found.def.rust_name.as_ref(),
                    Case::UpperCamel,
                    at,
                    diags,
                )?,
                kind: found.kind(),
                module,
            }
        }
    })
}

fn name(
    spec_name: &str,
    explicit: Option<&serde_saphyr::Spanned<String>>,
    case: Case,
    at: Location,
    diags: &mut Diags,
) -> Option<RustName> {
    internal(rust_name(spec_name, explicit, case).ok(), at, diags)
}

fn text(value: Option<&serde_saphyr::Spanned<String>>) -> Option<String> {
    value
        .map(|v| v.value.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// Unwraps a value the checks guarantee; reports an internal error instead of panicking.
fn internal<T>(value: Option<T>, at: Location, diags: &mut Diags) -> Option<T> {
    if value.is_none() {
        diags
            .error(at, "internal error: the generator lost track of this node")
            .help("please report this spec to the fireworks-ai issue tracker");
    }
    value
}
