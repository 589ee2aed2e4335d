//! `imports`: reads the specs a spec names (through the front-end's loader, since this crate
//! never touches the filesystem), checks them, and attaches them so `alias.Type` resolves.
//! An imported spec's own errors are reported by its own generation; here they only make the
//! import fail.

use crate::check::check_all;
use crate::diag::{Diags, Location};
use crate::model::loc;
use crate::spec::{Imported, SpecFile, parse_spec};

/// Reads a spec file for an import: gets the display path (relative to the package root, like
/// the importing spec's), returns its text or a message saying why it cannot.
pub(crate) type Loader<'a> = dyn FnMut(&str) -> Result<String, String> + 'a;

/// Loads every import of `spec`, reporting problems at the import's entry.
pub(crate) fn load_imports(
    spec: &mut SpecFile,
    display_path: &str,
    load: &mut Loader<'_>,
    diags: &mut Diags,
) {
    let entries: Vec<(String, String, Location)> = spec
        .imports
        .iter()
        .map(|(alias, file)| {
            let at = loc(file, loc(alias, Location::START));
            (alias.value.clone(), file.value.clone(), at)
        })
        .collect();
    for (alias, file, at) in entries {
        if alias == spec.area.value {
            diags.error(
                at,
                format!("`{alias}` is this spec's own area; a spec cannot import itself"),
            );
            continue;
        }
        if file.contains(['/', '\\']) || file.starts_with('.') || !file.ends_with(".yaml") {
            diags
                .error(
                    at,
                    format!(
                        "import `{file}` must be the name of a `.yaml` file in the same folder"
                    ),
                )
                .help("specs that share types live side by side, e.g. `audio: audio.yaml`");
            continue;
        }
        let path = match display_path.rsplit_once('/') {
            Some((folder, _)) => format!("{folder}/{file}"),
            None => file.clone(),
        };
        if path == display_path {
            diags.error(at, "a spec cannot import itself");
            continue;
        }
        let text = match load(&path) {
            Ok(text) => text,
            Err(problem) => {
                diags.error(at, format!("cannot read imported spec `{path}`: {problem}"));
                continue;
            }
        };
        let imported = match parse_spec(&text, &path) {
            Ok(imported) => imported,
            Err(error) => {
                diags
                    .error(at, format!("imported spec `{path}` does not parse"))
                    .note(first_line(&error));
                continue;
            }
        };
        if !imported.imports.is_empty() {
            diags
                .error(
                    at,
                    format!(
                        "imported spec `{path}` has `imports` of its own; imports do not chain"
                    ),
                )
                .help("import the types from the spec that defines them");
            continue;
        }
        if imported.area.value != alias {
            diags
                .error(
                    at,
                    format!(
                        "`{path}` has area `{}`, but is imported as `{alias}`",
                        imported.area.value
                    ),
                )
                .help(format!(
                    "the key is the imported area: write `{}: {file}`",
                    imported.area.value
                ));
            continue;
        }
        let mut own = Diags::new(&path);
        check_all(&imported, &mut own);
        if let Err(errors) = own.finish() {
            let first = errors.iter().next().map(first_line);
            let report = diags.error(
                at,
                format!(
                    "imported spec `{path}` has {} error(s); fix them first",
                    errors.len()
                ),
            );
            if let Some(first) = first {
                report.note(first);
            }
            continue;
        }
        spec.imported.push(Imported {
            alias,
            spec: imported,
        });
    }
}

/// An error of an imported spec as one note line: its location and message, without the
/// help and notes that belong to that spec's own report.
fn first_line(error: &crate::diag::SpecError) -> String {
    format!(
        "{}:{}:{}: {}",
        error.path(),
        error.line(),
        error.column(),
        error.message()
    )
}
