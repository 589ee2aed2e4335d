//! The spec-diff check: compares two descriptions of `spec/` (from
//! [`fireworks_ai_codegen::describe`], so nothing here re-parses YAML) and classifies every
//! change that can reach a user as breaking or additive.
//!
//! Breaking: a removed area, operation, parameter, type, field, enum value, union case or
//! server; a new required parameter or field; a changed type, HTTP method, path, server, auth,
//! body or response; a parameter or field that changes between required and optional or
//! nullable; a renamed Rust name; a renamed wire name (reported as such when a removed and an
//! added field or parameter share the Rust name); a lost stream, pagination or waiter.
//! Additive: new areas, operations, optional parameters and fields, types, enum values (every
//! generated enum is open, so a new value decodes as `Other` in older clients), union cases,
//! servers, and a new stream, pagination or waiter.
//! Descriptions and summaries are documentation and never reported. A closed enum cannot be
//! written in format v1 (every enum is open), so "an enum became closed" has no case yet; when
//! the format gains one, it is breaking.

#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::fmt;

use fireworks_ai_codegen::{
    AreaInfo, Catalog, FieldInfo, OperationInfo, ParamInfo, ServerInfo, TypeInfo,
};

/// How a change affects users of the crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Impact {
    /// Existing code or existing clients may stop compiling or stop working.
    Breaking,
    /// Only adds to the API.
    Additive,
}

impl fmt::Display for Impact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Impact::Breaking => "breaking",
            Impact::Additive => "additive",
        })
    }
}

/// One classified change.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    /// Breaking or additive.
    pub impact: Impact,
    /// What changed: `area`, `area.operation`, `area.Type` or `area.Type.field`.
    pub at: String,
    /// The change in words.
    pub what: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:<9} {}: {}",
            self.impact.to_string(),
            self.at,
            self.what
        )
    }
}

/// Every change from `old` to `new`, breaking ones first, each group sorted by place.
pub fn diff(old: &Catalog, new: &Catalog) -> Vec<Change> {
    let mut out = Changes::default();
    let old_areas = by(&old.areas, |a| a.area.as_str());
    let new_areas = by(&new.areas, |a| a.area.as_str());
    for (name, old_area) in &old_areas {
        match new_areas.get(name) {
            None => out.breaking(name, "area removed"),
            Some(new_area) => area(&mut out, old_area, new_area),
        }
    }
    for name in new_areas.keys().filter(|n| !old_areas.contains_key(*n)) {
        out.additive(name, "area added");
    }
    let mut changes = out.0;
    changes.sort();
    changes
}

/// Collected changes.
#[derive(Default)]
struct Changes(Vec<Change>);

impl Changes {
    fn push(&mut self, impact: Impact, at: &str, what: impl Into<String>) {
        self.0.push(Change {
            impact,
            at: at.to_owned(),
            what: what.into(),
        });
    }
    fn breaking(&mut self, at: &str, what: impl Into<String>) {
        self.push(Impact::Breaking, at, what);
    }
    fn additive(&mut self, at: &str, what: impl Into<String>) {
        self.push(Impact::Additive, at, what);
    }
    /// Breaking when `old != new`, naming both.
    fn changed<T: PartialEq + fmt::Debug>(&mut self, at: &str, what: &str, old: &T, new: &T) {
        if old != new {
            self.breaking(at, format!("{what} changed from {old:?} to {new:?}"));
        }
    }
}

fn by<'a, T>(items: &'a [T], key: impl Fn(&'a T) -> &'a str) -> BTreeMap<&'a str, &'a T> {
    items.iter().map(|item| (key(item), item)).collect()
}

