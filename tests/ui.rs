//! The macro front-end: trybuild compile-fail cases for how `generate_api!` reports errors, valid
//! fixtures compiled through the macro, and the proof that macro and `build.rs` output agree.
//!
//! The `.stderr` expectations belong to the one installed stable toolchain (rustc 1.95); see
//! STYLE.md section 6.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers outside #[test] functions, which clippy.toml does not cover"
)]

/// Spec shapes that are unusual for Rust, compiled through the macro against the runtime, by
/// the path a user crate takes (`fireworks_ai::generate_api!`, the re-export).
mod shapes {
    pub mod collections {
        fireworks_ai::generate_api!("tests/fixtures/ok/collections.yaml");
    }
    pub mod keywords {
        fireworks_ai::generate_api!("tests/fixtures/ok/keyword-names.yaml");
    }
    pub mod int64 {
        fireworks_ai::generate_api!("tests/fixtures/ok/int64-string.yaml");
    }
    pub mod fields {
        fireworks_ai::generate_api!("tests/fixtures/ok/field-options.yaml");
    }
    pub mod params {
        fireworks_ai::generate_api!("tests/fixtures/ok/params.yaml");
    }
    pub mod auth {
        fireworks_ai::generate_api!("tests/fixtures/ok/auth-schemes.yaml");
    }
    pub mod operations {
        fireworks_ai::generate_api!("tests/fixtures/ok/operation-options.yaml");
    }
    pub mod multipart {
        fireworks_ai::generate_api!("tests/fixtures/ok/multipart-body.yaml");
    }
    pub mod json {
        fireworks_ai::generate_api!("tests/fixtures/ok/json-body.yaml");
    }
    pub mod derive_param {
        fireworks_ai::generate_api!("tests/fixtures/ok/derive-param.yaml");
    }
    pub mod derive_server {
        fireworks_ai::generate_api!("tests/fixtures/ok/derive-server.yaml");
    }
    pub mod output {
        fireworks_ai::generate_api!("tests/fixtures/ok/output-by-request-field.yaml");
    }
    pub mod union {
        fireworks_ai::generate_api!("tests/fixtures/ok/union.yaml");
    }
    pub mod stream {
        fireworks_ai::generate_api!("tests/fixtures/ok/stream.yaml");
    }
    pub mod time {
        fireworks_ai::generate_api!("tests/fixtures/ok/time.yaml");
    }
    pub mod wait_from {
        fireworks_ai::generate_api!("tests/fixtures/ok/wait-from.yaml");
    }
    /// An importing spec and the spec it imports, as sibling modules.
    pub mod imports {
        fireworks_ai::generate_api!("tests/fixtures/ok/import-base.yaml");
        fireworks_ai::generate_api!("tests/fixtures/ok/import-types.yaml");
    }
}

/// The real specs through the macro, plus the text `build.rs` would write for each. The audio
/// batch spec imports the audio spec's types, so the two are siblings; the control-plane specs
/// import `spec/control.yaml`, which is generated once and re-exported beside each of them.
mod via_macro {
    fireworks_ai_macros::generate_api!("spec/audio-batch.yaml", __build_script_source);
    fireworks_ai_macros::generate_api!("spec/audio.yaml");

