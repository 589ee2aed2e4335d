//! Rules for `update_mask:` on a PATCH: the query param it names and the body it reads.

use crate::diag::{Diags, Location, suggest};
use crate::model::loc;
use crate::spec::{Encoding, Method, SpecFile};

// Reason: the generated send fills the named param from the JSON body's top-level fields when
// the caller leaves it unset, so the param must be an optional string in the query and the
// body a JSON body; on another method a field mask means nothing to the server.
pub(crate) fn check_update_masks(spec: &SpecFile, diags: &mut Diags) {
    for (id, op) in &spec.operations {
        let Some(mask) = &op.update_mask else {
            continue;
        };
        let at = loc(mask, loc(id, Location::START));
        if op.method.value != Method::PATCH {
            diags
                .error(
                    at,
                    format!("`update_mask` on `{}`, which is not a PATCH", id.value),
                )
                .help("a field mask says which fields a PATCH updates; remove it here");
        }
        match &op.body {
            Some(body) if body.value.encoding.value == Encoding::Json => {}
            _ => {
                diags
                    .error(
                        at,
                        format!(
                            "`update_mask` on `{}`, which has no JSON body to take the fields from",
                            id.value
                        ),
                    )
                    .help("declare `body:` with `encoding: json` and the resource type");
            }
        }
        let param_names: Vec<&str> = op.params.keys().map(|k| k.value.as_str()).collect();
        match op.params.iter().find(|(k, _)| k.value == mask.value) {
            None => {
                diags
                    .error(
                        at,
                        format!(
                            "`update_mask` of `{}` names `{}`, which is not a param of the operation",
                            id.value, mask.value
                        ),
                    )
                    .help(
                        suggest(&mask.value, param_names.iter().copied()).unwrap_or_else(|| {
                            "declare it under `params:` with `in: query` and `type: string`"
                                .to_owned()
                        }),
                    );
            }
            Some((_, param)) => {
                if !super::is_optional_string_query(param) {
                    diags
                        .error(
                            at,
                            format!(
                                "`update_mask` of `{}` names `{}`, which is not an optional `string` query param",
                                id.value, mask.value
                            ),
                        )
                        .help("declare it `in: query`, `type: string`, not required, not derived");
                }
            }
        }
    }
}
