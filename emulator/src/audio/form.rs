//! Reads and validates the multipart form of a transcription or translation request the way
//! Fireworks documents it, parsing enum-valued fields into the generated open enums so that the
//! accepted values are the spec's. The audio is streamed: only its length and first bytes are kept.

use axum::extract::Multipart;
use axum::extract::multipart::{Field, MultipartError};
use fireworks_ai::audio::{
    AlignmentModel, AudioModel, DiarizationModel, Preprocessing, ResponseFormat,
    TimestampGranularity, VadModel,
};
use fireworks_ai::audio_batch::AudioEndpoint;

/// How many leading bytes of the audio are kept, enough for a WAV header and its chunks.
const HEAD_LEN: usize = 4096;
/// Audio at least this long cannot skip voice activity detection.
const SKIP_VAD_MAX_SECONDS: f64 = 30.0;

/// Which endpoint was called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Task {
    Transcribe,
    Translate,
}

impl Task {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Transcribe => "transcribe",
            Self::Translate => "translate",
        }
    }
}

/// The `file` part: uploaded bytes or the URL of a public file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Audio {
    Bytes { len: u64, head: Vec<u8> },
    Url(String),
}

/// A validated request.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AudioRequest {
    pub(crate) task: Task,
    pub(crate) audio: Audio,
    /// The requested model, if given; never an unknown value.
    pub(crate) model: Option<AudioModel>,
    pub(crate) response_format: ResponseFormat,
    pub(crate) language: Option<String>,
    pub(crate) temperature: f64,
    pub(crate) words: bool,
    pub(crate) segments: bool,
    pub(crate) diarize: bool,
    pub(crate) min_speakers: Option<u32>,
    pub(crate) max_speakers: Option<u32>,
    /// The longest segment wanted, in seconds.
    pub(crate) max_clip_len: Option<f64>,
}

/// The multipart fields both tasks accept.
const COMMON_FIELDS: &[&str] = &[
    "file",
    "model",
    "vad_model",
    "alignment_model",
    "language",
    "prompt",
    "temperature",
    "response_format",
    "timestamp_granularities",
    "timestamp_granularities[]",
    "preprocessing",
    "skip_vad",
    "max_clip_len",
];
/// The fields only transcriptions accept: translations take no diarization.
const DIARIZATION_FIELDS: &[&str] = &[
    "diarize",
    "min_speakers",
    "max_speakers",
    "diarization_model",
];

/// The raw text fields, each at most once (granularities may repeat).
#[derive(Debug, Default)]
struct Raw {
    audio: Option<Audio>,
    model: Option<String>,
    vad_model: Option<String>,
    alignment_model: Option<String>,
    language: Option<String>,
    temperature: Option<String>,
    response_format: Option<String>,
    granularities: Vec<String>,
    diarize: Option<String>,
    min_speakers: Option<String>,
    max_speakers: Option<String>,
    diarization_model: Option<String>,
    preprocessing: Option<String>,
    skip_vad: Option<String>,
    max_clip_len: Option<String>,
}

/// Reads the whole form and validates it; the error is the message for a 400 response.
pub(crate) async fn parse(task: Task, mut multipart: Multipart) -> Result<AudioRequest, String> {
    let mut known = COMMON_FIELDS.to_vec();
    if matches!(task, Task::Transcribe) {
        known.extend_from_slice(DIARIZATION_FIELDS);
    }
    let mut raw = Raw::default();
    while let Some(field) = multipart.next_field().await.map_err(malformed)? {
        let name = field.name().unwrap_or_default().to_owned();
        if !known.contains(&name.as_str()) {
            return Err(format!(
                "unknown field `{name}`; expected one of {}",
                list(&known)
            ));
        }
        if name == "file" {
            let audio = read_audio(field).await?;
            once(&mut raw.audio, &name, audio)?;
            continue;
        }
        let value = field.text().await.map_err(malformed)?;
        let slot = match name.as_str() {
            "timestamp_granularities" | "timestamp_granularities[]" => {
                raw.granularities.push(value);
                continue;
            }
            "model" => &mut raw.model,
            "vad_model" => &mut raw.vad_model,
            "alignment_model" => &mut raw.alignment_model,
            "language" => &mut raw.language,
            "temperature" => &mut raw.temperature,
            "response_format" => &mut raw.response_format,
            "diarize" => &mut raw.diarize,
            "min_speakers" => &mut raw.min_speakers,
            "max_speakers" => &mut raw.max_speakers,
            "preprocessing" => &mut raw.preprocessing,
            "diarization_model" => &mut raw.diarization_model,
            "skip_vad" => &mut raw.skip_vad,
            "max_clip_len" => &mut raw.max_clip_len,
            // `prompt` only primes the decoder; the emulator reads and ignores it.
            _ => continue,
        };
        once(slot, &name, value)?;
    }
    validate(task, raw)
}

