//! Fault-injection suite for issue 4: retries, timeouts, redirects, size caps and key safety,
//! one test per numbered case, each against a scripted server on 127.0.0.1 and asserting
//! request counts and outcomes. A fake clock makes backoff sleeps exact and instant.

// Test code: a failed unwrap is a failed test, and helpers outside `#[test]` functions are
// not covered by clippy's allow-*-in-tests settings.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use fireworks_ai_test_support as support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fireworks_ai::__private::{Auth, Call, Method, Operation, UrlBuilder};
use fireworks_ai::audio_batch::{AUDIO_BATCH, BatchJobStatus, BatchStatus};
use fireworks_ai::{
    Client, ClientBuilder, Error, RequestOptions, Response, RetryPolicy, StatusKind, TimeoutKind,
    WaitPolicy,
};
use futures_util::StreamExt;
use serde_json::{Value, json};
use support::clock::{FakeClock, client_builder, secs};
use support::{Recorded, Reply, Resp, TestServer, bounded};

const KEY: &str = "fw_CANARY_KEY_5e1d0b";
const ACCOUNT: &str = "acct-1";

/// A non-idempotent submit, like the audio batch create call.
static SUBMIT: Operation = Operation {
    id: "create_batch_request",
    method: Method::POST,
    server: &AUDIO_BATCH,
    path: "/v1/audio/transcriptions",
    auth: Auth::Raw,
    idempotent: false,
    timeout: None,
};

/// An idempotent GET that decodes any JSON.
static FETCH: Operation = Operation {
    id: "fetch",
    method: Method::GET,
    server: &AUDIO_BATCH,
    path: "/v1/thing",
    auth: Auth::Raw,
    idempotent: true,
    timeout: None,
};

/// A GET that sends the key as a query parameter.
static QUERY_AUTH: Operation = Operation {
    id: "query_auth",
    method: Method::GET,
    server: &AUDIO_BATCH,
    path: "/v1/thing",
    auth: Auth::Query("api_key"),
    idempotent: true,
    timeout: None,
};

fn builder(server_url: &str, clock: &Arc<FakeClock>) -> ClientBuilder {
    client_builder(server_url, KEY, ACCOUNT, clock)
}

fn make_client(server: &TestServer) -> (Client, Arc<FakeClock>) {
    let clock = FakeClock::new();
    (builder(&server.url(), &clock).build().unwrap(), clock)
}

/// Sends `op` (with a small JSON body when it is a POST) and decodes any JSON.
async fn call(
    client: &Client,
    op: &'static Operation,
    options: &RequestOptions,
) -> Result<Response<Value>, Error> {
    let mut url = UrlBuilder::new(client, op)?;
    url.literal(op.path);
    let mut call = Call::new(client, op, url, options);
    if op.method == Method::POST {
        call.json_body(&json!({"file": "audio.wav"}))?;
    }
    call.send_json::<Value>().await
}

async fn fetch(client: &Client) -> Result<Response<Value>, Error> {
    call(client, &FETCH, &RequestOptions::new()).await
}

async fn submit(client: &Client) -> Result<Response<Value>, Error> {
    call(client, &SUBMIT, &RequestOptions::new()).await
}

async fn status(client: &Client, id: &str) -> Result<BatchStatus, Error> {
    client.audio_batch().get_batch_status(id).await
}

fn json(status: u16, body: &str) -> Reply {
    Reply::Respond(Resp::json(status, body))
}

