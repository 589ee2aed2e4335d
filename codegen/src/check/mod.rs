//! Every cross-node validation rule, one function per rule, run over the spec as written. Rules
//! report into `Diags` and return nothing; lowering starts only when none of them reported.

mod output;
mod request;

use serde_saphyr::Spanned;

use crate::diag::{Diags, Location, one_of, suggest};
use crate::ident::{Case, Namespace};
use crate::model::{Kind, Scalar, loc, rust_name};
use crate::scope::{Scope, lookup};
use crate::spec::{self, ParamIn, SpecFile};
use crate::syntax::{BUILTIN_TYPES, Segment, TypeExpr, TypeText};

/// Names of methods and fields every request builder already has.
pub(crate) const BUILDER_RESERVED: &[&str] = &[
    "client",
    "body",
    "options",
    "send",
    "send_with_meta",
    "into_future",
];

/// Runs every rule.
pub(crate) fn check_all(spec: &SpecFile, diags: &mut Diags) {
    check_version(spec, diags);
    check_area(spec, diags);
    check_servers(spec, diags);
    check_type_names(spec, diags);
    check_type_kind_keys(spec, diags);
    check_fields(spec, diags);
    check_enum_values(spec, diags);
    check_embedded_body(spec, diags);
    check_recursive_types(spec, diags);
    request::check_forms(spec, diags);
    output::check_output_types(spec, diags);
    check_operation_names(spec, diags);
    check_operation_server(spec, diags);
    request::check_request_body(spec, diags);
    request::check_server_derive(spec, diags);
    check_responses(spec, diags);
    output::check_by_request_field(spec, diags);
    check_params(spec, diags);
    request::check_param_derive(spec, diags);
    check_path_template(spec, diags);
}

// Reason: the format will change; a file written for another version must be refused rather
// than half understood.
fn check_version(spec: &SpecFile, diags: &mut Diags) {
    if spec.version.value != 1 {
        diags
            .error(
                loc(&spec.version, Location::START),
                format!(
                    "unsupported spec version `{}`, expected `1`",
                    spec.version.value
                ),
            )
            .help("this generator reads format v1; see spec/README.md");
    }
}

// Reason: the area names the generated module, the client accessor and the area struct; a name
// that is not an identifier would make the generated code unparsable.
fn check_area(spec: &SpecFile, diags: &mut Diags) {
    let at = loc(&spec.area, Location::START);
    match rust_name(&spec.area.value, None, Case::Snake) {
        Ok(name) if name.text == spec.area.value => {}
        Ok(name) => {
            diags
                .error(at, format!("area `{}` is not snake_case", spec.area.value))
                .help(format!("write `{}`", name.text));
        }
        Err(problem) => {
            diags.error(at, problem);
        }
    }
}

// Reason: every server becomes a `pub const` and a `FIREWORKS_<NAME>_BASE_URL` variable, and
// its URL is the client's default base URL. An empty or relative URL would only fail at the
// first request, and `ClientBuilder::build` checks only overridden URLs, so an `http://` URL
// here would send the key (which travels in every request) in clear text from every client
// that does not override it.
fn check_servers(spec: &SpecFile, diags: &mut Diags) {
    let mut constants = Namespace::new();
    for (name, server) in &spec.servers {
        let at = loc(name, Location::START);
        match rust_name(&name.value, None, Case::ShoutySnake) {
            Ok(constant) => {
                if let Some(earlier) = constants.claim(&constant.text, name.value.clone()) {
                    collision(diags, at, "server", &name.value, &earlier, &constant.text);
                }
            }
            Err(problem) => {
                diags.error(at, problem);
            }
        }
        check_server_url(&name.value, &server.url, at, diags);
        if let Some(auth) = &server.auth {
            check_auth_value(auth, at, diags);
        }
    }
}