fn malformed(err: MultipartError) -> String {
    format!("malformed multipart body: {}", err.body_text())
}

/// Stores a field's value, refusing a second one.
fn once<T>(slot: &mut Option<T>, name: &str, value: T) -> Result<(), String> {
    if slot.is_some() {
        return Err(format!("field `{name}` is given more than once"));
    }
    *slot = Some(value);
    Ok(())
}

/// Streams the `file` part, keeping its length and first bytes. A part whose whole content is
/// one `http(s)://` URL is the URL form the docs allow, with or without a filename (the 0.19.20
/// SDK sends it as a file named `upload`); no audio format starts that way.
async fn read_audio(mut field: Field<'_>) -> Result<Audio, String> {
    let mut len: u64 = 0;
    let mut head = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(malformed)? {
        len = len.saturating_add(u64::try_from(chunk.len()).unwrap_or(u64::MAX));
        let room = HEAD_LEN.saturating_sub(head.len());
        head.extend(chunk.iter().take(room));
    }
    if len == 0 {
        return Err("field `file` is empty".to_owned());
    }
    if usize::try_from(len).is_ok_and(|len| len == head.len())
        && let Ok(text) = std::str::from_utf8(&head)
        && let text = text.trim()
        && (text.starts_with("http://") || text.starts_with("https://"))
        && !text.contains(|c: char| c.is_whitespace() || c.is_control())
    {
        return Ok(Audio::Url(text.to_owned()));
    }
    Ok(Audio::Bytes { len, head })
}

/// A generated open enum: built from its wire text, with the values the spec lists.
pub(crate) trait OpenEnum:
    for<'a> From<&'a str> + std::fmt::Display + Sized + 'static
{
    /// Every value the spec lists, in spec order.
    fn known() -> &'static [Self];
    /// Whether the value is one the spec does not list.
    fn unknown(&self) -> bool;
}

/// Implements [`OpenEnum`] through the generated `KNOWN` and `is_unknown`.
macro_rules! open_enum {
    ($($name:ty),* $(,)?) => {$(
        impl OpenEnum for $name {
            fn known() -> &'static [Self] {
                Self::KNOWN
            }
            fn unknown(&self) -> bool {
                self.is_unknown()
            }
        }
    )*};
}

open_enum!(
    AudioModel,
    VadModel,
    AlignmentModel,
    ResponseFormat,
    TimestampGranularity,
    Preprocessing,
    DiarizationModel,
    AudioEndpoint,
);

/// Parses one enum-valued field, refusing values the spec does not list.
pub(crate) fn one_of<T: OpenEnum>(name: &str, value: &str) -> Result<T, String> {
    let parsed = T::from(value);
    if parsed.unknown() {
        return Err(format!(
            "`{name}` must be one of {}, got `{value}`",
            list(T::known())
        ));
    }
    Ok(parsed)
}

