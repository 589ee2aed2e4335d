//! Build script: runs `fireworks-ai-codegen` over every `spec/*.yaml` in sorted order and writes
//! `$OUT_DIR/api.rs` (only when its contents change). A spec whose text, imported specs and
//! generator are unchanged since the last run reuses its rendered output from
//! `$OUT_DIR/spec-cache`, so a one-line edit regenerates one area. Spec errors become
//! `cargo::error` lines, never a panic; `tests/regen.rs` includes this file to test its logic
//! directly.

use std::path::Path;
use std::process::ExitCode;

/// What one run decided: the Cargo instructions to print and, if every spec was valid, the
/// generated source.
pub(crate) struct Outcome {
    pub(crate) instructions: Vec<String>,
    pub(crate) source: Option<String>,
}

/// Where rendered areas are kept between runs, and what identifies the generator that
/// rendered them (output made by another build of the generator is never reused).
pub(crate) struct Cache<'a> {
    pub(crate) dir: &'a Path,
    pub(crate) generator: String,
}

impl Cache<'_> {
    /// The key of one spec: the generator, then each input's path and exact text (the spec
    /// first, then the specs it imported, as recorded when it was generated).
    fn key(&self, inputs: &[(String, String)]) -> String {
        let mut key = format!("generator {}\n", self.generator);
        for (path, text) in inputs {
            key.push_str(&format!("input {path} {}\n{text}\n", text.len()));
        }
        key
    }

    /// The cached output for `name`, if its key still matches: the spec text given, and the
    /// imports recorded last time, re-read now.
    fn get(&self, manifest_dir: &Path, name: &str, spec: (&str, &str)) -> Option<String> {
        if self.generator.is_empty() {
            return None;
        }
        let imports = std::fs::read_to_string(self.dir.join(format!("{name}.imports"))).ok()?;
        let mut inputs = vec![(spec.0.to_owned(), spec.1.to_owned())];
        for path in imports.lines() {
            inputs.push((
                path.to_owned(),
                std::fs::read_to_string(manifest_dir.join(path)).ok()?,
            ));
        }
        let key = std::fs::read_to_string(self.dir.join(format!("{name}.key"))).ok()?;
        if key != self.key(&inputs) {
            return None;
        }
        std::fs::read_to_string(self.dir.join(format!("{name}.rs"))).ok()
    }

    /// Records `output` for `name` under the key of `inputs`. A failure only costs the next
    /// run a regeneration, so it is ignored.
    fn put(&self, name: &str, inputs: &[(String, String)], output: &str) {
        let imports: Vec<&str> = inputs
            .iter()
            .skip(1)
            .map(|(path, _)| path.as_str())
            .collect();
        let _ = std::fs::create_dir_all(self.dir);
        // The key goes last: a run interrupted before it leaves no matching entry.
        let _ = std::fs::remove_file(self.dir.join(format!("{name}.key")));
        let written = std::fs::write(self.dir.join(format!("{name}.rs")), output).and_then(|()| {
            std::fs::write(self.dir.join(format!("{name}.imports")), imports.join("\n"))
        });
        if written.is_ok() {
            let _ = std::fs::write(self.dir.join(format!("{name}.key")), self.key(inputs));
        }
    }
}

/// Reads and generates every spec under `<manifest_dir>/spec`, in file-name order, reusing
/// `cache` entries whose inputs have not changed.
pub(crate) fn generate_all(manifest_dir: &Path, cache: Option<&Cache<'_>>) -> Outcome {
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
        if let Some(cached) = cache.and_then(|c| c.get(manifest_dir, name, (&display_path, &text)))
        {
            if !source.is_empty() {
                source.push('\n');
            }
            source.push_str(&cached);
            continue;
        }
        let settings = fireworks_ai_codegen::Settings::build_script();
        // Imports name files beside the spec, which are all under `spec/` and already tracked.
        // Each one read is recorded as an input of this spec's cache entry.
        let mut inputs = vec![(display_path.clone(), text.clone())];
        let mut load = |path: &str| {
            let imported = std::fs::read_to_string(manifest_dir.join(path))
                .map_err(|error| error.to_string())?;
            inputs.push((path.to_owned(), imported.clone()));
            Ok(imported)
        };
        match fireworks_ai_codegen::generate_with_imports(
            &text,
            &display_path,
            &settings,
            &mut load,
        ) {
            Ok(tokens) => {
                let rendered = fireworks_ai_codegen::render(&tokens, &display_path);
                if let Some(cache) = cache {
                    cache.put(name, &inputs, &rendered);
                }
                if !source.is_empty() {
                    source.push('\n');
                }
                source.push_str(&rendered);
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

/// This build script's executable, by size and modification time: Cargo rebuilds it whenever
/// the generator changes, so cached output from another generator never matches. Empty (so
/// nothing matches) when the executable cannot be inspected.
fn generator_identity() -> String {
    let metadata = std::env::current_exe().and_then(std::fs::metadata);
    let Ok(metadata) = metadata else {
        return String::new();
    };
    let modified = metadata
        .modified()
        .ok()
        .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |elapsed| elapsed.as_nanos());
    format!("{} bytes, modified {modified}", metadata.len())
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
    let cache_dir = Path::new(&out_dir).join("spec-cache");
    let cache = Cache {
        dir: &cache_dir,
        generator: generator_identity(),
    };
    let outcome = generate_all(Path::new(&manifest_dir), Some(&cache));
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
