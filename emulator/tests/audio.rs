//! HTTP-level tests of the emulator's audio endpoints: batch submit then status, sync
//! transcription and translation in every response format, and the multipart validation.

// Test helpers outside `#[test]` functions are not covered by clippy's allow-*-in-tests settings.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod support;

use std::time::Duration;

use fireworks_ai_emulator::wire::{SubmitResponse, VerboseTranscription};
use fireworks_ai_emulator::{Completion, Emulator, RunningEmulator};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use support::http;
use support::wav;

const TEXT: &str = "text/plain; charset=utf-8";

/// A form with a `seconds`-long WAV file part and the given text fields.
fn form(seconds: f64, fields: &[(&str, &str)]) -> Form {
    let file = Part::bytes(wav::silence(seconds))
        .file_name("audio.wav")
        .mime_str("audio/wav")
        .unwrap();
    fields_only(fields).part("file", file)
}

fn fields_only(fields: &[(&str, &str)]) -> Form {
    fields.iter().fold(Form::new(), |form, (name, value)| {
        form.text((*name).to_owned(), (*value).to_owned())
    })
}

/// Posts a form with the raw key, as the seed's curl command does; gives status, content type
/// and body.
async fn post(
    emulator: &RunningEmulator,
    path_and_query: &str,
    form: Form,
) -> (u16, String, String) {
    let response = http()
        .post(format!("{}{path_and_query}", emulator.base_url()))
        .header("Authorization", "test-key")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, response.text().await.unwrap())
}

async fn poll(emulator: &RunningEmulator, account: &str, batch_id: &str) -> Value {
    let response = http()
        .get(format!(
            "{}/v1/accounts/{account}/batch_job/{batch_id}",
            emulator.base_url()
        ))
        .header("Authorization", "test-key")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn seed_curl_request_submits_and_completes_after_two_polls() {
    let emulator = Emulator::builder()
        .account_id("my-account")
        .start()
        .await
        .unwrap();
    let (status, content_type, body) = post(
        &emulator,
        "/v1/audio/transcriptions?endpoint_id=audio-prod",
        form(2.0, &[("model", "whisper-v3"), ("response_format", "json")]),
    )
    .await;
    assert_eq!((status, content_type.as_str()), (200, "application/json"));
    let submitted: SubmitResponse = serde_json::from_str(&body).unwrap();
    assert_eq!(
        serde_json::to_value(&submitted).unwrap(),
        json!({
            "status": "submitted",
            "batch_id": "batch-000001",
            "account_id": "my-account",
            "endpoint_id": "audio-prod",
            "message": "Request submitted successfully",
        })
    );
    for _ in 0..2 {
        let status = poll(&emulator, "my-account", "batch-000001").await;
        assert_eq!(status["status"], "processing");
    }
    let status = poll(&emulator, "my-account", "batch-000001").await;
    assert_eq!(
        status,
        json!({
            "status": "completed",
            "batch_id": "batch-000001",
            "message": null,
            "content_type": "application/json",
            "body": r#"{"text":"This is a deterministic."}"#,
        })
    );
    assert_eq!(emulator.poll_count("my-account", "batch-000001"), 3);
}

#[tokio::test]
async fn sync_formats_have_deterministic_bodies_and_content_types() {
    let emulator = Emulator::builder().start().await.unwrap();
    let cases = [
        (
            "json",
            "application/json",
            r#"{"text":"This is a."}"#.to_owned(),
        ),
        ("text", TEXT, "This is a.".to_owned()),
        (
            "srt",
            TEXT,
            "1\n00:00:00,000 --> 00:00:01,450\nThis is a.\n\n".to_owned(),
        ),
        (
            "vtt",
            TEXT,
            "WEBVTT\n\n00:00:00.000 --> 00:00:01.450\nThis is a.\n\n".to_owned(),
        ),
    ];
    for (format, expected_type, expected_body) in cases {
        let (status, content_type, body) = post(
            &emulator,
            "/v1/audio/transcriptions",
            form(1.5, &[("response_format", format)]),
        )
        .await;
        assert_eq!(status, 200, "{format}: {body}");
        assert_eq!(content_type, expected_type, "{format}");
        assert_eq!(body, expected_body, "{format}");
    }
}

#[tokio::test]
async fn verbose_json_has_words_and_segments_as_requested() {
    let emulator = Emulator::builder().start().await.unwrap();
    let (status, content_type, body) = post(
        &emulator,
        "/v1/audio/transcriptions",
        form(
            1.0,
            &[
                ("response_format", "verbose_json"),
                ("timestamp_granularities[]", "word"),
                ("timestamp_granularities[]", "segment"),
                ("language", "de"),
                ("temperature", "0.2,0.4"),
            ],
        ),
    )
    .await;
    assert_eq!((status, content_type.as_str()), (200, "application/json"));
    let word = |word: &str, start: f64, end: f64| json!({"word": word, "start": start, "end": end, "language": "de", "probability": 0.95, "hallucination_score": 0.0});
    let words = json!([word("This", 0.0, 0.45), word("is.", 0.5, 0.95)]);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({
            "task": "transcribe",
            "language": "de",
            "duration": 1.0,
            "text": "This is.",
            "words": words,
            "segments": [{
                "id": 0, "seek": 0, "start": 0.0, "end": 0.95, "text": "This is.",
                "audio_start": 0.0, "audio_end": 0.95, "language": "de", "tokens": [1000, 1001],
                "temperature": 0.2, "avg_logprob": -0.25, "compression_ratio": 1.2,
                "no_speech_prob": 0.01, "words": words,
            }],
        })
    );

    // Without granularities only segments are given, as `segment` is the default.
    let (_, _, body) = post(
        &emulator,
        "/v1/audio/transcriptions",
        form(1.0, &[("response_format", "verbose_json")]),
    )
    .await;
    let verbose: VerboseTranscription = serde_json::from_str(&body).unwrap();
    assert_eq!(verbose.words, None);
    assert_eq!(verbose.segments.map(|s| s.len()), Some(1));
    assert_eq!(verbose.language, "en");
}

