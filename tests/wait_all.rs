//! Many waits on one driver (`Client::wait_all`, issue 12): every wait ends as it would alone,
//! results come back by index, and no more polls are in flight (so no more connections are
//! opened) than the driver's limit, against a scripted server that counts them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use fireworks_ai_test_support as support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fireworks_ai::batch_inference::{BatchInferenceJob, CONTROL};
use fireworks_ai::{Client, Error, WaitErrorKind, WaitPolicy};
use futures_util::StreamExt;
use support::clock::FakeClock;
use support::{Reply, Resp, TestServer, bounded};

fn client(server: &TestServer) -> Client {
    support::control_client(&server.url())
}

/// A job's answer: `JOB_STATE_RUNNING` for its first `running` polls, then `last`.
fn job(id: &str, state: &str) -> Resp {
    Resp::json(
        200,
        &format!(
            r#"{{"name": "accounts/acct/batchInferenceJobs/{id}", "state": "{state}", "status": {{"message": "{state} message"}}}}"#
        ),
    )
}

/// A server where job `jN` answers running twice and then what `end(N)` says, each answer
/// dripping out in 40-byte pieces 5 ms apart (~20 ms) so that polls overlap; it counts polls per job.
async fn jobs_server(end: impl Fn(usize) -> Reply + Send + Sync + 'static) -> TestServer {
    let polls: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    TestServer::start(move |_, request| {
        let id = request
            .target
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        let n = {
            let mut polls = polls.lock().unwrap();
            let count = polls.entry(id.clone()).or_default();
            *count += 1;
            *count
        };
        let index: usize = id.trim_start_matches('j').parse().unwrap_or(usize::MAX);
        if n <= 2 {
            Reply::Drip(job(&id, "JOB_STATE_RUNNING"), 40, Duration::from_millis(5))
        } else {
            end(index)
        }
    })
    .await
}

fn quick() -> WaitPolicy {
    WaitPolicy::new()
        .first_delay(Duration::from_millis(10))
        .max_delay(Duration::from_millis(10))
        .no_jitter()
}

#[tokio::test]
async fn sixty_waits_complete_with_no_more_connections_than_the_drivers_limit() {
    bounded(async {
        let server = jobs_server(|i| {
            Reply::Drip(
                job(&format!("j{i}"), "JOB_STATE_COMPLETED"),
                40,
                Duration::from_millis(5),
            )
        })
        .await;
        let client = client(&server);
        let ids: Vec<String> = (0..60).map(|i| format!("j{i}")).collect();
        let waits = ids.iter().map(|id| {
            client
                .batch_inference()
                .wait_batch_inference_job(id)
                .policy(quick())
        });
        let results = client.wait_all(waits).max_in_flight(3).await;
        assert_eq!(results.len(), 60);
        for (i, result) in results.iter().enumerate() {
            let job = result.as_ref().unwrap();
            assert_eq!(
                job.name.as_deref(),
                Some(format!("accounts/acct/batchInferenceJobs/j{i}").as_str()),
                "results are in input order"
            );
        }
        // Three polls per job (running, running, completed), none lost or repeated.
        assert_eq!(server.count(), 180);
        assert!(
            server.connections() <= 3,
            "{} connections for a driver limit of 3",
            server.connections()
        );
    })
    .await;
}

