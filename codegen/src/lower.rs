//! Spec as written → validated model. Runs only after every check passed, so each failure here is
//! reported as an internal error with the node's position rather than a panic.

use crate::diag::{Diags, Location};
use crate::ident::{Case, RustName};
use crate::model::{
    Api, Auth, EmbeddedBody, Field, Object, Operation, Param, Segment, Server, TypeBody, TypeDef,
    TypeExpr, TypeRef, Variant, idempotent_by_default, loc, parse_template, parse_type_expr,
    rust_name,
};
use crate::spec::{self, Kind, SpecFile};

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
                    ty: resolve_type(spec, &field.ty.value, field_at, diags)?,
                    required: field.required.as_ref().is_some_and(|r| r.value),
                    nullable: field.nullable.as_ref().is_some_and(|n| n.value),
                    default: field.default.as_ref().map(|d| d.value.clone()),
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
        .find(|(k, _)| k.value == op.server.value);
    let (server_key, server) = internal(server, loc(&op.server, at), diags)?;
    let auth = match (&op.auth, &server.auth) {
        (Some(auth), _) | (None, Some(auth)) => auth.value.lower(),
        (None, None) => Auth::Bearer,
    };
    let mut params = Vec::new();
    for (wire, param) in &op.params {
        let param_at = loc(wire, at);
        let is_path = param.location.value == spec::ParamIn::Path;
        let client_default = param.client_default.as_ref().map(|d| d.value);
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
            ty: resolve_type(spec, &param.ty.value, param_at, diags)?,
            required: client_default.is_none()
                && (is_path || param.required.as_ref().is_some_and(|r| r.value)),
            client_default,
            description: text(param.description.as_ref()),
        });
    }
    let success = op
        .responses
        .iter()
        .find(|(status, _)| status.value.starts_with('2'));
    let (_, success) = internal(success, at, diags)?;
    let segments = internal(
        parse_template(&op.path.value).ok(),
        loc(&op.path, at),
        diags,
    )?;
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
        path: op.path.value.clone(),
        segments,
        auth,
        idempotent: op
            .idempotent
            .as_ref()
            .map_or_else(|| idempotent_by_default(op.method.value), |i| i.value),
        timeout_secs: op.timeout_secs.as_ref().map(|t| t.value),
        params,
        response: resolve_type(spec, &success.ty.value, at, diags)?,
    })
}

/// Resolves a `type:` against the spec's types.
fn resolve_type(spec: &SpecFile, ty: &str, at: Location, diags: &mut Diags) -> Option<TypeRef> {
    let expr = internal(parse_type_expr(ty).ok(), at, diags)?;
    resolve_expr(spec, &expr, at, diags)
}

fn resolve_expr(
    spec: &SpecFile,
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
        TypeExpr::Array(inner) => TypeRef::Array(Box::new(resolve_expr(spec, inner, at, diags)?)),
        TypeExpr::Map(inner) => TypeRef::Map(Box::new(resolve_expr(spec, inner, at, diags)?)),
        TypeExpr::Named(type_name) => {
            let found = spec.types.iter().find(|(k, _)| &k.value == type_name);
            let (key, def) = internal(found, at, diags)?;
            TypeRef::Named {
                name: name(
                    &key.value,
                    def.rust_name.as_ref(),
                    Case::UpperCamel,
                    at,
                    diags,
                )?,
                kind: def.kind.value,
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
