//! Rules for what a request sends: multipart forms, operation bodies, and values derived from
//! a body field (a parameter's value or the operation's server).

use serde_saphyr::Spanned;

use super::check_type_ref;
use crate::diag::{Diags, Location, suggest};
use crate::model::{Kind, Method, loc};
use crate::scope::{Found, Scope, is_form, lookup, lookup_expr};
use crate::spec::{self, Encoding, SpecFile};
use crate::syntax::TypeExpr;

// Reason: a multipart form is sent as text parts and file parts; a field whose type has no
// text form (an object, a map, a list of lists) or that could be "null" would generate an
// encoder that cannot exist.
pub(crate) fn check_forms(spec: &SpecFile, diags: &mut Diags) {
    for (type_name, def) in &spec.types {
        let Some(fields) = &def.fields else { continue };
        let form = is_form(def);
        for (wire, field) in &fields.value {
            let at = loc(wire, Location::START);
            let expr = field.ty.value.parsed();
            if let Some(style) = &field.multipart_list
                && !(form && matches!(expr, Some(TypeExpr::Array(_))))
            {
                diags
                    .error(
                        loc(style, at),
                        format!(
                            "`multipart_list` on field `{}` of `{}`: only array fields of multipart forms have it",
                            wire.value, type_name.value
                        ),
                    )
                    .note("a multipart form is an object with a field of type `file`");
            }
            if !form {
                continue;
            }
            if let Some(nullable) = &field.nullable
                && nullable.value
            {
                diags
                    .error(
                        loc(nullable, at),
                        format!(
                            "`nullable` on field `{}` of multipart form `{}`: a form has no null",
                            wire.value, type_name.value
                        ),
                    )
                    .help("remove it; an unset optional field is simply not sent");
            }
            let Some(expr) = expr else { continue };
            let sendable = match expr {
                TypeExpr::File => true,
                TypeExpr::Array(inner) => is_text(spec, inner),
                other => is_text(spec, other),
            };
            if !sendable {
                diags
                    .error(
                        loc(&field.ty, at),
                        format!(
                            "field `{}` of multipart form `{}` has type `{}`, which a form cannot send",
                            wire.value, type_name.value, field.ty.value
                        ),
                    )
                    .help("form fields are `file`, text (string, bool, numbers, enums) or `array<...>` of text");
            }
        }
    }
}

/// Whether a type is sent as one text value: a scalar or an enum.
fn is_text(spec: &SpecFile, expr: &TypeExpr) -> bool {
    match expr {
        TypeExpr::String
        | TypeExpr::Bool
        | TypeExpr::I32
        | TypeExpr::I64
        | TypeExpr::F64
        | TypeExpr::Int64String => true,
        TypeExpr::Named(name) => {
            lookup(spec, Scope::Root, name).is_some_and(|found| found.kind() == Kind::Enum)
        }
        TypeExpr::File
        | TypeExpr::Timestamp
        | TypeExpr::Duration
        | TypeExpr::Array(_)
        | TypeExpr::Map(_) => false,
    }
}

// Reason: the body's type decides the encoder: a multipart form needs the `file` field that
// makes it one, and JSON cannot carry a file; a body of any other kind, or on a GET, would
// generate a request the server cannot read.
pub(crate) fn check_request_body(spec: &SpecFile, diags: &mut Diags) {
    for (id, op) in &spec.operations {
        let Some(body) = &op.body else { continue };
        let at = loc(body, loc(id, Location::START));
        if matches!(op.method.value, Method::GET | Method::HEAD) {
            let method = if op.method.value == Method::GET {
                "GET"
            } else {
                "HEAD"
            };
            diags
                .error(
                    at,
                    format!(
                        "operation `{}` has a `body`, but `{method}` requests carry none",
                        id.value
                    ),
                )
                .help("remove `body` or use `POST`, `PUT` or `PATCH`");
        }
        let ty_at = loc(&body.value.ty, at);
        let context = format!("the body of `{}`", id.value);
        let Some(expr) = check_type_ref(spec, &body.value.ty, at, &context, diags) else {
            continue;
        };
        let found = match expr {
            TypeExpr::Named(name) => lookup(spec, Scope::Root, name),
            _ => None,
        };
        let Some(found) = found.filter(|f| f.kind() == Kind::Object) else {
            diags
                .error(
                    ty_at,
                    format!(
                        "the body of `{}` has type `{}`, expected an object type",
                        id.value, body.value.ty.value
                    ),
                )
                .help("declare an object type under `types` and name it here");
            continue;
        };
        match (body.value.encoding.value, found.is_form()) {
            (Encoding::Multipart, false) => {
                diags
                    .error(
                        ty_at,
                        format!(
                            "`encoding: multipart` needs a form, but `{}` has no field of type `file`",
                            found.display()
                        ),
                    )
                    .help("add the file field, or use `encoding: json`");
            }
            (Encoding::Json, true) => {
                diags
                    .error(
                        ty_at,
                        format!(
                            "`{}` has a field of type `file`, which a JSON body cannot carry",
                            found.display()
                        ),
                    )
                    .help("use `encoding: multipart`");
            }
            _ => {}
        }
    }
}

/// The body field a derive `from` (or a `by_request_field.field`) names, and its enum type.
pub(crate) struct Source<'a> {
    pub(crate) enum_type: Found<'a>,
}

