//! Fuzzes the spec front door: any UTF-8 text through `fireworks_ai_codegen::generate` (and
//! `render` on success) must give tokens or located errors, never a panic (STYLE.md section 4).
//! Text that mentions `imports` also goes through `generate_with_imports` with the real specs.

#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

static SPECS: OnceLock<Vec<(String, String)>> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        fireworks_ai_fuzz::check_spec(text);
        if text.contains("imports") {
            let specs = SPECS.get_or_init(|| {
                fireworks_ai_fuzz::spec_files(
                    &Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec"),
                )
            });
            fireworks_ai_fuzz::check_spec_with_imports(text, specs);
        }
    }
});