#[tokio::test]
async fn batch_results_equal_sync_results_for_every_format() {
    let emulator = Emulator::builder()
        .submit_completion(Completion::AfterPolls(0))
        .start()
        .await
        .unwrap();
    for (n, format) in ["json", "verbose_json", "text", "srt", "vtt"]
        .into_iter()
        .enumerate()
    {
        let fields = [("model", "whisper-v3-turbo"), ("response_format", format)];
        let (_, sync_type, sync_body) =
            post(&emulator, "/v1/audio/translations", form(6.0, &fields)).await;
        let (status, _, body) = post(
            &emulator,
            "/v1/audio/translations?endpoint_id=audio-turbo",
            form(6.0, &fields),
        )
        .await;
        assert_eq!(status, 200, "{format}: {body}");
        let submitted: SubmitResponse = serde_json::from_str(&body).unwrap();
        assert_eq!(submitted.batch_id, format!("batch-{:06}", n + 1));
        assert_eq!(submitted.endpoint_id, "audio-turbo");
        let status = poll(&emulator, "emulator-account", &submitted.batch_id).await;
        assert_eq!(status["status"], "completed", "{format}");
        assert_eq!(status["content_type"], sync_type.as_str(), "{format}");
        assert_eq!(status["body"], sync_body.as_str(), "{format}");
    }
}