/// Resolves `body.<field>` of an operation; reports what is wrong and returns `None`.
pub(crate) fn check_source<'a>(
    spec: &'a SpecFile,
    id: &str,
    op: &'a spec::Operation,
    from: &Spanned<String>,
    ancestor: Location,
    diags: &mut Diags,
) -> Option<Source<'a>> {
    let at = loc(from, ancestor);
    let Some(name) = from.value.strip_prefix("body.") else {
        diags
            .error(
                at,
                format!(
                    "`{}` must name a field of the request body, as `body.<field>`",
                    from.value
                ),
            )
            .help("request fields other than the body cannot be read here yet");
        return None;
    };
    let Some(body) = &op.body else {
        diags.error(
            at,
            format!(
                "`{}` reads the body, but operation `{id}` has no `body`",
                from.value
            ),
        );
        return None;
    };
    // A bad body type is reported by `check_request_body`.
    let body_type = lookup_expr(spec, Scope::Root, &body.value.ty.value)
        .filter(|found| found.kind() == Kind::Object)?;
    let Some((_, field)) = body_type.field(name) else {
        diags
            .error(
                at,
                format!(
                    "`{name}` is not a field of `{}`, the body of `{id}`",
                    body_type.display()
                ),
            )
            .help_opt(suggest(name, body_type.field_names()));
        return None;
    };
    let enum_type = lookup_expr(spec, body_type.scope, &field.ty.value)
        .filter(|found| found.kind() == Kind::Enum);
    let Some(enum_type) = enum_type else {
        diags.error(
            at,
            format!(
                "`{}` has type `{}`, expected an enum type",
                from.value, field.ty.value
            ),
        );
        return None;
    };
    Some(Source { enum_type })
}

/// Checks a derive's map and default against the source enum and the allowed targets
/// (`None` when any string is allowed).
fn check_derive_map(
    derive: &Spanned<spec::Derive>,
    source: Option<&Source<'_>>,
    targets: Option<(&[&str], &str)>,
    ancestor: Location,
    diags: &mut Diags,
) {
    let at = loc(derive, ancestor);
    let map = &derive.value.map;
    if map.value.is_empty() {
        diags
            .error(loc(map, at), "`derive.map` is empty")
            .help("map each value of the source field to the value it needs");
    }
    let check_target = |value: &Spanned<String>, diags: &mut Diags| {
        if let Some((targets, what)) = targets
            && !targets.contains(&value.value.as_str())
        {
            diags
                .error(loc(value, at), format!("`{}` is not {what}", value.value))
                .help_opt(suggest(&value.value, targets.iter().copied()));
        }
    };
    for (key, value) in &map.value {
        if let Some(source) = source {
            let values = source.enum_type.values();
            if !values.contains(&key.value.as_str()) {
                diags
                    .error(
                        loc(key, at),
                        format!(
                            "`{}` is not a value of `{}`, the type of `{}`",
                            key.value,
                            source.enum_type.display(),
                            derive.value.from.value
                        ),
                    )
                    .help_opt(suggest(&key.value, values));
            }
        }
        check_target(value, diags);
    }
    check_target(&derive.value.default, diags);
}

// Reason: a derived server decides where the request goes; a source that is not an enum
// field of the body, or a map naming servers that do not exist, would generate code that
// does not compile or sends to the wrong host.
pub(crate) fn check_server_derive(spec: &SpecFile, diags: &mut Diags) {
    let servers: Vec<&str> = spec.servers.keys().map(|k| k.value.as_str()).collect();
    for (id, op) in &spec.operations {
        let spec::ServerRef::Derive(derive) = &op.server.value else {
            continue;
        };
        let at = loc(&op.server, loc(id, Location::START));
        let source = check_source(spec, &id.value, op, &derive.value.from, at, diags);
        let what = format!("a server of this spec (operation `{}`)", id.value);
        check_derive_map(derive, source.as_ref(), Some((&servers, &what)), at, diags);
    }
}

// Reason: a derived parameter is filled in from the body so the caller cannot get it wrong;
// its map must read an enum field of the body and produce values of the parameter's type,
// or the generated match would not compile or would send a value the server refuses.
pub(crate) fn check_param_derive(spec: &SpecFile, diags: &mut Diags) {
    for (id, op) in &spec.operations {
        for (wire, param) in &op.params {
            let Some(derive) = &param.derive else {
                continue;
            };
            let at = loc(wire, loc(id, Location::START));
            if let Some(default) = &param.client_default {
                diags.error(
                    loc(default, at),
                    format!(
                        "parameter `{}` has both `derive` and `client_default`; choose one",
                        wire.value
                    ),
                );
            }
            let source = check_source(spec, &id.value, op, &derive.value.from, at, diags);
            let target = lookup_expr(spec, Scope::Root, &param.ty.value);
            let values = target
                .filter(|t| t.kind() == Kind::Enum)
                .map(|t| t.values());
            let what = format!("a value of `{}`", param.ty.value);
            match (&values, param.ty.value.parsed()) {
                (Some(values), _) => {
                    check_derive_map(derive, source.as_ref(), Some((values, &what)), at, diags);
                }
                (None, Some(TypeExpr::String)) => {
                    check_derive_map(derive, source.as_ref(), None, at, diags);
                }
                _ => {
                    diags.error(
                        loc(&param.ty, at),
                        format!(
                            "derived parameter `{}` has type `{}`, expected `string` or an enum type",
                            wire.value, param.ty.value
                        ),
                    );
                }
            }
        }
    }
}
