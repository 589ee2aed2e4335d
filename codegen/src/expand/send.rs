//! The body of a request builder's `send_with_meta` → tokens: the server (fixed or derived),
//! the URL with path and query parameters, derived parameter values, headers, the request body
//! and the call that decodes the response.

use proc_macro2::TokenStream;
use quote::quote;

use super::Cx;
use crate::model::{
    ClientDefault, Derive, Encoding, Kind, Operation, Param, ParamIn, Segment, SourceField, TypeRef,
};

/// Emits the statements of `send_with_meta`, ending with the awaited call.
pub(crate) fn expand_send(cx: &Cx<'_>, op: &Operation, response: &TokenStream) -> TokenStream {
    expand_call(cx, op, expand_finish(op, response))
}

/// Emits the statements that build the call, ending with `finish` (the statement binding
/// what it needs, and the method that sends the call) awaited.
pub(crate) fn expand_call(
    cx: &Cx<'_>,
    op: &Operation,
    (format, finish): (TokenStream, TokenStream),
) -> TokenStream {
    let root = &cx.root;
    let statik = &op.static_name.ident;
    let derived = op.params.iter().filter_map(|param| {
        let derive = param.derive.as_ref()?;
        Some(expand_derived_param(cx, param, derive))
    });
    let url_init = match &op.server_derive {
        None => quote! {
            let mut url = #root::__private::UrlBuilder::new(self.client, &#statik)?;
        },
        Some(derive) => {
            let source = source_value(&derive.source);
            let arms = derive.map.iter().map(|(from, server)| {
                let server = &server.constant.ident;
                quote!(Some(#from) => &#server,)
            });
            let default = &derive.default.constant.ident;
            quote! {
                let server: &'static #root::Server = match #source {
                    #(#arms)*
                    _ => &#default,
                };
                let mut url = #root::__private::UrlBuilder::with_server(self.client, &#statik, server)?;
            }
        }
    };
    let url_steps = op.segments.iter().map(|segment| match segment {
        Segment::Literal(text) => quote!(url.literal(#text);),
        Segment::Param(wire) => match op.params.iter().find(|p| &p.wire == wire) {
            Some(param) => {
                let value = path_value(cx, param);
                quote!(url.segment(#wire, #value)?;)
            }
            None => TokenStream::new(),
        },
    });
    let query_steps = op
        .params
        .iter()
        .filter(|p| p.location == ParamIn::Query)
        .map(|p| {
            if op.update_mask.as_deref() == Some(p.wire.as_str()) {
                // Unset, the mask is the body fields the caller set.
                let ident = &p.name.ident;
                let wire = p.wire.as_str();
                return quote! {
                    match self.#ident {
                        Some(value) => url.query(#wire, value),
                        None => {
                            if let Some(mask) =
                                #root::__private::update_mask(&self.body)?
                            {
                                url.query(#wire, &mask);
                            }
                        }
                    }
                };
            }
            with_value(p, |wire, value| quote!(url.query(#wire, #value);))
        });
    let mut steps: Vec<TokenStream> = op
        .params
        .iter()
        .filter(|p| p.location == ParamIn::Header)
        .map(|p| with_value(p, |wire, value| quote!(call.header(#wire, #value)?;)))
        .collect();
    match op.body.as_ref().map(|body| body.encoding) {
        Some(Encoding::Multipart) => steps.push(quote! {
            call.multipart_body(#root::__private::MultipartForm::to_multipart(&self.body));
        }),
        Some(Encoding::Json) => steps.push(quote!(call.json_body(&self.body)?;)),
        None => {}
    }
    let send = if steps.is_empty() {
        quote! {
            #format
            #root::__private::Call::new(self.client, &#statik, url, &self.options)
                .#finish
                .await
        }
    } else {
        quote! {
            let mut call = #root::__private::Call::new(self.client, &#statik, url, &self.options);
            #(#steps)*
            #format
            call.#finish.await
        }
    };
    quote! {
        #(#derived)*
        #url_init
        #(#url_steps)*
        #(#query_steps)*
        #send
    }
}

/// The statement binding the selecting format value (if the response is an output type that a
/// request field selects) and the sending method call.
fn expand_finish(op: &Operation, response: &TokenStream) -> (TokenStream, TokenStream) {
    let is_output = matches!(
        op.response,
        TypeRef::Named {
            kind: Kind::Output,
            ..
        }
    );
    if !is_output {
        return (TokenStream::new(), quote!(send_json::<#response>()));
    }
    let Some(select) = &op.select else {
        return (
            TokenStream::new(),
            quote!(send_decoded(|content_type, body| {
                <#response>::decode(None, content_type, body)
            })),
        );
    };
    let ident = &select.source.name.ident;
    let format = match (&select.default, select.source.optional) {
        (_, false) => quote!(Some(self.body.#ident.clone())),
        (None, true) => quote!(self.body.#ident.clone()),
        (Some(default), true) => quote! {
            Some(
                self.body.#ident.clone().unwrap_or_else(|| ::std::convert::From::from(#default)),
            )
        },
    };
    (
        quote!(let format = #format;),
        quote!(send_decoded(|content_type, body| {
            <#response>::decode(format.as_ref(), content_type, body)
        })),
    )
}

/// The body field's wire value as an `Option<&str>`.
fn source_value(source: &SourceField) -> TokenStream {
    let ident = &source.name.ident;
    if source.optional {
        quote!(self.body.#ident.as_ref().map(|value| value.as_str()))
    } else {
        quote!(Some(self.body.#ident.as_str()))
    }
}

/// The local holding a derived parameter's value.
fn derived_local(param: &Param) -> &proc_macro2::Ident {
    &param.derived_local.ident
}

/// Emits `let derived_<param> = ...;`: the mapped value of the body field, checked against the
/// caller's override.
fn expand_derived_param(cx: &Cx<'_>, param: &Param, derive: &Derive<String>) -> TokenStream {
    let root = &cx.root;
    let local = derived_local(param);
    let ident = &param.name.ident;
    let wire = param.wire.as_str();
    let source_wire = derive.source.wire.as_str();
    let source = source_value(&derive.source);
    let arms = derive
        .map
        .iter()
        .map(|(from, to)| quote!(Some(#from) => Some(#to),));
    let default = derive.default.as_str();
    let explicit = match &param.ty {
        TypeRef::String => quote!(self.#ident),
        _ => quote!(self.#ident.as_ref().map(|value| value.as_str())),
    };
    quote! {
        let #local = {
            let source = #source;
            let mapped = match source {
                #(#arms)*
                _ => None,
            };
            #root::__private::derive_param(#wire, #source_wire, source, mapped, #default, #explicit)?
        };
    }
}

/// The `&str` expression for a path parameter, filling in client defaults and derived values.
fn path_value(cx: &Cx<'_>, param: &Param) -> TokenStream {
    let root = &cx.root;
    let ident = &param.name.ident;
    if param.derive.is_some() {
        let local = derived_local(param);
        return quote!(#local);
    }
    match param.client_default {
        Some(ClientDefault::AccountId) => {
            quote!(#root::__private::account_id(self.client, self.#ident)?)
        }
        None => as_str(&param.ty, quote!(self.#ident)),
    }
}

/// Runs `emit` with the parameter's `&str` value: the derived value, or inside `if let Some`
/// for optional ones.
fn with_value(param: &Param, emit: impl Fn(&str, TokenStream) -> TokenStream) -> TokenStream {
    let ident = &param.name.ident;
    let wire = param.wire.as_str();
    if param.derive.is_some() {
        let local = derived_local(param);
        return emit(wire, quote!(#local));
    }
    if param.required {
        emit(wire, as_str(&param.ty, quote!(self.#ident)))
    } else {
        let body = emit(wire, as_str(&param.ty, quote!(value)));
        quote! {
            if let Some(value) = self.#ident {
                #body
            }
        }
    }
}

/// Converts a parameter value expression to `&str` without allocating where possible.
fn as_str(ty: &TypeRef, value: TokenStream) -> TokenStream {
    match ty {
        TypeRef::String => value,
        TypeRef::Bool => quote!(if #value { "true" } else { "false" }),
        TypeRef::Named { .. } => quote!(#value.as_str()),
        _ => quote!(&#value.to_string()),
    }
}
