//! Model → tokens. `mod.rs` emits the area module, server constants and the client accessor;
//! `types.rs` the named types (with `output.rs` for output enums and `form.rs` for multipart
//! encoders); `client.rs` the area struct and one request builder per operation.

mod client;
mod debug;
mod example;
mod form;
mod output;
mod pages;
mod send;
mod stream;
mod types;
mod union;
mod wait;

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::Mode;
use crate::model::{Api, Server};

/// What every expansion function needs: the model and where the runtime lives.
pub(crate) struct Cx<'a> {
    pub(crate) api: &'a Api,
    /// The runtime root path (`crate` or `::fireworks_ai`).
    pub(crate) root: TokenStream,
    /// The same path as text, for `#[serde(crate = "...")]`.
    pub(crate) root_text: String,
    pub(crate) mode: Mode,
}

/// Emits `pub mod <area> { ... }` plus, in build-script mode, the inherent `Client` accessor.
pub(crate) fn expand_api(cx: &Cx<'_>) -> TokenStream {
    let api = cx.api;
    let module = &api.module.ident;
    let client_type = &api.client_type.ident;
    let area_doc = docs(&area_description(cx));
    let servers = api.servers.iter().map(|s| expand_server(cx, s));
    let types = types::expand_types(cx);
    let client = client::expand_client(cx);
    let root = &cx.root;
    let (inside, outside) = match cx.mode {
        Mode::BuildScript => (
            TokenStream::new(),
            quote! {
                impl #root::Client {
                    #area_doc
                    pub fn #module(&self) -> #module::#client_type<'_> {
                        #module::#client_type::new(self)
                    }
                }
            },
        ),
        Mode::Macro => {
            let ext = &api.ext_trait.ident;
            let trait_doc = docs(&format!(
                "Adds [`{ext}::{module}`] to [`{root_text}::Client`]; bring it into scope to call it.",
                root_text = cx.root_text
            ));
            (
                quote! {
                    #trait_doc
                    pub trait #ext {
                        #area_doc
                        fn #module(&self) -> #client_type<'_>;
                    }

                    impl #ext for #root::Client {
                        fn #module(&self) -> #client_type<'_> {
                            #client_type::new(self)
                        }
                    }
                },
                TokenStream::new(),
            )
        }
    };
    quote! {
        #area_doc
        pub mod #module {
            // Every generated module imports these by name and no generated type may shadow
            // them (spec check `PRELUDE_IMPORTS`), so the code below writes `Option<String>`.
            #[allow(unused_imports)]
            use ::std::{
                boxed::Box,
                convert::Into,
                iter::IntoIterator,
                option::Option::{self, None, Some},
                result::Result::{self, Err, Ok},
                string::String,
                vec::Vec,
            };

            #(#servers)*
            #types
            #client
            #inside
        }

        #outside
    }
}

/// Emits `pub const <NAME>: ROOT::Server`.
fn expand_server(cx: &Cx<'_>, server: &Server) -> TokenStream {
    let root = &cx.root;
    let constant = &server.constant.ident;
    let name = &server.name;
    let url = &server.url;
    let variable = format!("FIREWORKS_{}_BASE_URL", server.constant.text);
    let first = match &server.description {
        Some(description) => format!("Server `{name}`: {}", lower_first(description)),
        None => format!("Server `{name}`."),
    };
    let doc = docs(&format!(
        "{first}\n\nDefault base URL `{url}`; override it with\n`ClientBuilder::base_url` or the `{variable}` variable."
    ));
    quote! {
        #doc
        pub const #constant: #root::Server = #root::Server::new(#name, #url);
    }
}

fn area_description(cx: &Cx<'_>) -> String {
    match &cx.api.description {
        Some(description) => description.clone(),
        None => format!("The {} API.", human(&cx.api.area)),
    }
}

/// `audio_batch` → `audio batch`, for prose.
pub(crate) fn human(name: &str) -> String {
    name.replace(['_', '-'], " ")
}

/// Emits one `#[doc = "..."]` per line of `text`.
pub(crate) fn docs(text: &str) -> TokenStream {
    let lines = text.trim_end().lines().map(|line| {
        let line = if line.is_empty() {
            String::new()
        } else {
            format!(" {}", line.trim_end())
        };
        let literal = Literal::string(&line);
        quote!(#[doc = #literal])
    });
    quote!(#(#lines)*)
}

/// Lower-cases the first letter of a sentence fragment, unless it starts an acronym.
pub(crate) fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && !second.is_uppercase() => {
            let mut out: String = first.to_lowercase().collect();
            out.push_str(text.get(first.len_utf8()..).unwrap_or_default());
            out
        }
        _ => text.to_owned(),
    }
}
