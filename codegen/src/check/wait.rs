//! Rules for `wait:` on a status operation: the response fields it reads, the states it
//! names, its policy and the name of the generated `wait_*` method.

use serde_saphyr::Spanned;

use crate::diag::{Diags, Location, suggest};
use crate::model::loc;
use crate::names::{Decided, Names};
use crate::scope::{Found, Scope, lookup_expr};
use crate::spec::{Kind, SpecFile};
use crate::syntax::TypeExpr;

// Reason: the generated waiter reads the state, message and result fields of the status and
// compares the state with the listed values; a field that is not there, a value the state's
// enum does not have (a typo would wait forever), or a method name taken by another operation
// would generate code that does not compile or never ends.
pub(crate) fn check_wait(spec: &SpecFile, names: &Names<Decided>, diags: &mut Diags) {
    let mut seen_types: Vec<String> = Vec::new();
    let mut seen_starts: Vec<String> = Vec::new();
    for (id, op) in &spec.operations {
        let Some(wait) = &op.wait else { continue };
        let at = loc(wait, loc(id, Location::START));
        let w = &wait.value;
        if op.body.is_some() {
            diags.error(
                at,
                format!("`wait` on `{}`, which has a body: a waiter polls a status operation without one", id.value),
            );
        }
        if w.done.value.is_empty() {
            diags
                .error(
                    loc(&w.done, at),
                    format!("`wait.done` of `{}` lists no state", id.value),
                )
                .help("list the state values that end the wait with the result");
        }
        if let Some(policy) = &w.policy {
            let p = &policy.value;
            for value in [&p.initial_secs, &p.max_secs, &p.multiplier]
                .into_iter()
                .flatten()
            {
                if !value.value.is_finite() || value.value < 0.0 || value.value > 86_400.0 {
                    diags.error(
                        loc(value, at),
                        format!("`wait.policy` of `{}`: `{}` is not a number of seconds from 0 to 86400", id.value, value.value),
                    );
                }
            }
        }
        // The response fields.
        let Some((_, success)) = op.responses.iter().find(|(s, _)| s.value.starts_with('2')) else {
            continue;
        };
        let found = lookup_expr(spec, Scope::Root, &success.ty.value)
            .filter(|f| f.kind() == Kind::Object && !f.is_form());
        let Some(found) = found else {
            diags
                .error(
                    at,
                    format!(
                        "`wait` on `{}`, whose response `{}` is not an object type",
                        id.value, success.ty.value
                    ),
                )
                .help("a status is an object with a state field");
            continue;
        };
        if seen_types.contains(&found.display()) {
            diags
                .error(
                    at,
                    format!(
                        "`wait` on `{}`: another operation already waits on `{}`",
                        id.value,
                        found.display()
                    ),
                )
                .note("a status type implements `WaitStatus` once");
        }
        seen_types.push(found.display());
        let fields = found.field_names();
        let missing = |key: &Spanned<String>, role: &str, diags: &mut Diags| {
            diags
                .error(
                    loc(key, at),
                    format!(
                        "`wait.{role}` of `{}` names `{}`, which is not a field of `{}`",
                        id.value,
                        key.value,
                        found.display()
                    ),
                )
                .help_opt(suggest(&key.value, fields.iter().copied()));
        };
        // State: a string or an enum, whose values the lists must use.
        match found.field(&w.state.value) {
            None => missing(&w.state, "state", diags),
            Some((_, field)) => {
                let state_enum = lookup_expr(spec, found.scope, &field.ty.value)
                    .filter(|t| t.kind() == Kind::Enum);
                if let Some(state_enum) = state_enum {
                    let known = state_enum.values();
                    let lists = [
                        ("done", &w.done.value),
                        ("failed", &w.failed),
                        ("pending", &w.pending),
                    ];
                    for (role, list) in lists {
                        for value in list.iter() {
                            if !known.contains(&value.value.as_str()) {
                                diags
                                    .error(
                                        loc(value, at),
                                        format!(
                                            "`wait.{role}` of `{}` lists `{}`, which is not a value of `{}`",
                                            id.value, value.value, state_enum.display()
                                        ),
                                    )
                                    .help_opt(suggest(&value.value, known.iter().copied()));
                            }
                        }
                    }
                    for value in &w.failed_unlisted {
                        if known.contains(&value.value.as_str()) {
                            diags
                                .error(
                                    loc(value, at),
                                    format!(
                                        "`wait.failed_unlisted` of `{}` lists `{}`, which is a value of `{}`",
                                        id.value, value.value, state_enum.display()
                                    ),
                                )
                                .help("move it to `wait.failed`; `failed_unlisted` is for states the enum does not list");
                        }
                    }
                } else if !field.ty.value.is(&TypeExpr::String) {
                    diags.error(
                        loc(&w.state, at),
                        format!(
                            "`wait.state` of `{}` names field `{}` of type `{}`, expected `string` or an enum",
                            id.value, w.state.value, field.ty.value
                        ),
                    );
                }
            }
        }
        if let Some(message) = &w.message {
            check_message_path(spec, found, message, id, at, diags);
        }
        check_from(spec, names, (id, op), at, &mut seen_starts, diags);
        if let Some(result) = &w.result
            && found.field(&result.value).is_none()
        {
            missing(result, "result", diags);
        }
    }
}

