//! Audio helpers shared by the behaviour tests: a silent WAV file input of any length and the
//! `verbose_json` case of a transcript.

use fireworks_ai::FileInput;
use fireworks_ai::audio::{TranscriptionOutput, VerboseTranscription};

use crate::wav;

/// A silent 16 kHz mono 16-bit WAV file of `seconds` seconds, named `clip.wav`.
pub fn silent_wav(seconds: f64) -> FileInput {
    FileInput::from_bytes(wav::silence(seconds), "clip.wav")
}

/// The `verbose_json` case of a transcript; any other case fails the test.
pub fn verbose(output: TranscriptionOutput) -> VerboseTranscription {
    match output {
        TranscriptionOutput::VerboseJson(verbose) => verbose,
        other => panic!("verbose_json was asked for: {other:?}"),
    }
}
