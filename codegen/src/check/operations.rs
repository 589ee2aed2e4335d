//! Rules for where requests go and what they carry in the URL: servers and auth, each
//! operation's server and timeout, responses, parameters and the path template.

use serde_saphyr::Spanned;

use super::types::{Use, check_int64_string_depth, check_type_use};
use super::{check_type_ref, find_type};
use crate::diag::{Diags, Location, one_of, suggest};
use crate::model::{Kind, loc};
use crate::names::{Decided, Names, SpecNames};
use crate::spec::{self, ParamIn, SpecFile};
use crate::syntax::{Segment, TypeExpr};

/// Runs every operation rule.
pub(crate) fn check_operations(spec: &SpecFile, names: &Names<Decided>, diags: &mut Diags) {
    check_servers(spec, &names.root, diags);
    check_operation_server(spec, diags);
    check_responses(spec, diags);
    check_params(spec, diags);
    check_path_template(spec, diags);
}

// Reason: every server's URL is the client's default base URL. An empty or relative URL would
// only fail at the first request, and `ClientBuilder::build` checks only overridden URLs, so an
// `http://` URL here would send the key (which travels in every request) in clear text from
// every client that does not override it.
fn check_servers(spec: &SpecFile, names: &SpecNames<Decided>, diags: &mut Diags) {
    for ((name, server), constant) in spec.servers.iter().zip(&names.servers) {
        let at = loc(name, Location::START);
        check_server_url(constant, &server.url, at, diags);
        if let Some(auth) = &server.auth {
            check_auth_value(auth, at, diags);
        }
    }
}

/// The URL of a server (whose constant is `constant`): `https://`, a host, and no trailing `/`.
fn check_server_url(
    constant: &Decided,
    url: &Spanned<String>,
    ancestor: Location,
    diags: &mut Diags,
) {
    let at = loc(url, ancestor);
    let text = url.value.as_str();
    let example = "write the full base URL, for example `https://api.fireworks.ai`";
    match text.strip_prefix("https://") {
        None if text.starts_with("http://") => {
            let variable = constant.as_ref().map_or_else(
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

// Reason: params become method arguments or builder setters written into a URL or header: a
// path param cannot be optional, `client_default` fills only string path params, and the type
// must have one text form.
fn check_params(spec: &SpecFile, diags: &mut Diags) {
    for (id, op) in &spec.operations {
        for (wire, param) in &op.params {
            let at = loc(wire, Location::START);
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
