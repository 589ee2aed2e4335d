//! Union types → tokens: an enum with one variant per spec variant plus `Other(Value)`, which
//! keeps a value of no listed shape as received. Untagged unions derive serde's untagged
//! representation (variants tried in spec order); tagged unions read the tag field and decode
//! the matching variant through the runtime's `deserialize_tagged`, and write the tag back
//! with `serialize_tagged`.

use proc_macro2::TokenStream;
use quote::quote;

use super::types::rust_type;
use super::{Cx, docs};
use crate::model::{TypeDef, TypeRef, Union};

/// Emits the enum, its serde impls, `From` conversions and (tagged) `tag()`.
pub(crate) fn expand_union(cx: &Cx<'_>, def: &TypeDef, union: &Union) -> TokenStream {
    let root = &cx.root;
    let serde_crate = format!("{}::__private::serde", cx.root_text);
    let name = &def.name.ident;
    let listed: Vec<String> = union
        .variants
        .iter()
        .map(|v| format!("`{}`", v.wire))
        .collect();
    let how = match &union.tag {
        Some(tag) => format!(
            "Tagged by its `{tag}` field ({}); a value with another tag, or none, is kept in\n[`{n}::Other`] and serialised back unchanged.",
            listed.join(", "),
            n = def.name.text
        ),
        None => format!(
            "Untagged: the variants are tried in order ({}); a value of no listed shape\nis kept in [`{n}::Other`] and serialised back unchanged.",
            listed.join(", "),
            n = def.name.text
        ),
    };
    let doc = docs(&format!(
        "{}\n\n{how}",
        def.description
            .as_deref()
            .unwrap_or(&format!("The `{}` union.", def.name.text))
    ));
    let idents: Vec<_> = union.variants.iter().map(|v| &v.name.ident).collect();
    let types: Vec<_> = union
        .variants
        .iter()
        .map(|v| rust_type(cx, &v.ty))
        .collect();
    let variant_docs = union.variants.iter().map(|v| {
        docs(&match &union.tag {
            Some(tag) => format!("`{tag}: \"{}\"`.", v.wire),
            None => format!("`{}`.", v.wire),
        })
    });
    let value = quote!(#root::__private::serde_json::Value);
    let froms = union
        .variants
        .iter()
        .enumerate()
        .filter_map(|(index, variant)| {
            let unique = union
                .variants
                .iter()
                .enumerate()
                .all(|(other, v)| other == index || v.ty != variant.ty);
            if !unique {
                return None;
            }
            let ident = &variant.name.ident;
            let ty = rust_type(cx, &variant.ty);
            let from_str = if variant.ty == TypeRef::String {
                quote! {
                    impl ::std::convert::From<&str> for #name {
                        fn from(value: &str) -> Self {
                            Self::#ident(String::from(value))
                        }
                    }
                }
            } else {
                TokenStream::new()
            };
            Some(quote! {
                impl ::std::convert::From<#ty> for #name {
                    fn from(value: #ty) -> Self {
                        Self::#ident(value)
                    }
                }
                #from_str
            })
        });
    let enum_def = quote! {
        #(
            #variant_docs
            #idents(#types),
        )*
        /// A value of no listed shape, kept as received.
        Other(#value),
    };
    let Some(tag) = &union.tag else {
        return quote! {
            #doc
            #[derive(Debug, Clone, PartialEq, #root::__private::serde::Serialize, #root::__private::serde::Deserialize)]
            #[serde(crate = #serde_crate, untagged)]
            #[non_exhaustive]
            #[allow(clippy::large_enum_variant)]
            pub enum #name {
                #enum_def
            }

            #(#froms)*
        };
    };
    let wires: Vec<_> = union.variants.iter().map(|v| v.wire.as_str()).collect();
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        #[allow(clippy::large_enum_variant)]
        pub enum #name {
            #enum_def
        }

        impl #name {
            /// The field whose value names the variant.
            pub const TAG: &'static str = #tag;

            /// The tag value of this variant; for [`Self::Other`], the tag it was received
            /// with, if it had a string one.
            pub fn tag(&self) -> Option<&str> {
                match self {
                    #(Self::#idents(_) => Some(#wires),)*
                    Self::Other(value) => value.get(#tag).and_then(|tag| tag.as_str()),
                }
            }
        }

        #(#froms)*

        impl #root::__private::serde::Serialize for #name {
            fn serialize<S: #root::__private::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    #(Self::#idents(value) => #root::__private::serialize_tagged(serializer, #tag, #wires, value),)*
                    Self::Other(value) => #root::__private::serde::Serialize::serialize(value, serializer),
                }
            }
        }

        impl<'de> #root::__private::serde::Deserialize<'de> for #name {
            fn deserialize<D: #root::__private::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                #root::__private::deserialize_tagged(deserializer, #tag, |tag, value| {
                    Ok(match tag {
                        #(Some(#wires) => Self::#idents(#root::__private::serde_json::from_value(value)?),)*
                        _ => Self::Other(value),
                    })
                })
            }
        }
    }
}
