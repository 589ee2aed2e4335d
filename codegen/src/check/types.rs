//! Rules for named types and type expressions: the keys each kind allows, field types and
//! defaults, `embedded_body`, recursion, and where `file`, forms and output types may appear.

use serde_saphyr::Spanned;

use super::{check_type_ref, find_type, kind_name};
use crate::diag::{Diags, Location, suggest};
use crate::model::{Kind, Scalar, loc};
use crate::scope::{Scope, lookup};
use crate::spec::{self, SpecFile};
use crate::syntax::TypeExpr;

/// Runs every type rule.
pub(crate) fn check_types(spec: &SpecFile, diags: &mut Diags) {
    check_type_kind_keys(spec, diags);
    check_field_types(spec, diags);
    check_embedded_body(spec, diags);
    check_recursive_types(spec, diags);
}

// Reason: one struct serves every kind so positions survive; a key of the wrong kind would be
// silently ignored without this rule.
fn check_type_kind_keys(spec: &SpecFile, diags: &mut Diags) {
    for (name, def) in &spec.types {
        let at = loc(name, Location::START);
        let kind = def.kind.value;
        let misplaced: &[(bool, &str, Location)] = &[
            (
                kind != Kind::Object && def.fields.is_some(),
                "fields",
                def.fields.as_ref().map_or(at, |f| loc(f, at)),
            ),
            (
                kind != Kind::Object && def.embedded_body.is_some(),
                "embedded_body",
                def.embedded_body.as_ref().map_or(at, |f| loc(f, at)),
            ),
            (
                kind != Kind::Enum && def.values.is_some(),
                "values",
                def.values.as_ref().map_or(at, |f| loc(f, at)),
            ),
            (
                kind != Kind::Output && def.format.is_some(),
                "format",
                def.format.as_ref().map_or(at, |f| loc(f, at)),
            ),
            (
                kind != Kind::Output && def.cases.is_some(),
                "cases",
                def.cases.as_ref().map_or(at, |f| loc(f, at)),
            ),
            (
                kind != Kind::Union && def.tag.is_some(),
                "tag",
                def.tag.as_ref().map_or(at, |f| loc(f, at)),
            ),
            (
                kind != Kind::Union && def.variants.is_some(),
                "variants",
                def.variants.as_ref().map_or(at, |f| loc(f, at)),
            ),
        ];
        for (bad, key, key_at) in misplaced {
            if *bad {
                let kind_name = kind_name(kind);
                diags.error(
                    *key_at,
                    format!(
                        "`{key}` is not allowed on {kind_name} type `{}`",
                        name.value
                    ),
                );
            }
        }
        if kind == Kind::Enum && def.values.as_ref().is_none_or(|v| v.value.is_empty()) {
            diags
                .error(at, format!("enum type `{}` has no `values`", name.value))
                .help("list at least one wire value under `values`");
        }
        if kind == Kind::Output {
            if def.format.is_none() {
                diags
                    .error(at, format!("output type `{}` has no `format`", name.value))
                    .help("name the enum type whose value selects the case, e.g. `format: ResponseFormat`");
            }
            if def.cases.as_ref().is_none_or(|c| c.value.is_empty()) {
                diags
                    .error(at, format!("output type `{}` has no `cases`", name.value))
                    .help("map each format value to `string` or an object type under `cases`");
            }
        }
    }
}

// Reason: field types must exist, `int64_string` can only be a field's own type, `file` and
// output types cannot be fields, and a default must be a value of the field's type.
fn check_field_types(spec: &SpecFile, diags: &mut Diags) {
    for (type_name, def) in &spec.types {
        let Some(fields) = &def.fields else { continue };
        for (wire, field) in &fields.value {
            let at = loc(wire, Location::START);
            let context = format!("field `{}` of `{}`", wire.value, type_name.value);
            if let Some(expr) = check_type_ref(spec, &field.ty, at, &context, diags) {
                check_int64_string_depth(expr, true, loc(&field.ty, at), diags);
                check_type_use(spec, expr, Use::Field, loc(&field.ty, at), &context, diags);
                if let Some(default) = &field.default {
                    check_default(spec, expr, default, at, diags);
                }
            }
        }
    }
}

// Reason: `int64_string` needs a serde `with` helper, which format v1 can only attach to a
// field's own type, not to array items or map values.
pub(crate) fn check_int64_string_depth(
    expr: &TypeExpr,
    top: bool,
    at: Location,
    diags: &mut Diags,
) {
    match expr {
        TypeExpr::Int64String if !top => {
            diags
                .error(at, "`int64_string` inside `array<...>` or `map<...>` is not supported in format v1")
                .help("use `i64` if the wire carries numbers, or `string`");
        }
        TypeExpr::Array(inner) | TypeExpr::Map(inner) => {
            check_int64_string_depth(inner, false, at, diags);
        }
        _ => {}
    }
}

