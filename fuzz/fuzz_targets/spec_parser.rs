//! Fuzzes the spec front door: any UTF-8 text through `fireworks_ai_codegen::generate` (and
//! `render` on success) must give tokens or located errors, never a panic (STYLE.md section 4).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        fireworks_ai_fuzz::check_spec(text);
    }
});
