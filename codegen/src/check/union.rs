//! Rules for union types (`kind: union`): a value that is one of several types, told apart by
//! a tag field (`tag: type`) or, untagged, by trying each variant's shape in order.

use super::check_type_ref;
use super::types::{Use, check_int64_string_depth, check_type_use};
use crate::diag::{Diags, Location};
use crate::ident::Namespace;
use crate::model::{Kind, loc};
use crate::names::{Decided, Names};
use crate::scope::{Scope, lookup};
use crate::spec::SpecFile;
use crate::syntax::TypeExpr;

/// Runs every union rule.
pub(crate) fn check_unions(spec: &SpecFile, names: &Names<Decided>, diags: &mut Diags) {
    check_variants(spec, names, diags);
    check_union_recursion(spec, diags);
}

// Reason: a union becomes an enum with one variant per entry plus the catch-all `Other` that
// keeps unknown shapes; a union without variants, a variant with no identifier form, two
// variants with one Rust name, or one named `Other` would not compile. A tagged union's
// variants must be JSON objects (the tag is one of their members), and types with no JSON form
// (`file`, forms, output types) cannot be variants at all.
fn check_variants(spec: &SpecFile, names: &Names<Decided>, diags: &mut Diags) {
    for ((type_name, def), type_names) in spec.types.iter().zip(&names.root.types) {
        if def.kind.value != Kind::Union {
            continue;
        }
        let at = loc(type_name, Location::START);
        let Some(variants) = def.variants.as_ref().filter(|v| !v.value.is_empty()) else {
            diags
                .error(at, format!("union type `{}` has no `variants`", type_name.value))
                .help("map each variant to its type, e.g. `variants: { Text: string, Parts: array<ContentPart> }`");
            continue;
        };
        if let Some(tag) = &def.tag
            && tag.value.is_empty()
        {
            diags.error(loc(tag, at), "`tag` names no field");
        }
        let mut claimed: Namespace<String> = Namespace::new();
        claimed.claim("Other", "Other".to_owned());
        for ((key, ty), rust) in variants.value.iter().zip(&type_names.variants) {
            let key_at = loc(key, at);
            match rust {
                Ok(rust) => {
                    if let Some(earlier) = claimed.claim(&rust.text, key.value.clone()) {
                        let message = if earlier == "Other" {
                            format!(
                                "variant `{}` of `{}` is named `Other` in Rust, which is the variant for values of no listed shape",
                                key.value, type_name.value
                            )
                        } else {
                            format!(
                                "variants `{earlier}` and `{}` of `{}` are both named `{}` in Rust",
                                key.value, type_name.value, rust.text
                            )
                        };
                        diags.error(key_at, message).help("rename the variant");
                    }
                }
                Err(problem) => {
                    diags
                        .error(key_at, problem.clone())
                        .help("rename the variant");
                }
            }
            let context = format!("variant `{}` of `{}`", key.value, type_name.value);
            let Some(expr) = check_type_ref(spec, ty, key_at, &context, diags) else {
                continue;
            };
            let ty_at = loc(ty, key_at);
            check_int64_string_depth(expr, false, ty_at, diags);
            check_type_use(spec, expr, Use::Field, ty_at, &context, diags);
            if matches!(expr, TypeExpr::File) {
                continue;
            }
            if def.tag.is_some() {
                let is_object = match expr {
                    TypeExpr::Named(name) => lookup(spec, Scope::Root, name)
                        .is_some_and(|found| found.kind() == Kind::Object && !found.is_form()),
                    _ => false,
                };
                if !is_object {
                    diags
                        .error(
                            ty_at,
                            format!(
                                "variant `{}` of tagged union `{}` has type `{}`, expected an object type",
                                key.value, type_name.value, ty.value
                            ),
                        )
                        .help("the tag is a member of the variant's JSON object; drop `tag` for a union of other shapes");
                }
            }
        }
    }
}

// Reason: a union holds its variant by value, so a variant that contains the union by value
// (directly, or through object fields and other unions) has infinite size and would not
// compile; `array<...>` and `map<...>` put the value behind a pointer.
fn check_union_recursion(spec: &SpecFile, diags: &mut Diags) {
    for (name, def) in &spec.types {
        if def.kind.value != Kind::Union {
            continue;
        }
        let mut stack = vec![name.value.as_str()];
        let mut seen: Vec<&str> = Vec::new();
        while let Some(current) = stack.pop() {
            let Some((_, current_def)) = spec.types.iter().find(|(k, _)| k.value == current) else {
                continue;
            };
            let fields = current_def
                .fields
                .iter()
                .flat_map(|f| f.value.values())
                .map(|field| &field.ty.value);
            let variants = current_def
                .variants
                .iter()
                .flat_map(|v| v.value.values())
                .map(|ty| &ty.value);
            for target in fields.chain(variants).filter_map(|ty| ty.named()) {
                if target == name.value {
                    diags
                        .error(
                            loc(name, Location::START),
                            format!("union `{}` contains itself by value", name.value),
                        )
                        .help(
                            "put the recursive variant or field behind `array<...>` or `map<...>`",
                        );
                    return;
                }
                if !seen.contains(&target) {
                    seen.push(target);
                    stack.push(target);
                }
            }
        }
    }
}
