//! Replays every file under `fuzz/corpus/` through the same property checks as the cargo-fuzz
//! targets (`fuzz/src/lib.rs`, included here as a module), so CI exercises the corpus on stable
//! Rust without cargo-fuzz or libFuzzer.

// The shared checks report violated properties by panicking, and helpers outside `#[test]`
// functions are not covered by clippy's allow-*-in-tests settings.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../fuzz/src/lib.rs"]
mod checks;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use checks::Harness;
use fireworks_ai_codegen::{Settings, generate, generate_with_imports};

/// The targets whose corpus this file replays with their own checks.
const TARGETS: [&str; 4] = [
    "spec_parser",
    "embedded_body",
    "error_body",
    "json_response",
];

/// The fewest seed files a target's corpus may have.
const MIN_SEEDS: usize = 10;

/// The whole corpus stays small enough to replay in CI in well under a second per target.
const MAX_CORPUS_BYTES: u64 = 200 * 1024;

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join("corpus")
}

/// The files of one corpus directory, sorted by name.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .map(|path| {
            let data = std::fs::read(&path).unwrap();
            (path, data)
        })
        .collect();
    out.sort();
    out
}

/// The corpus of one target, which must hold at least [`MIN_SEEDS`] files.
fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let files = files(&corpus_root().join(target));
    assert!(
        files.len() >= MIN_SEEDS,
        "fuzz/corpus/{target} has {} files, expected at least {MIN_SEEDS}",
        files.len()
    );
    files
}

/// Runs `check` on every file and fails once, naming every file whose check panicked.
fn replay(files: &[(PathBuf, Vec<u8>)], check: impl Fn(&[u8])) {
    let failed: Vec<String> = files
        .iter()
        .filter_map(|(path, data)| {
            catch_unwind(AssertUnwindSafe(|| check(data)))
                .err()
                .map(|_| path.display().to_string())
        })
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} corpus files broke a property (messages above): {failed:#?}",
        failed.len(),
        files.len()
    );
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn spec_parser_corpus_gives_tokens_or_located_errors() {
    let files = corpus("spec_parser");
    let specs = checks::spec_files(&repo().join("spec"));
    assert!(!specs.is_empty(), "no specs to import from");
    replay(&files, |data| {
        let text = std::str::from_utf8(data).expect("spec seeds must be UTF-8 to be tried");
        checks::check_spec(text);
        checks::check_spec_with_imports(text, &specs);
    });
}

#[test]
fn spec_parser_corpus_covers_both_outcomes() {
    let settings = Settings::build_script();
    let (mut ok, mut err) = (0, 0);
    for (_, data) in corpus("spec_parser") {
        match generate(
            &String::from_utf8_lossy(&data),
            checks::SPEC_PATH,
            &settings,
        ) {
            Ok(_) => ok += 1,
            Err(_) => err += 1,
        }
    }
    assert!(ok >= 4 && err >= 10, "seeds: {ok} valid, {err} invalid");
}

/// The real specs and the fixtures, each generated with the files beside it as what its
/// `imports:` can load (under the display folder `spec/`).
#[test]
fn real_specs_and_fixtures_pass_the_spec_checks() {
    let settings = Settings::build_script();
    for (dir, valid) in [
        (repo().join("spec"), true),
        (repo().join("tests/fixtures/ok"), true),
        (repo().join("tests/fixtures/err"), false),
    ] {
        let siblings = checks::spec_files(&dir);
        assert!(!siblings.is_empty(), "no specs in {}", dir.display());
        let texts: Vec<(PathBuf, Vec<u8>)> = siblings
            .iter()
            .map(|(name, text)| {
                let file = name.strip_prefix("spec/").unwrap_or(name);
                (dir.join(file), text.clone().into_bytes())
            })
            .collect();
        replay(&texts, |data| {
            let text = std::str::from_utf8(data).unwrap();
            checks::check_spec_with_imports(text, &siblings);
            let mut load = |path: &str| {
                siblings
                    .iter()
                    .find(|(name, _)| name == path)
                    .map(|(_, text)| text.clone())
                    .ok_or_else(|| format!("no `{path}`"))
            };
            let outcome =
                generate_with_imports(text, checks::SPEC_PATH, &settings, &mut load).map(|_| ());
            assert_eq!(
                outcome.is_ok(),
                valid,
                "a spec in {} gave {outcome:?}",
                dir.display()
            );
        });
    }
}

#[test]
fn embedded_body_corpus_decodes_as_its_content_type_says() {
    replay(&corpus("embedded_body"), |data| {
        let (content_type, body) = checks::split_embedded(data);
        checks::check_embedded_body(content_type.as_deref(), &body);
    });
}

#[test]
fn error_body_corpus_gives_status_errors_with_capped_snippets() {
    let files = corpus("error_body");
    replay(&files, |data| {
        let (status, body) = checks::split_error(data);
        checks::check_error_body(status, body);
    });
    let long = files
        .iter()
        .filter(|(_, d)| checks::split_error(d).1.len() > checks::SNIPPET_CAP)
        .count();
    assert!(
        long >= 2,
        "the corpus needs bodies longer than the snippet cap"
    );
}

#[test]
fn json_response_corpus_decodes_or_names_the_path() {
    replay(&corpus("json_response"), checks::check_json_response);
}

/// The fuzz targets call the runtime's decoders directly; this replays their corpora through
/// real calls to a loopback server, which must give the same errors and values.
#[test]
fn loopback_calls_build_what_the_fuzzed_functions_build() {
    let harness = Harness::new();
    replay(&corpus("error_body"), |data| {
        let (status, body) = checks::split_error(data);
        harness.check_error_body(status, body);
    });
    replay(&corpus("json_response"), |data| {
        harness.check_json_response(data)
    });
}

/// The public docs of `StatusError::body_snippet` and `DecodeError::snippet` promise 512 bytes.
#[test]
fn the_snippet_cap_is_the_documented_one() {
    assert_eq!(checks::SNIPPET_CAP, 512);
}

/// Corpus directories of other targets (such as `decoders`) still go through every decoder
/// check here, as extra inputs.
#[test]
fn other_corpus_directories_pass_the_decoder_checks() {
    for entry in std::fs::read_dir(corpus_root()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !path.is_dir() || TARGETS.contains(&name.as_str()) {
            continue;
        }
        replay(&files(&path), |data| {
            let (content_type, body) = checks::split_embedded(data);
            checks::check_embedded_body(content_type.as_deref(), &body);
            let (status, body) = checks::split_error(data);
            checks::check_error_body(status, body);
            checks::check_json_response(data);
        });
    }
}

#[test]
fn every_target_has_a_corpus_and_the_corpus_stays_small() {
    let mut total = 0;
    for entry in walk(&corpus_root()) {
        total += std::fs::metadata(&entry).unwrap().len();
    }
    assert!(
        total < MAX_CORPUS_BYTES,
        "fuzz/corpus is {total} bytes, keep it under {MAX_CORPUS_BYTES}"
    );
    for target in TARGETS {
        let source = corpus_root()
            .parent()
            .unwrap()
            .join("fuzz_targets")
            .join(format!("{target}.rs"));
        assert!(source.is_file(), "no fuzz target for {target}");
        corpus(target);
    }
}

/// Every file under `dir`, recursively.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
