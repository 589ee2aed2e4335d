//! Named types → tokens: structs with a kept-unknown-fields map and chainable setters (or, for
//! multipart forms, plain structs) and open string enums (their fixed impls come from the
//! runtime's `open_enum!`; `int64_string` fields use the runtime's serde helpers). Output enums are in `output.rs`, form encoders in
//! `form.rs`.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::{Cx, debug, docs, form, lower_first, output, union};
use crate::model::{Field, Kind, Object, Scalar, TypeBody, TypeDef, TypeRef, Variant};

/// Emits every named type.
pub(crate) fn expand_types(cx: &Cx<'_>) -> TokenStream {
    let types = cx.api.types.iter().map(|def| match &def.body {
        TypeBody::Object(object) => expand_object(cx, def, object),
        TypeBody::Enum(variants) => expand_enum(cx, def, variants),
        TypeBody::Output(out) => output::expand_output(cx, def, out),
        TypeBody::Union(union) => union::expand_union(cx, def, union),
    });
    quote! {
        #(#types)*
    }
}

/// The Rust type of a resolved spec type.
pub(crate) fn rust_type(cx: &Cx<'_>, ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::String => quote!(String),
        TypeRef::Bool => quote!(bool),
        TypeRef::I32 => quote!(i32),
        TypeRef::I64 | TypeRef::Int64String => quote!(i64),
        TypeRef::F64 => quote!(f64),
        TypeRef::File => {
            let root = &cx.root;
            quote!(#root::FileInput)
        }
        TypeRef::Timestamp => {
            let root = &cx.root;
            quote!(#root::Timestamp)
        }
        TypeRef::Duration => {
            let root = &cx.root;
            quote!(#root::ProtoDuration)
        }
        TypeRef::Array(inner) => {
            let inner = rust_type(cx, inner);
            quote!(Vec<#inner>)
        }
        TypeRef::Map(inner) => {
            let inner = rust_type(cx, inner);
            quote!(::std::collections::BTreeMap<String, #inner>)
        }
        TypeRef::Named { name, module, .. } => {
            let ident = &name.ident;
            match module {
                Some(module) => {
                    let module = &module.ident;
                    quote!(super::#module::#ident)
                }
                None => quote!(#ident),
            }
        }
    }
}

/// Emits `pub struct <Name>` with serde derives, `new()`, defaults and the `embedded_body`
/// accessor.
fn expand_object(cx: &Cx<'_>, def: &TypeDef, object: &Object) -> TokenStream {
    let root = &cx.root;
    let serde_crate = format!("{}::__private::serde", cx.root_text);
    let name = &def.name.ident;
    let doc = docs(
        def.description
            .as_deref()
            .unwrap_or(&format!("The `{}` object.", def.name.text)),
    );
    let fields = object
        .fields
        .iter()
        .map(|field| expand_field(cx, def, object, field));
    let mut new_args = Vec::new();
    let mut new_inits = Vec::new();
    let mut default_fns = Vec::new();
    for field in &object.fields {
        let ident = &field.name.ident;
        let field_ty = field_type(cx, field);
        if let Some(default) = &field.default {
            let fn_name = &field.default_fn.ident;
            let value = default_value(&field.ty, default);
            let value = if field.is_option() {
                quote!(Some(#value))
            } else {
                value
            };
            default_fns.push(quote! {
                #[doc(hidden)]
                fn #fn_name() -> #field_ty {
                    #value
                }
            });
            new_inits.push(quote!(#ident: Self::#fn_name()));
        } else if field.required {
            if field.ty == TypeRef::String && !field.is_option() {
                new_args.push(quote!(#ident: impl Into<String>));
                new_inits.push(quote!(#ident: #ident.into()));
            } else if is_union(&field.ty) && !field.is_option() {
                new_args.push(quote!(#ident: impl Into<#field_ty>));
                new_inits.push(quote!(#ident: #ident.into()));
            } else {
                new_args.push(quote!(#ident: #field_ty));
                new_inits.push(quote!(#ident));
            }
        } else {
            new_inits.push(quote!(#ident: None));
        }
    }
    let allow_new = if new_args.is_empty() {
        quote!(#[allow(clippy::new_without_default)])
    } else {
        TokenStream::new()
    };
    let embedded = object
        .embedded_body
        .as_ref()
        .map(|embedded| {
            let content_type = str_access(&embedded.content_type);
            let body = str_access(&embedded.body);
            let doc = docs(&format!(
                "The serialised result carried in `{}`, tagged with `{}`;\n`None` while the result is absent.",
                embedded.body.name.text, embedded.content_type.name.text
            ));
            quote! {
                #doc
                pub fn embedded_body(&self) -> Option<#root::EmbeddedBody<'_>> {
                    #root::EmbeddedBody::new(#content_type, #body)
                }
            }
        })
        .unwrap_or_default();
    let setters = object.fields.iter().map(|field| expand_setter(cx, field));
    let derive_debug = debug::derive_debug(object);
    let debug_impl = debug::expand_debug(cx, def, object);
    if object.form {
        let encoder = form::expand_form(cx, def, object);
        return quote! {
            #doc
            #[derive(#derive_debug Clone, PartialEq)]
            #[non_exhaustive]
            pub struct #name {
                #(#fields)*
            }

            impl #name {
                /// Creates a form with the required fields; optional fields start unset (and
                /// are not sent) or at their spec default.
                #allow_new
                pub fn new(#(#new_args),*) -> Self {
                    Self {
                        #(#new_inits,)*
                    }
                }

                #(#setters)*
                #embedded
                #(#default_fns)*
            }

            #debug_impl
            #encoder
        };
    }
    quote! {
        #doc
        #[derive(#derive_debug Clone, PartialEq, #root::__private::serde::Serialize, #root::__private::serde::Deserialize)]
        #[serde(crate = #serde_crate)]
        #[non_exhaustive]
        pub struct #name {
            #(#fields)*
            /// Fields the spec does not describe, kept as received.
            #[serde(flatten)]
            pub extra: #root::__private::serde_json::Map<String, #root::__private::serde_json::Value>,
        }

        impl #name {
            /// Creates a value with the required fields; optional fields start empty.
            #allow_new
            pub fn new(#(#new_args),*) -> Self {
                Self {
                    #(#new_inits,)*
                    extra: #root::__private::serde_json::Map::new(),
                }
            }

            #(#setters)*
            #embedded
            #(#default_fns)*
        }

        #debug_impl
    }
}

/// Whether a type is a union, whose values setters and `new` take through `Into`.
fn is_union(ty: &TypeRef) -> bool {
    matches!(
        ty,
        TypeRef::Named {
            kind: Kind::Union,
            ..
        }
    )
}

/// Emits the chainable setter of an optional field (`pub fn <field>(mut self, value) -> Self`);
/// nothing for a required field, which `new` takes.
fn expand_setter(cx: &Cx<'_>, field: &Field) -> TokenStream {
    if field.required {
        return TokenStream::new();
    }
    let ident = &field.name.ident;
    let (ty, value) = match &field.ty {
        TypeRef::String => (quote!(impl Into<String>), quote!(value.into())),
        TypeRef::Array(inner) => {
            let inner = rust_type(cx, inner);
            (
                quote!(impl IntoIterator<Item = #inner>),
                quote!(value.into_iter().collect()),
            )
        }
        union @ TypeRef::Named {
            kind: Kind::Union, ..
        } => {
            let ty = rust_type(cx, union);
            (quote!(impl Into<#ty>), quote!(value.into()))
        }
        other => (rust_type(cx, other), quote!(value)),
    };
    let value = if field.is_option() {
        quote!(Some(#value))
    } else {
        value
    };
    let doc = docs(&match &field.description {
        Some(description) => format!("Sets `{}`: {}", field.wire, lower_first(description)),
        None => format!("Sets `{}`.", field.wire),
    });
    quote! {
        #doc
        pub fn #ident(mut self, value: #ty) -> Self {
            self.#ident = #value;
            self
        }
    }
}

/// `self.<field>` as an `Option<&str>`.
fn str_access(field: &Field) -> TokenStream {
    let ident = &field.name.ident;
    if field.is_option() {
        quote!(self.#ident.as_deref())
    } else {
        quote!(Some(self.#ident.as_str()))
    }
}

fn field_type(cx: &Cx<'_>, field: &Field) -> TokenStream {
    let ty = rust_type(cx, &field.ty);
    if field.is_option() {
        quote!(Option<#ty>)
    } else {
        ty
    }
}

/// Emits one struct field with its docs and serde attributes (none for a form).
fn expand_field(cx: &Cx<'_>, def: &TypeDef, object: &Object, field: &Field) -> TokenStream {
    let ident = &field.name.ident;
    let ty = field_type(cx, field);
    let doc = docs(
        field
            .description
            .as_deref()
            .unwrap_or(&format!("The `{}` field.", field.wire)),
    );
    if object.form {
        return quote! {
            #doc
            pub #ident: #ty,
        };
    }
    let rename = if field.name.differs_from(&field.wire) {
        let wire = &field.wire;
        quote!(#[serde(rename = #wire)])
    } else {
        TokenStream::new()
    };
    let mut parts = Vec::new();
    if field.default.is_some() {
        let path = format!("{}::{}", def.name.text, field.default_fn.text);
        parts.push(quote!(default = #path));
    } else if field.is_option() && !field.required {
        parts.push(quote!(default));
    }
    if field.is_option() && !field.required {
        parts.push(quote!(skip_serializing_if = "Option::is_none"));
    }
    if field.ty == TypeRef::Int64String {
        let with = if field.is_option() {
            format!("{}::__private::int64_string::option", cx.root_text)
        } else {
            format!("{}::__private::int64_string", cx.root_text)
        };
        parts.push(quote!(with = #with));
    }
    let serde = if parts.is_empty() {
        TokenStream::new()
    } else {
        quote!(#[serde(#(#parts),*)])
    };
    quote! {
        #doc
        #rename
        #serde
        pub #ident: #ty,
    }
}

/// The Rust expression for a checked default value.
fn default_value(ty: &TypeRef, value: &Scalar) -> TokenStream {
    match (ty, value) {
        (TypeRef::String, Scalar::String(text)) => {
            quote!(String::from(#text))
        }
        (TypeRef::Named { name, .. }, Scalar::String(text)) => {
            let ident = &name.ident;
            quote!(<#ident as ::std::convert::From<&str>>::from(#text))
        }
        (_, Scalar::Bool(flag)) => quote!(#flag),
        (TypeRef::I32, Scalar::Int(number)) => {
            let literal = Literal::i64_unsuffixed(*number);
            quote!(#literal)
        }
        (TypeRef::F64, Scalar::Int(number)) => {
            // Checked as small enough to be exact by the spec author's intent; the cast is the
            // literal's type, not a conversion of data.
            let literal = Literal::f64_suffixed(*number as f64);
            quote!(#literal)
        }
        (TypeRef::F64, Scalar::Float(number)) => {
            let literal = Literal::f64_suffixed(*number);
            quote!(#literal)
        }
        (_, Scalar::Int(number)) => {
            let literal = Literal::i64_suffixed(*number);
            quote!(#literal)
        }
        (_, Scalar::Float(number)) => {
            let literal = Literal::f64_suffixed(*number);
            quote!(#literal)
        }
        (_, Scalar::String(text)) => quote!(String::from(#text)),
    }
}

/// Emits an open string enum: the enum with an `Unknown(String)` variant, then one
/// `open_enum!` call for its fixed impls (`KNOWN`, `as_str`, `is_unknown`, `From<&str>`,
/// `Display`, `Serialize`, `Deserialize`).
fn expand_enum(cx: &Cx<'_>, def: &TypeDef, variants: &[Variant]) -> TokenStream {
    let root = &cx.root;
    let name = &def.name.ident;
    let type_doc = format!(
        "{}\n\nValues the spec does not list are kept in [`{n}::Unknown`] and\nserialised back unchanged.",
        def.description
            .as_deref()
            .unwrap_or(&format!("The `{}` enum.", def.name.text)),
        n = def.name.text
    );
    let doc = docs(&type_doc);
    let idents: Vec<_> = variants.iter().map(|v| &v.name.ident).collect();
    let wires: Vec<_> = variants.iter().map(|v| v.wire.as_str()).collect();
    let variant_docs = variants.iter().map(|v| {
        docs(&match &v.description {
            Some(description) => format!("`{}`: {}", v.wire, lower_first(description)),
            None => format!("`{}`.", v.wire),
        })
    });
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #name {
            #(
                #variant_docs
                #idents,
            )*
            /// A value this version of the spec does not know, kept as sent.
            Unknown(String),
        }

        #root::__private::open_enum!(#name { #(#idents = #wires),* });
    }
}
