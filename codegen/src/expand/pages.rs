//! Paginated lists → tokens: `impl Page` for the page type and `.pages()` / `.items()` on the
//! request builder, over the runtime's generic `Pages` paginator. Each page re-sends a clone of
//! the builder with the token set, so every other parameter stays as the caller set it.

use proc_macro2::TokenStream;
use quote::quote;

use super::types::rust_type;
use super::{Cx, docs};
use crate::model::{Operation, Pagination, SourceField};

/// Emits the pagination items of `op`, or nothing when it is not paginated.
pub(crate) fn expand_pages(cx: &Cx<'_>, op: &Operation, response: &TokenStream) -> TokenStream {
    let Some(pagination) = &op.pagination else {
        return TokenStream::new();
    };
    let root = &cx.root;
    let request = &op.request_type.ident;
    let token = &pagination.token.ident;
    let item = rust_type(cx, &pagination.item);
    let impl_page = if pagination.impl_page {
        expand_impl_page(cx, pagination, response, &item)
    } else {
        TokenStream::new()
    };
    let size = match &pagination.page_size {
        Some(size) => format!(" (each of at most `{size}` items, when set)"),
        None => String::new(),
    };
    let pages_doc = docs(&format!(
        "Every page of the list{size}, fetched one at a time as the stream is polled.\n\n\
         The first page is sent as built (with `{token}` if it was set); each next one re-sends\n\
         this request with the previous page's `{next}` as `{token}`. The stream ends after a page\n\
         without one (absent or empty); a token the server already sent is\n\
         [`{root_text}::Error::Stream`] with `RepeatedPageToken`. The first error ends the stream.",
        token = pagination.token_wire,
        next = pagination.next_token.wire,
        root_text = cx.root_text,
    ));
    let items_doc = docs(&format!(
        "The `{}` of every page, in order; see [`Self::pages`].",
        pagination.items.wire
    ));
    quote! {
        #impl_page

        impl<'a> #request<'a> {
            #pages_doc
            pub fn pages(self) -> #root::Pages<'a, #response> {
                let first = self.#token.map(::std::borrow::ToOwned::to_owned);
                #root::Pages::new(first, move |token: Option<String>| {
                    let mut request = self.clone();
                    request.#token = None;
                    async move {
                        match token.as_deref() {
                            Some(token) => request.#token(token).send().await,
                            None => request.send().await,
                        }
                    }
                })
            }

            #items_doc
            pub fn items(self) -> #root::Items<'a, #item> {
                self.pages().items()
            }
        }
    }
}

/// Emits `impl Page for <PageType>`.
fn expand_impl_page(
    cx: &Cx<'_>,
    pagination: &Pagination,
    response: &TokenStream,
    item: &TokenStream,
) -> TokenStream {
    let root = &cx.root;
    let next = field_str(&pagination.next_token);
    let items = &pagination.items.name.ident;
    let into_items = if pagination.items.optional {
        quote!(self.#items.unwrap_or_default())
    } else {
        quote!(self.#items)
    };
    quote! {
        impl #root::Page for #response {
            type Item = #item;

            fn next_page_token(&self) -> Option<&str> {
                #next
            }

            fn into_items(self) -> Vec<#item> {
                #into_items
            }
        }
    }
}

/// `self.<field>` as an `Option<&str>`.
fn field_str(field: &SourceField) -> TokenStream {
    let ident = &field.name.ident;
    if field.optional {
        quote!(self.#ident.as_deref())
    } else {
        quote!(Some(self.#ident.as_str()))
    }
}
