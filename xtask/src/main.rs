//! `cargo run -p xtask -- spec-diff [--base REF] [--spec-dir DIR]`: describes `*.yaml` of DIR
//! (default: `spec/` of the working tree) and `spec/*.yaml` of REF (default: the ref in `xtask/spec-baseline`, the last released spec), prints every
//! change classified as breaking or additive, and exits with 1 when any change is breaking
//! (2 on a usage or git error).

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use fireworks_ai_codegen::{Catalog, SpecSource, describe};
use xtask::{Impact, diff};

const USAGE: &str = "usage: cargo run -p xtask -- spec-diff [--base GIT_REF] [--spec-dir DIR]";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Vec<String>) -> Result<ExitCode, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("no workspace root")?
        .to_path_buf();
    let mut base = None;
    let mut spec_dir = root.join("spec");
    let mut args = args.into_iter();
    if args.next().as_deref() != Some("spec-diff") {
        return Err(USAGE.to_owned());
    }
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(USAGE)?;
        match flag.as_str() {
            "--base" => base = Some(value),
            "--spec-dir" => spec_dir = PathBuf::from(value),
            _ => return Err(USAGE.to_owned()),
        }
    }
    let base = match base {
        Some(base) => base,
        None => baseline_ref(&root)?,
    };
    let old = catalog(&base, git_specs(&root, &base)?)?;
    let new = catalog(&spec_dir.display().to_string(), tree_specs(&spec_dir)?)?;
    let changes = diff(&old, &new);
    println!("spec diff: {base} -> {}", spec_dir.display());
    for change in &changes {
        println!("{change}");
    }
    let breaking = changes
        .iter()
        .filter(|c| c.impact == Impact::Breaking)
        .count();
    println!("{breaking} breaking, {} additive", changes.len() - breaking);
    Ok(if breaking > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The first line of `xtask/spec-baseline` that is not a comment.
fn baseline_ref(root: &Path) -> Result<String, String> {
    let file = root.join("xtask/spec-baseline");
    let text = std::fs::read_to_string(&file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    text.lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_owned)
        .ok_or_else(|| format!("{} names no git ref", file.display()))
}

fn catalog(what: &str, specs: Vec<SpecSource>) -> Result<Catalog, String> {
    describe(&specs).map_err(|e| format!("the spec of {what} is invalid:\n{e}"))
}

/// `DIR/*.yaml`, in file-name order, reported as `spec/<name>`.
fn tree_specs(dir: &Path) -> Result<Vec<SpecSource>, String> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .ok_or_else(|| format!("{} is not UTF-8", path.display()))?;
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            Ok(SpecSource::new(format!("spec/{name}"), text))
        })
        .collect()
}

/// `spec/*.yaml` at `rev`, through `git ls-tree` and `git show`.
fn git_specs(root: &Path, rev: &str) -> Result<Vec<SpecSource>, String> {
    let listing = git(root, &["ls-tree", "--name-only", &format!("{rev}:spec")])?;
    let mut names: Vec<&str> = listing
        .lines()
        .filter(|name| name.ends_with(".yaml"))
        .collect();
    names.sort_unstable();
    names
        .into_iter()
        .map(|name| {
            let text = git(root, &["show", &format!("{rev}:spec/{name}")])?;
            Ok(SpecSource::new(format!("spec/{name}"), text))
        })
        .collect()
}

fn git(root: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "git {} failed (a shallow clone may lack the baseline): {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    String::from_utf8(output.stdout).map_err(|_| format!("git {} gave non-UTF-8", args.join(" ")))
}
