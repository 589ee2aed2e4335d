//! Bounded concurrency (issue 12) where it acts: a scripted server that answers slowly and
//! counts connections and requests in flight, and the client's per-server gate in front of it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use fireworks_ai_test_support as support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fireworks_ai::audio_batch::AUDIO_BATCH;
use fireworks_ai::{Client, Error};
use support::{Reply, Resp, TestServer, bounded};

const STATUS: &str = r#"{"batch_id": "b", "status": "processing", "message": null}"#;

fn client(server: &TestServer, max_in_flight: usize) -> Client {
    Client::builder()
        .api_key("fw_test_key")
        .account_id("acct")
        .base_url(AUDIO_BATCH, &server.url())
        .max_in_flight(max_in_flight)
        .build()
        .unwrap()
}

async fn get(client: &Client) -> Result<(), Error> {
    client
        .audio_batch()
        .get_batch_status("b")
        .send()
        .await
        .map(drop)
}

/// Each answer drips out over about 40 ms, so 40 calls at once would need 40 connections
/// without the limit; the server counts the connections it accepted.
#[tokio::test]
async fn no_more_requests_or_connections_than_the_limit() {
    let server = TestServer::always(Reply::Drip(
        Resp::json(200, STATUS),
        8,
        Duration::from_millis(5),
    ))
    .await;
    let client = client(&server, 4);
    let calls = (0..40).map(|_| get(&client));
    let results = bounded(futures_util::future::join_all(calls)).await;
    assert!(
        results.iter().all(Result::is_ok),
        "{:?}",
        results.iter().find(|r| r.is_err())
    );
    assert_eq!(server.count(), 40);
    assert!(
        server.connections() <= 4,
        "{} connections for a limit of 4",
        server.connections()
    );
}

#[tokio::test]
async fn clones_share_the_limit_and_other_servers_have_their_own() {
    let slow = || Reply::Drip(Resp::json(200, STATUS), 8, Duration::from_millis(5));
    let a = TestServer::start(move |_, _| slow()).await;
    let b = TestServer::start(move |_, _| slow()).await;
    let first = client(&a, 2);
    let second = first.clone();
    let calls = (0..10).map(|i| {
        let c = if i % 2 == 0 {
            first.clone()
        } else {
            second.clone()
        };
        async move { get(&c).await }
    });
    let results = bounded(futures_util::future::join_all(calls)).await;
    assert!(results.iter().all(Result::is_ok));
    assert!(a.connections() <= 2, "{} connections", a.connections());

    // The same client, pointed at another server, gets a gate of its own.
    let other = Client::builder()
        .api_key("k")
        .account_id("acct")
        .base_url(AUDIO_BATCH, &b.url())
        .max_in_flight(3)
        .build()
        .unwrap();
    let results = bounded(futures_util::future::join_all((0..9).map(|_| get(&other)))).await;
    assert!(results.iter().all(Result::is_ok));
    assert!(b.connections() <= 3);
}

#[tokio::test]
async fn a_slot_wait_ends_at_the_deadline() {
    let server = TestServer::always(Reply::Hang).await;
    let client = client(&server, 1);
    let hung = tokio::spawn({
        let client = client.clone();
        async move { get(&client).await }
    });
    // Let the first call take the only slot.
    while server.count() == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let options = fireworks_ai::RequestOptions::new().deadline(Duration::from_millis(150));
    let started = Instant::now();
    let err = bounded(
        client
            .audio_batch()
            .get_batch_status("b")
            .options(options)
            .send(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        server.count(),
        1,
        "the second call never reached the server"
    );
    hung.abort();
}

#[tokio::test]
async fn a_429_with_a_delay_pauses_every_call_to_that_server() {
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&arrivals);
    let server = TestServer::start(move |n, _| {
        log.lock().unwrap().push(Instant::now());
        if n == 0 {
            Reply::Respond(
                Resp::json(429, r#"{"error": "slow down"}"#).header("retry-after-ms", "400"),
            )
        } else {
            Reply::Respond(Resp::json(200, STATUS))
        }
    })
    .await;
    let client = client(&server, 8);
    // The first call is refused and retried after 400 ms.
    let first = tokio::spawn({
        let client = client.clone();
        async move { get(&client).await }
    });
    while server.count() == 0 {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
    // A call started during the pause waits for it instead of hitting the server.
    let second = get(&client);
    bounded(second).await.unwrap();
    bounded(first).await.unwrap().unwrap();
    let arrivals = arrivals.lock().unwrap().clone();
    assert_eq!(arrivals.len(), 3);
    for later in &arrivals[1..] {
        let gap = later.duration_since(arrivals[0]);
        assert!(
            gap >= Duration::from_millis(390),
            "a request {gap:?} after the 429"
        );
    }
}
