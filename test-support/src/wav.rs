//! Writes small test WAV files by hand (16 kHz mono s16le, a 440 Hz tone or silence) for the
//! examples and the tests, so no binary audio is committed.

use std::io::{self, Write};

/// Samples per second; what Fireworks resamples every upload to.
pub const SAMPLE_RATE: u32 = 16_000;
/// Bytes per second of 16-bit mono audio at [`SAMPLE_RATE`].
pub const BYTE_RATE: u32 = SAMPLE_RATE * 2;
/// Length of the canonical RIFF/WAVE header written here.
pub const HEADER_LEN: usize = 44;

/// The 44-byte header of a PCM WAV file whose data chunk holds `data_len` bytes.
pub fn header(data_len: u32) -> [u8; HEADER_LEN] {
    let mut h = [0_u8; HEADER_LEN];
    let fields: [(usize, &[u8]); 13] = [
        (0, b"RIFF"),
        (4, &data_len.saturating_add(36).to_le_bytes()),
        (8, b"WAVE"),
        (12, b"fmt "),
        (16, &16_u32.to_le_bytes()),
        (20, &1_u16.to_le_bytes()), // PCM
        (22, &1_u16.to_le_bytes()), // mono
        (24, &SAMPLE_RATE.to_le_bytes()),
        (28, &BYTE_RATE.to_le_bytes()),
        (32, &2_u16.to_le_bytes()),  // block align
        (34, &16_u16.to_le_bytes()), // bits per sample
        (36, b"data"),
        (40, &data_len.to_le_bytes()),
    ];
    for (at, bytes) in fields {
        for (slot, byte) in h.iter_mut().skip(at).zip(bytes) {
            *slot = *byte;
        }
    }
    h
}

/// One second of a 440 Hz tone at a third of full scale: exactly 440 periods, so it loops
/// without a click.
pub fn one_second() -> Vec<u8> {
    (0..SAMPLE_RATE)
        .flat_map(|i| {
            let t = f64::from(i) / f64::from(SAMPLE_RATE);
            let sample = (std::f64::consts::TAU * 440.0 * t).sin() * f64::from(i16::MAX) / 3.0;
            (sample as i16).to_le_bytes()
        })
        .collect()
}

/// A whole WAV file of `seconds` of tone, in memory (for small files).
pub fn tone(seconds: u32) -> Vec<u8> {
    let second = one_second();
    let data_len = BYTE_RATE.saturating_mul(seconds);
    let mut wav = header(data_len).to_vec();
    for _ in 0..seconds {
        wav.extend_from_slice(&second);
    }
    wav
}

/// A whole WAV file of `seconds` of silence, in memory; fractions of a second are allowed.
pub fn silence(seconds: f64) -> Vec<u8> {
    let data_len = (seconds * f64::from(BYTE_RATE)) as u32;
    let mut wav = header(data_len).to_vec();
    wav.resize(HEADER_LEN.saturating_add(data_len as usize), 0);
    wav
}

/// Writes a WAV file of about `data_len` bytes of tone to `out` one second at a time, so
/// memory use does not depend on the size; returns the bytes written, header included.
///
/// # Errors
/// The writer's I/O error.
pub fn write_tone(out: &mut impl Write, data_len: u32) -> io::Result<u64> {
    let second = one_second();
    out.write_all(&header(data_len))?;
    let mut left = usize::try_from(data_len).unwrap_or(usize::MAX);
    while left > 0 {
        let n = left.min(second.len());
        out.write_all(second.get(..n).unwrap_or_default())?;
        left -= n;
    }
    out.flush()?;
    Ok(u64::from(data_len) + HEADER_LEN as u64)
}