    pub mod audio_source {
        fireworks_ai_macros::generate_api!("spec/audio.yaml", __build_script_source);
    }
    pub mod models_source {
        pub use super::control_source::control;
        fireworks_ai_macros::generate_api!("spec/models.yaml", __build_script_source);
    }
    /// The shared control-plane types; every other control-plane spec imports them, so each of
    /// those modules re-exports this `control` module as its sibling.
    pub mod control_source {
        fireworks_ai_macros::generate_api!("spec/control.yaml", __build_script_source);
    }
    pub mod accounts_source {
        pub use super::control_source::control;
        fireworks_ai_macros::generate_api!("spec/accounts.yaml", __build_script_source);
    }
    pub mod api_keys_source {
        pub use super::control_source::control;
        fireworks_ai_macros::generate_api!("spec/api-keys.yaml", __build_script_source);
    }
    pub mod inference_source {
        fireworks_ai_macros::generate_api!("spec/inference.yaml", __build_script_source);
    }
    pub mod batch_inference_source {
        pub use super::control_source::control;
        fireworks_ai_macros::generate_api!("spec/batch-inference.yaml", __build_script_source);
    }
    pub mod datasets_source {
        pub use super::control_source::control;
        fireworks_ai_macros::generate_api!("spec/datasets.yaml", __build_script_source);
    }
    pub mod deployed_models_source {
        pub use super::control_source::control;
        fireworks_ai_macros::generate_api!("spec/deployed-models.yaml", __build_script_source);
    }
    pub mod deployment_shapes_source {
        pub use super::control_source::control;
        fireworks_ai_macros::generate_api!("spec/deployment-shapes.yaml", __build_script_source);
    }
    pub mod deployments_source {
        pub use super::control_source::control;
        fireworks_ai_macros::generate_api!("spec/deployments.yaml", __build_script_source);
    }
    pub mod dpo_source {
        pub use super::control_source::control;
        fireworks_ai_macros::generate_api!("spec/dpo.yaml", __build_script_source);
    }
    pub mod evaluation_jobs_source {
        pub use super::control_source::control;
        fireworks_ai_macros::generate_api!("spec/evaluation-jobs.yaml", __build_script_source);
    }
    pub mod evaluators_source {
        pub use super::control_source::control;
        fireworks_ai_macros::generate_api!("spec/evaluators.yaml", __build_script_source);
    }
    pub mod reinforcement_fine_tuning_source {
        pub use super::control_source::control;
        fireworks_ai_macros::generate_api!(
            "spec/reinforcement-fine-tuning.yaml",
            __build_script_source
        );
    }
    pub mod secrets_source {
        pub use super::control_source::control;
        fireworks_ai_macros::generate_api!("spec/secrets.yaml", __build_script_source);
    }
    pub mod supervised_fine_tuning_source {
        pub use super::control_source::control;
        fireworks_ai_macros::generate_api!(
            "spec/supervised-fine-tuning.yaml",
            __build_script_source
        );
    }
    pub mod users_source {
        pub use super::control_source::control;
        fireworks_ai_macros::generate_api!("spec/users.yaml", __build_script_source);
    }
}

/// The part of the build-script output generated from one spec.
fn section<'a>(all: &'a str, display_path: &str) -> &'a str {
    let header = format!("// @generated by fireworks-ai-codegen from {display_path}.");
    let start = all.find(&header).unwrap();
    let rest = &all[start..];
    let end = rest[header.len()..]
        .find("// @generated by fireworks-ai-codegen from ")
        .map_or(rest.len(), |i| i + header.len());
    rest[..end].trim_end()
}

#[test]
fn macro_and_build_script_output_are_identical() {
    let pairs = [
        (via_macro::__GENERATED_SOURCE, "spec/audio-batch.yaml"),
        (
            via_macro::audio_source::__GENERATED_SOURCE,
            "spec/audio.yaml",
        ),
        (
            via_macro::models_source::__GENERATED_SOURCE,
            "spec/models.yaml",
        ),
        (
            via_macro::control_source::__GENERATED_SOURCE,
            "spec/control.yaml",
        ),
        (
            via_macro::accounts_source::__GENERATED_SOURCE,
            "spec/accounts.yaml",
        ),
        (
            via_macro::api_keys_source::__GENERATED_SOURCE,
            "spec/api-keys.yaml",
        ),
        (
            via_macro::inference_source::__GENERATED_SOURCE,
            "spec/inference.yaml",
        ),
        (
            via_macro::batch_inference_source::__GENERATED_SOURCE,
            "spec/batch-inference.yaml",
        ),
        (
            via_macro::datasets_source::__GENERATED_SOURCE,
            "spec/datasets.yaml",
        ),
        (
            via_macro::deployed_models_source::__GENERATED_SOURCE,
            "spec/deployed-models.yaml",
        ),
        (
            via_macro::deployment_shapes_source::__GENERATED_SOURCE,
            "spec/deployment-shapes.yaml",
        ),
        (
            via_macro::deployments_source::__GENERATED_SOURCE,
            "spec/deployments.yaml",
        ),
        (via_macro::dpo_source::__GENERATED_SOURCE, "spec/dpo.yaml"),
        (
            via_macro::evaluation_jobs_source::__GENERATED_SOURCE,
            "spec/evaluation-jobs.yaml",
        ),
        (
            via_macro::evaluators_source::__GENERATED_SOURCE,
            "spec/evaluators.yaml",
        ),
        (
            via_macro::reinforcement_fine_tuning_source::__GENERATED_SOURCE,
            "spec/reinforcement-fine-tuning.yaml",
        ),
        (
            via_macro::secrets_source::__GENERATED_SOURCE,
            "spec/secrets.yaml",
        ),
        (
            via_macro::supervised_fine_tuning_source::__GENERATED_SOURCE,
            "spec/supervised-fine-tuning.yaml",
        ),
        (
            via_macro::users_source::__GENERATED_SOURCE,
            "spec/users.yaml",
        ),
    ];
    // Every spec `build.rs` reads is compared, so a new spec file cannot be left out.
    let mut covered: Vec<&str> = pairs.iter().map(|(_, path)| *path).collect();
    covered.sort_unstable();
    let mut on_disk: Vec<String> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/spec"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".yaml"))
        .map(|name| format!("spec/{name}"))
        .collect();
    on_disk.sort_unstable();
    assert_eq!(covered, on_disk);
    for (via_macro, path) in pairs {
        let from_build_script = section(fireworks_ai::__GENERATED_SOURCE, path);
        assert_eq!(via_macro.trim_end(), from_build_script, "{path}");
    }
}