#[tokio::test]
async fn each_wait_ends_as_it_would_alone() {
    bounded(async {
        // j0 completes, j1 fails with its message, j2 is gone (404), j3 completes.
        let server = jobs_server(|i| match i {
            1 => Reply::Respond(job("j1", "JOB_STATE_FAILED")),
            2 => Reply::Respond(Resp::json(404, r#"{"error": {"message": "no such job"}}"#)),
            _ => Reply::Respond(job(&format!("j{i}"), "JOB_STATE_COMPLETED")),
        })
        .await;
        let client = client(&server);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let ids = ["j0", "j1", "j2", "j3"];
        let waits = ids.iter().map(|id| {
            let seen = Arc::clone(&seen);
            let id = *id;
            client
                .batch_inference()
                .wait_batch_inference_job(id)
                .policy(quick())
                .on_progress(move |job| {
                    let state = job.state.as_ref().unwrap().as_str().to_owned();
                    seen.lock().unwrap().push((id, state));
                })
        });
        let mut ended = Vec::new();
        let mut stream = client.wait_all(waits).into_stream();
        while let Some((index, result)) = stream.next().await {
            ended.push(index);
            match (index, result) {
                (0 | 3, Ok(job)) => {
                    assert_eq!(job.state.unwrap().as_str(), "JOB_STATE_COMPLETED");
                }
                (1, Err(Error::Wait(wait))) => {
                    assert_eq!(wait.kind(), WaitErrorKind::Failed);
                    assert_eq!(wait.job_id(), "j1");
                    assert_eq!(wait.last_status(), Some("JOB_STATE_FAILED"));
                    assert_eq!(wait.polls(), 3);
                }
                (2, Err(Error::Status(status))) => assert_eq!(status.status(), 404),
                (index, other) => panic!("wait {index}: {other:?}"),
            }
        }
        ended.sort_unstable();
        assert_eq!(ended, [0, 1, 2, 3], "every wait ends exactly once");
        // Progress saw every status each job returned (the 404 is not a status).
        let seen = seen.lock().unwrap();
        for id in ids {
            let states: Vec<&str> = seen
                .iter()
                .filter(|(job, _)| *job == id)
                .map(|(_, state)| state.as_str())
                .collect();
            let expected: &[&str] = match id {
                "j1" => &["JOB_STATE_RUNNING", "JOB_STATE_RUNNING", "JOB_STATE_FAILED"],
                "j2" => &["JOB_STATE_RUNNING", "JOB_STATE_RUNNING"],
                _ => &[
                    "JOB_STATE_RUNNING",
                    "JOB_STATE_RUNNING",
                    "JOB_STATE_COMPLETED",
                ],
            };
            assert_eq!(states, expected, "{id}");
        }
    })
    .await;
}

#[tokio::test]
async fn deadlines_and_backoff_are_each_waits_own_on_the_clients_clock() {
    bounded(async {
        // j0 never finishes; j1 completes on its third poll.
        let server = jobs_server(|i| match i {
            0 => Reply::Respond(job("j0", "JOB_STATE_RUNNING")),
            _ => Reply::Respond(job("j1", "JOB_STATE_COMPLETED")),
        })
        .await;
        let clock = FakeClock::new();
        let client = Client::builder()
            .api_key("fw_KEY")
            .account_id("acct")
            .base_url(CONTROL, &server.url())
            .clock(clock.clone())
            .build()
            .unwrap();
        let exact = WaitPolicy::new()
            .first_delay(Duration::from_secs(2))
            .factor(2.0)
            .max_delay(Duration::from_secs(60))
            .no_jitter();
        let waits = vec![
            client
                .batch_inference()
                .wait_batch_inference_job("j0")
                .policy(exact.clone().deadline(Duration::from_secs(20))),
            client
                .batch_inference()
                .wait_batch_inference_job("j1")
                .policy(exact),
        ];
        // One in flight: the driver then sleeps only while nothing is on the wire, which a
        // fake clock (whose sleeps return at once) needs to keep time exactly.
        let results = client.wait_all(waits).max_in_flight(1).await;
        let Err(Error::Wait(wait)) = &results[0] else {
            panic!("{:?}", results[0])
        };
        // 2 + 4 + 8 = 14 s of sleeps; the next (16 s) would pass the 20 s deadline.
        assert_eq!(
            wait.kind(),
            WaitErrorKind::Deadline(Duration::from_secs(20))
        );
        assert_eq!(wait.polls(), 4);
        assert_eq!(wait.last_status(), Some("JOB_STATE_RUNNING"));
        assert_eq!(
            results[1]
                .as_ref()
                .unwrap()
                .state
                .as_ref()
                .unwrap()
                .as_str(),
            "JOB_STATE_COMPLETED"
        );
        // The driver sleeps only until the next wait falls due: j1's polls at 2 and 6 s line
        // up with j0's, so the clock's sleeps add up to j0's 14 s.
        let slept: Duration = clock.sleeps().iter().sum();
        assert_eq!(slept, Duration::from_secs(14), "{:?}", clock.sleeps());
        assert_eq!(server.count(), 4 + 3);
    })
    .await;
}

#[tokio::test]
async fn start_calls_run_through_the_driver_and_their_errors_end_only_their_wait() {
    bounded(async {
        let polls: Arc<Mutex<usize>> = Arc::default();
        let counted = Arc::clone(&polls);
        let server = TestServer::start(move |_, request| {
            if request.request_line.starts_with("POST") {
                return if request.text().contains("\"bad\"") {
                    Reply::Respond(Resp::json(400, r#"{"error": {"message": "bad model"}}"#))
                } else {
                    Reply::Respond(job("created", "JOB_STATE_CREATING"))
                };
            }
            let mut polls = counted.lock().unwrap();
            *polls += 1;
            Reply::Respond(job("created", "JOB_STATE_COMPLETED"))
        })
        .await;
        let client = client(&server);
        let waits = ["good", "bad"].map(|model| {
            client
                .batch_inference()
                .create_batch_inference_job(BatchInferenceJob::new().model(model))
                .and_wait()
                .policy(quick())
        });
        let results = client.wait_all(waits).await;
        assert_eq!(
            results[0].as_ref().unwrap().name.as_deref(),
            Some("accounts/acct/batchInferenceJobs/created")
        );
        let Err(Error::Status(status)) = &results[1] else {
            panic!("{:?}", results[1])
        };
        assert_eq!(status.status(), 400);
        assert_eq!(*polls.lock().unwrap(), 1, "only the created job is polled");
    })
    .await;
}