/// The URL of server `name`: `https://`, a host, and no trailing `/`.
fn check_server_url(name: &str, url: &Spanned<String>, ancestor: Location, diags: &mut Diags) {
    let at = loc(url, ancestor);
    let text = url.value.as_str();
    let example = "write the full base URL, for example `https://api.fireworks.ai`";
    match text.strip_prefix("https://") {
        None if text.starts_with("http://") => {
            let variable = rust_name(name, None, Case::ShoutySnake).map_or_else(
                |_| "FIREWORKS_<SERVER>_BASE_URL".to_owned(),
                |constant| format!("FIREWORKS_{}_BASE_URL", constant.text),
            );
            diags
                .error(
                    at,
                    format!(
                        "server URL `{text}` must use `https://`, because the API key is sent with every request"
                    ),
                )
                .help(format!(
                    "write the `https://` URL; to reach a local server over `http` (the client allows it only to loopback), override the URL at run time with `ClientBuilder::base_url` or `{variable}`"
                ));
        }
        None => {
            diags
                .error(
                    at,
                    format!("server URL `{text}` must be absolute and start with `https://`"),
                )
                .help(example);
        }
        Some(host) if host.is_empty() || host.starts_with('/') => {
            diags
                .error(
                    at,
                    format!("server URL `{text}` has no host after `https://`"),
                )
                .help(example);
        }
        Some(_) if text.ends_with('/') => {
            diags
                .error(at, format!("server URL `{text}` must not end with `/`"))
                .help("remove the trailing `/`; every operation path starts with one");
        }
        Some(_) => {}
    }
}

fn check_auth_value(auth: &Spanned<spec::Auth>, ancestor: Location, diags: &mut Diags) {
    if let spec::Auth::Query(param) = &auth.value
        && param.value.trim().is_empty()
    {
        diags.error(
            loc(param, loc(auth, ancestor)),
            "empty query parameter name for `auth: {query: ...}`",
        );
    }
}

