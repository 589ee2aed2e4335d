//! Multipart forms → tokens: the `MultipartForm` impl that turns a form struct into its
//! parts, one statement per field in spec order.

use proc_macro2::TokenStream;
use quote::quote;

use super::Cx;
use crate::model::{Field, ListStyle, Object, TypeDef, TypeRef};

/// Emits `impl ROOT::__private::MultipartForm for <Form>`.
pub(crate) fn expand_form(cx: &Cx<'_>, def: &TypeDef, object: &Object) -> TokenStream {
    let root = &cx.root;
    let name = &def.name.ident;
    let parts = object.fields.iter().map(expand_part);
    quote! {
        impl #root::__private::MultipartForm for #name {
            fn to_multipart(&self) -> #root::__private::Multipart {
                let mut form = #root::__private::Multipart::new();
                #(#parts)*
                form
            }
        }
    }
}

/// Emits the statement that adds one field's part, skipped when the field is unset.
fn expand_part(field: &Field) -> TokenStream {
    let ident = &field.name.ident;
    let wire = field.wire.as_str();
    let add = match &field.ty {
        TypeRef::File => quote!(form.file(#wire, value);),
        TypeRef::String => quote!(form.text(#wire, value);),
        TypeRef::Bool => quote!(form.bool(#wire, *value);),
        TypeRef::Named { .. } => quote!(form.text(#wire, value.as_str());),
        TypeRef::Array(_) => match field.list_style {
            ListStyle::Comma => quote!(form.list(#wire, value);),
            ListStyle::Repeat => quote!(form.repeat(#wire, value);),
        },
        _ => quote!(form.display(#wire, value);),
    };
    if field.is_option() {
        quote! {
            if let Some(value) = &self.#ident {
                #add
            }
        }
    } else {
        quote! {
            {
                let value = &self.#ident;
                #add
            }
        }
    }
}
