//! Every cross-node validation rule, one function per rule, run over the spec as written and
//! the name table. Rules report into `Diags` and return nothing; lowering starts only when none
//! of them reported. One file per topic: `names.rs` (identifiers and collisions), `types.rs`
//! (named types and type expressions), `operations.rs` (servers, responses, params, paths),
//! `requests.rs` (forms, bodies, derived values) and `outputs.rs` (output types); this file
//! holds the version rule and the type resolution they share.

mod names;
mod operations;
mod outputs;
mod pagination;
mod requests;
mod sensitive;
mod stream;
mod types;
mod union;
mod update_mask;
mod wait;

use serde_saphyr::Spanned;

use crate::diag::{Diags, Location, suggest};
use crate::model::{Kind, loc};
use crate::names::{Decided, Names};
use crate::scope::{Scope, lookup};
use crate::spec::{self, SpecFile};
use crate::syntax::{BUILTIN_TYPES, TypeExpr, TypeText};

/// Runs every rule; `names` is the table of `spec`.
pub(crate) fn check_all(spec: &SpecFile, names: &Names<Decided>, diags: &mut Diags) {
    check_version(spec, diags);
    names::check_names(spec, names, diags);
    types::check_types(spec, diags);
    requests::check_forms(spec, diags);
    outputs::check_output_types(spec, names, diags);
    operations::check_operations(spec, names, diags);
    requests::check_request_body(spec, diags);
    requests::check_server_derive(spec, diags);
    outputs::check_by_request_field(spec, diags);
    requests::check_param_derive(spec, diags);
    sensitive::check_sensitive(spec, diags);
    pagination::check_pagination(spec, names, diags);
    wait::check_wait(spec, names, diags);
    union::check_unions(spec, names, diags);
    stream::check_streams(spec, diags);
    update_mask::check_update_masks(spec, diags);
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

/// The spec keyword of a kind, for messages.
pub(crate) fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Object => "object",
        Kind::Enum => "enum",
        Kind::Output => "output",
        Kind::Union => "union",
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

/// Whether `param` is an optional `string` query param the generated code may fill itself
/// (a page token, an update mask): not required, not derived, no client default.
pub(crate) fn is_optional_string_query(param: &crate::spec::Param) -> bool {
    param.location.value == crate::spec::ParamIn::Query
        && param.ty.value.is(&crate::syntax::TypeExpr::String)
        && !param.required.as_ref().is_some_and(|r| r.value)
        && param.derive.is_none()
        && param.client_default.is_none()
}
