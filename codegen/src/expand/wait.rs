//! Waiters → tokens: `impl WaitStatus` for the status type (state, message, and the verdict
//! from the spec's done and failed states) and the area's `wait_*` method, which polls the
//! status operation through the runtime's generic `Wait`.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::types::rust_type;
use super::{Cx, docs};
use crate::model::{Operation, ParamIn, PollParam, SourceField, TypeRef, WaitStart, Waiter};

/// Emits `impl WaitStatus for <Status>`, or nothing when `op` has no waiter.
pub(crate) fn expand_wait_status(cx: &Cx<'_>, op: &Operation) -> TokenStream {
    let Some(wait) = &op.wait else {
        return TokenStream::new();
    };
    let root = &cx.root;
    let response = rust_type(cx, &op.response);
    let state = &wait.state.name.ident;
    let state_expr = match (wait.state.optional, wait.state_is_enum) {
        (true, true) => quote!(self.#state.as_ref().map_or("", |state| state.as_str())),
        (true, false) => quote!(self.#state.as_deref().unwrap_or_default()),
        (false, _) => quote!(self.#state.as_str()),
    };
    let message = message_path(&wait.message);
    let done = &wait.done;
    let done_verdict = match &wait.result {
        Some(result) if result.optional => {
            let ident = &result.name.ident;
            quote! {
                if self.#ident.is_some() {
                    #root::WaitVerdict::Done
                } else {
                    #root::WaitVerdict::NoResult
                }
            }
        }
        _ => quote!(#root::WaitVerdict::Done),
    };
    let verdict = if wait.ignore_case {
        let failed = &wait.failed;
        quote! {
            let state = #root::WaitStatus::state(self);
            let is = |values: &[&str]| values.iter().any(|v| state.eq_ignore_ascii_case(v));
            if is(&[#(#done),*]) {
                #done_verdict
            } else if is(&[#(#failed),*]) {
                #root::WaitVerdict::Failed
            } else {
                #root::WaitVerdict::Pending
            }
        }
    } else {
        let failed_arm = if wait.failed.is_empty() {
            TokenStream::new()
        } else {
            let failed = &wait.failed;
            quote!(#(#failed)|* => #root::WaitVerdict::Failed,)
        };
        quote! {
            match #root::WaitStatus::state(self) {
                #(#done)|* => #done_verdict,
                #failed_arm
                _ => #root::WaitVerdict::Pending,
            }
        }
    };
    quote! {
        impl #root::WaitStatus for #response {
            fn state(&self) -> &str {
                #state_expr
            }

            fn message(&self) -> Option<&str> {
                #message
            }

            fn verdict(&self) -> #root::WaitVerdict {
                #verdict
            }
        }
    }
}

/// Emits the area method `wait_*`, or nothing when `op` has no waiter.
pub(crate) fn expand_wait_method(cx: &Cx<'_>, op: &Operation) -> TokenStream {
    let Some(wait) = &op.wait else {
        return TokenStream::new();
    };
    let root = &cx.root;
    let response = rust_type(cx, &op.response);
    let method = &wait.method.ident;
    let get = &op.method_name.ident;
    let required: Vec<_> = op.params.iter().filter(|p| p.required).collect();
    let args = required.iter().map(|p| {
        let ident = &p.name.ident;
        let ty = match &p.ty {
            TypeRef::String => quote!(&'a str),
            TypeRef::Int64String => quote!(i64),
            other => rust_type(cx, other),
        };
        quote!(#ident: #ty)
    });
    let arg_names: Vec<_> = required.iter().map(|p| &p.name.ident).collect();
    let job = required
        .iter()
        .rev()
        .find(|p| p.location == ParamIn::Path)
        .map_or_else(
            || {
                let id = &op.id;
                quote!(#id)
            },
            |p| {
                let ident = &p.name.ident;
                quote!(::std::string::ToString::to_string(&#ident))
            },
        );
    let policy = expand_policy(cx, wait);
    let doc = docs(&wait_doc(cx, op, wait));
    quote! {
        #doc
        pub fn #method(&self, #(#args),*) -> #root::Wait<'a, #response> {
            let job = #job;
            let request = self.#get(#(#arg_names),*);
            #root::Wait::new(self.client, job, #policy, move |options| {
                Box::pin(request.clone().options(options).send())
            })
        }
    }
}

/// Emits `impl <Status>Request { pub fn wait(self) }`: polls the request as built (every setter
/// kept, an `account_id` override included), or nothing when `op` has no waiter.
pub(crate) fn expand_builder_wait(cx: &Cx<'_>, op: &Operation) -> TokenStream {
    let Some(wait) = &op.wait else {
        return TokenStream::new();
    };
    let root = &cx.root;
    let response = rust_type(cx, &op.response);
    let request = &op.request_type.ident;
    let job = op
        .params
        .iter()
        .rev()
        .find(|p| p.required && p.location == ParamIn::Path)
        .map_or_else(
            || {
                let id = &op.id;
                quote!(::std::string::ToString::to_string(#id))
            },
            |p| {
                let ident = &p.name.ident;
                quote!(::std::string::ToString::to_string(&self.#ident))
            },
        );
    let policy = expand_policy(cx, wait);
    let doc = docs(&format!(
        "Polls this request as built, every parameter it was given kept (an account\noverride too), until `{}` is {};\nthe same wait as [`{}::{}`].",
        wait.state.wire,
        wait.done
            .iter()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(", "),
        cx.api.client_type.ident,
        wait.method.text,
    ));
    quote! {
        impl<'a> #request<'a> {
            #doc
            pub fn wait(self) -> #root::Wait<'a, #response> {
                let job = #job;
                #root::Wait::new(self.client, job, #policy, move |options| {
                    Box::pin(self.clone().options(options).send())
                })
            }
        }
    }
}

/// Emits `impl <Start>Request { pub fn and_wait(self) }` for each start operation of `op`'s
/// waiter: send the start call, read the poll params from its response, then poll `op`.
pub(crate) fn expand_and_wait(cx: &Cx<'_>, op: &Operation) -> TokenStream {
    let Some(wait) = &op.wait else {
        return TokenStream::new();
    };
    wait.from
        .iter()
        .map(|start| expand_start(cx, op, wait, start))
        .collect()
}

fn expand_start(cx: &Cx<'_>, op: &Operation, wait: &Waiter, start: &WaitStart) -> TokenStream {
    let root = &cx.root;
    let response = rust_type(cx, &op.response);
    let request = &start.request.ident;
    let area = &cx.api.client_type.ident;
    let get = &op.method_name.ident;
    let local = |i: usize| quote::format_ident!("__poll_{}", i);
    let mut carries = Vec::new();
    let mut reads = Vec::new();
    let mut locals = Vec::new();
    let mut args = Vec::new();
    let mut setters = Vec::new();
    let mut job = None;
    for (i, (param, value)) in op.params.iter().zip(&start.params).enumerate() {
        let name = local(i);
        let ident = &param.name.ident;
        match value {
            PollParam::Unset => continue,
            PollParam::Carry(from) => {
                let from = &from.ident;
                carries.push(quote! {
                    let #name = self.#from.map(::std::borrow::ToOwned::to_owned);
                });
                setters.push(quote! {
                    let request = match &#name {
                        Some(value) => request.#ident(value),
                        None => request,
                    };
                });
            }
            PollParam::Field { source, segment } => {
                let field = &source.name.ident;
                let value = if source.optional {
                    quote!(started.#field.as_deref())
                } else {
                    quote!(Some(started.#field.as_str()))
                };
                let wire = &source.wire;
                let segment = match segment {
                    Some(n) => quote!(Some(#n)),
                    None => quote!(None),
                };
                reads.push(quote! {
                    let #name = #root::__private::wait_param(#value, #wire, #segment)?;
                });
                if param.required {
                    args.push(quote!(&#name));
                    if param.location == ParamIn::Path {
                        job = Some(name.clone());
                    }
                } else {
                    setters.push(quote!(let request = request.#ident(&#name);));
                }
            }
        }
        locals.push(name);
    }
    let job = match job {
        Some(name) => quote!(#name.clone()),
        None => {
            let id = &op.id;
            quote!(::std::string::ToString::to_string(#id))
        }
    };
    let policy = expand_policy(cx, wait);
    let doc = docs(&format!(
        "Sends this request, then waits for what it started: polls [`{area}::{get}`] with the
parameters its response names until `{}` is {}, as
[`{area}::{}`] does.

The request is sent once, when the returned [`{root_text}::Wait`] is first polled; its
error ends the wait, and a response without the fields to poll is
[`{root_text}::WaitErrorKind::NoResult`].",
        wait.state.wire,
        wait.done
            .iter()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(", "),
        wait.method.text,
        root_text = cx.root_text,
    ));
    quote! {
        impl<'a> #request<'a> {
            #doc
            pub fn and_wait(self) -> #root::Wait<'a, #response> {
                let client = self.client;
                #(#carries)*
                #root::Wait::after(client, #policy, async move {
                    let started = self.send().await?;
                    #(#reads)*
                    let job = #job;
                    let poll = move |options: #root::RequestOptions| -> #root::__private::BoxFuture<'a, Result<#response, #root::Error>> {
                        #(let #locals = #locals.clone();)*
                        Box::pin(async move {
                            let request = #area::new(client).#get(#(#args),*);
                            #(#setters)*
                            request.options(options).send().await
                        })
                    };
                    Ok((job, poll))
                })
            }
        }
    }
}

/// The spec's default policy as a `WaitPolicy` expression.
fn expand_policy(cx: &Cx<'_>, wait: &Waiter) -> TokenStream {
    let root = &cx.root;
    let mut policy = quote!(#root::WaitPolicy::new());
    if let Some(ms) = wait.initial_ms {
        let ms = Literal::u64_unsuffixed(ms);
        policy = quote!(#policy.first_delay(::std::time::Duration::from_millis(#ms)));
    }
    if let Some(ms) = wait.max_ms {
        let ms = Literal::u64_unsuffixed(ms);
        policy = quote!(#policy.max_delay(::std::time::Duration::from_millis(#ms)));
    }
    if let Some(factor) = wait.multiplier {
        let factor = Literal::f64_suffixed(factor);
        policy = quote!(#policy.factor(#factor));
    }
    policy
}

fn wait_doc(cx: &Cx<'_>, op: &Operation, wait: &Waiter) -> String {
    let list = |values: &[String]| {
        values
            .iter()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut text = format!(
        "Waits until `{}` of [`Self::{}`] is {}, polling with backoff.\n\n",
        wait.state.wire,
        op.method_name.text,
        list(&wait.done)
    );
    if !wait.failed.is_empty() {
        text.push_str(&format!(
            "{} end the wait with [`{}::Error::Wait`] ([`{}::WaitErrorKind::Failed`]){}.\n",
            list(&wait.failed),
            cx.root_text,
            cx.root_text,
            if wait.message.is_empty() {
                String::new()
            } else {
                let path: Vec<&str> = wait.message.iter().map(|f| f.wire.as_str()).collect();
                format!(" and the status's `{}`", path.join("."))
            }
        ));
    }
    if let Some(result) = &wait.result {
        text.push_str(&format!(
            "A done state without `{}` is [`{}::WaitErrorKind::NoResult`].\n",
            result.wire, cx.root_text
        ));
    }
    if !wait.pending.is_empty() {
        text.push_str(&format!(
            "{} and states the spec does not list keep it polling.\n",
            list(&wait.pending)
        ));
    } else {
        text.push_str("Any other state keeps it polling.\n");
    }
    if wait.ignore_case {
        text.push_str("States are compared ignoring ASCII case.\n");
    }
    text.push_str(&format!(
        "\nConfigure the returned [`{}::Wait`] (policy, options, progress), then `.await` it or\nstream it with `into_stream()`; dropping it stops polling.",
        cx.root_text
    ));
    text
}

/// The message along its field path as an `Option<&str>`.
fn message_path(path: &[SourceField]) -> TokenStream {
    if path.is_empty() {
        return quote!(None);
    }
    let mut expr = quote!(Some(self));
    for field in path {
        let ident = &field.name.ident;
        expr = if field.optional {
            quote!(#expr.and_then(|value| value.#ident.as_ref()))
        } else {
            quote!(#expr.map(|value| &value.#ident))
        };
    }
    quote!(#expr.map(|value| value.as_str()))
}
