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
    let outcome = build_script::generate_all(&scratch.0, None);
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

    let first = build_script::generate_all(&scratch.0, None).source.unwrap();
    assert!(build_script::write_if_changed(&out, &first).unwrap());
    assert!(!build_script::write_if_changed(&out, &first).unwrap());

    scratch.write("beta.yaml", BETA);
    let added = build_script::generate_all(&scratch.0, None);
    assert!(
        added
            .instructions
            .contains(&"cargo::rerun-if-changed=spec/beta.yaml".to_owned())
    );
    let added = added.source.unwrap();
    assert!(added.contains("pub mod beta"));
    assert!(build_script::write_if_changed(&out, &added).unwrap());

    scratch.write("alpha.yaml", &ALPHA.replace("First area.", "Edited area."));
    let edited = build_script::generate_all(&scratch.0, None).source.unwrap();
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
    let outcome = build_script::generate_all(&scratch.0, None);
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
    let outcome = build_script::generate_all(root, None);
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

const BASE: &str = "version: 1\narea: base\ntypes:\n  Note:\n    kind: object\n    fields:\n      text: { type: string }\n";
const USER: &str = "version: 1\narea: user\nimports:\n  base: base.yaml\ntypes:\n  Card:\n    kind: object\n    fields:\n      note: { type: base.Note }\n";

#[test]
fn cached_areas_are_reused_only_while_their_spec_imports_and_generator_are_unchanged() {
    let scratch = Scratch::new("cache");
    scratch.write("alpha.yaml", ALPHA);
    scratch.write("base.yaml", BASE);
    scratch.write("user.yaml", USER);
    let dir = scratch.0.join("cache");
    let cache = build_script::Cache {
        dir: &dir,
        generator: "build 1".to_owned(),
    };
    let uncached = build_script::generate_all(&scratch.0, None).source.unwrap();
    let first = build_script::generate_all(&scratch.0, Some(&cache))
        .source
        .unwrap();
    assert_eq!(first, uncached);
    assert_eq!(
        std::fs::read_to_string(dir.join("user.yaml.imports")).unwrap(),
        "spec/base.yaml"
    );

    // A planted entry shows which areas a run takes from the cache: with nothing changed,
    // every area is read back, so the plant shows through.
    let planted = |name: &str, text: &str| {
        std::fs::write(dir.join(format!("{name}.rs")), text).unwrap();
    };
    planted("alpha.yaml", "// alpha from the cache\n");
    planted("user.yaml", "// user from the cache\n");
    let reused = build_script::generate_all(&scratch.0, Some(&cache))
        .source
        .unwrap();
    assert!(reused.contains("// alpha from the cache"), "{reused}");
    assert!(reused.contains("// user from the cache"), "{reused}");

    // Editing the imported spec regenerates its importer too, not the unrelated area.
    scratch.write("base.yaml", &BASE.replace("text:", "body:"));
    let edited = build_script::generate_all(&scratch.0, Some(&cache))
        .source
        .unwrap();
    assert!(edited.contains("// alpha from the cache"), "{edited}");
    assert!(!edited.contains("// user from the cache"), "{edited}");
    assert!(edited.contains("pub body: Option<String>"), "{edited}");

    // Another build of the generator reuses nothing, and neither does an unknown one.
    planted("alpha.yaml", "// alpha from the cache\n");
    let rebuilt = build_script::Cache {
        dir: &dir,
        generator: "build 2".to_owned(),
    };
    let fresh = build_script::generate_all(&scratch.0, Some(&rebuilt))
        .source
        .unwrap();
    assert!(!fresh.contains("from the cache"), "{fresh}");
    let unknown = build_script::Cache {
        dir: &dir,
        generator: String::new(),
    };
    planted("alpha.yaml", "// alpha from the cache\n");
    let fresh = build_script::generate_all(&scratch.0, Some(&unknown))
        .source
        .unwrap();
    assert!(!fresh.contains("from the cache"), "{fresh}");
}
