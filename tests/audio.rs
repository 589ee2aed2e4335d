//! Behaviour tests of the generated audio calls against the emulator on 127.0.0.1: sync
//! transcription in every response format, translation, diarization, URL input, the host and
//! `endpoint_id` derived from the model, overrides that disagree refused before sending, the
//! typed batch submission, and decoding a batch result into the same output type.

// Test helpers outside `#[test]` functions are not covered by clippy's allow-*-in-tests settings.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use fireworks_ai_test_support as support;

use fireworks_ai::audio::{
    AUDIO_PROD, AUDIO_TURBO, AudioModel, ResponseFormat, TimestampGranularity, TranscriptionOutput,
    TranscriptionRequest, TranslationRequest,
};
use fireworks_ai::audio_batch::{AUDIO_BATCH, AudioEndpoint, BatchJobStatus};
use fireworks_ai::{Client, Error, FileInput};
use fireworks_ai_emulator::{Completion, Emulator, RunningEmulator};
use support::audio::{silent_wav, verbose};
use support::bounded;

/// A client whose audio hosts are `prod` and `turbo` and whose batch host is `prod`.
fn client_for(prod: &RunningEmulator, turbo: &RunningEmulator) -> Client {
    Client::builder()
        .api_key("test-key")
        .base_url(AUDIO_PROD, prod.base_url())
        .base_url(AUDIO_TURBO, turbo.base_url())
        .base_url(AUDIO_BATCH, prod.base_url())
        .build()
        .unwrap()
}

fn client(emulator: &RunningEmulator) -> Client {
    client_for(emulator, emulator)
}

/// A fresh emulator and a client whose every host is it.
async fn emulated() -> (RunningEmulator, Client) {
    let emulator = Emulator::builder().start().await.unwrap();
    let client = client(&emulator);
    (emulator, client)
}

#[tokio::test]
async fn sync_transcription_in_every_response_format() {
    bounded(async {
        let (_emulator, client) = emulated().await;
        let transcribe = |format: Option<ResponseFormat>| {
            let mut request = TranscriptionRequest::new(silent_wav(1.5));
            if let Some(format) = format {
                request = request.response_format(format);
            }
            client.audio().create_transcription(request)
        };
        let output = transcribe(None).await.unwrap();
        let TranscriptionOutput::Json(json) = &output else {
            panic!("unset means json: {output:?}");
        };
        assert_eq!(json.text, "This is a.");
        assert_eq!(output.format(), Some(ResponseFormat::Json));

        let output = transcribe(Some(ResponseFormat::Text)).await.unwrap();
        assert_eq!(output, TranscriptionOutput::Text("This is a.".to_owned()));
        let output = transcribe(Some(ResponseFormat::Srt)).await.unwrap();
        assert_eq!(
            output,
            TranscriptionOutput::Srt("1\n00:00:00,000 --> 00:00:01,450\nThis is a.\n\n".to_owned())
        );
        let output = transcribe(Some(ResponseFormat::Vtt)).await.unwrap();
        assert_eq!(
            output,
            TranscriptionOutput::Vtt(
                "WEBVTT\n\n00:00:00.000 --> 00:00:01.450\nThis is a.\n\n".to_owned()
            )
        );

        let request = TranscriptionRequest::new(silent_wav(1.0))
            .response_format(ResponseFormat::VerboseJson)
            .timestamp_granularities([TimestampGranularity::Word, TimestampGranularity::Segment])
            .language("de")
            .temperature([0.2, 0.4]);
        let output = client.audio().create_transcription(request).await.unwrap();
        let verbose = verbose(output);
        assert_eq!(verbose.task.as_deref(), Some("transcribe"));
        assert_eq!(verbose.language.as_deref(), Some("de"));
        assert_eq!(verbose.duration, Some(1.0));
        assert_eq!(verbose.text.as_deref(), Some("This is."));
        let words = verbose.words.unwrap();
        assert_eq!(words.len(), 2);
        assert_eq!(words[1].word.as_deref(), Some("is."));
        assert_eq!((words[1].start, words[1].end), (Some(0.5), Some(0.95)));
        assert_eq!(words[1].probability, Some(0.95));
        assert_eq!(words[1].hallucination_score, Some(0.0));
        let segments = verbose.segments.unwrap();
        assert_eq!(segments[0].id, Some(0));
        assert_eq!(segments[0].temperature, Some(0.2));
        assert_eq!(segments[0].words.as_ref().map(Vec::len), Some(2));
    })
    .await;
}

