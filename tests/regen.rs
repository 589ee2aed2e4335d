//! Regeneration: runs the build script's own logic (this file includes `build.rs`) on scratch
//! spec directories and checks the exact `rerun-if-changed` lines, that a new or edited spec
//! changes the output, that unchanged output is not rewritten, and that errors become
//! `cargo::error` lines.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test helpers outside #[test] functions, which clippy.toml does not cover"
)]

#[path = "../build.rs"]
#[allow(
    dead_code,
    reason = "only the generation functions are used here, not main"
)]
mod build_script;

use std::path::{Path, PathBuf};

const ALPHA: &str = "version: 1\narea: alpha\ndescription: First area.\n";
const BETA: &str = "version: 1\narea: beta\n";

/// A scratch package root with a `spec/` folder, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let root =
            std::env::temp_dir().join(format!("fireworks-ai-regen-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("spec")).unwrap();
        Scratch(root)
    }

    fn write(&self, file: &str, text: &str) {
        std::fs::write(self.0.join("spec").join(file), text).unwrap();
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn rerun_lines_name_build_rs_the_folder_and_every_spec_in_order() {
    let scratch = Scratch::new("lines");
    scratch.write("beta.yaml", BETA);
    scratch.write("alpha.yaml", ALPHA);
    scratch.write("notes.txt", "not a spec");
    let outcome = build_script::generate_all(&scratch.0);
    assert_eq!(
        outcome.instructions,
        [
            "cargo::rerun-if-changed=build.rs",
            "cargo::rerun-if-changed=spec",
            "cargo::rerun-if-changed=spec/alpha.yaml",
            "cargo::rerun-if-changed=spec/beta.yaml",
        ]
    );
    let source = outcome.source.unwrap();
    let alpha = source.find("from spec/alpha.yaml").unwrap();
    let beta = source.find("from spec/beta.yaml").unwrap();
    assert!(alpha < beta, "specs are generated in file-name order");
}

#[test]
fn adding_or_editing_a_spec_changes_the_output_and_rewrites_the_file() {
    let scratch = Scratch::new("edit");
    scratch.write("alpha.yaml", ALPHA);
    let out = scratch.0.join("api.rs");

    let first = build_script::generate_all(&scratch.0).source.unwrap();
    assert!(build_script::write_if_changed(&out, &first).unwrap());
    assert!(!build_script::write_if_changed(&out, &first).unwrap());

    scratch.write("beta.yaml", BETA);
    let added = build_script::generate_all(&scratch.0);
    assert!(
        added
            .instructions
            .contains(&"cargo::rerun-if-changed=spec/beta.yaml".to_owned())
    );
    let added = added.source.unwrap();
    assert!(added.contains("pub mod beta"));
    assert!(build_script::write_if_changed(&out, &added).unwrap());

    scratch.write("alpha.yaml", &ALPHA.replace("First area.", "Edited area."));
    let edited = build_script::generate_all(&scratch.0).source.unwrap();
    assert!(edited.contains("/// Edited area."));
    assert!(build_script::write_if_changed(&out, &edited).unwrap());
    assert_eq!(std::fs::read_to_string(&out).unwrap(), edited);
}

#[test]
fn spec_errors_become_cargo_error_lines_and_no_source() {
    let scratch = Scratch::new("errors");
    scratch.write(
        "alpha.yaml",
        "version: 1\narea: alpha\nservers:\n  main:\n    uri: x\n",
    );
    let outcome = build_script::generate_all(&scratch.0);
    assert!(outcome.source.is_none());
    let errors: Vec<&str> = outcome
        .instructions
        .iter()
        .filter_map(|line| line.strip_prefix("cargo::error="))
        .collect();
    assert_eq!(
        errors,
        [
            "spec/alpha.yaml:5:5: unknown key `uri`, expected `url`, `auth` or `description`",
            "  help: did you mean `url`?",
        ]
    );
}

#[test]
fn the_crate_is_built_from_the_current_specs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let outcome = build_script::generate_all(root);
    let mut specs: Vec<String> = std::fs::read_dir(root.join("spec"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".yaml"))
        .collect();
    specs.sort();
    for spec in &specs {
        let line = format!("cargo::rerun-if-changed=spec/{spec}");
        assert!(outcome.instructions.contains(&line), "{line}");
    }
    assert_eq!(
        outcome.source.as_deref(),
        Some(fireworks_ai::__GENERATED_SOURCE)
    );
}
