//! Deterministic transcripts: the same request always gets the same text and timings, derived
//! from the audio's duration (from a WAV header when there is one, else from its length).

use fireworks_ai::audio::{ResponseFormat, Segment, Transcription, VerboseTranscription, Word};

use crate::audio::form::{Audio, AudioRequest, Task};

/// The sentence every transcript repeats, one segment per sentence.
const SENTENCE: &[&str] = &[
    "This",
    "is",
    "a",
    "deterministic",
    "transcript",
    "from",
    "the",
    "Fireworks",
    "emulator.",
];

/// Duration assumed for audio given by URL, which the emulator does not fetch.
const URL_DURATION: f64 = 10.0;
/// Bytes per second assumed for audio that is not WAV: 16 kHz mono s16le, what the server
/// resamples everything to.
const DEFAULT_BYTE_RATE: f64 = 32_000.0;
/// Two words per second of audio, at most this many, so huge uploads stay cheap to answer.
const MAX_WORDS: usize = 600;
/// Token id of the first word of [`SENTENCE`]; the others follow in order.
const FIRST_TOKEN: i64 = 1000;

pub(crate) const JSON: &str = "application/json";
pub(crate) const TEXT: &str = "text/plain; charset=utf-8";

/// A transcript in its response format, with the content type the real backend sends.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Rendered {
    pub(crate) content_type: &'static str,
    pub(crate) body: String,
}

/// Renders the transcript for a validated request; the error is the message of a 500.
pub(crate) fn render(request: &AudioRequest) -> Result<Rendered, String> {
    let verbose = build(request);
    let (content_type, body) = match &request.response_format {
        ResponseFormat::Json => (
            JSON,
            to_json(&Transcription::new(verbose.text.unwrap_or_default()))?,
        ),
        ResponseFormat::VerboseJson => (JSON, to_json(&verbose)?),
        ResponseFormat::Text => (TEXT, verbose.text.unwrap_or_default()),
        ResponseFormat::Srt => (TEXT, cues(&verbose, "", ',')),
        ResponseFormat::Vtt => (TEXT, cues(&verbose, "WEBVTT\n\n", '.')),
        // The form refuses values the spec does not list, so only a value added to the spec
        // without a renderer here gets this far.
        other => {
            return Err(format!(
                "the emulator cannot render `response_format` `{other}`"
            ));
        }
    };
    Ok(Rendered { content_type, body })
}

fn to_json(value: &impl serde::Serialize) -> Result<String, String> {
    serde_json::to_string(value)
        .map_err(|err| format!("the emulator could not serialise a transcript: {err}"))
}

/// The verbose transcript; the other formats are views of it.
fn build(request: &AudioRequest) -> VerboseTranscription {
    let duration = round(duration(&request.audio));
    let language = match request.task {
        Task::Translate => "en".to_owned(),
        Task::Transcribe => request.language.clone().unwrap_or_else(|| "en".to_owned()),
    };
    let count = ((duration * 2.0).ceil() as usize).clamp(1, MAX_WORDS);
    let slot = duration / count as f64;
    let speakers = request.diarize.then(|| {
        let min = request.min_speakers.unwrap_or(1);
        let max = request.max_speakers.unwrap_or(u32::MAX);
        2_u32.clamp(min, max.max(min))
    });
    let mut all_words = Vec::with_capacity(count);
    let mut segments = Vec::new();
    let mut texts = Vec::new();
    // One sentence per segment, shorter when `max_clip_len` asks for shorter segments.
    let per_segment = request
        .max_clip_len
        .map_or(SENTENCE.len(), |seconds| (seconds / slot).floor() as usize)
        .clamp(1, SENTENCE.len());
    let mut index = 0;
    while index < count {
        let id = u32::try_from(segments.len()).unwrap_or(u32::MAX);
        let speaker_id = speakers.map(|speakers| format!("SPEAKER_{:02}", id % speakers));
        let end_index = (index + per_segment).min(count);
        let words: Vec<Word> = (index..end_index)
            .map(|i| {
                let mut text = SENTENCE
                    .get(i % SENTENCE.len())
                    .copied()
                    .unwrap_or("emulator")
                    .to_owned();
                if i + 1 == end_index && !text.ends_with('.') {
                    text.push('.');
                }
                let mut word = Word::new()
                    .word(text)
                    .start(round(i as f64 * slot))
                    .end(round((i as f64 + 0.9) * slot))
                    .language(language.clone())
                    .probability(0.95)
                    .hallucination_score(0.0);
                word.speaker_id.clone_from(&speaker_id);
                word
            })
            .collect();
        let text = words
            .iter()
            .filter_map(|word| word.word.as_deref())
            .collect::<Vec<_>>()
            .join(" ");
        let start = words.first().and_then(|word| word.start).unwrap_or(0.0);
        let end = words.last().and_then(|word| word.end).unwrap_or(0.0);
        let tokens = (index..end_index)
            .map(|i| FIRST_TOKEN + (i % SENTENCE.len()) as i64)
            .collect::<Vec<_>>();
        let mut segment = Segment::new()
            .id(i64::from(id))
            .seek((start * 100.0).round() as i64)
            .start(start)
            .end(end)
            .audio_start(start)
            .audio_end(end)
            .text(text.clone())
            .language(language.clone())
            .tokens(tokens)
            .temperature(request.temperature)
            .avg_logprob(-0.25)
            .compression_ratio(1.2)
            .no_speech_prob(0.01);
        segment.words = request.words.then(|| words.clone());
        segment.speaker_id = speaker_id;
        segments.push(segment);
        texts.push(text);
        all_words.extend(words);
        index = end_index;
    }
    let mut verbose = VerboseTranscription::new()
        .task(request.task.as_str())
        .language(language)
        .duration(duration)
        .text(texts.join(" "));
    verbose.words = request.words.then_some(all_words);
    verbose.segments = request.segments.then_some(segments);
    verbose
}

