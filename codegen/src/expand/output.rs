//! Output types → tokens: an enum with one variant per format case plus `Other`, and the
//! `decode` that picks the case from the format value or, when that is unknown, from the
//! content type and the body.

use proc_macro2::TokenStream;
use quote::quote;

use super::types::rust_type;
use super::{Cx, docs};
use crate::model::{Output, TypeDef};

/// Emits `pub enum <Output>` with `decode` and `format`.
pub(crate) fn expand_output(cx: &Cx<'_>, def: &TypeDef, output: &Output) -> TokenStream {
    let root = &cx.root;
    let name = &def.name.ident;
    let format = rust_type(cx, &output.format);
    let doc = docs(&format!(
        "{}\n\nDecode a response body with [`{}::decode`].",
        def.description
            .as_deref()
            .unwrap_or(&format!("The `{}` output.", def.name.text)),
        def.name.text
    ));
    let variants = output.cases.iter().map(|case| {
        let variant = &case.variant.ident;
        let (doc, ty) = match &case.ty {
            Some(ty) => (
                format!("`{}`: the JSON body, decoded.", case.wire),
                rust_type(cx, ty),
            ),
            None => (
                format!("`{}`: the body as text.", case.wire),
                quote!(String),
            ),
        };
        let doc = docs(&doc);
        quote! {
            #doc
            #variant(#ty),
        }
    });
    let decode_case = |case: &crate::model::OutputCase| {
        let variant = &case.variant.ident;
        match &case.ty {
            Some(_) => quote!(#root::__private::decode_json_str(body).map(Self::#variant)),
            None => quote!(Ok(Self::#variant(
                String::from(body)
            ))),
        }
    };
    let by_format = output.cases.iter().map(|case| {
        let wire = case.wire.as_str();
        let decode = decode_case(case);
        quote!(Some(#wire) => return #decode,)
    });
    let json_cases: Vec<_> = output.cases.iter().filter(|c| c.ty.is_some()).collect();
    let json_fields = json_cases.iter().map(|case| {
        let fields = case.json_fields.iter().map(String::as_str);
        quote!(&[#(#fields),*])
    });
    let by_guess = json_cases.iter().enumerate().map(|(index, case)| {
        let decode = decode_case(case);
        let index = proc_macro2::Literal::usize_unsuffixed(index);
        quote!(#root::__private::Guess::Json(#index) => #decode,)
    });
    let first_text = output.cases.iter().find(|c| c.ty.is_none());
    let has_text = first_text.is_some();
    let text_arm = first_text
        .map(|case| {
            let decode = decode_case(case);
            quote!(#root::__private::Guess::Text => #decode,)
        })
        .unwrap_or_default();
    let format_arms = output.cases.iter().map(|case| {
        let variant = &case.variant.ident;
        let wire = case.wire.as_str();
        quote! {
            Self::#variant(_) => Some(<#format as ::std::convert::From<&str>>::from(#wire)),
        }
    });
    let decode_doc = docs(&format!(
        "Decodes a response body of this output.\n\n\
         With a `format` this output lists, the body is decoded as that case says. Otherwise\n\
         (no format, or one the spec does not list) the case is guessed: a JSON content type,\n\
         or no content type and a body that parses as JSON, picks the JSON case whose fields\n\
         share the most keys with the body; a `text/*` content type, or no content type and a\n\
         body that is not JSON, picks the first text case; anything else is kept in\n\
         [`{name}::Other`].\n\n\
         # Errors\n\
         [`{root}::Error::Decode`] when a body that must be JSON does not decode into the\n\
         case's type, naming the JSON path of the failing field.",
        name = def.name.text,
        root = cx.root_text,
    ));
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            /// A body whose format this spec does not list, kept as received.
            Other {
                /// The response's content type.
                content_type: String,
                /// The body as received.
                body: String,
            },
        }

        impl #name {
            #decode_doc
            pub fn decode(
                format: Option<&#format>,
                content_type: Option<&str>,
                body: &str,
            ) -> Result<Self, #root::Error> {
                match format.map(|format| format.as_str()) {
                    #(#by_format)*
                    _ => {}
                }
                match #root::__private::guess_output(content_type, body, &[#(#json_fields),*], #has_text) {
                    #(#by_guess)*
                    #text_arm
                    _ => Ok(Self::Other {
                        content_type: String::from(content_type.unwrap_or_default()),
                        body: String::from(body),
                    }),
                }
            }

            /// The format value of this case; `None` for [`Self::Other`].
            pub fn format(&self) -> Option<#format> {
                match self {
                    #(#format_arms)*
                    Self::Other { .. } => None,
                }
            }
        }
    }
}