// Reason: a default becomes Rust code in a generated function; a value of the wrong type would
// fail to compile far from the spec line that caused it.
fn check_default(
    spec: &SpecFile,
    expr: &TypeExpr,
    default: &Spanned<Scalar>,
    ancestor: Location,
    diags: &mut Diags,
) {
    let at = loc(default, ancestor);
    let ok = match (expr, &default.value) {
        (TypeExpr::String, Scalar::String(_)) | (TypeExpr::Bool, Scalar::Bool(_)) => true,
        (TypeExpr::I32, Scalar::Int(v)) => i32::try_from(*v).is_ok(),
        (TypeExpr::I64 | TypeExpr::Int64String, Scalar::Int(_)) => true,
        (TypeExpr::F64, Scalar::Int(_) | Scalar::Float(_)) => true,
        (TypeExpr::Named(name), Scalar::String(value)) => match find_type(spec, name) {
            Some(def) if def.kind.value == Kind::Enum => {
                let values = enum_values(def);
                if !values.contains(&value.as_str()) {
                    diags
                        .error(
                            at,
                            format!("default `{value}` is not a value of enum `{name}`"),
                        )
                        .help_opt(suggest(value, values.iter().copied()));
                }
                return;
            }
            _ => false,
        },
        _ => false,
    };
    if !ok {
        diags.error(
            at,
            "`default` must be a value of the field's type; defaults are supported on string, bool, i32, i64, f64, int64_string and enum fields",
        );
    }
}

// Reason: `embedded_body` generates an accessor over two fields; naming a missing or non-string
// field would generate code that does not compile.
fn check_embedded_body(spec: &SpecFile, diags: &mut Diags) {
    for (type_name, def) in &spec.types {
        let (Some(embedded), Some(fields)) = (&def.embedded_body, &def.fields) else {
            continue;
        };
        let at = loc(embedded, loc(type_name, Location::START));
        for (role, field_name) in [
            ("content_type", &embedded.value.content_type),
            ("body", &embedded.value.body),
        ] {
            let field_at = loc(field_name, at);
            match fields
                .value
                .iter()
                .find(|(k, _)| k.value == field_name.value)
            {
                None => {
                    diags
                        .error(
                            field_at,
                            format!(
                                "`embedded_body.{role}` names `{}`, which is not a field of `{}`",
                                field_name.value, type_name.value
                            ),
                        )
                        .help_opt(suggest(
                            &field_name.value,
                            fields.value.keys().map(|k| k.value.as_str()),
                        ));
                }
                Some((_, field)) if !field.ty.value.is(&TypeExpr::String) => {
                    diags.error(
                        field_at,
                        format!(
                            "`embedded_body.{role}` names `{}`, which has type `{}`, expected `string`",
                            field_name.value, field.ty.value
                        ),
                    );
                }
                Some(_) => {}
            }
        }
        if embedded.value.content_type.value == embedded.value.body.value {
            diags.error(
                loc(&embedded.value.body, at),
                "`embedded_body.content_type` and `embedded_body.body` name the same field",
            );
        }
    }
}

// Reason: a struct that contains itself by value (even through `Option`) has infinite size and
// would not compile; only `array<...>` and `map<...>` put the value behind a pointer.
fn check_recursive_types(spec: &SpecFile, diags: &mut Diags) {
    for (name, _) in &spec.types {
        let mut stack = vec![name.value.as_str()];
        let mut seen: Vec<&str> = Vec::new();
        while let Some(current) = stack.pop() {
            let Some(def) = find_type(spec, current) else {
                continue;
            };
            for (_, field) in def.fields.iter().flat_map(|f| f.value.iter()) {
                let Some(target) = field.ty.value.named() else {
                    continue;
                };
                if target == name.value {
                    diags
                        .error(
                            loc(name, Location::START),
                            format!("type `{}` contains itself by value", name.value),
                        )
                        .help("put the recursive field behind `array<...>` or `map<...>`");
                    return;
                }
                if let Some((key, _)) = spec.types.iter().find(|(k, _)| k.value == target)
                    && !seen.contains(&key.value.as_str())
                {
                    seen.push(&key.value);
                    stack.push(&key.value);
                }
            }
        }
    }
}

/// Where a type expression is used, for [`check_type_use`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Use {
    /// An object field's type.
    Field,
    /// A response's type.
    Response,
}

// Reason: `file` only makes sense as a part of a multipart form, a form (an object with a
// `file` field) has no JSON form, and an output type is decoded from a whole response body;
// used anywhere else they would generate code that cannot serialise or does not compile.
pub(crate) fn check_type_use(
    spec: &SpecFile,
    expr: &TypeExpr,
    usage: Use,
    at: Location,
    context: &str,
    diags: &mut Diags,
) {
    let top = expr;
    let mut stack = vec![expr];
    while let Some(expr) = stack.pop() {
        let is_top = std::ptr::eq(expr, top);
        match expr {
            TypeExpr::Array(inner) | TypeExpr::Map(inner) => stack.push(inner),
            TypeExpr::File if !(is_top && usage == Use::Field) => {
                diags
                    .error(at, format!("`file` cannot be used in {context}"))
                    .help("`file` is only allowed as the type of an object field, which makes the object a multipart form");
            }
            TypeExpr::Named(name) => match lookup(spec, Scope::Root, name) {
                Some(found) if found.is_form() => {
                    diags
                        .error(
                            at,
                            format!("multipart form `{name}` cannot be used in {context}"),
                        )
                        .help("an object with a `file` field can only be an operation's `body` with `encoding: multipart`");
                }
                Some(found)
                    if found.kind() == Kind::Output && !(is_top && usage == Use::Response) =>
                {
                    diags
                        .error(
                            at,
                            format!("output type `{name}` cannot be used in {context}"),
                        )
                        .help("an output type can only be the type of a response");
                }
                _ => {}
            },
            _ => {}
        }
    }
}

fn enum_values(def: &spec::TypeDef) -> Vec<&str> {
    def.values
        .as_ref()
        .map(|v| v.value.keys().map(|k| k.value.as_str()).collect())
        .unwrap_or_default()
}
