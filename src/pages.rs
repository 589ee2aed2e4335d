//! Paginated listings (AIP-158 style: `pageToken` in, `nextPageToken` out) as streams of pages
//! and of items, over one generic paginator that generated list operations call.

use std::collections::HashSet;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::stream::{self, BoxStream, Stream, StreamExt, TryStreamExt};

use crate::error::Error;
use crate::sse::{StreamError, StreamErrorKind};

/// One page of a listing: its items and the token of the next page. Implemented by generated
/// code for each page type the spec declares.
pub trait Page {
    /// The listed resource.
    type Item;
    /// The token that fetches the next page; `None` or empty on the last page.
    fn next_page_token(&self) -> Option<&str>;
    /// The page's items, in order.
    fn into_items(self) -> Vec<Self::Item>;
}

/// The pages of a listing, fetched one at a time as the stream is polled.
///
/// The first page is fetched with the caller's token (usually none), each next one with the
/// token the previous page returned; the stream ends after a page without a token (absent or
/// empty). A token the server already returned is [`Error::Stream`] with
/// [`StreamErrorKind::RepeatedPageToken`] instead of an endless loop. The first error ends the
/// stream. Dropping it cancels the request in flight.
///
/// The page that carries a repeated token is still delivered; the error follows it.
#[must_use = "a stream does nothing unless polled"]
pub struct Pages<'a, P> {
    inner: BoxStream<'a, Result<P, Error>>,
}

impl<P> fmt::Debug for Pages<'_, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages").finish_non_exhaustive()
    }
}

/// Where the paginator is.
struct State<F> {
    fetch: F,
    token: Option<String>,
    seen: HashSet<String>,
    pages: u64,
    done: bool,
    repeated: Option<String>,
}

impl<'a, P: Page + Send + 'a> Pages<'a, P> {
    /// Pages fetched by `fetch(token)`, starting from `first_token`.
    pub fn new<F, Fut>(first_token: Option<String>, fetch: F) -> Self
    where
        F: FnMut(Option<String>) -> Fut + Send + 'a,
        Fut: Future<Output = Result<P, Error>> + Send + 'a,
    {
        let state = State {
            fetch,
            token: first_token.filter(|t| !t.is_empty()),
            seen: HashSet::new(),
            pages: 0,
            done: false,
            repeated: None,
        };
        let inner = stream::try_unfold(state, |mut state| async move {
            if let Some(token) = state.repeated.take() {
                let kind = StreamErrorKind::RepeatedPageToken(token);
                let error = StreamError::new(kind, state.pages, None);
                return Err(Error::Stream(Box::new(error)));
            }
            if state.done {
                return Ok(None);
            }
            let page = (state.fetch)(state.token.take()).await?;
            state.pages = state.pages.saturating_add(1);
            match page.next_page_token().filter(|t| !t.is_empty()) {
                None => state.done = true,
                Some(next) if !state.seen.insert(next.to_owned()) => {
                    state.repeated = Some(next.to_owned());
                }
                Some(next) => state.token = Some(next.to_owned()),
            }
            Ok(Some((page, state)))
        });
        Self {
            inner: inner.boxed(),
        }
    }

    /// The items of every page, in order.
    pub fn items(self) -> Items<'a, P::Item>
    where
        P::Item: Send + 'a,
    {
        let items = self
            .inner
            .map_ok(|page| stream::iter(page.into_items().into_iter().map(Ok)))
            .try_flatten();
        Items {
            inner: items.boxed(),
        }
    }
}

impl<P> Stream for Pages<'_, P> {
    type Item = Result<P, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

/// The items of a listing across all its pages; see [`Pages`].
#[must_use = "a stream does nothing unless polled"]
pub struct Items<'a, T> {
    inner: BoxStream<'a, Result<T, Error>>,
}

impl<T> fmt::Debug for Items<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Items").finish_non_exhaustive()
    }
}

impl<T> Stream for Items<'_, T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use futures_util::TryStreamExt;

    use super::*;

    #[derive(Debug)]
    struct TestPage {
        items: Vec<u32>,
        next: Option<&'static str>,
    }

    impl Page for TestPage {
        type Item = u32;
        fn next_page_token(&self) -> Option<&str> {
            self.next
        }
        fn into_items(self) -> Vec<u32> {
            self.items
        }
    }

    type Asked = Arc<Mutex<Vec<Option<String>>>>;

    /// A listing whose page for each token is scripted; records the tokens asked for.
    fn scripted(
        script: Vec<(Option<&'static str>, TestPage)>,
    ) -> (Pages<'static, TestPage>, Asked) {
        let asked = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&asked);
        let script = Arc::new(Mutex::new(script));
        let pages = Pages::new(None, move |token: Option<String>| {
            log.lock().unwrap().push(token.clone());
            let script = Arc::clone(&script);
            async move {
                let mut script = script.lock().unwrap();
                let at = script
                    .iter()
                    .position(|(t, _)| t.map(str::to_owned) == token)
                    .expect("scripted token");
                Ok(script.remove(at).1)
            }
        });
        (pages, asked)
    }

    fn page(items: &[u32], next: Option<&'static str>) -> TestPage {
        TestPage {
            items: items.to_vec(),
            next,
        }
    }

    #[tokio::test]
    async fn items_follow_tokens_and_stop_on_an_empty_one() {
        let (pages, asked) = scripted(vec![
            (None, page(&[1, 2], Some("a"))),
            (Some("a"), page(&[], Some("b"))),
            (Some("b"), page(&[3], Some(""))),
        ]);
        let items: Vec<u32> = pages.items().try_collect().await.unwrap();
        assert_eq!(items, [1, 2, 3]);
        let asked = asked.lock().unwrap().clone();
        assert_eq!(asked, [None, Some("a".into()), Some("b".into())]);
    }

    #[tokio::test]
    async fn a_repeated_token_is_an_error_not_a_loop() {
        let (mut pages, asked) = scripted(vec![
            (None, page(&[1], Some("a"))),
            (Some("a"), page(&[2], Some("b"))),
            (Some("b"), page(&[3], Some("a"))),
        ]);
        for _ in 0..3 {
            assert!(pages.next().await.unwrap().is_ok());
        }
        let err = pages.next().await.unwrap().unwrap_err();
        let Error::Stream(e) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(e.kind(), &StreamErrorKind::RepeatedPageToken("a".into()));
        assert_eq!(e.delivered(), 3);
        assert!(pages.next().await.is_none());
        assert_eq!(asked.lock().unwrap().len(), 3);
    }
}
