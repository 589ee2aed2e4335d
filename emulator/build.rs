//! Build script: describes every `spec/*.yaml` with `fireworks_ai_codegen::describe` and writes
//! the catalog as JSON to `$OUT_DIR/catalog.json`, which `src/control/` reads at start-up to build
//! the control plane's route table. Spec errors become `cargo::error` lines, never a panic.
//!
//! `emulator/spec` is a symbolic link to the workspace's `spec/`, so `cargo package` copies the
//! specs into the package; a checkout without symbolic links (a text file in its place) falls
//! back to `../spec`.

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let (Some(manifest_dir), Some(out_dir)) = (
        std::env::var_os("CARGO_MANIFEST_DIR"),
        std::env::var_os("OUT_DIR"),
    ) else {
        println!("cargo::error=CARGO_MANIFEST_DIR and OUT_DIR must be set; run this through cargo");
        return ExitCode::FAILURE;
    };
    let manifest_dir = Path::new(&manifest_dir);
    let (spec_dir, shown) = if manifest_dir.join("spec").is_dir() {
        (manifest_dir.join("spec"), "spec")
    } else {
        (manifest_dir.join("../spec"), "../spec")
    };
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed={shown}");
    let mut names: Vec<String> = match std::fs::read_dir(&spec_dir) {
        Ok(entries) => entries
            .filter_map(|entry| entry.ok())
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".yaml"))
            .collect(),
        Err(error) => {
            println!("cargo::error=cannot read {}: {error}", spec_dir.display());
            return ExitCode::FAILURE;
        }
    };
    names.sort();
    let mut sources = Vec::with_capacity(names.len());
    for name in &names {
        println!("cargo::rerun-if-changed={shown}/{name}");
        match std::fs::read_to_string(spec_dir.join(name)) {
            Ok(text) => sources.push(fireworks_ai_codegen::SpecSource::new(
                format!("spec/{name}"),
                text,
            )),
            Err(error) => {
                println!("cargo::error=spec/{name}: cannot read the file: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    let catalog = match fireworks_ai_codegen::describe(&sources) {
        Ok(catalog) => catalog,
        Err(errors) => {
            for error in &errors {
                for line in error.to_string().lines() {
                    println!("cargo::error={line}");
                }
            }
            return ExitCode::FAILURE;
        }
    };
    let json = match serde_json::to_string(&catalog) {
        Ok(json) => json,
        Err(error) => {
            println!("cargo::error=cannot serialise the catalog: {error}");
            return ExitCode::FAILURE;
        }
    };
    let target = Path::new(&out_dir).join("catalog.json");
    if std::fs::read_to_string(&target).is_ok_and(|old| old == json) {
        return ExitCode::SUCCESS;
    }
    if let Err(error) = std::fs::write(&target, json) {
        println!("cargo::error=cannot write {}: {error}", target.display());
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
