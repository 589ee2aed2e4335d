//! Rules for Rust names, read from the name table (`names.rs`) rather than decided here: each
//! name must be an identifier, and the names that share a Rust namespace (a module's types,
//! an area struct's methods, a struct's fields, an enum's variants, a builder's members) must
//! not collide.

use crate::diag::{Diags, Location};
use crate::ident::Namespace;
use crate::model::loc;
use crate::names::SpecNames;
use crate::names::{Decided, Names};
use crate::spec::SpecFile;

/// Names of methods and fields every request builder already has.
const BUILDER_RESERVED: &[&str] = &[
    "client",
    "body",
    "options",
    "send",
    "send_with_meta",
    "into_future",
];

/// Runs every naming rule over the table of `spec` (the root; imports are checked on their own).
pub(crate) fn check_names(spec: &SpecFile, names: &Names<Decided>, diags: &mut Diags) {
    let names = &names.root;
    check_area(spec, names, diags);
    check_server_names(spec, names, diags);
    check_type_names(spec, names, diags);
    check_field_names(spec, names, diags);
    check_enum_values(spec, names, diags);
    check_operation_names(spec, names, diags);
    check_param_names(spec, names, diags);
    check_waiter_names(spec, names, diags);
}

// Reason: the area names the generated module, the client accessor and the area struct; a name
// that is not an identifier would make the generated code unparsable.
fn check_area(spec: &SpecFile, names: &SpecNames<Decided>, diags: &mut Diags) {
    let at = loc(&spec.area, Location::START);
    match &names.module {
        Ok(name) if name.text == spec.area.value => {}
        Ok(name) => {
            diags
                .error(at, format!("area `{}` is not snake_case", spec.area.value))
                .help(format!("write `{}`", name.text));
        }
        Err(problem) => {
            diags.error(at, problem.clone());
        }
    }
}

// Reason: every server becomes a `pub const` and a `FIREWORKS_<NAME>_BASE_URL` variable; two
// servers with one constant would not compile.
fn check_server_names(spec: &SpecFile, names: &SpecNames<Decided>, diags: &mut Diags) {
    let mut constants = Namespace::new();
    for (name, constant) in spec.servers.keys().zip(&names.servers) {
        let at = loc(name, Location::START);
        match constant {
            Ok(constant) => {
                if let Some(earlier) = constants.claim(&constant.text, name.value.clone()) {
                    collision(diags, at, "server", &name.value, &earlier, &constant.text);
                }
            }
            Err(problem) => {
                diags.error(at, problem.clone());
            }
        }
    }
}

/// The `std` names every generated module imports (`use ::std::{...}` at its top), so that the
/// generated code can write `Option<String>` instead of full paths. No generated type may take
/// one of them.
const PRELUDE_IMPORTS: &[&str] = &[
    "Box",
    "Into",
    "IntoIterator",
    "Option",
    "Result",
    "String",
    "Vec",
];

// Reason: each type, request builder and the area's own struct and trait share the module's type
// namespace with the `std` names the module imports; two names that become one Rust name would
// not compile.
fn check_type_names(spec: &SpecFile, names: &SpecNames<Decided>, diags: &mut Diags) {
    let mut types: Namespace<String> = Namespace::new();
    for name in PRELUDE_IMPORTS {
        types.claim(
            name,
            format!("`std`'s `{name}`, which generated code imports"),
        );
    }
    if let (Ok(area), Ok(ext)) = (&names.client_type, &names.ext_trait) {
        let owner = format!("the struct of area `{}`", spec.area.value);
        for rust in [&area.text, &ext.text] {
            if let Some(earlier) = types.claim(rust, owner.clone()) {
                diags
                    .error(
                        loc(&spec.area, Location::START),
                        format!(
                            "area `{}` makes a struct named `{rust}`, like {earlier}",
                            spec.area.value
                        ),
                    )
                    .help("rename the area");
            }
        }
    }
    for (name, type_names) in spec.types.keys().zip(&names.types) {
        let at = loc(name, Location::START);
        match &type_names.name {
            Ok(rust) => {
                if let Some(earlier) = types.claim(&rust.text, format!("type `{}`", name.value)) {
                    let help = if PRELUDE_IMPORTS.contains(&rust.text.as_str()) {
                        "rename the type or set `rust_name`"
                    } else {
                        "rename one of them or set `rust_name`"
                    };
                    diags
                        .error(
                            at,
                            format!(
                                "type `{}` collides with {earlier}: both are named `{}` in Rust",
                                name.value, rust.text
                            ),
                        )
                        .help(help);
                }
            }
            Err(problem) => {
                diags.error(at, problem.clone()).help("set `rust_name`");
            }
        }
    }
    for (id, op_names) in spec.operations.keys().zip(&names.operations) {
        if let Ok(request) = &op_names.request {
            let request = &request.text;
            if let Some(earlier) =
                types.claim(request, format!("the request builder of `{}`", id.value))
            {
                diags
                    .error(
                        loc(id, Location::START),
                        format!(
                            "the request builder of operation `{}` is named `{request}`, like {earlier}",
                            id.value
                        ),
                    )
                    .help("rename the operation or set `rust_name` on the type");
            }
        }
    }
}

