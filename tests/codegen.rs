//! Snapshot tests through the generator entry point `build.rs` uses: rendered code for every
//! valid fixture and real spec, rendered diagnostics for every broken fixture.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers outside #[test] functions, which clippy.toml does not cover"
)]

use std::path::Path;

use fireworks_ai_codegen::{Settings, SpecErrors, generate_with_imports, render};

/// The path as a user would write it: relative to the package root, with `/`.
fn display_path(path: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let relative = path.strip_prefix(root).unwrap_or(path);
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Generates and renders like `build.rs` does, reading imported specs relative to the package
/// root.
fn generate(text: &str, display: &str, settings: &Settings) -> Result<String, SpecErrors> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut load =
        |path: &str| std::fs::read_to_string(root.join(path)).map_err(|error| error.to_string());
    generate_with_imports(text, display, settings, &mut load).map(|tokens| render(&tokens, display))
}

fn generated(path: &Path, settings: &Settings) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let display = display_path(path);
    match generate(&text, &display, settings) {
        Ok(source) => source,
        Err(errors) => panic!("{display} should be valid:\n{errors}"),
    }
}

#[test]
fn ok_fixtures() {
    insta::glob!("fixtures/ok/*.yaml", |path| {
        insta::assert_snapshot!(generated(path, &Settings::build_script()));
    });
}

#[test]
fn ok_fixtures_also_generate_in_macro_mode() {
    insta::glob!("fixtures/ok/*.yaml", |path| {
        let source = generated(path, &Settings::macro_call());
        assert!(!source.contains("crate::"), "{}", display_path(path));
        assert!(source.contains("Ext for ::fireworks_ai::Client"));
    });
}

#[test]
fn err_fixtures() {
    insta::glob!("fixtures/err/*.yaml", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let display = display_path(path);
        match generate(&text, &display, &Settings::build_script()) {
            Ok(_) => panic!("{display} should have errors"),
            Err(errors) => {
                assert!(!errors.is_empty());
                insta::assert_snapshot!(errors.to_string());
            }
        }
    });
}

#[test]
fn real_specs() {
    insta::glob!("../spec", "*.yaml", |path| {
        insta::assert_snapshot!(generated(path, &Settings::build_script()));
    });
}
