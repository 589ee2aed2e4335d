//! `imports`: reads the specs a spec names (through the front-end's loader, since this crate
//! never touches the filesystem), checks them, and attaches them so `alias.Type` resolves.
//! An imported spec's own errors are reported by its own generation; here they only make the
//! import fail.

use crate::check::check_all;
use crate::diag::{Diags, Location};
use crate::model::loc;
use crate::names::Names;
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
        check_all(&imported, &Names::decide(&imported), &mut own);
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

#[cfg(test)]
mod tests {
    use crate::{Settings, generate_with_imports};

    const BASE: &str = "version: 1
area: base
types:
  Tier:
    kind: enum
    values:
      free:
      paid:
  Upload:
    kind: object
    fields:
      file: { type: file, required: true }
      tier: { type: Tier }
";

    /// Generates `spec/main.yaml` with `spec/base.yaml` available to import; the errors as text.
    fn generate(main: &str) -> Result<String, String> {
        let mut load = |path: &str| match path {
            "spec/base.yaml" => Ok(BASE.to_owned()),
            other => Err(format!("no file `{other}`")),
        };
        generate_with_imports(main, "spec/main.yaml", &Settings::build_script(), &mut load)
            .map(|tokens| crate::render(&tokens, "spec/main.yaml"))
            .map_err(|errors| errors.to_string())
    }

    fn main_spec(rest: &str) -> String {
        format!("version: 1\narea: main\nimports:\n  base: base.yaml\n{rest}")
    }

    #[test]
    fn imported_types_are_named_through_the_sibling_module() {
        let source = generate(&main_spec(
            "types:\n  Job:\n    kind: object\n    fields:\n      tier: { type: base.Tier, default: paid }\n",
        ))
        .unwrap();
        assert!(source.contains("pub tier: super::base::Tier"), "{source}");
    }

    #[test]
    fn unknown_qualified_names_are_located_and_suggested() {
        let errors = generate(&main_spec(
            "types:\n  Job:\n    kind: object\n    fields:\n      a: { type: base.Teir }\n      b: { type: other.Tier }\n      c: { type: base.Tier, default: gold }\n",
        ))
        .unwrap_err();
        assert_eq!(
            errors,
            "spec/main.yaml:9:18: unknown type `base.Teir` in field `a` of `Job`
  help: did you mean `base.Tier`?
spec/main.yaml:10:18: unknown type `other.Tier` in field `b` of `Job`: no import is named `other`
  help: import the spec that defines it, e.g. `imports: { other: <file>.yaml }`
spec/main.yaml:11:38: default `gold` is not a value of enum `base.Tier`"
        );
    }

    #[test]
    fn an_imported_form_is_a_multipart_body_and_its_enum_a_derive_source() {
        let ok = main_spec(
            "servers:\n  main: { url: https://x.test }\noperations:\n  upload:\n    method: POST\n    server: main\n    path: /u\n    params:\n      lane:\n        in: query\n        type: string\n        derive: { from: body.tier, map: { free: slow }, default: fast }\n    body: { encoding: multipart, type: base.Upload }\n    responses:\n      \"200\": { type: string }\n",
        );
        let source = generate(&ok).unwrap();
        assert!(source.contains("body: super::base::Upload"), "{source}");
        let bad = ok
            .replace("free: slow", "gold: slow")
            .replace("encoding: multipart", "encoding: json");
        let errors = generate(&bad).unwrap_err();
        assert!(
            errors.contains(
                "`base.Upload` has a field of type `file`, which a JSON body cannot carry"
            ),
            "{errors}"
        );
        assert!(
            errors.contains("`gold` is not a value of `base.Tier`, the type of `body.tier`"),
            "{errors}"
        );
    }

    #[test]
    fn a_spec_without_imports_needs_no_loader() {
        let errors = crate::generate(&main_spec(""), "spec/main.yaml", &Settings::build_script())
            .unwrap_err()
            .to_string();
        assert_eq!(
            errors,
            "spec/main.yaml:4:9: cannot read imported spec `spec/base.yaml`: this front-end does not read imported specs"
        );
    }
}