fn area(out: &mut Changes, old: &AreaInfo, new: &AreaInfo) {
    let at = old.area.as_str();
    out.changed(at, "module", &old.module, &new.module);
    out.changed(at, "client type", &old.client_type, &new.client_type);

    let old_servers = by(&old.servers, |s| s.name.as_str());
    let new_servers = by(&new.servers, |s| s.name.as_str());
    for (name, old_server) in &old_servers {
        let place = format!("{at} server {name}");
        match new_servers.get(name) {
            None => out.breaking(&place, "server removed"),
            Some(new_server) => server(out, &place, old_server, new_server),
        }
    }
    for name in new_servers.keys().filter(|n| !old_servers.contains_key(*n)) {
        out.additive(&format!("{at} server {name}"), "server added");
    }

    let old_ops = by(&old.operations, |o| o.id.as_str());
    let new_ops = by(&new.operations, |o| o.id.as_str());
    for (id, old_op) in &old_ops {
        let place = format!("{at}.{id}");
        match new_ops.get(id) {
            None => out.breaking(&place, "operation removed"),
            Some(new_op) => operation(out, &place, old_op, new_op),
        }
    }
    for id in new_ops.keys().filter(|n| !old_ops.contains_key(*n)) {
        out.additive(&format!("{at}.{id}"), "operation added");
    }

    let old_types = by(&old.types, |t| t.name.as_str());
    let new_types = by(&new.types, |t| t.name.as_str());
    for (name, old_ty) in &old_types {
        let place = format!("{at}.{name}");
        match new_types.get(name) {
            None => out.breaking(&place, "type removed"),
            Some(new_ty) => type_info(out, &place, old_ty, new_ty),
        }
    }
    for name in new_types.keys().filter(|n| !old_types.contains_key(*n)) {
        out.additive(&format!("{at}.{name}"), "type added");
    }
}

fn server(out: &mut Changes, at: &str, old: &ServerInfo, new: &ServerInfo) {
    out.changed(at, "default URL", &old.url, &new.url);
    out.changed(at, "auth", &old.auth, &new.auth);
}

fn operation(out: &mut Changes, at: &str, old: &OperationInfo, new: &OperationInfo) {
    out.changed(at, "Rust method", &old.rust_method, &new.rust_method);
    out.changed(at, "HTTP method", &old.http_method, &new.http_method);
    out.changed(at, "server", &old.server, &new.server);
    out.changed(at, "path", &old.path, &new.path);
    out.changed(
        at,
        "body",
        &old.body.as_ref().map(|b| (&b.encoding, &b.ty)),
        &new.body.as_ref().map(|b| (&b.encoding, &b.ty)),
    );
    out.changed(at, "response type", &old.response, &new.response);
    if old.idempotent && !new.idempotent {
        // Callers lose automatic retries of this operation.
        out.breaking(at, "no longer idempotent (retries stop resending it)");
    } else if !old.idempotent && new.idempotent {
        out.additive(at, "now idempotent (retries may resend it)");
    }
    feature(out, at, "streaming", old.stream, new.stream);
    feature(
        out,
        at,
        "pagination",
        old.pagination.is_some(),
        new.pagination.is_some(),
    );
    if let (Some(o), Some(n)) = (&old.pagination, &new.pagination) {
        out.changed(at, "pagination", o, n);
    }
    feature(out, at, "waiter", old.wait.is_some(), new.wait.is_some());
    if let (Some(o), Some(n)) = (&old.wait, &new.wait) {
        out.changed(at, "waiter method", &o.rust_method, &n.rust_method);
        out.changed(at, "waiter state field", &o.state_field, &n.state_field);
        out.changed(at, "waiter result field", &o.result_field, &n.result_field);
        for state in o.done.iter().filter(|s| !n.done.contains(s)) {
            out.breaking(at, format!("waiter no longer ends successfully on {state}"));
        }
        for state in n.failed.iter().filter(|s| !o.failed.contains(s)) {
            out.breaking(at, format!("waiter now fails on {state}"));
        }
    }

    let old_params = by(&old.params, |p| p.wire.as_str());
    let new_params = by(&new.params, |p| p.wire.as_str());
    let renamed = wire_renames(
        old_params
            .iter()
            .filter(|(w, _)| !new_params.contains_key(*w))
            .map(|(w, p)| (*w, p.rust.as_str())),
        new_params
            .iter()
            .filter(|(w, _)| !old_params.contains_key(*w))
            .map(|(w, p)| (*w, p.rust.as_str())),
    );
    for (wire, old_param) in &old_params {
        let place = format!("{at} param {wire}");
        match new_params.get(wire) {
            Some(new_param) => param(out, &place, old_param, new_param),
            None => match renamed.get(wire) {
                Some(to) => out.breaking(&place, format!("wire name renamed to {to}")),
                None => out.breaking(&place, "parameter removed"),
            },
        }
    }
    let renamed_to: Vec<&str> = renamed.values().copied().collect();
    for (wire, new_param) in new_params
        .iter()
        .filter(|(w, _)| !old_params.contains_key(*w))
    {
        if renamed_to.contains(wire) {
            continue;
        }
        let place = format!("{at} param {wire}");
        if new_param.required {
            out.breaking(&place, "required parameter added");
        } else {
            out.additive(&place, "optional parameter added");
        }
    }
}

