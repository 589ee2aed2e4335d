//! The call span: every call runs in one `fireworks.call` span carrying the operation id, the
//! attempt, the final status, the request id and the elapsed time, as a subscriber sees them.

// Test code: a failed unwrap is a failed test, and helpers outside `#[test]` functions are
// not covered by clippy's allow-*-in-tests settings.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use fireworks_ai_test_support as support;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use fireworks_ai::Error;
use support::clock::{FakeClock, client_builder};
use support::{Reply, Resp, TestServer, bounded};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

const KEY: &str = "fw-tracing-canary-31c4";

/// The fields recorded on a span, as text.
type Fields = BTreeMap<String, String>;

/// Every span created, by id: its name and its fields.
#[derive(Default)]
struct Spans {
    next: AtomicU64,
    fields: Mutex<BTreeMap<u64, (String, Fields)>>,
}

impl Spans {
    /// The fields of every span with this name, in creation order.
    fn named(&self, name: &str) -> Vec<Fields> {
        let spans = self.fields.lock().unwrap();
        spans
            .values()
            .filter(|(n, _)| n == name)
            .map(|(_, fields)| fields.clone())
            .collect()
    }
}

struct Collect<'a>(&'a mut Fields);

impl Visit for Collect<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

/// A subscriber that keeps every span's fields.
struct Recorder(Arc<Spans>);

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let id = self.0.next.fetch_add(1, Ordering::SeqCst) + 1;
        let mut fields = BTreeMap::new();
        span.record(&mut Collect(&mut fields));
        let name = span.metadata().name().to_owned();
        self.0.fields.lock().unwrap().insert(id, (name, fields));
        Id::from_u64(id)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        if let Some((_, fields)) = self.0.fields.lock().unwrap().get_mut(&span.into_u64()) {
            values.record(&mut Collect(fields));
        }
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, _: &Event<'_>) {}

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

#[tokio::test]
async fn each_call_has_one_span_with_operation_attempt_status_request_id_and_elapsed() {
    let spans = Arc::new(Spans::default());
    let _guard = tracing::subscriber::set_default(Recorder(Arc::clone(&spans)));
    bounded(async {
        let done = r#"{"status":"completed","batch_id":"b","body":"hi"}"#;
        let server = TestServer::sequence(vec![
            Reply::Respond(Resp::json(503, "{}")),
            Reply::Respond(Resp::json(200, done).header("x-request-id", "req-7")),
            Reply::Respond(
                Resp::json(404, r#"{"error":"no such job"}"#).header("x-request-id", "req-8"),
            ),
        ])
        .await;
        let clock = FakeClock::new();
        let client = client_builder(&server.url(), KEY, "acct", &clock)
            .build()
            .unwrap();

        let status = client
            .audio_batch()
            .get_batch_status("b")
            .send()
            .await
            .unwrap();
        assert_eq!(status.batch_id, "b");
        let err = client
            .audio_batch()
            .get_batch_status("gone")
            .send()
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Status(_)), "{err:?}");

        let calls = spans.named("fireworks.call");
        assert_eq!(calls.len(), 2, "{calls:?}");
        let field = |call: &Fields, name: &str| call.get(name).cloned();
        let ok = &calls[0];
        assert_eq!(field(ok, "operation").as_deref(), Some("get_batch_status"));
        assert_eq!(
            field(ok, "attempt").as_deref(),
            Some("2"),
            "one retry after the 503"
        );
        assert_eq!(field(ok, "status").as_deref(), Some("200"));
        assert_eq!(field(ok, "request_id").as_deref(), Some("req-7"));
        assert!(field(ok, "elapsed_ms").is_some_and(|ms| ms.parse::<u64>().is_ok()));
        let failed = &calls[1];
        assert_eq!(field(failed, "attempt").as_deref(), Some("1"));
        assert_eq!(field(failed, "status").as_deref(), Some("404"));
        assert_eq!(field(failed, "request_id").as_deref(), Some("req-8"));
        for call in &calls {
            assert!(!format!("{call:?}").contains(KEY), "{call:?}");
        }
    })
    .await;
}