// Reason: fields become struct fields; their names must be identifiers, unique after case
// conversion, distinct from the `extra` map of unknown fields and from the type's methods.
fn check_field_names(spec: &SpecFile, names: &SpecNames<Decided>, diags: &mut Diags) {
    for ((type_name, def), type_names) in spec.types.iter().zip(&names.types) {
        let Some(fields) = &def.fields else { continue };
        let mut claimed: Namespace<String> = Namespace::new();
        claimed.claim("extra", "extra".to_owned());
        let mut methods = vec!["new"];
        if def.embedded_body.is_some() {
            methods.push("embedded_body");
        }
        for (wire, rust) in fields.value.keys().zip(&type_names.fields) {
            let at = loc(wire, Location::START);
            match rust {
                Ok(rust) if methods.contains(&rust.text.as_str()) => {
                    diags
                        .error(
                            at,
                            format!(
                                "field `{}` of `{}` is named `{}` in Rust, which its type already has as a method, so the field's setter would collide with it",
                                wire.value, type_name.value, rust.text
                            ),
                        )
                        .help("set `rust_name` on the field");
                }
                Ok(rust) => {
                    if let Some(earlier) = claimed.claim(&rust.text, wire.value.clone()) {
                        if earlier == "extra" && rust.text == "extra" {
                            diags
                                .error(
                                    at,
                                    format!(
                                        "field `{}` of `{}` is named `extra` in Rust, which holds the fields the spec does not describe",
                                        wire.value, type_name.value
                                    ),
                                )
                                .help("set `rust_name` on the field, for example `extra_`");
                        } else {
                            collision(diags, at, "field", &wire.value, &earlier, &rust.text);
                        }
                    }
                }
                Err(problem) => {
                    diags.error(at, problem.clone()).help("set `rust_name`");
                }
            }
        }
    }
}

// Reason: enum values become variants; two values with one Rust name, a value named like the
// catch-all `Unknown`, or a value with no identifier form would not compile.
fn check_enum_values(spec: &SpecFile, names: &SpecNames<Decided>, diags: &mut Diags) {
    for ((type_name, def), type_names) in spec.types.iter().zip(&names.types) {
        let Some(values) = &def.values else { continue };
        let mut claimed: Namespace<String> = Namespace::new();
        for (wire, rust) in values.value.keys().zip(&type_names.values) {
            let at = loc(wire, Location::START);
            match rust {
                Ok(rust) if rust.text == "Unknown" => {
                    diags
                        .error(
                            at,
                            format!(
                                "value `{}` of `{}` is named `Unknown` in Rust, which is the variant for values the spec does not list",
                                wire.value, type_name.value
                            ),
                        )
                        .help("set `rust_name` on the value");
                }
                Ok(rust) => {
                    if let Some(earlier) = claimed.claim(&rust.text, wire.value.clone()) {
                        collision(diags, at, "value", &wire.value, &earlier, &rust.text);
                    }
                }
                Err(problem) => {
                    diags
                        .error(at, problem.clone())
                        .help("set `rust_name` on the value");
                }
            }
        }
    }
}