// Reason: `.and_wait()` sends the start operation, reads each poll parameter from a `string`
// field of its response and calls the status operation with them; an unknown operation,
// parameter or field, a required parameter left without a value, or a second `and_wait` on one
// builder would generate code that does not compile (or polls nothing).
fn check_from(
    spec: &SpecFile,
    names: &Names<Decided>,
    (id, op): (&Spanned<String>, &crate::spec::Operation),
    at: Location,
    seen_starts: &mut Vec<String>,
    diags: &mut Diags,
) {
    let Some(wait) = &op.wait else { return };
    for (start_id, map) in &wait.value.from {
        let start_at = loc(start_id, at);
        let start = spec
            .operations
            .iter()
            .zip(&names.root.operations)
            .find(|((k, _), _)| k.value == start_id.value);
        let Some(((_, start), start_names)) = start else {
            diags
                .error(
                    start_at,
                    format!(
                        "`wait.from` of `{}` names `{}`, which is not an operation of this spec",
                        id.value, start_id.value
                    ),
                )
                .help_opt(suggest(
                    &start_id.value,
                    spec.operations.keys().map(|k| k.value.as_str()),
                ));
            continue;
        };
        if start_id.value == id.value {
            diags.error(
                start_at,
                format!(
                    "`wait.from` of `{}` names the status operation itself",
                    id.value
                ),
            );
            continue;
        }
        if seen_starts.contains(&start_id.value) {
            diags
                .error(
                    start_at,
                    format!(
                        "`{}` is already the start of another waiter: its builder has one `and_wait`",
                        start_id.value
                    ),
                )
                .help("list each start operation under one `wait.from`");
            continue;
        }
        seen_starts.push(start_id.value.clone());
        let taken = start_names
            .params
            .iter()
            .filter_map(|p| p.as_ref().ok())
            .any(|p| p.text == "and_wait");
        if taken {
            diags
                .error(
                    start_at,
                    format!(
                        "a parameter of `{}` is `and_wait` in Rust, which the waiter's builder method already is",
                        start_id.value
                    ),
                )
                .help("set the parameter's `rust_name`");
        }
        let response = start
            .responses
            .iter()
            .find(|(s, _)| s.value.starts_with('2'))
            .and_then(|(_, success)| lookup_expr(spec, Scope::Root, &success.ty.value))
            .filter(|f| f.kind() == Kind::Object && !f.is_form());
        let Some(response) = response else {
            diags.error(
                start_at,
                format!(
                    "`wait.from` of `{}` names `{}`, whose response is not an object type",
                    id.value, start_id.value
                ),
            );
            continue;
        };
        for (param_wire, from) in map {
            let param_at = loc(param_wire, start_at);
            match op.params.iter().find(|(k, _)| k.value == param_wire.value) {
                None => {
                    diags
                        .error(
                            param_at,
                            format!(
                                "`wait.from.{}` maps `{}`, which is not a parameter of `{}`",
                                start_id.value, param_wire.value, id.value
                            ),
                        )
                        .help_opt(suggest(
                            &param_wire.value,
                            op.params.keys().map(|k| k.value.as_str()),
                        ));
                }
                Some((_, param)) if !param.ty.value.is(&TypeExpr::String) => {
                    diags.error(
                        param_at,
                        format!(
                            "`wait.from.{}` maps `{}` of type `{}`, expected a `string` parameter",
                            start_id.value, param_wire.value, param.ty.value
                        ),
                    );
                }
                Some(_) => {}
            }
            let field = &from.value.field;
            match response.field(&field.value) {
                None => {
                    diags
                        .error(
                            loc(field, param_at),
                            format!(
                                "`wait.from.{}.{}` reads `{}`, which is not a field of `{}`",
                                start_id.value,
                                param_wire.value,
                                field.value,
                                response.display()
                            ),
                        )
                        .help_opt(suggest(
                            &field.value,
                            response.field_names().iter().copied(),
                        ));
                }
                Some((_, f)) if !f.ty.value.is(&TypeExpr::String) => {
                    diags.error(
                        loc(field, param_at),
                        format!(
                            "`wait.from.{}.{}` reads `{}` of type `{}`, expected `string`",
                            start_id.value, param_wire.value, field.value, f.ty.value
                        ),
                    );
                }
                Some(_) => {}
            }
        }
        for (param_wire, param) in &op.params {
            let required = param.location.value == crate::spec::ParamIn::Path
                || param.required.as_ref().is_some_and(|r| r.value);
            let mapped = map.keys().any(|k| k.value == param_wire.value);
            if required && !mapped && param.client_default.is_none() {
                diags
                    .error(
                        start_at,
                        format!(
                            "`wait.from.{}` gives no value for `{}`, a required parameter of `{}`",
                            start_id.value, param_wire.value, id.value
                        ),
                    )
                    .help("map it to a `string` field of the start operation's response");
            }
        }
    }
}

