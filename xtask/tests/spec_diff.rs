//! The spec-diff check on the real `spec/` with deliberate edits to `models.yaml`: each edit's
//! classification, and nothing reported for an unchanged or re-documented spec.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;
use std::process::Command;

use fireworks_ai_codegen::{Catalog, SpecSource, describe};
use xtask::{Change, Impact, diff};

/// Every `spec/*.yaml`, with `edit` applied to `models.yaml`.
fn catalog(edit: impl Fn(&str) -> String) -> Catalog {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    names.sort();
    let specs: Vec<SpecSource> = names
        .iter()
        .map(|name| {
            let text = std::fs::read_to_string(dir.join(name)).unwrap();
            let text = if name == "models.yaml" {
                edit(&text)
            } else {
                text
            };
            SpecSource::new(format!("spec/{name}"), text)
        })
        .collect();
    describe(&specs).unwrap_or_else(|e| panic!("{e}"))
}

/// `text` with `from` replaced once; fails the test if `from` is not there.
fn replace(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "the spec no longer contains {from:?}");
    text.replacen(from, to, 1)
}

fn lines(changes: &[Change]) -> Vec<String> {
    changes.iter().map(ToString::to_string).collect()
}

#[test]
fn an_unchanged_or_redocumented_spec_has_no_changes() {
    let old = catalog(str::to_owned);
    assert_eq!(diff(&old, &old), vec![]);
    let redocumented = catalog(|t| {
        replace(
            t,
            "description: Context window in tokens.",
            "description: Tokens of context.",
        )
    });
    assert_eq!(diff(&old, &redocumented), vec![]);
}

#[test]
fn a_breaking_edit_is_classified_breaking() {
    let old = catalog(str::to_owned);
    let new = catalog(|t| {
        // A removed field, a changed type, a renamed wire name (same Rust name), a new
        // required field, a removed enum value and a removed operation parameter.
        let t = replace(
            t,
            "      displayName:\n        type: string\n        description: Human-readable name, under 64 characters.\n",
            "",
        );
        let t = replace(
            &t,
            "      contextLength:\n        type: i32",
            "      contextLength:\n        type: i64",
        );
        let t = replace(
            &t,
            "      supportsTools:\n        type: bool\n",
            "      supportsToolCalls:\n        type: bool\n        rust_name: supports_tools\n",
        );
        let t = replace(
            &t,
            "      contextLength:\n",
            "      owner:\n        type: string\n        required: true\n      contextLength:\n",
        );
        let t = replace(
            &t,
            "      STATE_UNSPECIFIED:\n        description: No state was set.\n",
            "",
        );
        replace(
            &t,
            "      readMask:\n        in: query\n        type: string\n        description: Comma-separated field paths to return, e.g. `name,displayName`; empty or `*` returns every field.\n",
            "",
        )
    });
    let changes = diff(&old, &new);
    assert_eq!(
        lines(&changes),
        [
            "breaking  models.Model.contextLength: type changed from \"i32\" to \"i64\"",
            "breaking  models.Model.displayName: field removed",
            "breaking  models.Model.owner: required field added",
            "breaking  models.Model.supportsTools: wire name renamed to supportsToolCalls",
            "breaking  models.ModelState: enum value STATE_UNSPECIFIED removed",
            "breaking  models.get_model param readMask: parameter removed",
        ],
        "{changes:#?}"
    );
}

#[test]
fn an_additive_edit_is_classified_additive() {
    let old = catalog(str::to_owned);
    let new = catalog(|t| {
        let t = replace(
            t,
            "      contextLength:\n",
            "      tokenizer:\n        type: string\n        description: New optional field.\n      contextLength:\n",
        );
        replace(
            &t,
            "      READY:\n        description: The model is ready to deploy or serve.\n",
            "      READY:\n        description: The model is ready to deploy or serve.\n      ARCHIVED:\n        description: New state.\n",
        )
    });
    let changes = diff(&old, &new);
    assert!(
        changes.iter().all(|c| c.impact == Impact::Additive),
        "{changes:#?}"
    );
    assert_eq!(
        lines(&changes),
        [
            "additive  models.Model.tokenizer: optional field added",
            "additive  models.ModelState: enum value ARCHIVED added",
        ]
    );
}

#[test]
fn the_binary_prints_the_diff_and_exits_1_on_a_breaking_change() {
    // The checked-in spec at HEAD against a copy of it with one field removed.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = std::env::temp_dir().join(format!("xtask-spec-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(root.join("spec")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let name = path.file_name().unwrap();
        let text = if name == "models.yaml" {
            replace(&text, "      supportsLora:\n", "      supportsLoRA:\n")
        } else {
            text
        };
        std::fs::write(dir.join(name), text).unwrap();
    }
    let run = |spec: &Path| {
        Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(["spec-diff", "--base", "HEAD", "--spec-dir"])
            .arg(spec)
            .output()
            .unwrap()
    };
    let edited = run(&dir);
    let stdout = String::from_utf8_lossy(&edited.stdout);
    assert_eq!(edited.status.code(), Some(1), "{stdout}");
    assert!(stdout.starts_with("spec diff: HEAD -> "), "{stdout}");
    assert!(
        stdout.contains("breaking  models.Model.supportsLora: field removed\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("breaking  models.Model.supportsLoRA: required field added\n")
            || stdout.contains("additive  models.Model.supportsLoRA: optional field added\n"),
        "{stdout}"
    );
    std::fs::remove_dir_all(&dir).unwrap();

    let usage = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("nonsense")
        .output()
        .unwrap();
    assert_eq!(usage.status.code(), Some(2));
}