fn feature(out: &mut Changes, at: &str, what: &str, old: bool, new: bool) {
    match (old, new) {
        (true, false) => out.breaking(at, format!("{what} removed")),
        (false, true) => out.additive(at, format!("{what} added")),
        _ => {}
    }
}

fn param(out: &mut Changes, at: &str, old: &ParamInfo, new: &ParamInfo) {
    out.changed(at, "Rust name", &old.rust, &new.rust);
    out.changed(at, "location", &old.location, &new.location);
    out.changed(at, "type", &old.ty, &new.ty);
    out.changed(at, "required", &old.required, &new.required);
    out.changed(
        at,
        "client default",
        &old.client_default,
        &new.client_default,
    );
}

/// Removed and added wire names that share a Rust name: one renamed wire name each.
fn wire_renames<'a>(
    removed: impl Iterator<Item = (&'a str, &'a str)>,
    added: impl Iterator<Item = (&'a str, &'a str)>,
) -> BTreeMap<&'a str, &'a str> {
    let added: Vec<(&str, &str)> = added.collect();
    removed
        .filter_map(|(wire, rust)| {
            added
                .iter()
                .find(|(_, added_rust)| *added_rust == rust)
                .map(|(added_wire, _)| (wire, *added_wire))
        })
        .collect()
}

fn type_info(out: &mut Changes, at: &str, old: &TypeInfo, new: &TypeInfo) {
    if old.kind != new.kind {
        out.changed(at, "kind", &old.kind, &new.kind);
        return;
    }
    out.changed(at, "form (multipart)", &old.form, &new.form);
    for value in old.values.iter().filter(|v| !new.values.contains(v)) {
        out.breaking(at, format!("enum value {value} removed"));
    }
    for value in new.values.iter().filter(|v| !old.values.contains(v)) {
        out.additive(at, format!("enum value {value} added"));
    }
    let old_cases = by(&old.cases, |c| c.wire.as_str());
    let new_cases = by(&new.cases, |c| c.wire.as_str());
    for (wire, old_case) in &old_cases {
        match new_cases.get(wire) {
            None => out.breaking(at, format!("case {wire} removed")),
            Some(new_case) => out.changed(at, &format!("case {wire}"), &old_case.ty, &new_case.ty),
        }
    }
    for wire in new_cases.keys().filter(|w| !old_cases.contains_key(*w)) {
        out.additive(at, format!("case {wire} added"));
    }

    let old_fields = by(&old.fields, |f| f.wire.as_str());
    let new_fields = by(&new.fields, |f| f.wire.as_str());
    let renamed = wire_renames(
        old_fields
            .iter()
            .filter(|(w, _)| !new_fields.contains_key(*w))
            .map(|(w, f)| (*w, f.rust.as_str())),
        new_fields
            .iter()
            .filter(|(w, _)| !old_fields.contains_key(*w))
            .map(|(w, f)| (*w, f.rust.as_str())),
    );
    for (wire, old_field) in &old_fields {
        let place = format!("{at}.{wire}");
        match new_fields.get(wire) {
            Some(new_field) => field(out, &place, old_field, new_field),
            None => match renamed.get(wire) {
                Some(to) => out.breaking(&place, format!("wire name renamed to {to}")),
                None => out.breaking(&place, "field removed"),
            },
        }
    }
    let renamed_to: Vec<&str> = renamed.values().copied().collect();
    for (wire, new_field) in new_fields
        .iter()
        .filter(|(w, _)| !old_fields.contains_key(*w))
    {
        if renamed_to.contains(wire) {
            continue;
        }
        let place = format!("{at}.{wire}");
        if new_field.required {
            out.breaking(&place, "required field added");
        } else {
            out.additive(&place, "optional field added");
        }
    }
}

fn field(out: &mut Changes, at: &str, old: &FieldInfo, new: &FieldInfo) {
    out.changed(at, "Rust name", &old.rust, &new.rust);
    out.changed(at, "type", &old.ty, &new.ty);
    out.changed(at, "required", &old.required, &new.required);
    out.changed(at, "nullable", &old.nullable, &new.nullable);
    if old.sensitive != new.sensitive {
        // Only what Debug prints changes.
        out.additive(at, format!("sensitive changed to {}", new.sensitive));
    }
}
