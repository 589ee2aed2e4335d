//! The area struct and its operations → tokens: one client method, one `static Operation` and
//! one request builder (with `send`, `send_with_meta` and `IntoFuture`) per operation.

use proc_macro2::TokenStream;
use quote::quote;

use super::send::expand_send;
use super::stream;
use super::types::rust_type;
use super::{Cx, docs, human};
use crate::Mode;
use crate::model::{Auth, Method, Operation, Param, TypeRef};

/// Emits the area struct (`pub struct AudioBatch<'a>`), its methods and every operation's items.
pub(crate) fn expand_client(cx: &Cx<'_>) -> TokenStream {
    let api = cx.api;
    let root = &cx.root;
    let client_type = &api.client_type.ident;
    let accessor = match cx.mode {
        Mode::BuildScript => format!("[`{}::Client::{}`]", cx.root_text, api.module.text),
        Mode::Macro => format!("[`{}::{}`]", api.ext_trait.text, api.module.text),
    };
    let doc = docs(&format!(
        "Operations of the {} API; get it from {accessor}.",
        human(&api.area)
    ));
    let methods = api.operations.iter().map(|op| expand_method(cx, op));
    let waits = api
        .operations
        .iter()
        .map(|op| super::wait::expand_wait_method(cx, op));
    let operations = api.operations.iter().map(|op| expand_operation(cx, op));
    quote! {
        #doc
        #[derive(Debug, Clone, Copy)]
        pub struct #client_type<'a> {
            client: &'a #root::Client,
        }

        impl<'a> #client_type<'a> {
            /// Wraps a client.
            pub fn new(client: &'a #root::Client) -> Self {
                Self { client }
            }

            /// The client this area's requests are sent with.
            pub fn client(&self) -> &'a #root::Client {
                self.client
            }

            #(#methods)*
            #(#waits)*
        }

        #(#operations)*
    }
}

/// The type a parameter has in the builder (`&'a str` for strings, values otherwise).
fn param_type(cx: &Cx<'_>, param: &Param) -> TokenStream {
    match &param.ty {
        TypeRef::String => quote!(&'a str),
        TypeRef::Int64String => quote!(i64),
        other => rust_type(cx, other),
    }
}

/// The body argument and field (`body: <Type>`), if the operation has a body.
fn body_arg(cx: &Cx<'_>, op: &Operation) -> Option<TokenStream> {
    let body = op.body.as_ref()?;
    let ty = rust_type(cx, &body.ty);
    Some(quote!(body: #ty))
}

/// `name: Type` of each required parameter, then `body: Type`: the client method's arguments,
/// the builder's required fields and its constructor's parameters.
fn typed_required<'o>(cx: &'o Cx<'_>, op: &'o Operation) -> impl Iterator<Item = TokenStream> + 'o {
    required(op)
        .map(|p| {
            let ident = &p.name.ident;
            let ty = param_type(cx, p);
            quote!(#ident: #ty)
        })
        .chain(body_arg(cx, op))
}

fn required(op: &Operation) -> impl Iterator<Item = &Param> {
    op.params.iter().filter(|p| p.required)
}

fn optional(op: &Operation) -> impl Iterator<Item = &Param> {
    op.params.iter().filter(|p| !p.required)
}

fn method_text(method: Method) -> &'static str {
    match method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
    }
}

/// Emits the client method that starts a request builder.
fn expand_method(cx: &Cx<'_>, op: &Operation) -> TokenStream {
    let method = &op.method_name.ident;
    let request = &op.request_type.ident;
    let mut text = Vec::new();
    if let Some(summary) = &op.summary {
        text.push(summary.clone());
    }
    if let Some(description) = &op.description {
        text.push(description.clone());
    }
    let server = match &op.server_derive {
        None => format!("server `{}`", op.server_name),
        Some(derive) => {
            let cases: Vec<String> = derive
                .map
                .iter()
                .map(|(from, server)| format!("`{from}` → `{}`", server.name))
                .collect();
            format!(
                "the server chosen by the body's `{}`:\n{}, otherwise `{}`",
                derive.source.wire,
                cases.join(", "),
                op.server_name
            )
        }
    };
    text.push(format!(
        "`{} {}` on {server}.",
        method_text(op.method),
        op.path,
    ));
    let mut params: Vec<String> = required(op)
        .map(|p| match &p.description {
            Some(description) => format!("- `{}`: {description}", p.name.text),
            None => format!("- `{}`", p.name.text),
        })
        .collect();
    if let Some(body) = &op.body {
        params.push(match &body.description {
            Some(description) => format!("- `body`: {description}"),
            None => "- `body`: the request body.".to_owned(),
        });
    }
    if !params.is_empty() {
        text.push(params.join("\n"));
    }
    if cx.mode == Mode::BuildScript {
        text.push(super::example::method_example(cx, op));
    }
    let doc = docs(&text.join("\n\n"));
    let args = typed_required(cx, op);
    let required_args = required(op)
        .map(|p| {
            let ident = &p.name.ident;
            quote!(#ident)
        })
        .chain(op.body.as_ref().map(|_| quote!(body)));
    quote! {
        #doc
        pub fn #method(&self, #(#args),*) -> #request<'a> {
            #request::__new(self.client, #(#required_args),*)
        }
    }
}