#[tokio::test]
async fn translation_is_english_whatever_the_source_language() {
    let emulator = Emulator::builder().start().await.unwrap();
    let (status, _, body) = post(
        &emulator,
        "/v1/audio/translations",
        form(
            1.0,
            &[("response_format", "verbose_json"), ("language", "fr")],
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let verbose: VerboseTranscription = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (verbose.task.as_str(), verbose.language.as_str()),
        ("translate", "en")
    );
}

#[tokio::test]
async fn diarization_labels_segments_and_words_with_speakers() {
    let emulator = Emulator::builder().start().await.unwrap();
    let (status, _, body) = post(
        &emulator,
        "/v1/audio/transcriptions",
        form(
            10.0,
            &[
                ("response_format", "verbose_json"),
                ("timestamp_granularities", "word,segment"),
                ("diarize", "True"),
                ("min_speakers", "2"),
                ("max_speakers", "3"),
            ],
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let verbose: VerboseTranscription = serde_json::from_str(&body).unwrap();
    let segments = verbose.segments.unwrap();
    let speakers: Vec<_> = segments
        .iter()
        .map(|s| s.speaker_id.as_deref().unwrap())
        .collect();
    assert_eq!(speakers, ["SPEAKER_00", "SPEAKER_01", "SPEAKER_00"]);
    let words = verbose.words.unwrap();
    assert_eq!(words.len(), 20);
    assert_eq!(words[9].speaker_id.as_deref(), Some("SPEAKER_01"));
    assert!(words.iter().all(|w| w.speaker_id.is_some()));
}

#[tokio::test]
async fn large_non_wav_files_are_streamed_and_measured_by_length() {
    let emulator = Emulator::builder().start().await.unwrap();
    // 8 MiB is past axum's default 2 MB body limit; 16 kHz mono s16le is 32 000 bytes/s.
    let file = Part::bytes(vec![7_u8; 8 << 20]).file_name("audio.mp3");
    let form = fields_only(&[("response_format", "verbose_json")]).part("file", file);
    let (status, _, body) = post(&emulator, "/v1/audio/transcriptions", form).await;
    assert_eq!(status, 200, "{body}");
    let verbose: VerboseTranscription = serde_json::from_str(&body).unwrap();
    assert_eq!(verbose.duration, 262.144);
    assert_eq!(verbose.segments.map(|s| s.len()), Some(59));
}

#[tokio::test]
async fn a_url_in_the_file_part_is_accepted() {
    let emulator = Emulator::builder().start().await.unwrap();
    let form = fields_only(&[
        ("response_format", "verbose_json"),
        ("file", "https://example.com/speech.mp3"),
    ]);
    let (status, _, body) = post(&emulator, "/v1/audio/transcriptions", form).await;
    assert_eq!(status, 200, "{body}");
    let verbose: VerboseTranscription = serde_json::from_str(&body).unwrap();
    assert_eq!(verbose.duration, 10.0);
}

#[tokio::test]
async fn invalid_requests_are_400_with_a_message_and_create_no_job() {
    let emulator = Emulator::builder().start().await.unwrap();
    let submit = "/v1/audio/transcriptions?endpoint_id=audio-prod";
    let cases: [(&str, Form, &str); 16] = [
        (
            submit,
            fields_only(&[("model", "whisper-v3")]),
            "missing required field `file`",
        ),
        (
            submit,
            form(1.0, &[("model", "whisper-v2")]),
            "`model` must be one of `whisper-v3`, `whisper-v3-turbo`, got `whisper-v2`",
        ),
        (
            submit,
            form(1.0, &[("response_format", "xml")]),
            "`response_format` must be one of",
        ),
        (
            submit,
            form(1.0, &[("vad_model", "webrtc")]),
            "`vad_model` must be one of `silero`, `whisperx-pyannet`",
        ),
        (
            submit,
            form(1.0, &[("alignment_model", "x")]),
            "`alignment_model` must be one of `mms_fa`, `tdnn_ffn`, `gentle`",
        ),
        (
            submit,
            form(1.0, &[("preprocessing", "loud")]),
            "`preprocessing` must be one of",
        ),
        (
            submit,
            form(
                1.0,
                &[
                    ("response_format", "verbose_json"),
                    ("timestamp_granularities", "word,char"),
                ],
            ),
            "`timestamp_granularities` must be one of `word`, `segment`, got `char`",
        ),
        (
            submit,
            form(1.0, &[("timestamp_granularities", "word")]),
            "requires `response_format` `verbose_json`",
        ),
        (
            submit,
            form(
                1.0,
                &[("diarize", "true"), ("response_format", "verbose_json")],
            ),
            "`diarize` requires",
        ),
        (
            submit,
            form(1.0, &[("min_speakers", "2")]),
            "`min_speakers` is only allowed with `diarize` `true`",
        ),
        (
            submit,
            form(1.0, &[("temperature", "warm")]),
            "`temperature` must be a number",
        ),
        (
            submit,
            form(1.0, &[("model", "whisper-v3-turbo")]),
            "model `whisper-v3-turbo` does not run on endpoint `audio-prod`",
        ),
        (
            "/v1/audio/transcriptions?endpoint_id=audio-fast",
            form(1.0, &[]),
            "`endpoint_id` must be one of `audio-prod`, `audio-turbo`, got `audio-fast`",
        ),
        (
            submit,
            form(1.0, &[("modle", "whisper-v3")]),
            "unknown field `modle`",
        ),
        (
            "/v1/audio/translations",
            form(1.0, &[("diarize", "false")]),
            "unknown field `diarize`",
        ),
        (
            submit,
            form(1.0, &[("model", "whisper-v3"), ("model", "whisper-v3")]),
            "field `model` is given more than once",
        ),
    ];
    for (path, form, message) in cases {
        let (status, _, body) = post(&emulator, path, form).await;
        assert_eq!(status, 400, "{message}: {body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["error"]["code"], "INVALID_ARGUMENT", "{message}");
        let got = body["error"]["message"].as_str().unwrap();
        assert!(got.contains(message), "expected `{message}` in `{got}`");
    }
    // No job was created: the next valid submit still gets the first batch id.
    let (status, _, body) = post(&emulator, submit, form(1.0, &[])).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<SubmitResponse>(&body)
            .unwrap()
            .batch_id,
        "batch-000001"
    );
}

#[tokio::test]
async fn submit_without_key_or_multipart_body_is_refused() {
    let emulator = Emulator::builder().start().await.unwrap();
    let url = format!(
        "{}/v1/audio/transcriptions?endpoint_id=audio-prod",
        emulator.base_url()
    );
    let response = http()
        .post(&url)
        .multipart(form(1.0, &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let response = http()
        .post(&url)
        .header("Authorization", "k")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("expected a multipart/form-data body")
    );
}

#[tokio::test]
async fn submitted_jobs_can_complete_after_a_time() {
    let emulator = Emulator::builder()
        .submit_completion(Completion::AfterTime(Duration::from_millis(300)))
        .start()
        .await
        .unwrap();
    let (_, _, body) = post(
        &emulator,
        "/v1/audio/transcriptions?endpoint_id=audio-turbo",
        form(1.0, &[]),
    )
    .await;
    let batch_id = serde_json::from_str::<SubmitResponse>(&body)
        .unwrap()
        .batch_id;
    let status = poll(&emulator, "emulator-account", &batch_id).await;
    assert_eq!(status["status"], "processing");
    tokio::time::sleep(Duration::from_millis(400)).await;
    let status = poll(&emulator, "emulator-account", &batch_id).await;
    assert_eq!(status["status"], "completed");
}

/// The form the 0.19.20 Python SDK's `transcribe` sends: its text fields first, with
/// `diarization_model`, `skip_vad` and `max_clip_len`, booleans as `True`/`False`.
#[tokio::test]
async fn the_old_sdks_extra_fields_are_accepted_and_max_clip_len_shortens_segments() {
    let emulator = Emulator::builder().start().await.unwrap();
    let sdk_fields = [
        ("model", "whisper-v3"),
        ("vad_model", "silero"),
        ("alignment_model", "tdnn_ffn"),
        ("diarization_model", "pyannote"),
        ("skip_vad", "True"),
        ("response_format", "verbose_json"),
        ("max_clip_len", "2.5"),
    ];
    let (status, _, body) = post(
        &emulator,
        "/v1/audio/transcriptions",
        form(10.0, &sdk_fields),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let verbose: VerboseTranscription = serde_json::from_str(&body).unwrap();
    let segments = verbose.segments.unwrap();
    // 20 words at 0.5 s each, at most 2.5 s (5 words) per segment.
    assert_eq!(segments.len(), 4);
    for segment in &segments {
        let length = segment.end.unwrap() - segment.start.unwrap();
        assert!(length <= 2.5, "{segment:?}");
    }

    // Translations take them too, except the diarization model.
    let translation_fields = [("skip_vad", "False"), ("max_clip_len", "30")];
    let (status, _, body) = post(
        &emulator,
        "/v1/audio/translations",
        form(1.0, &translation_fields),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], f64, &'a str);
    let refused: [Case; 5] = [
        (
            "/v1/audio/translations",
            &[("diarization_model", "pyannote")],
            1.0,
            "unknown field `diarization_model`",
        ),
        (
            "/v1/audio/transcriptions",
            &[("diarization_model", "nemo")],
            1.0,
            "`diarization_model` must be one of `pyannote`, got `nemo`",
        ),
        (
            "/v1/audio/transcriptions",
            &[("skip_vad", "yes")],
            1.0,
            "`skip_vad` must be `true` or `false`",
        ),
        (
            "/v1/audio/transcriptions",
            &[("skip_vad", "true")],
            40.0,
            "`skip_vad` is only allowed for audio shorter than 30 seconds",
        ),
        (
            "/v1/audio/translations",
            &[("max_clip_len", "0")],
            1.0,
            "`max_clip_len` must be a positive number of seconds, got `0`",
        ),
    ];
    for (path, fields, seconds, message) in refused {
        let (status, _, body) = post(&emulator, path, form(seconds, fields)).await;
        assert_eq!(status, 400, "{message}: {body}");
        assert!(body.contains(message), "expected `{message}` in {body}");
    }
}

/// Every segment has the fields the 0.19.20 SDK's `TranscriptionSegment` and the `openai` SDK's
/// `TranscriptionSegment` require, in transcriptions and translations alike.
#[tokio::test]
async fn verbose_segments_have_every_field_the_sdks_require() {
    let emulator = Emulator::builder().start().await.unwrap();
    for path in ["/v1/audio/transcriptions", "/v1/audio/translations"] {
        let (status, _, body) = post(
            &emulator,
            path,
            form(6.0, &[("response_format", "verbose_json")]),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        let segments = body["segments"].as_array().unwrap();
        assert_eq!(segments.len(), 2, "{path}");
        for segment in segments {
            for field in [
                "id",
                "seek",
                "start",
                "end",
                "audio_start",
                "audio_end",
                "text",
                "language",
                "tokens",
                "temperature",
                "avg_logprob",
                "compression_ratio",
                "no_speech_prob",
            ] {
                assert!(
                    segment.get(field).is_some(),
                    "{path}: `{field}` in {segment}"
                );
            }
            let words = segment["text"].as_str().unwrap().split(' ').count();
            assert_eq!(
                segment["tokens"].as_array().unwrap().len(),
                words,
                "{segment}"
            );
        }
    }
}

/// The 0.19.20 SDK sends a URL as a file part named `upload`.
#[tokio::test]
async fn a_url_in_a_file_part_with_a_filename_is_a_url() {
    let emulator = Emulator::builder().start().await.unwrap();
    let url = Part::bytes(b"https://example.com/speech.mp3".to_vec())
        .file_name("upload")
        .mime_str("application/octet-stream")
        .unwrap();
    let form = fields_only(&[("response_format", "verbose_json")]).part("file", url);
    let (status, _, body) = post(&emulator, "/v1/audio/transcriptions", form).await;
    assert_eq!(status, 200, "{body}");
    let verbose: VerboseTranscription = serde_json::from_str(&body).unwrap();
    assert_eq!(
        verbose.duration, 10.0,
        "measured as a URL, not as 30 bytes of audio"
    );
}

#[tokio::test]
async fn the_audio_batch_host_takes_the_key_as_a_query_parameter() {
    let emulator = Emulator::builder().api_key("right").start().await.unwrap();
    let submit = |query: &str| {
        http()
            .post(format!(
                "{}/v1/audio/transcriptions?endpoint_id=audio-prod{query}",
                emulator.base_url()
            ))
            .multipart(form(1.0, &[]))
            .send()
    };
    let response = submit("&key=right").await.unwrap();
    assert_eq!(response.status(), 200);
    let submitted: SubmitResponse = response.json().await.unwrap();
    let status = http()
        .get(format!(
            "{}/v1/accounts/{}/batch_job/{}?key=right",
            emulator.audio_batch_url(),
            submitted.account_id,
            submitted.batch_id
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(status.status(), 200);
    assert_eq!(submit("&key=wrong").await.unwrap().status(), 401);
    assert_eq!(submit("").await.unwrap().status(), 401);
    // Only the audio batch host takes it: the sync hosts need the header.
    let sync = http()
        .post(format!(
            "{}/v1/audio/transcriptions?key=right",
            emulator.base_url()
        ))
        .multipart(form(1.0, &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(sync.status(), 401);
}
