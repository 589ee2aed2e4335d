//! Build script: runs `fireworks-ai-codegen` over every `spec/*.yaml` in sorted order and writes
//! `$OUT_DIR/api.rs` (only when its contents change). Spec errors become `cargo::error` lines,
//! never a panic; `tests/regen.rs` includes this file to test its logic directly.

use std::path::Path;
use std::process::ExitCode;

/// What one run decided: the Cargo instructions to print and, if every spec was valid, the
/// generated source.
pub(crate) struct Outcome {
    pub(crate) instructions: Vec<String>,
    pub(crate) source: Option<String>,
}

/// Reads and generates every spec under `<manifest_dir>/spec`, in file-name order.
pub(crate) fn generate_all(manifest_dir: &Path) -> Outcome {
    let mut instructions = vec![
        "cargo::rerun-if-changed=build.rs".to_owned(),
        "cargo::rerun-if-changed=spec".to_owned(),
    ];
    let mut errors = Vec::new();
    let mut source = String::new();
    let spec_dir = manifest_dir.join("spec");
    let mut names: Vec<String> = match std::fs::read_dir(&spec_dir) {
        Ok(entries) => entries
            .filter_map(|entry| entry.ok())
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".yaml"))
            .collect(),
        Err(error) => {
            errors.push(format!("cannot read the spec directory `spec`: {error}"));
            Vec::new()
        }
    };
    names.sort();
    for name in &names {
        let display_path = format!("spec/{name}");
        instructions.push(format!("cargo::rerun-if-changed={display_path}"));
        let text = match std::fs::read_to_string(spec_dir.join(name)) {
            Ok(text) => text,
            Err(error) => {
                errors.push(format!("{display_path}: cannot read the file: {error}"));
                continue;
            }
        };
        let settings = fireworks_ai_codegen::Settings::build_script();
        // Imports name files beside the spec, which are all under `spec/` and already tracked.
        let mut load = |path: &str| {
            std::fs::read_to_string(manifest_dir.join(path)).map_err(|error| error.to_string())
        };
        match fireworks_ai_codegen::generate_with_imports(
            &text,
            &display_path,
            &settings,
            &mut load,
        ) {
            Ok(tokens) => {
                if !source.is_empty() {
                    source.push('\n');
                }
                source.push_str(&fireworks_ai_codegen::render(&tokens, &display_path));
            }
            Err(spec_errors) => {
                errors.extend(spec_errors.iter().map(ToString::to_string));
            }
        }
    }
    // Each rendered line (message, help, note) becomes its own instruction, as Cargo reads
    // one instruction per line.
    for error in &errors {
        for line in error.lines() {
            instructions.push(format!("cargo::error={line}"));
        }
    }
    Outcome {
        instructions,
        source: errors.is_empty().then_some(source),
    }
}

/// Writes `contents` to `path` unless the file already holds exactly that; returns whether it
/// wrote.
pub(crate) fn write_if_changed(path: &Path, contents: &str) -> std::io::Result<bool> {
    if std::fs::read_to_string(path).is_ok_and(|existing| existing == contents) {
        return Ok(false);
    }
    std::fs::write(path, contents)?;
    Ok(true)
}

#[allow(
    dead_code,
    reason = "tests/regen.rs includes this file and calls the functions above"
)]
fn main() -> ExitCode {
    let (Some(manifest_dir), Some(out_dir)) = (
        std::env::var_os("CARGO_MANIFEST_DIR"),
        std::env::var_os("OUT_DIR"),
    ) else {
        println!("cargo::error=CARGO_MANIFEST_DIR and OUT_DIR must be set; run this through cargo");
        return ExitCode::FAILURE;
    };
    let outcome = generate_all(Path::new(&manifest_dir));
    for instruction in &outcome.instructions {
        println!("{instruction}");
    }
    let Some(source) = outcome.source else {
        return ExitCode::FAILURE;
    };
    let target = Path::new(&out_dir).join("api.rs");
    if let Err(error) = write_if_changed(&target, &source) {
        println!("cargo::error=cannot write {}: {error}", target.display());
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
