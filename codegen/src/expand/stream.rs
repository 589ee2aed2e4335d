//! An operation's `stream:` block → tokens: the `static` stream and collect configurations and
//! the builder's `stream()` (and, with `collect`, `stream_collect()`) methods.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::send::expand_call;
use super::types::rust_type;
use super::{Cx, docs};
use crate::model::Operation;

/// The statement `send_with_meta` of a streaming operation starts with: the flag cleared, so a
/// plain send never asks for a stream.
pub(crate) fn clear_flag(op: &Operation) -> TokenStream {
    match &op.stream {
        Some(stream) => {
            let flag = &stream.flag.ident;
            quote!(self.body.#flag = None;)
        }
        None => TokenStream::new(),
    }
}

/// The `static`s of a streaming operation (outside the builder's `impl`).
pub(crate) fn expand_stream_statics(cx: &Cx<'_>, op: &Operation) -> TokenStream {
    let Some(stream) = &op.stream else {
        return TokenStream::new();
    };
    let root = &cx.root;
    let config = format_ident!("{}_STREAM", op.static_name.text);
    let done = match &stream.done {
        Some(done) => quote!(Some(#done)),
        None => quote!(None),
    };
    let stop = &stream.stop_events;
    let skip = &stream.skip_events;
    let error = &stream.error_events;
    let collect = stream.collect.as_ref().map(|collect| {
        let name = format_ident!("{}_COLLECT", op.static_name.text);
        let rename = collect.rename.iter().map(|(from, to)| quote!((#from, #to)));
        let concat = &collect.concat;
        let set = collect
            .set
            .iter()
            .map(|(key, value)| quote!((#key, #value)));
        quote! {
            static #name: #root::CollectConfig = #root::CollectConfig {
                rename: &[#(#rename),*],
                concat: &[#(#concat),*],
                set: &[#(#set),*],
            };
        }
    });
    quote! {
        static #config: #root::StreamConfig = #root::StreamConfig {
            done: #done,
            stop_events: &[#(#stop),*],
            skip_events: &[#(#skip),*],
            error_events: &[#(#error),*],
        };
        #collect
    }
}

/// The builder methods of a streaming operation.
pub(crate) fn expand_stream_methods(
    cx: &Cx<'_>,
    op: &Operation,
    response: &TokenStream,
) -> TokenStream {
    let Some(stream) = &op.stream else {
        return TokenStream::new();
    };
    let root = &cx.root;
    let flag = &stream.flag.ident;
    let chunk = rust_type(cx, &stream.chunk);
    let config = format_ident!("{}_STREAM", op.static_name.text);
    let idle = Literal::u64_unsuffixed(stream.idle_timeout_secs);
    let call = expand_call(
        cx,
        op,
        (
            TokenStream::new(),
            quote!(send_events::<#chunk>(&#config, ::std::time::Duration::from_secs(#idle))),
        ),
    );
    let doc = docs(&format!(
        "Sends the request with `{flag}: true` and returns its server-sent events as a stream\nof chunks, once the response status is a success.\n\nThe stream fails with [`{r}::Error::Stream`] on an error event, a broken\nconnection, {idle} s without a byte, or a body that ends early.\n\n# Errors\nAs for [`Self::send`], up to the response status.",
        flag = stream.flag.text,
        r = cx.root_text,
        idle = stream.idle_timeout_secs,
    ));
    let collect = stream.collect.as_ref().map(|_| {
        let name = format_ident!("{}_COLLECT", op.static_name.text);
        quote! {
            /// Streams the response and merges the chunks into the response [`Self::send`]
            /// returns: text fragments joined, choices and tool calls merged by `index`, the
            /// last value of everything else.
            ///
            /// # Errors
            /// As for [`Self::stream`], or the first error of the stream.
            pub async fn stream_collect(self) -> Result<#response, #root::Error> {
                self.stream().await?.collect_response(&#name).await
            }
        }
    });
    quote! {
        #doc
        pub async fn stream(mut self) -> Result<#root::EventStream<#chunk>, #root::Error> {
            self.body.#flag = Some(true);
            #call
        }

        #collect
    }
}
