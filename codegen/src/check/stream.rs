//! Rules for an operation's `stream:` block (server-sent events): the body flag `.stream()`
//! sets, the chunk type, the event names and the collect rules.

use super::check_type_ref;
use crate::diag::{Diags, Location, suggest};
use crate::model::{Encoding, Kind, loc};
use crate::scope::{Scope, lookup, lookup_expr};
use crate::spec::SpecFile;
use crate::syntax::TypeExpr;

/// Builder members a streaming operation adds, which a parameter must not be named.
const STREAM_MEMBERS: &[&str] = &["stream", "stream_collect"];

/// Runs every stream rule.
pub(crate) fn check_streams(spec: &SpecFile, diags: &mut Diags) {
    for (id, op) in &spec.operations {
        let Some(stream) = &op.stream else { continue };
        let at = loc(stream, loc(id, Location::START));
        check_flag(spec, &id.value, op, stream, at, diags);
        check_chunk(spec, &id.value, stream, at, diags);
        check_members(&id.value, op, at, diags);
        if stream
            .value
            .idle_timeout_secs
            .as_ref()
            .is_some_and(|t| t.value == 0)
        {
            let t_at = stream
                .value
                .idle_timeout_secs
                .as_ref()
                .map_or(at, |t| loc(t, at));
            diags.error(t_at, "`idle_timeout_secs` must be at least 1");
        }
    }
}

// Reason: `.stream()` sets the flag on the JSON body and `.send()` clears it, which needs an
// optional `bool` field of an object body sent as JSON; anything else would not compile or
// would send a stream request the non-streaming decoder cannot read.
fn check_flag(
    spec: &SpecFile,
    id: &str,
    op: &crate::spec::Operation,
    stream: &serde_saphyr::Spanned<crate::spec::Stream>,
    at: Location,
    diags: &mut Diags,
) {
    let flag = &stream.value.flag;
    let flag_at = loc(flag, at);
    let Some(body) = &op.body else {
        diags
            .error(
                flag_at,
                format!(
                    "operation `{id}` streams, but has no `body` to carry `{}`",
                    flag.value
                ),
            )
            .help("declare a JSON body with an optional `bool` field that turns streaming on");
        return;
    };
    if body.value.encoding.value != Encoding::Json {
        diags.error(
            flag_at,
            format!("operation `{id}` streams, but its body is not `encoding: json`"),
        );
        return;
    }
    // A bad body type is reported by `check_request_body`.
    let Some(found) = lookup_expr(spec, Scope::Root, &body.value.ty.value)
        .filter(|found| found.kind() == Kind::Object)
    else {
        return;
    };
    match found.field(&flag.value) {
        None => {
            diags
                .error(
                    flag_at,
                    format!(
                        "`stream.flag` names `{}`, which is not a field of `{}`",
                        flag.value,
                        found.display()
                    ),
                )
                .help_opt(suggest(&flag.value, found.field_names()));
        }
        Some((_, field)) => {
            let required = field.required.as_ref().is_some_and(|r| r.value);
            let nullable = field.nullable.as_ref().is_some_and(|n| n.value);
            if !field.ty.value.is(&TypeExpr::Bool)
                || required
                || nullable
                || field.default.is_some()
            {
                diags
                    .error(
                        flag_at,
                        format!(
                            "`stream.flag` field `{}` of `{}` must be an optional `bool` without `default` or `nullable`",
                            flag.value,
                            found.display()
                        ),
                    )
                    .help("`.stream()` sets it to `true` and `.send()` leaves it unset");
            }
        }
    }
}

// Reason: each `data:` event is decoded as the chunk type, which must be a JSON object type or
// a union of them (events told apart by a tag).
fn check_chunk(
    spec: &SpecFile,
    id: &str,
    stream: &serde_saphyr::Spanned<crate::spec::Stream>,
    at: Location,
    diags: &mut Diags,
) {
    let chunk = &stream.value.chunk;
    let context = format!("the stream chunk of `{id}`");
    let Some(expr) = check_type_ref(spec, chunk, at, &context, diags) else {
        return;
    };
    let ok = match expr {
        TypeExpr::Named(name) => lookup(spec, Scope::Root, name).is_some_and(|found| {
            (found.kind() == Kind::Object && !found.is_form()) || found.kind() == Kind::Union
        }),
        _ => false,
    };
    if !ok {
        diags
            .error(
                loc(chunk, at),
                format!(
                    "the stream chunk of `{id}` has type `{}`, expected an object or union type",
                    chunk.value
                ),
            )
            .help("declare the chunk as an object or union type under `types`");
    }
}

// Reason: a streaming builder has `stream` (and `stream_collect`) methods; a parameter
// setter with the same name would not compile.
fn check_members(id: &str, op: &crate::spec::Operation, at: Location, diags: &mut Diags) {
    for (wire, param) in &op.params {
        let rust = param.rust_name.as_ref().map_or_else(
            || crate::ident::convert(&wire.value, crate::ident::Case::Snake),
            |r| r.value.clone(),
        );
        if STREAM_MEMBERS.contains(&rust.as_str()) {
            diags
                .error(
                    loc(wire, at),
                    format!(
                        "parameter `{}` of streaming operation `{id}` is named `{rust}` in Rust, which its request builder already has as a method",
                        wire.value
                    ),
                )
                .help("set `rust_name`");
        }
    }
}