fn ok() -> Reply {
    json(200, r#"{"ok":true}"#)
}

/// Job `id` is still running.
fn processing(id: &str) -> Reply {
    json(
        200,
        &json!({"status": "processing", "batch_id": id}).to_string(),
    )
}

/// Job `id` is done; its result is the text `result of <id>`.
fn completed(id: &str) -> Reply {
    let status = json!({
        "status": "completed", "batch_id": id,
        "content_type": "text/plain", "body": format!("result of {id}"),
    });
    json(200, &status.to_string())
}

/// The waiter's default backoff without jitter (2 s, then ×1.5), so its sleeps are exact.
fn exact() -> WaitPolicy {
    WaitPolicy::new().no_jitter()
}

#[tokio::test]
async fn case_01_503_503_200_succeeds_after_3_requests() {
    bounded(async {
        let server = TestServer::sequence(vec![json(503, "{}"), json(503, "{}"), ok()]).await;
        let (client, clock) = make_client(&server);
        let response = fetch(&client).await.unwrap();
        assert_eq!(server.count(), 3);
        assert_eq!(response.meta().attempts(), 3);
        assert_eq!(clock.sleeps(), [secs(0.5), secs(1.0)]);
    })
    .await;
}

#[tokio::test]
async fn case_02_500_forever_fails_after_exactly_3_requests() {
    bounded(async {
        let server = TestServer::always(json(
            500,
            r#"{"error":{"message":"boom","type":"internal"}}"#,
        ))
        .await;
        let (client, clock) = make_client(&server);
        let err = fetch(&client).await.unwrap_err();
        assert_eq!(server.count(), 3);
        let Error::Status(e) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(e.status().as_u16(), 500);
        assert_eq!(e.kind(), StatusKind::Server);
        assert!(e.body_snippet().contains("boom"));
        assert_eq!(e.call().attempts(), 3);
        assert_eq!(clock.sleeps().len(), 2);
        assert!(err.to_string().contains("after 3 attempts"), "{err}");
    })
    .await;
}

#[tokio::test]
async fn case_03_client_errors_are_sent_once_with_distinct_kinds() {
    bounded(async {
        let table = [
            (400, StatusKind::BadRequest),
            (401, StatusKind::Unauthenticated),
            (403, StatusKind::PermissionDenied),
            (404, StatusKind::NotFound),
            (422, StatusKind::Unprocessable),
        ];
        for (code, kind) in table {
            let server = TestServer::always(json(code, r#"{"message":"no"}"#)).await;
            let (client, clock) = make_client(&server);
            let err = fetch(&client).await.unwrap_err();
            let Error::Status(e) = &err else {
                panic!("{err:?}")
            };
            assert_eq!((e.status().as_u16(), e.kind()), (code, kind));
            assert_eq!(server.count(), 1, "{code}");
            assert!(clock.sleeps().is_empty());
        }
    })
    .await;
}

#[tokio::test]
async fn case_04_408_then_429_then_200_succeeds() {
    bounded(async {
        let server = TestServer::sequence(vec![json(408, "{}"), json(429, "{}"), ok()]).await;
        let (client, _) = make_client(&server);
        assert_eq!(fetch(&client).await.unwrap().meta().attempts(), 3);
        assert_eq!(server.count(), 3);
    })
    .await;
}

#[tokio::test]
async fn case_05_x_should_retry_overrides_the_status() {
    bounded(async {
        let no = Reply::Respond(Resp::json(503, "{}").header("x-should-retry", "false"));
        let server = TestServer::always(no).await;
        let (client, _) = make_client(&server);
        assert_eq!(
            fetch(&client).await.unwrap_err().status().unwrap().as_u16(),
            503
        );
        assert_eq!(server.count(), 1);

        let yes = Reply::Respond(Resp::json(400, "{}").header("x-should-retry", "true"));
        let server = TestServer::sequence(vec![yes, ok()]).await;
        let (client, _) = make_client(&server);
        fetch(&client).await.unwrap();
        assert_eq!(server.count(), 2);
    })
    .await;
}

#[tokio::test]
async fn case_06_server_delay_headers_set_the_sleep() {
    bounded(async {
        let server = TestServer::sequence(vec![
            Reply::Respond(Resp::json(429, "{}").header("retry-after", "2")),
            ok(),
        ])
        .await;
        let (client, clock) = make_client(&server);
        fetch(&client).await.unwrap();
        assert_eq!(clock.sleeps(), [secs(2.0)]);

        let server = TestServer::sequence(vec![
            Reply::Respond(
                Resp::json(503, "{}")
                    .header("retry-after-ms", "1500")
                    .header("retry-after", "9"),
            ),
            ok(),
        ])
        .await;
        let (client, clock) = make_client(&server);
        fetch(&client).await.unwrap();
        assert_eq!(clock.sleeps(), [secs(1.5)]);

        // Out of range hints fall back to the exponential backoff.
        let server = TestServer::sequence(vec![
            Reply::Respond(Resp::json(503, "{}").header("retry-after", "3600")),
            ok(),
        ])
        .await;
        let (client, clock) = make_client(&server);
        fetch(&client).await.unwrap();
        assert_eq!(clock.sleeps(), [secs(0.5)]);
    })
    .await;
}

mod case_07 {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn case_07_backoff_is_within_bounds_for_every_attempt(retry in any::<u32>(), jitter in 0.0f64..=1.0) {
            let policy = RetryPolicy::new().jitter(move || 0.75 + 0.25 * jitter);
            let d = policy.backoff(retry);
            let base = Duration::from_millis(500)
                .saturating_mul(2u32.checked_pow(retry).unwrap_or(u32::MAX))
                .min(Duration::from_secs(8));
            prop_assert!(d <= base, "{d:?} > {base:?}");
            prop_assert!(d.as_secs_f64() >= base.as_secs_f64() * 0.75 - 1e-9, "{d:?} < 0.75 × {base:?}");
        }
    }
}

#[tokio::test]
async fn case_08_deadline_stops_retries_before_it_would_be_crossed() {
    bounded(async {
        let server = TestServer::always(json(503, "{}")).await;
        let (client, clock) = make_client(&server);
        let options = RequestOptions::new().deadline(secs(1.2)).max_retries(10);
        let err = call(&client, &FETCH, &options).await.unwrap_err();
        // Sleeping 0.5 s ends at 0.5 s; the next 1 s sleep would end at 1.5 s, past 1.2 s.
        assert_eq!(clock.sleeps(), [secs(0.5)]);
        assert_eq!(server.count(), 2);
        assert_eq!(err.status().unwrap().as_u16(), 503);

        // In real time, a hanging attempt is cut at the deadline, not at the attempt timeout.
        let server = TestServer::always(Reply::Hang).await;
        let (client, _) = make_client(&server);
        let started = Instant::now();
        let options = RequestOptions::new().deadline(Duration::from_millis(300));
        let err = call(&client, &FETCH, &options).await.unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
        assert!(
            matches!(&err, Error::Timeout(t) if matches!(t.kind(), TimeoutKind::Deadline(_))),
            "{err:?}"
        );
        assert_eq!(server.count(), 1);
    })
    .await;
}

#[tokio::test]
async fn case_09_retry_budget_bounds_a_storm_and_refills_after_recovery() {
    bounded(async {
        let healthy = Arc::new(AtomicBool::new(false));
        let flag = healthy.clone();
        let server = TestServer::start(move |_, _| {
            if flag.load(Ordering::SeqCst) {
                ok()
            } else {
                json(500, "{}")
            }
        })
        .await;
        let (client, _) = make_client(&server);
        let calls: Vec<_> = (0..200)
            .map(|_| {
                let client = client.clone();
                tokio::spawn(async move { fetch(&client).await })
            })
            .collect();
        for handle in calls {
            assert!(handle.await.unwrap().is_err());
        }
        // 200 first attempts, 10 initial retries, 0.2 earned per call: at most 250, not 600.
        let storm = server.count();
        assert!((200..=250).contains(&storm), "{storm} requests");

        healthy.store(true, Ordering::SeqCst);
        for _ in 0..60 {
            fetch(&client).await.unwrap();
        }
        healthy.store(false, Ordering::SeqCst);
        let before = server.count();
        fetch(&client).await.unwrap_err();
        assert_eq!(server.count() - before, 3, "retries are available again");
    })
    .await;
}

#[tokio::test]
async fn case_10_connection_refused_is_retried_for_get_and_for_submit() {
    bounded(async {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let clock = FakeClock::new();
        let client = builder(&format!("http://127.0.0.1:{port}"), &clock)
            .build()
            .unwrap();
        for op in [&FETCH, &SUBMIT] {
            let err = call(&client, op, &RequestOptions::new()).await.unwrap_err();
            let Error::Transport(e) = &err else {
                panic!("{err:?}")
            };
            assert!(!e.may_have_been_sent(), "{err}");
            assert_eq!(e.call().attempts(), 3, "{}", op.id);
        }
        assert_eq!(clock.sleeps().len(), 4);
    })
    .await;
}

#[tokio::test]
async fn case_11_hanging_get_times_out_per_attempt_and_is_retried() {
    bounded(async {
        let server = TestServer::always(Reply::Hang).await;
        let (client, clock) = make_client(&server);
        let started = Instant::now();
        let options = RequestOptions::new().timeout(Duration::from_millis(200));
        let err = call(&client, &FETCH, &options).await.unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(3));
        let Error::Timeout(e) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(e.kind(), TimeoutKind::Attempt(Duration::from_millis(200)));
        assert_eq!(server.count(), 3);
        assert_eq!(clock.sleeps().len(), 2);
    })
    .await;
}

#[tokio::test]
async fn case_12_hanging_submit_is_sent_once_and_may_have_been_sent() {
    bounded(async {
        let server = TestServer::always(Reply::Hang).await;
        let (client, _) = make_client(&server);
        let options = RequestOptions::new().timeout(Duration::from_millis(200));
        let err = call(&client, &SUBMIT, &options).await.unwrap_err();
        let Error::Timeout(e) = &err else {
            panic!("{err:?}")
        };
        assert!(e.may_have_been_sent());
        assert!(err.to_string().contains("may have been sent"), "{err}");
        assert_eq!(server.count(), 1);
    })
    .await;
}

#[tokio::test]
async fn case_13_reset_after_request_retries_get_but_not_submit() {
    bounded(async {
        let server = TestServer::sequence(vec![Reply::Reset, Reply::Reset, ok()]).await;
        let (client, _) = make_client(&server);
        fetch(&client).await.unwrap();
        assert_eq!(server.count(), 3);

        let server = TestServer::sequence(vec![Reply::Reset, ok()]).await;
        let (client, _) = make_client(&server);
        let err = submit(&client).await.unwrap_err();
        let Error::Transport(e) = &err else {
            panic!("{err:?}")
        };
        assert!(e.may_have_been_sent());
        assert_eq!(server.count(), 1);
    })
    .await;
}

#[tokio::test]
async fn case_14_stalled_body_hits_the_read_stall_timeout() {
    bounded(async {
        let body = format!(r#"{{"pad":"{}"}}"#, "x".repeat(1000));
        let server = TestServer::always(Reply::StallAfter(Resp::json(200, &body), 100)).await;
        let (client, _) = make_client(&server);
        let options = RequestOptions::new()
            .read_stall_timeout(Duration::from_millis(200))
            .max_retries(1);
        let started = Instant::now();
        let err = call(&client, &FETCH, &options).await.unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(3));
        let Error::Timeout(e) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(e.kind(), TimeoutKind::ReadStall(Duration::from_millis(200)));
        assert_eq!(server.count(), 2, "a stalled GET is retried");

        // A slow but steady body is fine.
        let server = TestServer::always(Reply::Drip(
            Resp::json(200, &body),
            200,
            Duration::from_millis(50),
        ))
        .await;
        let (client, _) = make_client(&server);
        let options = RequestOptions::new().read_stall_timeout(Duration::from_millis(200));
        call(&client, &FETCH, &options).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn case_15_sequential_calls_reuse_one_connection() {
    bounded(async {
        let server = TestServer::always(ok()).await;
        let (client, _) = make_client(&server);
        for _ in 0..20 {
            fetch(&client).await.unwrap();
        }
        assert_eq!(server.count(), 20);
        assert_eq!(server.connections(), 1);
    })
    .await;
}

#[tokio::test]
async fn case_16_retried_calls_leak_no_connections() {
    bounded(async {
        let server = TestServer::start(|n, _| {
            if n % 3 == 2 {
                ok()
            } else {
                json(500, r#"{"message":"x"}"#)
            }
        })
        .await;
        // A budget large enough for this outage: the test is about connections, not budgets.
        let clock = FakeClock::new();
        let policy = RetryPolicy::new().no_jitter().budget(1000.0, 1.0, 1000.0);
        let client = builder(&server.url(), &clock)
            .retry_policy(policy)
            .build()
            .unwrap();
        for _ in 0..50 {
            assert_eq!(fetch(&client).await.unwrap().meta().attempts(), 3);
        }
        assert_eq!(server.count(), 150);
        assert_eq!(
            server.connections(),
            1,
            "error bodies are drained so the connection is reused"
        );
        drop(client);
        assert_eq!(server.wait_open_at_most(0, Duration::from_secs(5)).await, 0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn case_17_concurrent_waiters_with_faults_all_complete() {
    bounded(async {
        let answered: Arc<Mutex<HashMap<String, u32>>> = Arc::default();
        let resets = Arc::new(AtomicUsize::new(0));
        let unavailable = Arc::new(AtomicUsize::new(0));
        let server = {
            let (answered, resets, unavailable) =
                (answered.clone(), resets.clone(), unavailable.clone());
            TestServer::start(move |n, r: &Recorded| {
                if n % 20 == 7 {
                    resets.fetch_add(1, Ordering::SeqCst);
                    return Reply::Reset; // 5 %
                }
                if n % 10 == 3 {
                    unavailable.fetch_add(1, Ordering::SeqCst);
                    return json(503, "{}"); // 10 %
                }
                let id = r.target.rsplit('/').next().unwrap().to_owned();
                let mut answered = answered.lock().unwrap();
                let count = answered.entry(id.clone()).or_default();
                *count += 1;
                if *count >= 3 {
                    completed(&id)
                } else {
                    processing(&id)
                }
            })
            .await
        };
        let (client, clock) = make_client(&server);
        let waiters: Vec<_> = (0..100)
            .map(|i| {
                let client = client.clone();
                tokio::spawn(async move {
                    let id = format!("job-{i}");
                    let done = client.audio_batch().wait(id.as_str()).policy(exact()).await;
                    (id, done)
                })
            })
            .collect();
        let mut polls = Vec::new();
        for handle in waiters {
            let (id, done) = handle.await.unwrap();
            let done = done.unwrap();
            assert_eq!(done.status().status, BatchJobStatus::Completed);
            assert_eq!(done.status().batch_id, id);
            assert_eq!(done.body(), format!("result of {id}"));
            assert!(done.polls() >= 3, "{id}: {} polls", done.polls());
            polls.push(done.polls());
        }
        // Each job answered processing, processing, completed, and was not polled after that.
        let answered = answered.lock().unwrap().clone();
        assert_eq!(answered.len(), 100);
        assert!(answered.values().all(|&n| n == 3), "{answered:?}");
        // Three requests in every twenty are faults, so 300 answers take exactly 353 requests
        // (the last request is an answer: every fault is followed by another for its job).
        assert_eq!(server.count(), 353);
        assert_eq!(resets.load(Ordering::SeqCst), 18);
        assert_eq!(unavailable.load(Ordering::SeqCst), 35);
        // Every request but each job's last is followed by one sleep on the client's clock:
        // the waiter's (2 s and up) before its next poll, or the client's (0.5 s, 1 s) before
        // a retry. A fault the client did not retry (budget or attempts spent) is a failed
        // poll, so the 53 faults are exactly the retries plus the failed polls.
        let (mut between_polls, between_attempts): (Vec<_>, Vec<_>) =
            clock.sleeps().into_iter().partition(|d| *d >= secs(2.0));
        let mut expected: Vec<_> = polls
            .iter()
            .flat_map(|&p| (0..p - 1).map(|k| exact().base_delay(k)))
            .collect();
        between_polls.sort();
        expected.sort();
        assert_eq!(between_polls, expected);
        assert!(
            between_attempts
                .iter()
                .all(|d| *d == secs(0.5) || *d == secs(1.0)),
            "{between_attempts:?}"
        );
        let failed_polls = polls.iter().sum::<u32>() as usize - 300;
        assert_eq!(between_attempts.len() + failed_polls, 53);
        assert_eq!(between_polls.len() + between_attempts.len(), 353 - 100);
    })
    .await;
}

#[tokio::test]
async fn case_18_waiter_survives_processing_503_reset_then_completes() {
    bounded(async {
        let script = || {
            vec![
                processing("b"),
                json(503, "{}"),
                Reply::Reset,
                completed("b"),
            ]
        };
        let target = format!("/v1/accounts/{ACCOUNT}/batch_job/b");

        // With the client's retries, the second poll rides out the 503 and the reset itself.
        let server = TestServer::sequence(script()).await;
        let (client, clock) = make_client(&server);
        let mut seen = Vec::new();
        let done = client
            .audio_batch()
            .wait("b")
            .policy(exact())
            .on_progress(|s| seen.push(s.status.clone()))
            .await
            .unwrap();
        assert_eq!(done.body(), "result of b");
        assert_eq!(
            seen,
            [BatchJobStatus::Processing, BatchJobStatus::Completed]
        );
        assert_eq!(
            done.polls(),
            2,
            "the second poll recovers through its own retries"
        );
        assert_eq!(server.count(), 4);
        assert!(server.requests().iter().all(|r| r.target == target));
        // The waiter's 2 s before poll 2, then the client's 0.5 s and 1 s before its retries.
        assert_eq!(clock.sleeps(), [secs(2.0), secs(0.5), secs(1.0)]);
        assert_eq!(done.elapsed(), secs(3.5));

        // Without client retries the 503 and the reset are failed polls: the waiter polls
        // again on its own backoff, and its stream yields only the statuses it received.
        let server = TestServer::sequence(script()).await;
        let clock = FakeClock::new();
        let client = builder(&server.url(), &clock)
            .retry_policy(RetryPolicy::new().no_jitter().max_retries(0))
            .build()
            .unwrap();
        let items: Vec<_> = client
            .audio_batch()
            .wait("b")
            .policy(exact())
            .into_stream()
            .collect()
            .await;
        let items: Vec<_> = items.into_iter().map(Result::unwrap).collect();
        let states: Vec<_> = items.iter().map(|s| s.status.clone()).collect();
        assert_eq!(
            states,
            [BatchJobStatus::Processing, BatchJobStatus::Completed]
        );
        assert_eq!(items[1].body.as_deref(), Some("result of b"));
        assert_eq!(server.count(), 4);
        assert!(server.requests().iter().all(|r| r.target == target));
        assert_eq!(clock.sleeps(), [secs(2.0), secs(3.0), secs(4.5)]);
    })
    .await;
}

#[tokio::test]
async fn case_19_redirect_to_another_port_is_not_followed() {
    bounded(async {
        let other = TestServer::always(ok()).await;
        let location = format!("{}/v1/thing", other.url());
        let server = TestServer::always(Reply::Respond(
            Resp::json(302, "").header("location", &location),
        ))
        .await;
        let (client, _) = make_client(&server);
        let err = fetch(&client).await.unwrap_err();
        let Error::Redirect(e) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(e.location(), Some(location.as_str()));
        assert_eq!(e.meta().status().as_u16(), 302);
        assert_eq!(server.count(), 1);
        assert_eq!(other.count(), 0);
        assert_eq!(other.connections(), 0);
        support::assert_no_key(&err, KEY);
    })
    .await;
}

#[tokio::test]
async fn case_20_path_params_arrive_as_one_encoded_segment() {
    bounded(async {
        let server =
            TestServer::always(json(200, r#"{"status":"completed","batch_id":"x"}"#)).await;
        let (client, _) = make_client(&server);
        let table = [
            ("a/b", "a%2Fb"),
            ("a?b", "a%3Fb"),
            ("a#b", "a%23b"),
            ("%2e%2e", "%252e%252e"),
            ("a b", "a%20b"),
            ("ü", "%C3%BC"),
        ];
        for (id, encoded) in table {
            status(&client, id).await.unwrap();
            let last = server.requests().pop().unwrap();
            assert_eq!(
                last.target,
                format!("/v1/accounts/acct-1/batch_job/{encoded}"),
                "{id:?}"
            );
        }
        let before = server.count();
        for id in ["", ".", ".."] {
            assert!(
                matches!(status(&client, id).await, Err(Error::InvalidArgument(_))),
                "{id:?}"
            );
        }
        assert_eq!(server.count(), before);
    })
    .await;
}

#[tokio::test]
async fn case_21_size_caps_stop_huge_and_endless_bodies() {
    bounded(async {
        let server = TestServer::always(Reply::HugeLength(2 * 1024 * 1024 * 1024)).await;
        let (client, _) = make_client(&server);
        let err = fetch(&client).await.unwrap_err();
        let Error::TooLarge(e) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(e.declared_length(), Some(2 * 1024 * 1024 * 1024));
        assert_eq!(server.count(), 1);

        let server = TestServer::always(Reply::Endless).await;
        let (client, _) = make_client(&server);
        let started = Instant::now();
        let options = RequestOptions::new().max_body_bytes(1024 * 1024);
        let err = call(&client, &FETCH, &options).await.unwrap_err();
        let Error::TooLarge(e) = &err else {
            panic!("{err:?}")
        };
        assert_eq!((e.limit(), e.declared_length()), (1024 * 1024, None));
        assert_eq!(server.count(), 1);
        assert!(started.elapsed() < Duration::from_secs(5));
    })
    .await;
}

#[tokio::test]
async fn case_22_html_pages_become_typed_errors_with_a_snippet() {
    bounded(async {
        let page = "<html><body><h1>Bad Gateway</h1></body></html>";
        let server = TestServer::always(Reply::Respond(Resp::typed(200, "text/html", page))).await;
        let (client, _) = make_client(&server);
        let err = fetch(&client).await.unwrap_err();
        let Error::Decode(e) = &err else {
            panic!("{err:?}")
        };
        assert!(e.snippet().contains("<h1>Bad Gateway"), "{}", e.snippet());
        assert_eq!(server.count(), 1);

        let server = TestServer::always(Reply::Respond(Resp::typed(502, "text/html", page))).await;
        let (client, _) = make_client(&server);
        let err = fetch(&client).await.unwrap_err();
        let Error::Status(e) = &err else {
            panic!("{err:?}")
        };
        assert_eq!((e.status().as_u16(), e.message()), (502, None));
        assert_eq!(e.body_snippet(), page);
        assert!(err.to_string().contains("Bad Gateway"), "{err}");
        assert_eq!(server.count(), 3, "502 on a GET is retried");
    })
    .await;
}

#[tokio::test]
async fn case_23_extra_fields_null_message_and_bad_fields() {
    bounded(async {
        let server = TestServer::sequence(vec![
            json(
                200,
                r#"{"status":"completed","batch_id":"b","message":null,"x":{"y":[1]},"z":true}"#,
            ),
            json(200, r#"{"status":"completed","message":"m"}"#),
            json(200, r#"{"status":["completed"],"batch_id":"b"}"#),
        ])
        .await;
        let (client, _) = make_client(&server);
        let ok = status(&client, "b").await.unwrap();
        assert_eq!(ok.message, None);
        assert_eq!(ok.extra.len(), 2);
        let err = status(&client, "b").await.unwrap_err();
        let Error::Decode(e) = &err else {
            panic!("{err:?}")
        };
        assert!(e.message().contains("missing field `batch_id`"), "{err}");
        let err = status(&client, "b").await.unwrap_err();
        let Error::Decode(e) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(e.path(), "status");
        assert!(e.snippet().contains("[\"completed\"]"));
    })
    .await;
}

/// A tracing subscriber that writes every event and span field to a string.
mod capture {
    use std::fmt::Write;
    use std::sync::{Arc, Mutex};

    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Metadata, Subscriber};

    #[derive(Clone, Default)]
    pub struct Capture(pub Arc<Mutex<String>>);

    struct Fields<'a>(&'a mut String);

    impl Visit for Fields<'_> {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }

    impl Subscriber for Capture {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, span: &Attributes<'_>) -> Id {
            span.record(&mut Fields(&mut self.0.lock().unwrap()));
            Id::from_u64(1)
        }
        fn record(&self, _: &Id, values: &Record<'_>) {
            values.record(&mut Fields(&mut self.0.lock().unwrap()));
        }
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, event: &Event<'_>) {
            let mut out = self.0.lock().unwrap();
            out.push('\n');
            event.record(&mut Fields(&mut out));
        }
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }
}

#[tokio::test]
async fn case_24_canary_key_never_appears_in_any_output() {
    let capture = capture::Capture::default();
    // Global, so it also sees the events of every other case running in this binary. A
    // thread-local default would miss callsites first hit on other threads: with a single
    // registered dispatcher, tracing-core computes their interest from that thread's default.
    tracing::subscriber::set_global_default(capture.clone()).unwrap();
    bounded(async {
        let echo = |_: usize, r: &Recorded| {
            // A hostile server echoing the whole request, key included, in its error body.
            json(
                400,
                &json!({"message": "bad", "echo": r.text()}).to_string(),
            )
        };
        let replies = [
            json(401, r#"{"error":"unauthorized"}"#),
            json(500, "{}"),
            Reply::Reset,
            Reply::Respond(Resp::typed(200, "text/html", "<html>")),
            Reply::Respond(Resp::json(302, "").header("location", "http://127.0.0.1:1/")),
        ];
        let mut outputs = Vec::new();
        for reply in replies {
            let server = TestServer::always(reply).await;
            let (client, _) = make_client(&server);
            outputs.push(format!("{client:?}"));
            for op in [&FETCH, &SUBMIT, &QUERY_AUTH] {
                let err = call(&client, op, &RequestOptions::new()).await.unwrap_err();
                outputs.push(format!("{err} {err:?} {:?}", err.call()));
            }
        }
        let server = TestServer::start(echo).await;
        let (client, _) = make_client(&server);
        for op in [&FETCH, &QUERY_AUTH] {
            let err = call(&client, op, &RequestOptions::new()).await.unwrap_err();
            outputs.push(format!("{err} {err:?}"));
        }
        // The query key reached the server, but every URL the client shows is redacted.
        let sent = server.requests().pop().unwrap();
        assert_eq!(sent.target, format!("/v1/thing?api_key={KEY}"));
        let err = call(&client, &QUERY_AUTH, &RequestOptions::new())
            .await
            .unwrap_err();
        assert_eq!(
            err.call().unwrap().url(),
            format!("{}/v1/thing?api_key=[REDACTED]", server.url())
        );
        assert!(matches!(&err, Error::Status(e) if e.body_snippet().contains("[REDACTED]")));
        let builder = Client::builder().api_key(KEY);
        outputs.push(format!("{builder:?} {:?}", RequestOptions::new()));
        for out in &outputs {
            assert!(!out.contains(KEY), "key leaked: {out}");
        }
    })
    .await;
    let logged = capture.0.lock().unwrap().clone();
    assert!(
        logged.contains("operation="),
        "the capture saw the client's events: {logged}"
    );
    assert!(!logged.contains(KEY), "key leaked into tracing: {logged}");
}

#[tokio::test]
async fn case_25_plain_http_to_a_non_loopback_host_is_refused() {
    let refused = Client::builder()
        .base_url(AUDIO_BATCH, "http://audio-batch.example.com")
        .build();
    assert!(
        matches!(&refused, Err(Error::Config(e)) if e.message().contains("allow_http")),
        "{refused:?}"
    );
    for url in [
        "http://127.0.0.1:8080",
        "http://localhost:8080",
        "http://[::1]:8080",
        "https://example.com",
    ] {
        assert!(
            Client::builder().base_url(AUDIO_BATCH, url).build().is_ok(),
            "{url}"
        );
    }
    let opted_in = Client::builder()
        .base_url(AUDIO_BATCH, "http://audio-batch.example.com")
        .allow_http(true)
        .build();
    assert!(opted_in.is_ok());
    let env = Client::builder()
        .env_vars([("FIREWORKS_AUDIO_BATCH_BASE_URL", "http://10.0.0.1")])
        .build();
    assert!(matches!(env, Err(Error::Config(_))));
}

#[tokio::test]
async fn case_26_rate_limits_and_request_id_on_success_and_on_error() {
    bounded(async {
        let with_headers = |status: u16| {
            Reply::Respond(
                Resp::json(status, r#"{"message":"m"}"#)
                    .header("x-request-id", &format!("req-{status}"))
                    .header("x-ratelimit-limit-requests", "6000")
                    .header("x-ratelimit-remaining-requests", "0")
                    .header("x-ratelimit-over-limit", "yes")
                    .header("x-ratelimit-remaining-tokens-generated", "12.5"),
            )
        };
        let server = TestServer::sequence(vec![with_headers(200), with_headers(429)]).await;
        let (client, _) = make_client(&server);
        let response = fetch(&client).await.unwrap();
        let ok_meta = response.meta();
        assert_eq!(ok_meta.request_id(), Some("req-200"));
        assert_eq!(ok_meta.rate_limits().limit_requests, Some(6000));
        assert_eq!(ok_meta.rate_limits().remaining_tokens_generated, Some(12.5));
        assert!(ok_meta.elapsed() < Duration::from_secs(5));

        let err = fetch(&client).await.unwrap_err();
        let meta = err.meta().unwrap();
        assert_eq!(err.request_id(), Some("req-429"));
        assert_eq!(meta.rate_limits().remaining_requests, Some(0));
        assert!(meta.rate_limits().over_limit);
        assert_eq!(meta.attempts(), 3);
    })
    .await;
}

/// How long case 27 lets each call or wait run before dropping it.
const PAUSE: Duration = Duration::from_millis(300);

/// Runs `future` for [`PAUSE`], then drops it; true when it had not finished.
async fn dropped_after_pause<F: IntoFuture>(future: F) -> bool {
    tokio::time::timeout(PAUSE, future).await.is_err()
}

#[tokio::test]
async fn case_27_a_dropped_call_or_waiter_sends_nothing_more() {
    bounded(async {
        // The real clock, so each future is really asleep when it is dropped: a call and a
        // waiter's first poll in the client's 1 s retry sleep, a waiter future and a stream in
        // the waiter's own 1 s sleep between polls. Each has its own server to count on.
        let unavailable = Reply::Respond(Resp::json(503, "{}").header("retry-after", "1"));
        let call_server = TestServer::always(unavailable.clone()).await;
        let poll_server = TestServer::always(unavailable).await;
        let wait_server = TestServer::always(processing("b")).await;
        let stream_server = TestServer::always(processing("b")).await;
        let real_time = |server: &TestServer| {
            Client::builder()
                .api_key(KEY)
                .account_id(ACCOUNT)
                .base_url(AUDIO_BATCH, &server.url())
                .build()
                .unwrap()
        };
        let (call_client, poll_client) = (real_time(&call_server), real_time(&poll_server));
        let (wait_client, stream_client) = (real_time(&wait_server), real_time(&stream_server));
        let policy = WaitPolicy::new()
            .first_delay(Duration::from_secs(1))
            .factor(1.0)
            .no_jitter();
        let mut progress = 0;
        let (call, poll, wait, stream) = tokio::join!(
            dropped_after_pause(call_client.audio_batch().get_batch_status("b").send()),
            dropped_after_pause(poll_client.audio_batch().wait("b").policy(policy.clone())),
            dropped_after_pause(
                wait_client
                    .audio_batch()
                    .wait("b")
                    .policy(policy.clone())
                    .on_progress(|_| progress += 1)
            ),
            async {
                let mut states = stream_client
                    .audio_batch()
                    .wait("b")
                    .policy(policy)
                    .into_stream();
                let first = states.next().await.unwrap().unwrap();
                (first.status, dropped_after_pause(states.next()).await)
            },
        );
        assert!(call && poll && wait, "all were still pending when dropped");
        assert_eq!(stream, (BatchJobStatus::Processing, true));
        assert_eq!(progress, 1, "the waiter future had its first status");
        let servers = [&call_server, &poll_server, &wait_server, &stream_server];
        let counts = servers.map(|s| s.count());
        assert_eq!(counts, [1, 1, 1, 1], "one request each before the drop");

        // Past every 1 s sleep: a future still alive would have sent its next request by now.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert_eq!(
            servers.map(|s| s.count()),
            [1, 1, 1, 1],
            "nothing is sent after the drop"
        );
    })
    .await;
}

#[tokio::test]
async fn case_28_submit_is_never_sent_twice_unless_it_certainly_did_not_arrive() {
    bounded(async {
        let body = r#"{"status":"submitted","batch_id":"b"}"#;
        let faults = [
            json(500, "{}"),
            json(502, "{}"),
            json(503, "{}"),
            json(504, "{}"),
            json(408, "{}"),
            json(409, "{}"),
            Reply::Respond(Resp::json(503, "{}").header("x-should-retry", "true")),
            Reply::Reset,
            Reply::CloseAfterHeaders(Resp::json(200, body)),
            Reply::Truncate(Resp::json(200, body), 10),
            Reply::Garbage(b"NOT HTTP AT ALL\r\n\r\n".to_vec()),
            Reply::Hang,
        ];
        for fault in faults {
            let label = format!("{fault:?}");
            let server = TestServer::sequence(vec![fault, ok()]).await;
            let (client, _) = make_client(&server);
            let options = RequestOptions::new().timeout(Duration::from_millis(300));
            let result = call(&client, &SUBMIT, &options).await;
            assert!(result.is_err(), "{label}");
            assert_eq!(server.count(), 1, "{label}");
        }
        // A 429 was rejected before any work, so even a submit retries it.
        let server = TestServer::sequence(vec![json(429, "{}"), ok()]).await;
        let (client, _) = make_client(&server);
        submit(&client).await.unwrap();
        assert_eq!(server.count(), 2);
    })
    .await;
}

/// Replays the decoders' fuzz corpus (`fuzz/corpus/decoders/`) on stable, so CI runs the
/// inputs the fuzzer found without libFuzzer.
#[test]
fn fuzz_corpus_replays_through_the_decoders() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/decoders");
    let mut replayed = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        fireworks_ai::__private::fuzz::decoders(&data);
        replayed += 1;
    }
    assert!(replayed >= 10, "{replayed} files in {}", dir.display());
}