/// SubRip (`,` before milliseconds, no header) or WebVTT (`.`, `WEBVTT` header) cues, one per
/// segment whatever granularities were asked for.
fn cues(verbose: &VerboseTranscription, header: &str, separator: char) -> String {
    let mut out = header.to_owned();
    for (number, segment) in verbose.segments.iter().flatten().enumerate() {
        if separator == ',' {
            out.push_str(&format!("{}\n", number + 1));
        }
        out.push_str(&format!(
            "{} --> {}\n{}\n\n",
            timestamp(segment.start.unwrap_or_default(), separator),
            timestamp(segment.end.unwrap_or_default(), separator),
            segment.text.as_deref().unwrap_or_default()
        ));
    }
    out
}

/// `hh:mm:ss,mmm` (or with `.`).
fn timestamp(seconds: f64, separator: char) -> String {
    let ms = (seconds * 1000.0).round() as u64;
    format!(
        "{:02}:{:02}:{:02}{separator}{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// Rounds to milliseconds, so values print short and compare exactly.
fn round(seconds: f64) -> f64 {
    (seconds * 1000.0).round() / 1000.0
}

/// Seconds of audio: from the WAV header when there is one, else from the byte length.
pub(crate) fn duration(audio: &Audio) -> f64 {
    match audio {
        Audio::Url(_) => URL_DURATION,
        Audio::Bytes { len, head } => {
            wav_duration(head, *len).unwrap_or(*len as f64 / DEFAULT_BYTE_RATE)
        }
    }
}

/// Reads `fmt ` (byte rate) and `data` (length) from a RIFF/WAVE header.
fn wav_duration(head: &[u8], len: u64) -> Option<f64> {
    if head.get(0..4)? != b"RIFF" || head.get(8..12)? != b"WAVE" {
        return None;
    }
    let u32_at = |at: usize| -> Option<u32> {
        Some(u32::from_le_bytes(head.get(at..at + 4)?.try_into().ok()?))
    };
    let mut at = 12;
    let mut byte_rate = None;
    loop {
        let id = head.get(at..at + 4)?;
        let size = u32_at(at + 4)?;
        let data = at + 8;
        if id == b"fmt " {
            byte_rate = Some(u32_at(data + 8)?).filter(|rate| *rate > 0);
        } else if id == b"data" {
            // Streaming writers leave the size at 0 or 0xFFFFFFFF; the real length wins then.
            let available = len.saturating_sub(data as u64);
            let size = if size == 0 || u64::from(size) > available {
                available
            } else {
                u64::from(size)
            };
            return Some(size as f64 / f64::from(byte_rate?));
        }
        at = data.checked_add(usize::try_from(size).ok()?)? + (size as usize & 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 16-bit mono WAV header for `samples` samples at `rate` Hz.
    pub(crate) fn wav_header(rate: u32, samples: u32) -> Vec<u8> {
        let data = samples * 2;
        let mut out = Vec::new();
        out.extend_from_slice(b"RIFF");
        out.extend_from_slice(&(36 + data).to_le_bytes());
        out.extend_from_slice(b"WAVEfmt ");
        out.extend_from_slice(&16_u32.to_le_bytes());
        out.extend_from_slice(&1_u16.to_le_bytes());
        out.extend_from_slice(&1_u16.to_le_bytes());
        out.extend_from_slice(&rate.to_le_bytes());
        out.extend_from_slice(&(rate * 2).to_le_bytes());
        out.extend_from_slice(&2_u16.to_le_bytes());
        out.extend_from_slice(&16_u16.to_le_bytes());
        out.extend_from_slice(b"data");
        out.extend_from_slice(&data.to_le_bytes());
        out
    }

    #[test]
    fn wav_duration_comes_from_the_header() {
        let head = wav_header(8000, 12_000);
        let len = head.len() as u64 + 24_000;
        assert_eq!(wav_duration(&head, len), Some(1.5));
        // A truncated upload is measured by what arrived.
        assert_eq!(wav_duration(&head, head.len() as u64 + 8000), Some(0.5));
        assert_eq!(wav_duration(b"not a wav file at all", 21), None);
    }

    #[test]
    fn other_audio_is_measured_by_length_and_urls_by_convention() {
        let audio = Audio::Bytes {
            len: 64_000,
            head: vec![0; 16],
        };
        assert_eq!(duration(&audio), 2.0);
        assert_eq!(duration(&Audio::Url("https://x/a.mp3".to_owned())), 10.0);
    }

    #[test]
    fn timestamps_use_the_format_separator() {
        assert_eq!(timestamp(3723.4567, ','), "01:02:03,457");
        assert_eq!(timestamp(0.0, '.'), "00:00:00.000");
    }
}
