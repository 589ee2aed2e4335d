//! Behaviour tests of the batch waiter against the emulator and a scripted server on 127.0.0.1:
//! backoff on a fake clock (exact sleeps), stop rules, deadline, progress, stream and drop.

// Test code: a failed unwrap is a failed test, and helpers outside `#[test]` functions are
// not covered by clippy's allow-*-in-tests settings.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use fireworks_ai_test_support as support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use fireworks_ai::audio::{
    AudioModel, ResponseFormat, TimestampGranularity, TranscriptionOutput, TranscriptionRequest,
    TranslationRequest,
};
use fireworks_ai::audio_batch::{AUDIO_BATCH, BatchJobStatus, BatchStatus};
use fireworks_ai::{
    BatchWait, Client, CompletedBatch, DecodedBody, Error, FileInput, RetryPolicy, WaitErrorKind,
    WaitPolicy,
};
use fireworks_ai_emulator::{Completion, Emulator, Job, RunningEmulator};
use futures_util::StreamExt;
use support::audio::verbose;
use support::clock::{FakeClock, client_builder, secs};
use support::wav;
use support::{Reply, Resp, TestServer, bounded};

const ACCOUNT: &str = "acct";
const KEY: &str = "test-key";
const PROCESSING_MESSAGE: &str = "Request is being processed";

fn client(url: &str, clock: &Arc<FakeClock>) -> Client {
    client_builder(url, KEY, ACCOUNT, clock).build().unwrap()
}

/// A client of [`ACCOUNT`] on a fake clock, for the server at `url`.
fn on_fake_clock(url: &str) -> (Client, Arc<FakeClock>) {
    let clock = FakeClock::new();
    (client(url, &clock), clock)
}

/// An emulator with `job` seeded as `b1` of [`ACCOUNT`], and a client of it on a fake clock.
async fn emulated(job: Job) -> (RunningEmulator, Client, Arc<FakeClock>) {
    let emu = emulator().await;
    emu.seed_job(ACCOUNT, "b1", job);
    let (client, clock) = on_fake_clock(emu.base_url());
    (emu, client, clock)
}

async fn emulator() -> RunningEmulator {
    Emulator::builder().start().await.unwrap()
}

/// An emulator that expects another key than the clients here send, so it answers 401.
async fn refusing_emulator() -> RunningEmulator {
    Emulator::builder()
        .api_key("the-right-key")
        .start()
        .await
        .unwrap()
}

/// The default policy without jitter, so sleeps are exact.
fn exact() -> WaitPolicy {
    WaitPolicy::new().no_jitter()
}

fn status_json(status: &str, message: Option<&str>) -> Resp {
    let mut value = serde_json::json!({"status": status, "batch_id": "b1"});
    if let Some(message) = message {
        value["message"] = message.into();
    }
    Resp::json(200, &value.to_string())
}

fn completed_json(content_type: &str, body: &str) -> Resp {
    let value = serde_json::json!({
        "status": "completed", "batch_id": "b1", "message": null,
        "content_type": content_type, "body": body,
    });
    Resp::json(200, &value.to_string())
}

fn wait_error(err: &Error) -> &fireworks_ai::WaitError {
    match err {
        Error::Wait(e) => e,
        other => panic!("expected Error::Wait, got {other:?}"),
    }
}