fn list(values: &[impl std::fmt::Display]) -> String {
    values
        .iter()
        .map(|value| format!("`{value}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn validate(task: Task, raw: Raw) -> Result<AudioRequest, String> {
    let audio = raw
        .audio
        .ok_or_else(|| "missing required field `file`".to_owned())?;
    let model = raw
        .model
        .map(|model| one_of::<AudioModel>("model", &model))
        .transpose()?;
    // The emulator does not model these options; it only checks their values.
    if let Some(value) = &raw.vad_model {
        one_of::<VadModel>("vad_model", value)?;
    }
    if let Some(value) = &raw.alignment_model {
        one_of::<AlignmentModel>("alignment_model", value)?;
    }
    if let Some(value) = &raw.preprocessing {
        one_of::<Preprocessing>("preprocessing", value)?;
    }
    if let Some(value) = &raw.diarization_model {
        one_of::<DiarizationModel>("diarization_model", value)?;
    }
    let skip_vad = flag("skip_vad", raw.skip_vad.as_deref())?;
    if skip_vad {
        let seconds = crate::audio::transcript::duration(&audio);
        if seconds >= SKIP_VAD_MAX_SECONDS {
            return Err(format!(
                "`skip_vad` is only allowed for audio shorter than 30 seconds; this audio is {seconds} s long"
            ));
        }
    }
    let max_clip_len = raw
        .max_clip_len
        .as_deref()
        .map(|value| {
            value
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|seconds| seconds.is_finite() && *seconds > 0.0)
                .ok_or_else(|| {
                    format!("`max_clip_len` must be a positive number of seconds, got `{value}`")
                })
        })
        .transpose()?;
    let response_format = raw
        .response_format
        .map(|value| one_of::<ResponseFormat>("response_format", &value))
        .transpose()?
        .unwrap_or(ResponseFormat::Json);
    let language = match raw.language {
        Some(language) if language.trim().is_empty() => {
            return Err("`language` must not be empty".to_owned());
        }
        other => other,
    };
    let temperature = parse_temperature(raw.temperature.as_deref())?;
    let (words, segments) = parse_granularities(&raw.granularities)?;
    if !raw.granularities.is_empty() && response_format != ResponseFormat::VerboseJson {
        return Err(
            "`timestamp_granularities` requires `response_format` `verbose_json`".to_owned(),
        );
    }
    let diarize = flag("diarize", raw.diarize.as_deref())?;
    if diarize && !(response_format == ResponseFormat::VerboseJson && words) {
        return Err(
            "`diarize` requires `response_format` `verbose_json` and `timestamp_granularities` including `word`"
                .to_owned(),
        );
    }
    let min_speakers = speakers("min_speakers", raw.min_speakers.as_deref(), diarize)?;
    let max_speakers = speakers("max_speakers", raw.max_speakers.as_deref(), diarize)?;
    if let (Some(min), Some(max)) = (min_speakers, max_speakers)
        && min > max
    {
        return Err(format!(
            "`min_speakers` ({min}) must not exceed `max_speakers` ({max})"
        ));
    }
    Ok(AudioRequest {
        task,
        audio,
        model,
        response_format,
        language,
        temperature,
        words,
        segments: segments || !words,
        diarize,
        min_speakers,
        max_speakers,
        max_clip_len,
    })
}

/// A boolean field: `true` or `false` in any case (the 0.19.20 SDK sends `True` and `False`).
fn flag(name: &str, value: Option<&str>) -> Result<bool, String> {
    match value.map(str::to_ascii_lowercase).as_deref() {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err(format!("`{name}` must be `true` or `false`")),
    }
}

/// One float or a comma-separated fallback list, each between 0 and 1; the first is used.
fn parse_temperature(value: Option<&str>) -> Result<f64, String> {
    let Some(value) = value else {
        return Ok(0.0);
    };
    let parsed: Option<Vec<f64>> = value
        .split(',')
        .map(|item| {
            item.trim()
                .parse::<f64>()
                .ok()
                .filter(|t| (0.0..=1.0).contains(t))
        })
        .collect();
    parsed
        .and_then(|values| values.first().copied())
        .ok_or_else(|| {
            format!(
                "`temperature` must be a number between 0 and 1 or a comma-separated list of them, got `{value}`"
            )
        })
}

/// Which of `word` and `segment` were asked for, from repeated and comma-joined values.
fn parse_granularities(values: &[String]) -> Result<(bool, bool), String> {
    let mut words = false;
    let mut segments = false;
    for item in values.iter().flat_map(|value| value.split(',')) {
        match one_of::<TimestampGranularity>("timestamp_granularities", item.trim())? {
            TimestampGranularity::Word => words = true,
            // Only `segment` is left once unknown values are refused.
            _ => segments = true,
        }
    }
    Ok((words, segments))
}

fn speakers(name: &str, value: Option<&str>, diarize: bool) -> Result<Option<u32>, String> {
    let Some(value) = value else {
        return Ok(None);
    };
    if !diarize {
        return Err(format!("`{name}` is only allowed with `diarize` `true`"));
    }
    match value.trim().parse::<u32>() {
        Ok(count) if count >= 1 => Ok(Some(count)),
        _ => Err(format!(
            "`{name}` must be a whole number of at least 1, got `{value}`"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temperature_accepts_one_value_or_a_list() {
        assert_eq!(parse_temperature(None), Ok(0.0));
        assert_eq!(parse_temperature(Some("0.4")), Ok(0.4));
        assert_eq!(parse_temperature(Some("0.2, 0.4,1")), Ok(0.2));
        for bad in ["", "hot", "0.2,", "1.5", "NaN"] {
            assert!(parse_temperature(Some(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn enum_fields_take_the_spec_values_and_list_them_when_refusing() {
        for value in ResponseFormat::KNOWN {
            assert_eq!(
                one_of::<ResponseFormat>("response_format", value.as_str()).as_ref(),
                Ok(value)
            );
        }
        assert_eq!(
            one_of::<AudioModel>("model", "whisper-v3-turbo"),
            Ok(AudioModel::WhisperV3Turbo)
        );
        assert_eq!(
            one_of::<AudioEndpoint>("endpoint_id", "audio-fast"),
            Err(
                "`endpoint_id` must be one of `audio-prod`, `audio-turbo`, got `audio-fast`"
                    .to_owned()
            )
        );
    }

    #[test]
    fn granularities_merge_repeated_and_comma_joined_values() {
        let values = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(parse_granularities(&[]), Ok((false, false)));
        assert_eq!(
            parse_granularities(&values(&["word,segment"])),
            Ok((true, true))
        );
        assert_eq!(
            parse_granularities(&values(&["word", "segment"])),
            Ok((true, true))
        );
        assert_eq!(parse_granularities(&values(&["word"])), Ok((true, false)));
        assert!(parse_granularities(&values(&["words"])).is_err());
    }
}