// Reason: each operation becomes a method on the area struct and a `static`; two ids with one
// Rust name, or an id named like the struct's own `new` or `client`, or a static named like a
// server constant, would not compile.
fn check_operation_names(spec: &SpecFile, names: &SpecNames<Decided>, diags: &mut Diags) {
    /// The area struct's own methods, and what each one is.
    const RESERVED: [(&str, &str); 2] = [
        ("new", "the constructor of the area struct"),
        ("client", "the area struct's accessor for its client"),
    ];
    let mut methods: Namespace<String> = Namespace::new();
    for (name, _) in RESERVED {
        methods.claim(name, name.to_owned());
    }
    let mut statics: Namespace<String> = Namespace::new();
    for (name, constant) in spec.servers.keys().zip(&names.servers) {
        if let Ok(constant) = constant {
            statics.claim(&constant.text, format!("server `{}`", name.value));
        }
    }
    for (id, op_names) in spec.operations.keys().zip(&names.operations) {
        let at = loc(id, Location::START);
        match &op_names.method {
            Ok(rust) => {
                if let Some(earlier) = methods.claim(&rust.text, id.value.clone()) {
                    if let Some((name, what)) = RESERVED.iter().find(|(name, _)| *name == earlier) {
                        diags
                            .error(
                                at,
                                format!(
                                    "operation `{}` is named `{name}` in Rust, which is {what}",
                                    id.value
                                ),
                            )
                            .help("rename the operation");
                    } else {
                        collision(diags, at, "operation", &id.value, &earlier, &rust.text);
                    }
                }
            }
            Err(problem) => {
                diags.error(at, problem.clone());
            }
        }
        if let Ok(rust) = &op_names.statik
            && let Some(earlier) = statics.claim(&rust.text, format!("operation `{}`", id.value))
        {
            diags.error(
                at,
                format!(
                    "operation `{}` and {earlier} are both named `{}` in Rust",
                    id.value, rust.text
                ),
            );
        }
    }
}

// Reason: params become method arguments, builder fields and setters; their names must be
// identifiers, unique, and distinct from the builder's own members.
fn check_param_names(spec: &SpecFile, names: &SpecNames<Decided>, diags: &mut Diags) {
    for ((id, op), op_names) in spec.operations.iter().zip(&names.operations) {
        let mut claimed: Namespace<String> = Namespace::new();
        // A status operation's builder also has `.wait()`.
        let mut reserved: Vec<&str> = BUILDER_RESERVED.to_vec();
        if op.wait.is_some() {
            reserved.push("wait");
        }
        for reserved in &reserved {
            claimed.claim(reserved, (*reserved).to_owned());
        }
        for (wire, rust) in op.params.keys().zip(&op_names.params) {
            let at = loc(wire, Location::START);
            match rust {
                Ok(rust) => {
                    if let Some(earlier) = claimed.claim(&rust.text, wire.value.clone()) {
                        if reserved.contains(&earlier.as_str()) && earlier == rust.text {
                            diags
                                .error(
                                    at,
                                    format!(
                                        "parameter `{}` of `{}` is named `{}` in Rust, which the request builder already uses",
                                        wire.value, id.value, rust.text
                                    ),
                                )
                                .help("set `rust_name` on the parameter");
                        } else {
                            collision(diags, at, "parameter", &wire.value, &earlier, &rust.text);
                        }
                    }
                }
                Err(problem) => {
                    diags
                        .error(at, problem.clone())
                        .help("set `rust_name` on the parameter");
                }
            }
        }
    }
}

// Reason: a waiter is one more method of the area struct (`wait_<name>` or `method`); a name
// that is not an identifier, or one another method already has, would not compile.
fn check_waiter_names(spec: &SpecFile, names: &SpecNames<Decided>, diags: &mut Diags) {
    let methods: Vec<&str> = names
        .operations
        .iter()
        .filter_map(|n| n.method.as_ref().ok())
        .map(|n| n.text.as_str())
        .collect();
    let mut seen_methods: Vec<String> = Vec::new();
    for ((id, op), op_names) in spec.operations.iter().zip(&names.operations) {
        let Some(wait) = &op.wait else { continue };
        let at = loc(wait, loc(id, Location::START));
        // The method name, decided in the name table.
        let method = match &op_names.waiter {
            Some(method) => Some(method.clone()),
            None => {
                diags
                    .error(
                        at,
                        format!("`wait` of `{}` has neither `name` nor `method`", id.value),
                    )
                    .help("add `name: job` for `wait_job`, or `method: <name>`");
                None
            }
        };
        match method {
            Some(Err(problem)) => {
                diags.error(at, format!("`wait` of `{}`: {problem}", id.value));
            }
            Some(Ok(name)) => {
                let taken = methods.contains(&name.text.as_str())
                    || ["new", "client"].contains(&name.text.as_str())
                    || seen_methods.contains(&name.text);
                if taken {
                    diags
                        .error(
                            at,
                            format!(
                                "the waiter of `{}` is `{}` in Rust, which another method of the area already is",
                                id.value, name.text
                            ),
                        )
                        .help("choose another `name` or `method`");
                }
                seen_methods.push(name.text);
            }
            None => {}
        }
    }
}

fn collision(diags: &mut Diags, at: Location, what: &str, name: &str, earlier: &str, rust: &str) {
    diags
        .error(
            at,
            format!("{what} `{name}` collides with `{earlier}`: both are named `{rust}` in Rust"),
        )
        .help("rename one of them or set `rust_name`");
}