#[tokio::test]
async fn processing_then_completed_with_exact_backoff() {
    bounded(async {
        let (emu, client, clock) =
            emulated(Job::completes_after(4).with_result("application/json", r#"{"text":"hi"}"#))
                .await;
        let done = BatchWait::new(&client, "b1").policy(exact()).await.unwrap();
        assert_eq!(done.status().status, BatchJobStatus::Completed);
        assert_eq!(done.body(), r#"{"text":"hi"}"#);
        assert_eq!(done.content_type(), Some("application/json"));
        assert_eq!(done.polls(), 5);
        assert_eq!(emu.poll_count(ACCOUNT, "b1"), 5);
        assert_eq!(
            clock.sleeps(),
            [secs(2.0), secs(3.0), secs(4.5), secs(6.75)]
        );
        assert_eq!(done.elapsed(), secs(16.25));
        match done.decode().unwrap() {
            DecodedBody::Json(value) => assert_eq!(value["text"], "hi"),
            other => panic!("{other:?}"),
        }
    })
    .await;
}

#[tokio::test]
async fn delays_cap_at_max_and_jitter_stays_in_band() {
    bounded(async {
        let (_emu, client, clock) =
            emulated(Job::completes_after(12).with_result("text/plain", "ok")).await;
        BatchWait::new(&client, "b1").await.unwrap();
        let sleeps = clock.sleeps();
        assert_eq!(sleeps.len(), 12);
        let policy = WaitPolicy::new();
        for (n, slept) in sleeps.iter().enumerate() {
            let base = policy.base_delay(n as u32).as_secs_f64();
            let slept = slept.as_secs_f64();
            assert!(
                slept >= base * 0.8 - 1e-9 && slept <= (base * 1.2).min(30.0) + 1e-9,
                "sleep {n}: {slept} s for a base of {base} s"
            );
        }
        assert!(sleeps.iter().all(|s| *s <= Duration::from_secs(30)));
    })
    .await;
}

#[tokio::test]
async fn account_id_override_and_custom_policy() {
    bounded(async {
        let emu = emulator().await;
        emu.seed_job(
            "other",
            "b1",
            Job::completes_after(3).with_result("text/plain", "ok"),
        );
        let (client, clock) = on_fake_clock(emu.base_url());
        let policy = WaitPolicy::new()
            .no_jitter()
            .first_delay(Duration::from_secs(1))
            .factor(2.0)
            .max_delay(Duration::from_secs(3));
        let done = BatchWait::new(&client, "b1")
            .account_id("other")
            .policy(policy)
            .await
            .unwrap();
        assert_eq!(done.body(), "ok");
        assert_eq!(clock.sleeps(), [secs(1.0), secs(2.0), secs(3.0)]);
        assert_eq!(emu.poll_count("other", "b1"), 4);
        assert_eq!(emu.poll_count(ACCOUNT, "b1"), 0);
    })
    .await;
}

#[tokio::test]
async fn deadline_error_carries_last_status_message_and_poll_count() {
    bounded(async {
        let (emu, client, clock) = emulated(Job::never_completes()).await;
        // Polls at 0, 2, 5 and 9.5 s; the next delay (6.75 s) would end after 10 s.
        let err = BatchWait::new(&client, "b1")
            .policy(exact().deadline(Duration::from_secs(10)))
            .await
            .unwrap_err();
        let wait = wait_error(&err);
        assert_eq!(
            wait.kind(),
            WaitErrorKind::Deadline(Duration::from_secs(10))
        );
        assert_eq!(wait.job_id(), "b1");
        assert_eq!(wait.last_status(), Some("processing"));
        assert_eq!(wait.last_message(), Some(PROCESSING_MESSAGE));
        assert_eq!(wait.polls(), 4);
        assert_eq!(wait.elapsed(), secs(9.5));
        assert!(wait.last_error().is_none());
        assert_eq!(emu.poll_count(ACCOUNT, "b1"), 4);
        assert_eq!(clock.sleeps(), [secs(2.0), secs(3.0), secs(4.5)]);
        let text = err.to_string();
        assert!(
            text.contains("did not complete within the deadline of 10s")
                && text.contains("4 polls")
                && text.contains("last status `processing`: Request is being processed"),
            "{text}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_poll_in_flight_is_cut_off_at_the_deadline() {
    bounded(async {
        let server = TestServer::always(Reply::Hang).await;
        let client = Client::builder()
            .api_key(KEY)
            .account_id(ACCOUNT)
            .base_url(AUDIO_BATCH, &server.url())
            .build()
            .unwrap();
        let started = Instant::now();
        let err = BatchWait::new(&client, "b1")
            .policy(WaitPolicy::new().deadline(Duration::from_millis(300)))
            .await
            .unwrap_err();
        let took = started.elapsed();
        let wait = wait_error(&err);
        assert_eq!(
            wait.kind(),
            WaitErrorKind::Deadline(Duration::from_millis(300))
        );
        assert_eq!(wait.polls(), 1);
        assert_eq!(wait.last_status(), None);
        assert!(
            matches!(wait.last_error(), Some(Error::Timeout(_))),
            "{err}"
        );
        assert!(took >= Duration::from_millis(290) && took < Duration::from_secs(3));
        assert_eq!(server.count(), 1);
    })
    .await;
}

/// Waits for job `id` on `emu` and checks that the wait ends with `status` after exactly one
/// request and no sleep.
async fn stops_after_one_request(emu: &RunningEmulator, id: &str, status: u16) {
    let (client, clock) = on_fake_clock(emu.base_url());
    let err = BatchWait::new(&client, id).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(status), "{err}");
    assert_eq!(emu.poll_count(ACCOUNT, id), 1);
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn not_found_stops_after_exactly_one_request() {
    bounded(async {
        let emu = emulator().await;
        stops_after_one_request(&emu, "missing", 404).await;
    })
    .await;
}

#[tokio::test]
async fn unauthenticated_stops_after_exactly_one_request() {
    bounded(async {
        let emu = refusing_emulator().await;
        emu.seed_job(ACCOUNT, "b1", Job::never_completes());
        stops_after_one_request(&emu, "b1", 401).await;
    })
    .await;
}

#[tokio::test]
async fn forbidden_and_bad_request_stop_at_once() {
    bounded(async {
        for status in [403, 400] {
            let server = TestServer::always(Reply::Respond(Resp::json(
                status,
                r#"{"error":{"message":"no"}}"#,
            )))
            .await;
            let (client, _clock) = on_fake_clock(&server.url());
            let err = BatchWait::new(&client, "b1").await.unwrap_err();
            assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
            assert_eq!(server.count(), 1);
        }
    })
    .await;
}

#[tokio::test]
async fn transient_errors_are_retried_then_count_as_failed_polls() {
    bounded(async {
        let unavailable = Reply::Respond(Resp::json(503, r#"{"error":{"message":"busy"}}"#));
        let server = TestServer::sequence(vec![
            unavailable.clone(),
            unavailable,
            Reply::Respond(status_json("processing", Some("queued"))),
            Reply::Reset,
            Reply::Respond(completed_json("text/plain", "done")),
        ])
        .await;
        let clock = FakeClock::new();
        let client = client_builder(&server.url(), KEY, ACCOUNT, &clock)
            .retry_policy(RetryPolicy::new().no_jitter().max_retries(1))
            .build()
            .unwrap();
        let done = BatchWait::new(&client, "b1").policy(exact()).await.unwrap();
        assert_eq!(done.body(), "done");
        // Poll 1: 503, retried once by the client (0.5 s), 503 again: a failed poll.
        // Poll 2 after 2 s: processing. Poll 3 after 3 s: reset, retried (0.5 s): completed.
        assert_eq!(server.count(), 5);
        assert_eq!(done.polls(), 3);
        assert_eq!(clock.sleeps(), [secs(0.5), secs(2.0), secs(3.0), secs(0.5)]);
    })
    .await;
}

#[tokio::test]
async fn deadline_after_failed_polls_keeps_the_last_error_and_status() {
    bounded(async {
        let server = TestServer::sequence(vec![
            Reply::Respond(status_json("processing", Some("warming up"))),
            Reply::Respond(Resp::json(429, r#"{"error":{"message":"slow down"}}"#)),
        ])
        .await;
        let (client, _clock) = on_fake_clock(&server.url());
        let err = BatchWait::new(&client, "b1")
            .options(fireworks_ai::RequestOptions::new().max_retries(0))
            .policy(exact().deadline(Duration::from_secs(8)))
            .await
            .unwrap_err();
        let wait = wait_error(&err);
        assert_eq!(wait.kind(), WaitErrorKind::Deadline(Duration::from_secs(8)));
        assert_eq!(wait.last_status(), Some("processing"));
        assert_eq!(wait.last_message(), Some("warming up"));
        // Polls at 0 (ok), 2 and 5 s (429); 5 + 4.5 > 8.
        assert_eq!(wait.polls(), 3);
        assert_eq!(server.count(), 3);
        let last = wait.last_error().expect("the last poll failed");
        assert_eq!(last.status().map(|s| s.as_u16()), Some(429));
        assert!(err.to_string().contains("slow down"), "{err}");
    })
    .await;
}

#[tokio::test]
async fn max_failed_polls_gives_up_after_that_many_in_a_row() {
    bounded(async {
        let server = TestServer::sequence(vec![
            Reply::Respond(status_json("processing", None)),
            Reply::Respond(Resp::json(500, "{}")),
        ])
        .await;
        let (client, _clock) = on_fake_clock(&server.url());
        let err = BatchWait::new(&client, "b1")
            .options(fireworks_ai::RequestOptions::new().max_retries(0))
            .policy(exact().max_failed_polls(3))
            .await
            .unwrap_err();
        let wait = wait_error(&err);
        assert_eq!(wait.kind(), WaitErrorKind::FailedPolls(3));
        assert_eq!(wait.polls(), 4);
        assert_eq!(wait.last_status(), Some("processing"));
        assert_eq!(wait.last_message(), None);
        assert_eq!(server.count(), 4);
    })
    .await;
}

#[tokio::test]
async fn unknown_statuses_keep_polling_until_completed() {
    bounded(async {
        let server = TestServer::sequence(vec![
            Reply::Respond(status_json("processing", Some(PROCESSING_MESSAGE))),
            Reply::Respond(status_json("transcribing", Some("50 %"))),
            Reply::Respond(status_json("queued_for_alignment", None)),
            Reply::Respond(completed_json("text/plain; charset=utf-8", "done")),
        ])
        .await;
        let (client, _clock) = on_fake_clock(&server.url());
        let mut seen = Vec::new();
        let done = BatchWait::new(&client, "b1")
            .policy(exact())
            .on_progress(|s: &BatchStatus| seen.push(s.status.clone()))
            .await
            .unwrap();
        assert_eq!(done.body(), "done");
        assert_eq!(
            seen,
            [
                BatchJobStatus::Processing,
                BatchJobStatus::Unknown("transcribing".into()),
                BatchJobStatus::Unknown("queued_for_alignment".into()),
                BatchJobStatus::Completed,
            ]
        );
        assert_eq!(server.count(), 4);
    })
    .await;
}

#[tokio::test]
async fn a_failed_status_ends_the_wait_unless_the_caller_says_otherwise() {
    bounded(async {
        let (emu, client, _clock) = emulated(
            Job::completes_after(1)
                .with_final_status("FAILED")
                .with_final_message("audio could not be decoded"),
        )
        .await;
        let err = BatchWait::new(&client, "b1")
            .policy(exact())
            .await
            .unwrap_err();
        let wait = wait_error(&err);
        assert_eq!(wait.kind(), WaitErrorKind::Failed);
        assert_eq!(wait.last_status(), Some("FAILED"));
        assert_eq!(wait.last_message(), Some("audio could not be decoded"));
        assert_eq!(wait.polls(), 2);

        // With an empty failed set, `FAILED` is just another unknown state.
        emu.seed_job(
            ACCOUNT,
            "b2",
            Job::completes_after(0).with_final_status("failed"),
        );
        let err = BatchWait::new(&client, "b2")
            .failed_statuses(Vec::<String>::new())
            .policy(exact().deadline(Duration::from_secs(6)))
            .await
            .unwrap_err();
        let wait = wait_error(&err);
        assert_eq!(wait.kind(), WaitErrorKind::Deadline(Duration::from_secs(6)));
        assert_eq!(wait.last_status(), Some("failed"));
        assert_eq!(emu.poll_count(ACCOUNT, "b2"), 3);
    })
    .await;
}

#[tokio::test]
async fn a_status_message_echoing_the_key_never_shows_it_in_the_wait_error() {
    bounded(async {
        let echo = format!("job refused for key {KEY}");
        let (_emu, client, _clock) = emulated(
            Job::completes_after(0)
                .with_final_status("failed")
                .with_final_message(&echo),
        )
        .await;
        let err = BatchWait::new(&client, "b1")
            .policy(exact())
            .await
            .unwrap_err();
        let wait = wait_error(&err);
        assert_eq!(wait.kind(), WaitErrorKind::Failed);
        assert_eq!(wait.last_message(), Some("job refused for key [REDACTED]"));
        for shown in [err.to_string(), format!("{err:?}")] {
            assert!(!shown.contains(KEY), "key shown in {shown}");
        }
    })
    .await;
}

#[tokio::test]
async fn completed_without_a_body_is_an_error() {
    bounded(async {
        let (_emu, client, _clock) = emulated(Job::completes_after(1)).await;
        let err = BatchWait::new(&client, "b1")
            .policy(exact())
            .await
            .unwrap_err();
        let wait = wait_error(&err);
        assert_eq!(wait.kind(), WaitErrorKind::NoResult);
        assert_eq!(wait.last_status(), Some("completed"));
        assert_eq!(wait.polls(), 2);
        assert!(err.to_string().contains("completed without a result body"));
    })
    .await;
}

#[tokio::test]
async fn a_body_that_does_not_match_its_content_type_is_a_decode_error() {
    bounded(async {
        let (_emu, client, _clock) =
            emulated(Job::completes_after(0).with_result("application/json", "Hello, plain text"))
                .await;
        let done = BatchWait::new(&client, "b1").await.unwrap();
        let err = done.decode().unwrap_err();
        assert!(matches!(err, Error::Decode(_)), "{err:?}");
    })
    .await;
}

#[tokio::test]
async fn progress_callback_sees_every_state() {
    bounded(async {
        let (_emu, client, _clock) =
            emulated(Job::completes_after(3).with_result("text/plain", "ok")).await;
        let mut seen = Vec::new();
        BatchWait::new(&client, "b1")
            .on_progress(|s: &BatchStatus| {
                seen.push((s.status.as_str().to_owned(), s.message.clone()));
            })
            .await
            .unwrap();
        let processing = ("processing".to_owned(), Some(PROCESSING_MESSAGE.to_owned()));
        assert_eq!(
            seen,
            [
                processing.clone(),
                processing.clone(),
                processing,
                ("completed".to_owned(), None)
            ]
        );
    })
    .await;
}

#[tokio::test]
async fn stream_yields_every_state_then_ends() {
    bounded(async {
        let (_emu, client, clock) =
            emulated(Job::completes_after(2).with_result("text/plain", "ok")).await;
        let mut called = 0;
        let states: Vec<_> = BatchWait::new(&client, "b1")
            .policy(exact())
            .on_progress(|_| called += 1)
            .into_stream()
            .collect()
            .await;
        let states: Vec<_> = states
            .into_iter()
            .map(|s| s.unwrap().status.as_str().to_owned())
            .collect();
        assert_eq!(states, ["processing", "processing", "completed"]);
        assert_eq!(called, 3);
        assert_eq!(clock.sleeps(), [secs(2.0), secs(3.0)]);
    })
    .await;
}

#[tokio::test]
async fn stream_ends_with_the_error_after_the_state_that_caused_it() {
    bounded(async {
        let (_emu, client, _clock) =
            emulated(Job::completes_after(1).with_final_status("cancelled")).await;
        let items: Vec<_> = BatchWait::new(&client, "b1").into_stream().collect().await;
        assert_eq!(items.len(), 3);
        assert_eq!(
            items[0].as_ref().unwrap().status,
            BatchJobStatus::Processing
        );
        assert_eq!(
            items[1].as_ref().unwrap().status,
            BatchJobStatus::Unknown("cancelled".into())
        );
        let err = items[2].as_ref().unwrap_err();
        assert_eq!(wait_error(err).kind(), WaitErrorKind::Failed);

        // A permanent error is the only item.
        let items: Vec<_> = BatchWait::new(&client, "nope")
            .into_stream()
            .collect()
            .await;
        assert_eq!(items.len(), 1);
        assert!(items[0].is_err());
    })
    .await;
}

/// Runs on the real clock: the wait is dropped by a timeout while it polls every 20 ms, and
/// after a short settling pause (for a request already on the wire) the emulator's counter
/// must stay still, because nothing was spawned.
#[tokio::test]
async fn dropping_the_wait_stops_polling() {
    bounded(async {
        let emu = emulator().await;
        emu.seed_job(ACCOUNT, "b1", Job::never_completes());
        let client = Client::builder()
            .api_key(KEY)
            .account_id(ACCOUNT)
            .base_url(AUDIO_BATCH, emu.base_url())
            .build()
            .unwrap();
        let policy = WaitPolicy::new()
            .first_delay(Duration::from_millis(20))
            .factor(1.0)
            .no_jitter();
        let wait = BatchWait::new(&client, "b1").policy(policy.clone());
        let result = tokio::time::timeout(Duration::from_millis(300), wait).await;
        assert!(result.is_err(), "the job never completes");
        // A request already on the wire when the future was dropped may still be counted.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let polls = emu.poll_count(ACCOUNT, "b1");
        assert!(polls >= 3, "it was polling: {polls}");
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(emu.poll_count(ACCOUNT, "b1"), polls);

        // The same for a stream dropped after two items.
        let mut stream = BatchWait::new(&client, "b1").policy(policy).into_stream();
        stream.next().await.unwrap().unwrap();
        stream.next().await.unwrap().unwrap();
        drop(stream);
        tokio::time::sleep(Duration::from_millis(50)).await;
        let polls = emu.poll_count(ACCOUNT, "b1");
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(emu.poll_count(ACCOUNT, "b1"), polls);
    })
    .await;
}

/// The account the emulator files submitted jobs under; the client's own account differs, so
/// the waiter must take the account from the submit response.
const EMULATOR_ACCOUNT: &str = "submitting-account";

/// An emulator whose submitted jobs answer `processing` three times, then complete, and a
/// client of it on a fake clock.
async fn submitting() -> (RunningEmulator, Client, Arc<FakeClock>) {
    let emu = Emulator::builder()
        .account_id(EMULATOR_ACCOUNT)
        .submit_completion(Completion::AfterPolls(3))
        .start()
        .await
        .unwrap();
    let (client, clock) = on_fake_clock(emu.base_url());
    (emu, client, clock)
}

fn three_second_wav() -> FileInput {
    FileInput::from_bytes(wav::tone(3), "tone.wav")
}

/// Submits `request`, waits with exact backoff and checks the common facts: three
/// `processing` polls, then `completed`, in the submitting account.
async fn submit_and_wait(
    emu: &RunningEmulator,
    client: &Client,
    request: impl Into<fireworks_ai::BatchRequest>,
) -> CompletedBatch {
    let mut seen = Vec::new();
    let mut submitted = None;
    let done = BatchWait::submit_and_wait(client, request)
        .policy(exact())
        .on_submitted(|s| submitted = Some(s.clone()))
        .on_progress(|s| seen.push(s.status.as_str().to_owned()))
        .await
        .unwrap();
    let submitted = submitted.expect("on_submitted was called");
    assert_eq!(submitted.account_id, EMULATOR_ACCOUNT);
    assert_eq!(done.status().batch_id, submitted.batch_id);
    assert_eq!(
        seen,
        ["processing", "processing", "processing", "completed"]
    );
    assert_eq!(done.polls(), 4);
    assert_eq!(
        emu.poll_count(EMULATOR_ACCOUNT, &submitted.batch_id),
        4,
        "polled in the account of the submit response"
    );
    done
}

#[tokio::test]
async fn submit_and_wait_gives_a_typed_transcript_for_every_response_format() {
    bounded(async {
        let (emu, client, _clock) = submitting().await;
        let mut texts = Vec::new();
        for format in ResponseFormat::KNOWN {
            let mut request = TranscriptionRequest::new(three_second_wav())
                .model(AudioModel::WhisperV3Turbo)
                .response_format(format.clone());
            if *format == ResponseFormat::VerboseJson {
                request = request.timestamp_granularities([
                    TimestampGranularity::Word,
                    TimestampGranularity::Segment,
                ]);
            }
            let done = submit_and_wait(&emu, &client, request).await;
            assert_eq!(
                done.response_format(),
                Some(format),
                "kept from the request"
            );
            let transcript = done.transcript().unwrap();
            assert_eq!(transcript.format().as_ref(), Some(format));
            match transcript {
                TranscriptionOutput::Json(t) => texts.push(t.text),
                TranscriptionOutput::VerboseJson(v) => {
                    assert_eq!(v.task.as_deref(), Some("transcribe"));
                    assert_eq!(v.duration, Some(3.0));
                    let words = v.words.unwrap();
                    assert_eq!(words.len(), 6, "two words per second");
                    assert!(words.iter().all(|w| w.start.is_some() && w.end.is_some()));
                    assert!(!v.segments.unwrap().is_empty());
                    texts.push(v.text.unwrap());
                }
                TranscriptionOutput::Text(text) => texts.push(text),
                TranscriptionOutput::Srt(srt) => {
                    assert!(
                        srt.starts_with("1\n00:00:00,000 --> 00:00:02,950\nThis is a"),
                        "{srt}"
                    );
                }
                TranscriptionOutput::Vtt(vtt) => {
                    assert!(vtt.starts_with("WEBVTT\n\n00:00:00.000 --> "), "{vtt}");
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(texts.len(), 3);
        assert!(texts.iter().all(|t| t == &texts[0]), "{texts:?}");
        assert!(texts[0].starts_with("This is a deterministic"), "{texts:?}");
    })
    .await;
}

#[tokio::test]
async fn the_area_struct_waits_and_submits_and_waits() {
    bounded(async {
        let (emu, client, clock) = submitting().await;
        let area = client.audio_batch();
        assert!(std::ptr::eq(area.client(), &client));

        // `wait` on a job submitted earlier, with a borrowed id, in the client's account.
        emu.seed_job(
            ACCOUNT,
            "b1",
            Job::completes_after(2).with_result("text/plain", "earlier"),
        );
        let id = String::from("b1");
        let done = area.wait(id.as_str()).policy(exact()).await.unwrap();
        assert_eq!(done.body(), "earlier");
        assert_eq!(done.polls(), 3);
        assert_eq!(done.response_format(), None);
        assert_eq!(emu.poll_count(ACCOUNT, "b1"), 3);
        assert_eq!(clock.sleeps(), [secs(2.0), secs(3.0)]);

        // `submit_and_wait` keeps the format and polls in the submitting account.
        let request =
            TranscriptionRequest::new(three_second_wav()).response_format(ResponseFormat::Srt);
        let mut seen = Vec::new();
        let done = client
            .audio_batch()
            .submit_and_wait(request)
            .policy(exact())
            .on_progress(|s| seen.push(s.status.as_str().to_owned()))
            .await
            .unwrap();
        assert_eq!(
            seen,
            ["processing", "processing", "processing", "completed"]
        );
        assert_eq!(done.response_format(), Some(&ResponseFormat::Srt));
        assert_eq!(emu.poll_count(EMULATOR_ACCOUNT, &done.status().batch_id), 4);
        let TranscriptionOutput::Srt(srt) = done.transcript().unwrap() else {
            panic!("srt was asked for");
        };
        assert!(srt.starts_with("1\n00:00:00,000 --> "), "{srt}");
    })
    .await;
}

#[tokio::test]
async fn without_the_format_the_result_is_inferred_from_content_type_and_shape() {
    bounded(async {
        let (_emu, client, _clock) = submitting().await;
        for (format, want) in [
            (ResponseFormat::Json, "json"),
            (ResponseFormat::VerboseJson, "verbose_json"),
            (ResponseFormat::Srt, "text"),
        ] {
            let request = TranscriptionRequest::new(three_second_wav()).response_format(format);
            let submitted = client
                .audio_batch()
                .submit_transcription(request)
                .await
                .unwrap();
            // A caller that kept only the batch id.
            let done = BatchWait::new(&client, submitted.batch_id.as_str())
                .account_id(submitted.account_id.as_str())
                .policy(exact())
                .await
                .unwrap();
            assert_eq!(done.response_format(), None);
            let got = done.transcript().unwrap().format().unwrap();
            assert_eq!(got.as_str(), want);
        }
    })
    .await;
}

#[tokio::test]
async fn translation_completes_in_english() {
    bounded(async {
        let (emu, client, _clock) = submitting().await;
        let request = TranslationRequest::new(three_second_wav())
            .language("de")
            .response_format(ResponseFormat::VerboseJson);
        let done = submit_and_wait(&emu, &client, request).await;
        let v = verbose(done.transcript().unwrap());
        assert_eq!(v.task.as_deref(), Some("translate"));
        assert_eq!(v.language.as_deref(), Some("en"));
        let recorded = emu.requests();
        let submit = recorded.iter().find(|r| r.method == "POST").unwrap();
        assert_eq!(submit.path, "/v1/audio/translations");
        assert_eq!(submit.query.as_deref(), Some("endpoint_id=audio-prod"));
    })
    .await;
}

#[tokio::test]
async fn diarization_labels_every_word_with_a_speaker() {
    bounded(async {
        let (emu, client, _clock) = submitting().await;
        let request = TranscriptionRequest::new(FileInput::from_bytes(wav::tone(10), "talk.wav"))
            .response_format(ResponseFormat::VerboseJson)
            .timestamp_granularities([TimestampGranularity::Word])
            .diarize(true)
            .min_speakers(2)
            .max_speakers(2);
        let done = submit_and_wait(&emu, &client, request).await;
        let v = verbose(done.transcript().unwrap());
        let words = v.words.unwrap();
        assert_eq!(words.len(), 20);
        let speakers: std::collections::BTreeSet<_> = words
            .iter()
            .map(|w| w.speaker_id.clone().expect("every word has a speaker"))
            .collect();
        assert_eq!(
            speakers.into_iter().collect::<Vec<_>>(),
            ["SPEAKER_00", "SPEAKER_01"]
        );
    })
    .await;
}

#[tokio::test]
async fn url_input_is_transcribed() {
    bounded(async {
        let (emu, client, _clock) = submitting().await;
        let request =
            TranscriptionRequest::new(FileInput::from_url("https://example.com/interview.mp3"))
                .response_format(ResponseFormat::VerboseJson);
        let done = submit_and_wait(&emu, &client, request).await;
        let v = verbose(done.transcript().unwrap());
        // The emulator does not fetch URLs; it assumes 10 s of audio.
        assert_eq!(v.duration, Some(10.0));
    })
    .await;
}

#[tokio::test]
async fn a_refused_submit_ends_the_wait_before_any_poll() {
    bounded(async {
        let emu = refusing_emulator().await;
        let (client, _clock) = on_fake_clock(emu.base_url());
        let mut called = false;
        let err =
            BatchWait::submit_and_wait(&client, TranscriptionRequest::new(three_second_wav()))
                .on_submitted(|_| called = true)
                .await
                .unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(401), "{err}");
        assert!(!called);
        let requests = emu.requests();
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].method, "POST");

        // The stream form ends with the same error as its only item.
        let items: Vec<_> =
            BatchWait::submit_and_wait(&client, TranscriptionRequest::new(three_second_wav()))
                .into_stream()
                .collect()
                .await;
        assert_eq!(items.len(), 1);
        assert_eq!(
            items[0].as_ref().unwrap_err().status().map(|s| s.as_u16()),
            Some(401)
        );
    })
    .await;
}

#[tokio::test]
async fn submit_then_stream_yields_every_state() {
    bounded(async {
        let (_emu, client, _clock) = submitting().await;
        let request =
            TranscriptionRequest::new(three_second_wav()).response_format(ResponseFormat::Text);
        let items: Vec<_> = BatchWait::submit_and_wait(&client, request)
            .policy(exact())
            .into_stream()
            .collect()
            .await;
        let states: Vec<_> = items.into_iter().map(|s| s.unwrap()).collect();
        let names: Vec<_> = states.iter().map(|s| s.status.as_str()).collect();
        assert_eq!(
            names,
            ["processing", "processing", "processing", "completed"]
        );
        let last = states.last().unwrap().clone();
        let done = CompletedBatch::from_status(last, Some(ResponseFormat::Text)).unwrap();
        assert!(matches!(
            done.transcript().unwrap(),
            TranscriptionOutput::Text(_)
        ));
        let err = CompletedBatch::from_status(states[0].clone(), None).unwrap_err();
        assert_eq!(wait_error(&err).kind(), WaitErrorKind::NoResult);
    })
    .await;
}

#[tokio::test]
async fn a_body_that_does_not_match_its_content_type_or_format_is_a_decode_error() {
    bounded(async {
        let emu = emulator().await;
        let (client, _clock) = on_fake_clock(emu.base_url());
        let cases = [
            // JSON content type, not JSON: whatever the format says.
            (
                "application/json",
                "Hello, plain text",
                Some(ResponseFormat::Text),
            ),
            ("application/json", "Hello, plain text", None),
            (
                "application/json; charset=utf-8",
                "{\"text\": ",
                Some(ResponseFormat::Json),
            ),
            // A JSON format with a text body.
            (
                "text/plain; charset=utf-8",
                "Hello",
                Some(ResponseFormat::Json),
            ),
            // JSON, but not a transcript: `text` must be a string.
            (
                "application/json",
                r#"{"text": 42}"#,
                Some(ResponseFormat::Json),
            ),
            (
                "application/json",
                r#"{"duration": "long"}"#,
                Some(ResponseFormat::VerboseJson),
            ),
        ];
        for (n, (content_type, body, format)) in cases.into_iter().enumerate() {
            let id = format!("b{n}");
            emu.seed_job(
                ACCOUNT,
                &id,
                Job::completes_after(0).with_result(content_type, body),
            );
            let mut wait = BatchWait::new(&client, id.as_str());
            if let Some(format) = format.clone() {
                wait = wait.response_format(format);
            }
            let done = wait.await.unwrap();
            let err = done.transcript().unwrap_err();
            assert!(
                matches!(err, Error::Decode(_)),
                "{content_type} {body:?} {format:?}: {err:?}"
            );
        }
        // The decode error names the failing field.
        emu.seed_job(
            ACCOUNT,
            "path",
            Job::completes_after(0).with_result("application/json", r#"{"text": 42}"#),
        );
        let done = BatchWait::new(&client, "path")
            .response_format(ResponseFormat::Json)
            .await
            .unwrap();
        match done.transcript().unwrap_err() {
            Error::Decode(e) => assert_eq!(e.path(), "text"),
            other => panic!("{other:?}"),
        }
    })
    .await;
}

/// The waiter the spec declares on `get_batch_status` (`wait:` in `spec/audio-batch.yaml`),
/// which `BatchWait` is built on, used directly: `.and_wait()` on a submit polls in the
/// account its response names, and `wait_batch` / the status request's `.wait()` classify as
/// `BatchWait` does, ignoring case, with the undocumented failure states failing.
#[tokio::test]
async fn the_generated_audio_batch_waiter_submits_polls_and_classifies_like_batch_wait() {
    bounded(async {
        let (emu, client, _clock) = submitting().await;
        let request =
            TranscriptionRequest::new(three_second_wav()).response_format(ResponseFormat::Text);
        let mut seen = Vec::new();
        let done = client
            .audio_batch()
            .submit_transcription(request)
            .and_wait()
            .policy(exact())
            .on_progress(|s: &BatchStatus| seen.push(s.status.as_str().to_owned()))
            .await
            .unwrap();
        assert_eq!(done.status, BatchJobStatus::Completed);
        assert!(done.body.is_some(), "done means a body");
        assert_eq!(
            seen,
            ["processing", "processing", "processing", "completed"]
        );
        assert_eq!(emu.poll_count(EMULATOR_ACCOUNT, &done.batch_id), 4);

        // An undocumented failure state, in capitals, fails the wait with its message.
        emu.seed_job(
            ACCOUNT,
            "b9",
            Job::completes_after(1)
                .with_final_status("EXPIRED")
                .with_final_message("job expired"),
        );
        let err = client
            .audio_batch()
            .wait_batch("b9")
            .policy(exact())
            .await
            .unwrap_err();
        let wait = wait_error(&err);
        assert_eq!(wait.kind(), WaitErrorKind::Failed);
        assert_eq!(wait.last_status(), Some("EXPIRED"));
        assert_eq!(wait.last_message(), Some("job expired"));
        assert_eq!(wait.polls(), 2);

        // `failed_states` replaces the spec's list: `EXPIRED` no longer fails, `odd` does.
        emu.seed_job(
            ACCOUNT,
            "b10",
            Job::completes_after(0).with_final_status("ODD"),
        );
        let err = client
            .audio_batch()
            .get_batch_status("b10")
            .wait()
            .policy(exact())
            .failed_states(["odd"])
            .await
            .unwrap_err();
        assert_eq!(wait_error(&err).kind(), WaitErrorKind::Failed);
        let err = client
            .audio_batch()
            .wait_batch("b9")
            .failed_states(["odd"])
            .policy(exact().deadline(Duration::from_secs(6)))
            .await
            .unwrap_err();
        assert_eq!(
            wait_error(&err).kind(),
            WaitErrorKind::Deadline(Duration::from_secs(6))
        );
    })
    .await;
}