// Reason: each type, request builder and the area's own struct and trait share the module's type
// namespace; two spec names that become one Rust name would not compile.
fn check_type_names(spec: &SpecFile, diags: &mut Diags) {
    let mut types: Namespace<String> = Namespace::new();
    if let Ok(area) = rust_name(&spec.area.value, None, Case::UpperCamel) {
        let owner = format!("the struct of area `{}`", spec.area.value);
        types.claim(&area.text, owner.clone());
        types.claim(&format!("{}Ext", area.text), owner);
    }
    for (name, def) in &spec.types {
        let at = loc(name, Location::START);
        match rust_name(&name.value, def.rust_name.as_ref(), Case::UpperCamel) {
            Ok(rust) => {
                if let Some(earlier) = types.claim(&rust.text, format!("type `{}`", name.value)) {
                    diags
                        .error(
                            at,
                            format!(
                                "type `{}` collides with {earlier}: both are named `{}` in Rust",
                                name.value, rust.text
                            ),
                        )
                        .help("rename one of them or set `rust_name`");
                }
            }
            Err(problem) => {
                diags.error(at, problem).help("set `rust_name`");
            }
        }
    }
    for (id, _) in &spec.operations {
        if let Ok(rust) = rust_name(&id.value, None, Case::UpperCamel) {
            let request = format!("{}Request", rust.text);
            if let Some(earlier) =
                types.claim(&request, format!("the request builder of `{}`", id.value))
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

/// The spec keyword of a kind, for messages.
pub(crate) fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Object => "object",
        Kind::Enum => "enum",
        Kind::Output => "output",
    }
}

// Reason: fields become struct fields; their names must be identifiers, unique after case
// conversion, distinct from the `extra` map of unknown fields, and their types must exist.
fn check_fields(spec: &SpecFile, diags: &mut Diags) {
    for (type_name, def) in &spec.types {
        let Some(fields) = &def.fields else { continue };
        let mut names: Namespace<String> = Namespace::new();
        names.claim("extra", "extra".to_owned());
        let mut methods = vec!["new"];
        if def.embedded_body.is_some() {
            methods.push("embedded_body");
        }
        for (wire, field) in &fields.value {
            let at = loc(wire, Location::START);
            match rust_name(&wire.value, field.rust_name.as_ref(), Case::Snake) {
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
                    if let Some(earlier) = names.claim(&rust.text, wire.value.clone()) {
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
                    diags.error(at, problem).help("set `rust_name`");
                }
            }
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
fn check_int64_string_depth(expr: &TypeExpr, top: bool, at: Location, diags: &mut Diags) {
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

// Reason: enum values become variants; two values with one Rust name, a value named like the
// catch-all `Unknown`, or a value with no identifier form would not compile.
fn check_enum_values(spec: &SpecFile, diags: &mut Diags) {
    for (type_name, def) in &spec.types {
        let Some(values) = &def.values else { continue };
        let mut names: Namespace<String> = Namespace::new();
        for (wire, value) in &values.value {
            let at = loc(wire, Location::START);
            let explicit = value.as_ref().and_then(|v| v.rust_name.as_ref());
            match rust_name(&wire.value, explicit, Case::UpperCamel) {
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
                    if let Some(earlier) = names.claim(&rust.text, wire.value.clone()) {
                        collision(diags, at, "value", &wire.value, &earlier, &rust.text);
                    }
                }
                Err(problem) => {
                    diags
                        .error(at, problem)
                        .help("set `rust_name` on the value");
                }
            }
        }
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

// Reason: each operation becomes a method on the area struct and a `static`; two ids with one
// Rust name, or an id named like the struct's own `new` or `client`, or a static named like a
// server constant, would not compile.
fn check_operation_names(spec: &SpecFile, diags: &mut Diags) {
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
    for (name, _) in &spec.servers {
        if let Ok(constant) = rust_name(&name.value, None, Case::ShoutySnake) {
            statics.claim(&constant.text, format!("server `{}`", name.value));
        }
    }
    for (id, _) in &spec.operations {
        let at = loc(id, Location::START);
        match rust_name(&id.value, None, Case::Snake) {
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
                diags.error(at, problem);
            }
        }
        if let Ok(rust) = rust_name(&id.value, None, Case::ShoutySnake)
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

// Reason: the server decides the base URL and the default auth; a typo would leave an
// operation with no host.
fn check_operation_server(spec: &SpecFile, diags: &mut Diags) {
    for (id, op) in &spec.operations {
        let at = loc(id, Location::START);
        if let spec::ServerRef::Name(name) = &op.server.value {
            check_server_name(spec, name, loc(&op.server, at), &id.value, diags);
        }
        if let Some(auth) = &op.auth {
            check_auth_value(auth, at, diags);
        }
        if let Some(timeout) = &op.timeout_secs
            && timeout.value == 0
        {
            diags.error(loc(timeout, at), "`timeout_secs` must be at least 1");
        }
    }
}

/// Reports a server name that the spec does not declare.
pub(crate) fn check_server_name(
    spec: &SpecFile,
    name: &str,
    at: Location,
    operation: &str,
    diags: &mut Diags,
) {
    if spec.servers.keys().any(|k| k.value == name) {
        return;
    }
    let known: Vec<&str> = spec.servers.keys().map(|k| k.value.as_str()).collect();
    diags
        .error(
            at,
            format!("unknown server `{name}` in operation `{operation}`"),
        )
        .help_opt(suggest(name, known.iter().copied()))
        .note(if known.is_empty() {
            "the spec declares no servers".to_owned()
        } else {
            format!("declared servers: {}", one_of(&known))
        });
}

// Reason: the one 2xx response decides the return type of `send`; a bad status code or a
// missing type would leave the method without one.
fn check_responses(spec: &SpecFile, diags: &mut Diags) {
    for (id, op) in &spec.operations {
        let at = loc(id, Location::START);
        let mut successes = 0;
        for (status, response) in &op.responses {
            let status_at = loc(status, at);
            match status.value.parse::<u16>() {
                Ok(code) if (100..=599).contains(&code) && status.value.len() == 3 => {
                    if (200..300).contains(&code) {
                        successes += 1;
                        if successes > 1 {
                            diags.error(
                                status_at,
                                format!("operation `{}` has more than one 2xx response, format v1 supports one", id.value),
                            );
                        }
                    }
                }
                _ => {
                    diags.error(
                        status_at,
                        format!(
                            "response status `{}` is not an HTTP status code (100 to 599)",
                            status.value
                        ),
                    );
                }
            }
            let context = format!("response `{}` of `{}`", status.value, id.value);
            if let Some(expr) = check_type_ref(spec, &response.ty, status_at, &context, diags) {
                check_int64_string_depth(expr, false, loc(&response.ty, status_at), diags);
                let ty_at = loc(&response.ty, status_at);
                check_type_use(spec, expr, Use::Response, ty_at, &context, diags);
            }
        }
        if successes == 0 {
            diags
                .error(at, format!("operation `{}` has no 2xx response", id.value))
                .help("add one under `responses`, for example `\"200\": { type: MyType }`");
        }
    }
}

// Reason: params become method arguments, builder fields and setters; their names must be
// identifiers, unique, distinct from the builder's own members, and of a type that can be
// written into a URL or header.
fn check_params(spec: &SpecFile, diags: &mut Diags) {
    for (id, op) in &spec.operations {
        let mut names: Namespace<String> = Namespace::new();
        for reserved in BUILDER_RESERVED {
            names.claim(reserved, (*reserved).to_owned());
        }
        for (wire, param) in &op.params {
            let at = loc(wire, Location::START);
            match rust_name(&wire.value, param.rust_name.as_ref(), Case::Snake) {
                Ok(rust) => {
                    if let Some(earlier) = names.claim(&rust.text, wire.value.clone()) {
                        if BUILDER_RESERVED.contains(&earlier.as_str()) && earlier == rust.text {
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
                        .error(at, problem)
                        .help("set `rust_name` on the parameter");
                }
            }
            let is_path = param.location.value == ParamIn::Path;
            if is_path
                && let Some(required) = &param.required
                && !required.value
            {
                diags
                    .error(
                        loc(required, at),
                        format!("path parameter `{}` cannot be optional", wire.value),
                    )
                    .help("use `client_default` for a value the client can fill in");
            }
            if let Some(default) = &param.client_default
                && (!is_path || !param.ty.value.is(&TypeExpr::String))
            {
                diags.error(
                    loc(default, at),
                    format!("`client_default` is only allowed on path parameters of type `string`, not on `{}`", wire.value),
                );
            }
            let context = format!("parameter `{}` of `{}`", wire.value, id.value);
            if let Some(expr) = check_type_ref(spec, &param.ty, at, &context, diags) {
                let scalar = match expr {
                    TypeExpr::Named(name) => {
                        find_type(spec, name).is_some_and(|d| d.kind.value == Kind::Enum)
                    }
                    TypeExpr::Array(_) | TypeExpr::Map(_) | TypeExpr::File => false,
                    _ => true,
                };
                if !scalar {
                    diags.error(
                        loc(&param.ty, at),
                        format!("parameter `{}` has type `{}`, expected string, bool, i32, i64, f64, int64_string or an enum type", wire.value, param.ty.value),
                    );
                }
            }
        }
    }
}

// Reason: the template and the path params must match both ways, or the URL would contain a
// literal `{name}` or a required argument would go nowhere.
fn check_path_template(spec: &SpecFile, diags: &mut Diags) {
    for (id, op) in &spec.operations {
        let at = loc(&op.path, loc(id, Location::START));
        let path = op.path.value.text();
        if !path.starts_with('/') {
            diags.error(at, format!("path `{path}` must start with `/`"));
        }
        let segments = match op.path.value.segments() {
            Ok(segments) => segments,
            Err(problem) => {
                diags.error(at, problem);
                continue;
            }
        };
        let mut seen: Vec<&str> = Vec::new();
        for segment in segments {
            let Segment::Param(name) = segment else {
                continue;
            };
            if seen.contains(&name.as_str()) {
                diags.error(
                    at,
                    format!("placeholder `{{{name}}}` appears twice in path `{path}`"),
                );
            }
            seen.push(name);
            let declared = op.params.iter().find(|(wire, _)| &wire.value == name);
            match declared {
                None => {
                    diags
                        .error(
                            at,
                            format!(
                                "placeholder `{{{name}}}` in path of `{}` has no parameter",
                                id.value
                            ),
                        )
                        .help(format!("declare `{name}` under `params` with `in: path`"));
                }
                Some((wire, param)) if param.location.value != ParamIn::Path => {
                    diags.error(
                        loc(&param.location, loc(wire, at)),
                        format!(
                            "parameter `{name}` is used in the path of `{}` but declared `in: {}`",
                            id.value,
                            param_in_name(param.location.value)
                        ),
                    );
                }
                Some(_) => {}
            }
        }
        for (wire, param) in &op.params {
            if param.location.value == ParamIn::Path && !seen.contains(&wire.value.as_str()) {
                diags
                    .error(
                        loc(wire, at),
                        format!(
                            "path parameter `{}` does not appear in path `{}`",
                            wire.value, path
                        ),
                    )
                    .help_opt(suggest(&wire.value, seen.iter().copied()).or_else(|| {
                        Some(format!(
                            "add `{{{}}}` to the path or change `in`",
                            wire.value
                        ))
                    }));
            }
        }
    }
}

fn param_in_name(location: ParamIn) -> &'static str {
    match location {
        ParamIn::Path => "path",
        ParamIn::Query => "query",
        ParamIn::Header => "header",
    }
}

/// Resolves one parsed `type:`; reports and returns `None` when it is bad.
fn check_type_ref<'a>(
    spec: &SpecFile,
    ty: &'a Spanned<TypeText>,
    ancestor: Location,
    context: &str,
    diags: &mut Diags,
) -> Option<&'a TypeExpr> {
    let at = loc(ty, ancestor);
    let expr = match ty.value.expr() {
        Ok(expr) => expr,
        Err(problem) => {
            diags.error(at, format!("{problem} in {context}"));
            return None;
        }
    };
    let mut ok = true;
    let mut names = Vec::new();
    collect_names(expr, &mut names);
    for name in names {
        if find_type(spec, name).is_some() {
            continue;
        }
        ok = false;
        if let Some((alias, _)) = name.split_once('.')
            && !spec.imported.iter().any(|i| i.alias == alias)
        {
            diags
                .error(
                    at,
                    format!("unknown type `{name}` in {context}: no import is named `{alias}`"),
                )
                .help(format!(
                    "import the spec that defines it, e.g. `imports: {{ {alias}: <file>.yaml }}`"
                ));
            continue;
        }
        let imported: Vec<String> = spec
            .imported
            .iter()
            .flat_map(|i| {
                i.spec
                    .types
                    .keys()
                    .map(move |k| format!("{}.{}", i.alias, k.value))
            })
            .collect();
        let candidates = spec
            .types
            .keys()
            .map(|k| k.value.as_str())
            .chain(BUILTIN_TYPES.iter().copied())
            .chain(imported.iter().map(String::as_str));
        diags
            .error(at, format!("unknown type `{name}` in {context}"))
            .help_opt(suggest(name, candidates));
    }
    ok.then_some(expr)
}

fn collect_names<'a>(expr: &'a TypeExpr, out: &mut Vec<&'a str>) {
    match expr {
        TypeExpr::Named(name) => out.push(name),
        TypeExpr::Array(inner) | TypeExpr::Map(inner) => collect_names(inner, out),
        _ => {}
    }
}

/// Finds a type of this spec or, for `alias.Name`, of an imported one.
pub(crate) fn find_type<'a>(spec: &'a SpecFile, name: &str) -> Option<&'a spec::TypeDef> {
    lookup(spec, Scope::Root, name).map(|found| found.def)
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

fn collision(diags: &mut Diags, at: Location, what: &str, name: &str, earlier: &str, rust: &str) {
    diags
        .error(
            at,
            format!("{what} `{name}` collides with `{earlier}`: both are named `{rust}` in Rust"),
        )
        .help("rename one of them or set `rust_name`");
}
