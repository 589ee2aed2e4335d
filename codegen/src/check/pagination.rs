//! Rules for `pagination:` on a list operation: the token and page-size params it names, the
//! response fields it reads, and the names the generated `.pages()` / `.items()` take.

use serde_saphyr::Spanned;

use crate::diag::{Diags, Location, suggest};
use crate::model::loc;
use crate::names::{Decided, Names};
use crate::scope::{Scope, lookup_expr};
use crate::spec::{Kind, ParamIn, SpecFile};
use crate::syntax::TypeExpr;

/// Builder methods the pagination construct adds, which no param may also be named.
const PAGE_METHODS: &[&str] = &["pages", "items"];

// Reason: the generated `.pages()` re-sends the request with the token in one optional string
// query param and reads the next token and the items from named response fields; a name that
// is not there, or has another shape, would generate code that does not compile (or that
// silently never advances).
pub(crate) fn check_pagination(spec: &SpecFile, names: &Names<Decided>, diags: &mut Diags) {
    let mut paged: Vec<(String, &str, &str)> = Vec::new();
    for ((id, op), op_names) in spec.operations.iter().zip(&names.root.operations) {
        let Some(pagination) = &op.pagination else {
            continue;
        };
        let at = loc(pagination, loc(id, Location::START));
        let p = &pagination.value;
        let param_names: Vec<&str> = op.params.keys().map(|k| k.value.as_str()).collect();
        // The token param.
        match op.params.iter().find(|(k, _)| k.value == p.token.value) {
            None => {
                diags
                    .error(
                        loc(&p.token, at),
                        format!(
                            "`pagination.token` of `{}` names `{}`, which is not a param of the operation",
                            id.value, p.token.value
                        ),
                    )
                    .help_opt(suggest(&p.token.value, param_names.iter().copied()));
            }
            Some((_, param)) => {
                if !super::is_optional_string_query(param) {
                    diags
                        .error(
                            loc(&p.token, at),
                            format!(
                                "`pagination.token` of `{}` names `{}`, which is not an optional `string` query param",
                                id.value, p.token.value
                            ),
                        )
                        .help("declare it `in: query`, `type: string`, not required, not derived");
                }
            }
        }
        if let Some(size) = &p.page_size {
            match op.params.iter().find(|(k, _)| k.value == size.value) {
                None => {
                    diags
                        .error(
                            loc(size, at),
                            format!(
                                "`pagination.page_size` of `{}` names `{}`, which is not a param of the operation",
                                id.value, size.value
                            ),
                        )
                        .help_opt(suggest(&size.value, param_names.iter().copied()));
                }
                Some((_, param)) => {
                    let integer = matches!(
                        param.ty.value.parsed(),
                        Some(TypeExpr::I32 | TypeExpr::I64 | TypeExpr::Int64String)
                    );
                    if param.location.value != ParamIn::Query || !integer {
                        diags.error(
                            loc(size, at),
                            format!(
                                "`pagination.page_size` of `{}` names `{}`, which is not an integer query param",
                                id.value, size.value
                            ),
                        );
                    }
                }
            }
        }
        // The generated methods must not collide with a param's setter.
        for (name, (wire, _)) in op_names.params.iter().zip(&op.params) {
            if let Ok(name) = name
                && PAGE_METHODS.contains(&name.text.as_str())
            {
                diags
                    .error(
                        loc(wire, at),
                        format!(
                            "param `{}` of paginated `{}` is `{}` in Rust, which collides with the generated `.{}()`",
                            wire.value, id.value, name.text, name.text
                        ),
                    )
                    .help("set `rust_name`");
            }
        }
        // The response fields.
        let Some((_, success)) = op.responses.iter().find(|(s, _)| s.value.starts_with('2')) else {
            continue;
        };
        let found = lookup_expr(spec, Scope::Root, &success.ty.value);
        let Some(found) =
            found.filter(|f| f.scope == Scope::Root && f.kind() == Kind::Object && !f.is_form())
        else {
            diags
                .error(
                    at,
                    format!(
                        "`pagination` on `{}`, whose response `{}` is not an object type of this spec",
                        id.value, success.ty.value
                    ),
                )
                .help("a page is an object of this spec with a next-token field and an items field");
            continue;
        };
        let fields = found.field_names();
        let field_rule = |key: &Spanned<String>,
                          role: &str,
                          want: &str,
                          diags: &mut Diags|
         -> bool {
            let Some((_, field)) = found.field(&key.value) else {
                diags
                    .error(
                        loc(key, at),
                        format!(
                            "`pagination.{role}` of `{}` names `{}`, which is not a field of `{}`",
                            id.value,
                            key.value,
                            found.display()
                        ),
                    )
                    .help_opt(suggest(&key.value, fields.iter().copied()));
                return false;
            };
            let ok = matches!(
                (role, field.ty.value.parsed()),
                ("next_token", Some(TypeExpr::String)) | ("items", Some(TypeExpr::Array(_)))
            );
            if !ok {
                diags.error(
                    loc(key, at),
                    format!(
                        "`pagination.{role}` of `{}` names field `{}` of type `{}`, expected {want}",
                        id.value, key.value, field.ty.value
                    ),
                );
            }
            ok
        };
        let next_ok = field_rule(&p.next_token, "next_token", "`string`", diags);
        let items_ok = field_rule(&p.items, "items", "`array<...>`", diags);
        if !(next_ok && items_ok) {
            continue;
        }
        // One `impl Page` per type: every list paging it must read the same fields.
        let ty = found.key.value.clone();
        match paged.iter().find(|(t, _, _)| *t == ty) {
            Some((_, next, items))
                if (*next, *items) != (p.next_token.value.as_str(), p.items.value.as_str()) =>
            {
                diags
                    .error(
                        at,
                        format!(
                            "`pagination` of `{}` reads `{}` and `{}` of `{ty}`, but another list reads `{next}` and `{items}` of it",
                            id.value, p.next_token.value, p.items.value
                        ),
                    )
                    .note("a page type implements `Page` once, so every list of it must agree");
            }
            Some(_) => {}
            None => paged.push((ty, &p.next_token.value, &p.items.value)),
        }
    }
}
