//! Rules for output types (a response whose shape depends on a format value) and for the
//! `by_request_field` that tells a response which request field holds that value.

use super::requests::check_source;
use super::{check_type_ref, kind_name};
use crate::diag::{Diags, Location, suggest};
use crate::model::{Kind, loc};
use crate::names::{Decided, Names};
use crate::scope::{Scope, lookup, lookup_expr};
use crate::spec::SpecFile;
use crate::syntax::TypeExpr;

// Reason: an output type becomes an enum with one variant per case and a `decode` that
// matches on the format enum; a format that is not an enum, a case that is not one of its
// values, a case type that cannot be decoded from a body, or a variant named like the
// catch-all `Other` would generate code that does not compile.
pub(crate) fn check_output_types(spec: &SpecFile, names: &Names<Decided>, diags: &mut Diags) {
    for ((type_name, def), type_names) in spec.types.iter().zip(&names.root.types) {
        if def.kind.value != Kind::Output {
            continue;
        }
        let at = loc(type_name, Location::START);
        let format = def.format.as_ref().and_then(|format| {
            let context = format!("the `format` of `{}`", type_name.value);
            check_type_ref(spec, format, at, &context, diags)?;
            let found = lookup_expr(spec, Scope::Root, &format.value);
            match found {
                Some(found) if found.kind() == Kind::Enum => Some(found),
                _ => {
                    diags
                        .error(
                            loc(format, at),
                            format!(
                                "`format` of output type `{}` must be an enum type, got `{}`",
                                type_name.value, format.value
                            ),
                        )
                        .help("name the enum whose value the request sets, e.g. `ResponseFormat`");
                    None
                }
            }
        });
        let Some(cases) = &def.cases else { continue };
        for ((key, ty), variant) in cases.value.iter().zip(&type_names.cases) {
            let key_at = loc(key, at);
            if let Some(format) = &format {
                let values = format.values();
                if !values.contains(&key.value.as_str()) {
                    diags
                        .error(
                            key_at,
                            format!(
                                "case `{}` of `{}` is not a value of `{}`",
                                key.value,
                                type_name.value,
                                format.display()
                            ),
                        )
                        .help_opt(suggest(&key.value, values));
                } else if variant.as_ref().is_ok_and(|name| name.text == "Other") {
                    diags
                        .error(
                            key_at,
                            format!(
                                "case `{}` of `{}` is named `Other` in Rust, which is the variant for bodies of an unknown format",
                                key.value, type_name.value
                            ),
                        )
                        .help("set `rust_name` on the enum value");
                }
            }
            let context = format!("case `{}` of `{}`", key.value, type_name.value);
            let Some(expr) = check_type_ref(spec, ty, key_at, &context, diags) else {
                continue;
            };
            let ok = match expr {
                TypeExpr::String => true,
                TypeExpr::Named(name) => lookup(spec, Scope::Root, name)
                    .is_some_and(|found| found.kind() == Kind::Object && !found.is_form()),
                _ => false,
            };
            if !ok {
                diags
                    .error(
                        loc(ty, key_at),
                        format!(
                            "{context} has type `{}`, expected `string` or an object type",
                            ty.value
                        ),
                    )
                    .note("`string` keeps the body as text; an object type decodes it as JSON");
            }
        }
    }
}

// Reason: `by_request_field` makes the generated `send` pass the request's format value to
// the output type's `decode`; a field of another type, a default that is not a value, or a
// response that is not an output type would not compile or would decode the wrong case.
pub(crate) fn check_by_request_field(spec: &SpecFile, diags: &mut Diags) {
    for (id, op) in &spec.operations {
        for (status, response) in &op.responses {
            let Some(by) = &response.by_request_field else {
                continue;
            };
            let at = loc(by, loc(status, loc(id, Location::START)));
            let output = lookup_expr(spec, Scope::Root, &response.ty.value);
            let Some(output) = output.filter(|found| found.kind() == Kind::Output) else {
                let kind = lookup_expr(spec, Scope::Root, &response.ty.value)
                    .map_or("not a named type", |found| kind_name(found.kind()));
                diags
                    .error(
                        at,
                        format!(
                            "`by_request_field` needs an output type, but response `{}` of `{}` has type `{}` ({kind})",
                            status.value, id.value, response.ty.value
                        ),
                    )
                    .help("declare a type with `kind: output` and use it as the response type");
                continue;
            };
            let format = output
                .def
                .format
                .as_ref()
                .and_then(|format| lookup_expr(spec, output.scope, &format.value))
                .filter(|found| found.kind() == Kind::Enum);
            let source = check_source(spec, &id.value, op, &by.value.field, at, diags);
            if let (Some(source), Some(format)) = (&source, &format)
                && source.enum_type.id() != format.id()
            {
                diags.error(
                    loc(&by.value.field, at),
                    format!(
                        "`{}` has type `{}`, but `{}` is selected by `{}`",
                        by.value.field.value,
                        source.enum_type.display(),
                        output.display(),
                        format.display()
                    ),
                );
            }
            if let (Some(default), Some(format)) = (&by.value.default, &format) {
                let values = format.values();
                if !values.contains(&default.value.as_str()) {
                    diags
                        .error(
                            loc(default, at),
                            format!(
                                "default `{}` is not a value of `{}`",
                                default.value,
                                format.display()
                            ),
                        )
                        .help_opt(suggest(&default.value, values));
                }
            }
        }
    }
}
