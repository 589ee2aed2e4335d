//! `Debug` for objects with `sensitive` fields → tokens: the derive is replaced by an impl that
//! prints `[REDACTED]` (the runtime's marker, as the client's own `Debug` does) in place of
//! each secret, so a key in a response never reaches a log line through `{:?}`.

use proc_macro2::TokenStream;
use quote::quote;

use super::Cx;
use crate::model::{Object, TypeDef};

/// Whether the object needs the hand-rolled `Debug` (it has a sensitive field).
pub(crate) fn redacts(object: &Object) -> bool {
    object.fields.iter().any(|field| field.sensitive)
}

/// The `Debug` derive, or nothing when [`expand_debug`] writes the impl.
pub(crate) fn derive_debug(object: &Object) -> TokenStream {
    if redacts(object) {
        TokenStream::new()
    } else {
        quote!(Debug,)
    }
}

/// Emits `impl Debug` printing every field as the derive would, except sensitive ones: a set
/// value shows as `"[REDACTED]"` (`Some("[REDACTED]")` for an optional one), an unset one as
/// `None`. Nothing when the object has no sensitive field.
pub(crate) fn expand_debug(cx: &Cx<'_>, def: &TypeDef, object: &Object) -> TokenStream {
    if !redacts(object) {
        return TokenStream::new();
    }
    let root = &cx.root;
    let name = &def.name.ident;
    let type_text = &def.name.text;
    let fields = object.fields.iter().map(|field| {
        let ident = &field.name.ident;
        let label = &field.name.text;
        let value = match (field.sensitive, field.is_option()) {
            (false, _) => quote!(&self.#ident),
            (true, false) => quote!(&#root::__private::REDACTED),
            (true, true) => {
                quote!(&self.#ident.as_ref().map(|_| #root::__private::REDACTED))
            }
        };
        quote!(.field(#label, #value))
    });
    let extra = if object.form {
        TokenStream::new()
    } else {
        quote!(.field("extra", &self.extra))
    };
    quote! {
        impl ::std::fmt::Debug for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(#type_text)
                    #(#fields)*
                    #extra
                    .finish()
            }
        }
    }
}