#[tokio::test]
async fn translation_is_english() {
    bounded(async {
        let (emulator, client) = emulated().await;
        let request = TranslationRequest::new(silent_wav(1.0))
            .response_format(ResponseFormat::VerboseJson)
            .language("fr");
        let output = client.audio().create_translation(request).await.unwrap();
        let verbose = verbose(output);
        assert_eq!(verbose.task.as_deref(), Some("translate"));
        assert_eq!(verbose.language.as_deref(), Some("en"));
        let requests = emulator.requests();
        assert_eq!(requests[0].path, "/v1/audio/translations");
    })
    .await;
}

#[tokio::test]
async fn diarization_labels_words_and_segments_with_speakers() {
    bounded(async {
        let (_emulator, client) = emulated().await;
        let request = TranscriptionRequest::new(silent_wav(10.0))
            .response_format(ResponseFormat::VerboseJson)
            .timestamp_granularities([TimestampGranularity::Word, TimestampGranularity::Segment])
            .diarize(true)
            .min_speakers(2)
            .max_speakers(3);
        let output = client.audio().create_transcription(request).await.unwrap();
        let verbose = verbose(output);
        let speakers: Vec<_> = verbose
            .segments
            .unwrap()
            .iter()
            .map(|s| s.speaker_id.clone().unwrap())
            .collect();
        assert_eq!(speakers, ["SPEAKER_00", "SPEAKER_01", "SPEAKER_00"]);
        let words = verbose.words.unwrap();
        assert_eq!(words.len(), 20);
        assert_eq!(words[9].speaker_id.as_deref(), Some("SPEAKER_01"));
    })
    .await;
}

