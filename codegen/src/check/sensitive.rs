//! Rules for `sensitive` fields: which types can hold a secret, and that the spec never
//! writes one down.

use crate::diag::{Diags, Location};
use crate::model::loc;
use crate::spec::SpecFile;
use crate::syntax::TypeExpr;

// Reason: a secret is text (a key, a token, a password); redacting a number or a nested object
// would hide data nobody means to hide, and a `default` would publish the secret in the spec
// and in the generated code.
pub(crate) fn check_sensitive(spec: &SpecFile, diags: &mut Diags) {
    for (type_name, def) in &spec.types {
        let Some(fields) = &def.fields else { continue };
        for (wire, field) in &fields.value {
            let Some(sensitive) = &field.sensitive else {
                continue;
            };
            if !sensitive.value {
                continue;
            }
            let at = loc(sensitive, loc(wire, Location::START));
            let text = match field.ty.value.parsed() {
                Some(TypeExpr::String) => true,
                Some(TypeExpr::Array(inner) | TypeExpr::Map(inner)) => **inner == TypeExpr::String,
                _ => false,
            };
            if field.ty.value.parsed().is_some() && !text {
                diags
                    .error(
                        at,
                        format!(
                            "`sensitive` on field `{}` of `{}`, whose type `{}` is not text",
                            wire.value, type_name.value, field.ty.value
                        ),
                    )
                    .help(
                        "only `string`, `array<string>` and `map<string>` fields can be sensitive",
                    );
            }
            if let Some(default) = &field.default {
                diags
                    .error(
                        loc(default, at),
                        format!(
                            "sensitive field `{}` of `{}` has a `default`, which would publish the secret",
                            wire.value, type_name.value
                        ),
                    )
                    .help("remove the `default`; a secret comes from the caller or the server");
            }
        }
    }
}