#[test]
fn time_values_are_typed() {
    use shapes::time::jobs::Job;
    let text =
        r#"{"createTime":"2026-12-03T08:00:00Z","timeout":"3600s","stepTimes":{"a":"0.500s"}}"#;
    let job: Job = serde_json::from_str(text).unwrap();
    assert_eq!(job.create_time.as_second(), 1_796_284_800);
    assert_eq!(
        job.timeout,
        Some(fireworks_ai::ProtoDuration::from_secs(3600))
    );
    assert_eq!(
        job.step_times.as_ref().unwrap()["a"]
            .as_signed()
            .as_millis(),
        500
    );
    let back = serde_json::to_value(&job).unwrap();
    assert_eq!(
        back,
        serde_json::from_str::<serde_json::Value>(text).unwrap()
    );
    let bad =
        serde_json::from_str::<Job>(r#"{"createTime":"2026-12-03T08:00:00Z","timeout":"1h"}"#);
    assert!(bad.unwrap_err().to_string().contains("protobuf duration"));
}

#[test]
fn unusual_shapes_work_at_run_time() {
    use shapes::int64::counts::Dataset;
    let dataset: Dataset =
        serde_json::from_str(r#"{"exampleCount":"12345678901234","other":1}"#).unwrap();
    assert_eq!(dataset.example_count, 12_345_678_901_234);
    assert_eq!(dataset.estimated_token_count, None);
    assert_eq!(
        serde_json::to_value(&dataset).unwrap(),
        serde_json::json!({"exampleCount": "12345678901234", "other": 1})
    );

    use shapes::fields::fields::{Job, Mode};
    let job: Job = serde_json::from_str(r#"{"id":"j","note":null}"#).unwrap();
    assert_eq!(job.retries, 3);
    assert_eq!(job.mode, Mode::Fast);
    assert_eq!(job.label, "none");
    assert!(job.enabled);
    assert_eq!(Job::new("j", None), job);

    use shapes::keywords::keywords::{Kind, Self_};
    let value: Self_ = serde_json::from_str(r#"{"type":"t","self":"fn"}"#).unwrap();
    assert_eq!(value.r#type, "t");
    assert_eq!(value.self_, Some(Kind::Fn));
    let unknown: Kind = serde_json::from_str(r#""later""#).unwrap();
    assert_eq!(unknown.as_str(), "later");
    assert_eq!(serde_json::to_string(&unknown).unwrap(), r#""later""#);
}

/// The variable `generate_api!` resolves spec paths against instead of `CARGO_MANIFEST_DIR`.
const SPEC_DIR_VAR: &str = "FIREWORKS_AI_SPEC_DIR";

/// The compiler the `.stderr` expectations were written with; compiler output changes between
/// releases, so on any other compiler the compile-fail cases are skipped (with a note on
/// stderr) rather than failed. Update it together with the `.stderr` files.
const EXPECTED_RUSTC: &str = "rustc 1.95.";

/// Runs the trybuild cases in a child test process that has the spec-dir override set: trybuild
/// compiles cases in its own directory, and setting a variable in this process would need
/// `unsafe`, which the workspace denies outside the one benchmark example.
#[test]
fn compile_fail() {
    if std::env::var_os(SPEC_DIR_VAR).is_some() {
        return;
    }
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let version = std::process::Command::new(rustc)
        .arg("--version")
        .output()
        .unwrap();
    let version = String::from_utf8_lossy(&version.stdout);
    if !version.starts_with(EXPECTED_RUSTC) {
        eprintln!(
            "skipping the compile-fail cases: they expect {EXPECTED_RUSTC}x, found {version}"
        );
        return;
    }
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .env(SPEC_DIR_VAR, env!("CARGO_MANIFEST_DIR"))
        .args([
            "compile_fail_cases",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .status()
        .unwrap();
    assert!(status.success(), "trybuild cases failed");
}

/// The trybuild cases themselves; a no-op unless started by [`compile_fail`].
#[test]
fn compile_fail_cases() {
    if std::env::var_os(SPEC_DIR_VAR).is_none() {
        return;
    }
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