#[tokio::test]
async fn the_server_refuses_diarization_without_word_timestamps() {
    bounded(async {
        let (_emulator, client) = emulated().await;
        let request = TranscriptionRequest::new(silent_wav(1.0))
            .response_format(ResponseFormat::VerboseJson)
            .diarize(true);
        let err = client
            .audio()
            .create_transcription(request)
            .await
            .unwrap_err();
        let Error::Status(status) = &err else {
            panic!("{err}");
        };
        assert_eq!(status.status().as_u16(), 400);
        assert!(
            status.message().unwrap().contains("`diarize` requires"),
            "{err}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_url_is_sent_for_the_server_to_fetch() {
    bounded(async {
        let (_emulator, client) = emulated().await;
        let request =
            TranscriptionRequest::new(FileInput::from_url("https://example.com/talk.mp3"))
                .response_format(ResponseFormat::VerboseJson);
        let output = client.audio().create_transcription(request).await.unwrap();
        let verbose = verbose(output);
        // The emulator takes a URL as 10 s of audio.
        assert_eq!(verbose.duration, Some(10.0));
    })
    .await;
}

#[tokio::test]
async fn the_model_picks_the_sync_host() {
    bounded(async {
        let prod = Emulator::builder().start().await.unwrap();
        let turbo = Emulator::builder().start().await.unwrap();
        let client = client_for(&prod, &turbo);
        let turbo_request =
            TranscriptionRequest::new(silent_wav(1.0)).model(AudioModel::WhisperV3Turbo);
        client
            .audio()
            .create_transcription(turbo_request)
            .await
            .unwrap();
        assert_eq!((prod.requests().len(), turbo.requests().len()), (0, 1));
        for model in [None, Some(AudioModel::WhisperV3)] {
            let mut request = TranslationRequest::new(silent_wav(1.0));
            if let Some(model) = model {
                request = request.model(model);
            }
            client.audio().create_translation(request).await.unwrap();
        }
        assert_eq!((prod.requests().len(), turbo.requests().len()), (2, 1));
        // A model the spec does not know goes to the default host, sent as given (the
        // emulator refuses it, as it knows only the documented models).
        let request =
            TranscriptionRequest::new(silent_wav(1.0)).model(AudioModel::from("whisper-v4"));
        let err = client
            .audio()
            .create_transcription(request)
            .await
            .unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(400), "{err}");
        assert_eq!(prod.requests().len(), 3);
    })
    .await;
}

#[tokio::test]
async fn the_batch_endpoint_follows_the_model() {
    bounded(async {
        let (emulator, client) = emulated().await;
        let cases = [
            (None, AudioEndpoint::AudioProd),
            (Some(AudioModel::WhisperV3), AudioEndpoint::AudioProd),
            (Some(AudioModel::WhisperV3Turbo), AudioEndpoint::AudioTurbo),
        ];
        for (model, endpoint) in cases {
            let mut request = TranscriptionRequest::new(silent_wav(1.0));
            if let Some(model) = model {
                request = request.model(model);
            }
            let submitted = client
                .audio_batch()
                .submit_transcription(request)
                .await
                .unwrap();
            assert_eq!(submitted.endpoint_id, endpoint);
            let sent = emulator.requests().pop().unwrap();
            assert_eq!(
                sent.query.as_deref(),
                Some(format!("endpoint_id={endpoint}").as_str())
            );
        }
        // An override that agrees with the model is sent as is.
        let request = TranslationRequest::new(silent_wav(1.0)).model(AudioModel::WhisperV3Turbo);
        let submitted = client
            .audio_batch()
            .submit_translation(request)
            .endpoint_id(AudioEndpoint::AudioTurbo)
            .await
            .unwrap();
        assert_eq!(submitted.endpoint_id, AudioEndpoint::AudioTurbo);
    })
    .await;
}

#[tokio::test]
async fn an_endpoint_that_disagrees_with_the_model_is_refused_before_sending() {
    bounded(async {
        let (emulator, client) = emulated().await;
        let cases = [
            (Some(AudioModel::WhisperV3Turbo), AudioEndpoint::AudioProd),
            (Some(AudioModel::WhisperV3), AudioEndpoint::AudioTurbo),
            (None, AudioEndpoint::AudioTurbo),
        ];
        for (model, endpoint) in cases {
            let mut request = TranscriptionRequest::new(silent_wav(1.0));
            if let Some(model) = model.clone() {
                request = request.model(model);
            }
            let err = client
                .audio_batch()
                .submit_transcription(request)
                .endpoint_id(endpoint.clone())
                .await
                .unwrap_err();
            let Error::InvalidArgument(invalid) = &err else {
                panic!("{model:?} on {endpoint}: {err}");
            };
            assert_eq!(invalid.name(), "endpoint_id");
            assert!(invalid.message().contains("`model`"), "{err}");
        }
        assert!(emulator.requests().is_empty(), "nothing was sent");
    })
    .await;
}

#[tokio::test]
async fn a_batch_submission_is_typed_and_its_result_decodes_like_a_sync_response() {
    bounded(async {
        let emulator = Emulator::builder()
            .account_id("acct-7")
            .submit_completion(Completion::AfterPolls(1))
            .start()
            .await
            .unwrap();
        let client = client(&emulator);
        for format in ResponseFormat::KNOWN {
            let request = TranscriptionRequest::new(silent_wav(2.0))
                .model(AudioModel::WhisperV3Turbo)
                .response_format(format.clone());
            let submitted = client
                .audio_batch()
                .submit_transcription(request)
                .await
                .unwrap();
            assert_eq!(submitted.status, "submitted");
            assert_eq!(submitted.account_id, "acct-7");
            assert_eq!(submitted.endpoint_id, AudioEndpoint::AudioTurbo);
            assert_eq!(
                submitted.message.as_deref(),
                Some("Request submitted successfully")
            );
            let poll = || {
                client
                    .audio_batch()
                    .get_batch_status(&submitted.batch_id)
                    .account_id(&submitted.account_id)
            };
            let first = poll().await.unwrap();
            assert_eq!(first.status, BatchJobStatus::Processing);
            let done = poll().await.unwrap();
            assert_eq!(done.status, BatchJobStatus::Completed, "{format}");
            let body = done.body.as_deref().unwrap();
            let content_type = done.content_type.as_deref();
            let known = TranscriptionOutput::decode(Some(format), content_type, body).unwrap();
            assert_eq!(known.format().as_ref(), Some(format));
            // Without the request's format, JSON bodies are told apart by their fields and
            // text bodies become `Text`.
            let guessed = TranscriptionOutput::decode(None, content_type, body).unwrap();
            let expected = match format {
                ResponseFormat::Json | ResponseFormat::VerboseJson => format.clone(),
                _ => ResponseFormat::Text,
            };
            assert_eq!(guessed.format(), Some(expected), "{format}");
        }
    })
    .await;
}

#[test]
fn decode_falls_back_to_the_content_type_and_keeps_unknown_bodies() {
    let verbose = r#"{"task":"transcribe","language":"en","duration":1.0,"text":"Hi.","segments":[],"new_field":1}"#;
    for content_type in [Some("application/json; charset=utf-8"), None] {
        let output = TranscriptionOutput::decode(None, content_type, verbose).unwrap();
        let TranscriptionOutput::VerboseJson(v) = output else {
            panic!("{content_type:?}: {output:?}");
        };
        assert_eq!(v.text.as_deref(), Some("Hi."));
        assert_eq!(v.extra["new_field"], 1, "unknown fields are kept");
    }
    let json = TranscriptionOutput::decode(None, Some("application/json"), r#"{"text":"Hi."}"#);
    assert!(matches!(json, Ok(TranscriptionOutput::Json(_))));
    let plain = TranscriptionOutput::decode(None, None, "Hi.").unwrap();
    assert_eq!(plain, TranscriptionOutput::Text("Hi.".to_owned()));
    // A format the spec does not know is guessed from the content type too.
    let unknown = ResponseFormat::from("diarized_json");
    let text = TranscriptionOutput::decode(Some(&unknown), Some("text/plain"), "Hi.").unwrap();
    assert_eq!(text, TranscriptionOutput::Text("Hi.".to_owned()));
    let other = TranscriptionOutput::decode(None, Some("application/xml"), "<t/>").unwrap();
    assert_eq!(
        other,
        TranscriptionOutput::Other {
            content_type: "application/xml".to_owned(),
            body: "<t/>".to_owned()
        }
    );
    assert_eq!(other.format(), None);
}

#[test]
fn a_body_that_does_not_match_its_format_is_a_decode_error() {
    let cases = [
        (Some(ResponseFormat::Json), Some("text/plain"), "Hi."),
        (None, Some("application/json"), "Hi."),
        (
            Some(ResponseFormat::VerboseJson),
            None,
            r#"{"duration":"long"}"#,
        ),
    ];
    for (format, content_type, body) in cases {
        let result = TranscriptionOutput::decode(format.as_ref(), content_type, body);
        assert!(
            matches!(result, Err(Error::Decode(_))),
            "{format:?} {content_type:?}: {result:?}"
        );
    }
    let Err(Error::Decode(err)) = TranscriptionOutput::decode(
        Some(&ResponseFormat::VerboseJson),
        None,
        r#"{"duration":"long"}"#,
    ) else {
        panic!("expected a decode error");
    };
    assert_eq!(err.path(), "duration");
}