/// Emits `static <OP>: Operation`, `pub struct <Op>Request<'a>`, its setters and senders, and
/// its `IntoFuture` impl.
fn expand_operation(cx: &Cx<'_>, op: &Operation) -> TokenStream {
    let root = &cx.root;
    let api = cx.api;
    let statik = &op.static_name.ident;
    let request = &op.request_type.ident;
    let id = &op.id;
    let method = match op.method {
        Method::GET => quote!(GET),
        Method::POST => quote!(POST),
        Method::PUT => quote!(PUT),
        Method::PATCH => quote!(PATCH),
        Method::DELETE => quote!(DELETE),
        Method::HEAD => quote!(HEAD),
        Method::OPTIONS => quote!(OPTIONS),
    };
    let server = &op.server_constant.ident;
    let path = &op.path;
    let auth = match &op.auth {
        Auth::None => quote!(#root::__private::Auth::None),
        Auth::Raw => quote!(#root::__private::Auth::Raw),
        Auth::Bearer => quote!(#root::__private::Auth::Bearer),
        Auth::Query(name) => quote!(#root::__private::Auth::Query(#name)),
    };
    let idempotent = op.idempotent;
    let timeout = match op.timeout_secs {
        Some(secs) => {
            let secs = proc_macro2::Literal::u64_unsuffixed(secs);
            quote!(Some(::std::time::Duration::from_secs(#secs)))
        }
        None => quote!(None),
    };
    let response = rust_type(cx, &op.response);
    let builder_doc = docs(&format!(
        "Request builder for [`{}::{}`]; send it with `.send().await` or\njust `.await`.",
        api.client_type.ident, op.method_name.ident
    ));
    let required_fields = typed_required(cx, op);
    let optional_fields = optional(op).map(|p| {
        let ident = &p.name.ident;
        let ty = param_type(cx, p);
        quote!(#ident: Option<#ty>)
    });
    let required_params = typed_required(cx, op);
    let optional_params = optional(op).map(|p| &p.name.ident);
    let setters = optional(op).map(|p| {
        let ident = &p.name.ident;
        let ty = param_type(cx, p);
        let mut text = p
            .description
            .clone()
            .unwrap_or_else(|| format!("Sets `{}`.", p.wire));
        if let Some(derive) = &p.derive {
            text.push_str(&format!(
                "\n\nDerived from the body's `{}` when not set; a value that disagrees with it\nis refused before anything is sent.",
                derive.source.wire
            ));
        }
        let doc = docs(&text);
        quote! {
            #doc
            pub fn #ident(mut self, value: #ty) -> Self {
                self.#ident = Some(value);
                self
            }
        }
    });
    let root_text = &cx.root_text;
    let send = expand_send(cx, op, &response);
    let pages = super::pages::expand_pages(cx, op, &response);
    let wait_status = super::wait::expand_wait_status(cx, op);
    let builder_wait = super::wait::expand_builder_wait(cx, op);
    let and_wait = super::wait::expand_and_wait(cx, op);
    let stream_statics = stream::expand_stream_statics(cx, op);
    let stream_methods = stream::expand_stream_methods(cx, op, &response);
    let clear_flag = stream::clear_flag(op);
    let self_arg = if op.stream.is_some() {
        quote!(mut self)
    } else {
        quote!(self)
    };
    quote! {
        static #statik: #root::__private::Operation = #root::__private::Operation {
            id: #id,
            method: #root::__private::Method::#method,
            server: &#server,
            path: #path,
            auth: #auth,
            idempotent: #idempotent,
            timeout: #timeout,
        };
        #stream_statics

        #builder_doc
        #[derive(Debug, Clone)]
        #[must_use = "a request does nothing until it is sent"]
        pub struct #request<'a> {
            client: &'a #root::Client,
            #(#required_fields,)*
            #(#optional_fields,)*
            options: #root::RequestOptions,
        }

        impl<'a> #request<'a> {
            #(#setters)*

            #root::__private::request_methods!(
                #root_text, #response;
                required(#(#required_params),*);
                optional(#(#optional_params),*)
            );

            /// Like [`Self::send`], and also returns the response metadata (request id, rate limits,
            /// attempts).
            ///
            /// # Errors
            /// As for [`Self::send`].
            pub async fn send_with_meta(#self_arg) -> Result<#root::Response<#response>, #root::Error> {
                #clear_flag
                #send
            }

            #stream_methods
        }

        #root::__private::request_future!(#request -> #response);

        #pages
        #wait_status
        #builder_wait
        #and_wait
    }
}