/// `wait.message`: a string field, or a dotted path through object fields to one
/// (`status.message`).
fn check_message_path(
    spec: &SpecFile,
    found: Found<'_>,
    message: &Spanned<String>,
    id: &Spanned<String>,
    at: Location,
    diags: &mut Diags,
) {
    let at = loc(message, at);
    let mut current = found;
    let mut steps = message.value.split('.').peekable();
    while let Some(step) = steps.next() {
        let Some((_, field)) = current.field(step) else {
            diags
                .error(
                    at,
                    format!(
                        "`wait.message` of `{}` names `{step}`, which is not a field of `{}`",
                        id.value,
                        current.display()
                    ),
                )
                .help_opt(suggest(step, current.field_names().iter().copied()));
            return;
        };
        if steps.peek().is_none() {
            if !field.ty.value.is(&TypeExpr::String) {
                diags.error(
                    at,
                    format!(
                        "`wait.message` of `{}` ends at field `{step}` of type `{}`, expected `string`",
                        id.value, field.ty.value
                    ),
                );
            }
            return;
        }
        match lookup_expr(spec, current.scope, &field.ty.value).filter(|t| t.kind() == Kind::Object)
        {
            Some(next) => current = next,
            None => {
                diags.error(
                    at,
                    format!(
                        "`wait.message` of `{}` goes through field `{step}` of type `{}`, which is not an object",
                        id.value, field.ty.value
                    ),
                );
                return;
            }
        }
    }
}
