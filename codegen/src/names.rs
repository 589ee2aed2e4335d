//! The name table: every Rust name the generated code gives a spec node, decided once, here.
//!
//! [`Names::decide`] walks a spec (and the specs it imports) and decides each name: the
//! explicit `rust_name` as written, or the spec name converted to the node's case. A name that
//! cannot be an identifier keeps its problem ([`Decided`] is a `Result`). `check/names.rs`
//! reports those problems and every collision from the table; once no check reported anything,
//! [`Names::settle`] turns the table into plain [`RustName`]s in one step, and `lower` and
//! (through the model) `expand` read them without deciding anything again.
//!
//! The table mirrors the spec's shape: one entry per server, type, field, enum value, output
//! case, operation and parameter, in spec order, so a reader walks the spec and the table
//! together (`zip`) instead of looking names up. A new construct that needs names (a waiter's
//! builder, a page stream) adds its entries to the node that owns it here, reports their
//! problems and collisions in `check/names.rs`, and reads them in `lower.rs`.

use serde_saphyr::Spanned;

use crate::ident::{Case, RustName};
use crate::scope::{Scope, lookup};
use crate::spec::{self, SpecFile};

/// A name as decided: the Rust name, or why the spec name cannot be one.
pub(crate) type Decided = Result<RustName, String>;

/// The names of one spec and of the specs it imports (in `SpecFile::imported` order).
#[derive(Debug)]
pub(crate) struct Names<N = RustName> {
    pub(crate) root: SpecNames<N>,
    pub(crate) imports: Vec<SpecNames<N>>,
}

/// The names of one spec file.
#[derive(Debug)]
pub(crate) struct SpecNames<N = RustName> {
    /// Module and accessor (`audio_batch`).
    pub(crate) module: N,
    /// Area struct (`AudioBatch`).
    pub(crate) client_type: N,
    /// Extension trait for macro mode (`AudioBatchExt`).
    pub(crate) ext_trait: N,
    /// One constant per server (`AUDIO_PROD`).
    pub(crate) servers: Vec<N>,
    pub(crate) types: Vec<TypeNames<N>>,
    pub(crate) operations: Vec<OperationNames<N>>,
}

/// The names of one named type.
#[derive(Debug)]
pub(crate) struct TypeNames<N = RustName> {
    /// The type (`BatchStatus`).
    pub(crate) name: N,
    /// One per entry under `fields`, in spec order.
    pub(crate) fields: Vec<N>,
    /// The hidden function giving each field's default (`__default_<field>`), in field order.
    pub(crate) default_fns: Vec<N>,
    /// One variant per entry under `values`, in spec order.
    pub(crate) values: Vec<N>,
    /// One variant per entry under `cases`, in spec order: the format enum's variant for that
    /// value when the format resolves, the converted case key otherwise.
    pub(crate) cases: Vec<N>,
    /// One variant per entry under a union's `variants`, in spec order.
    pub(crate) variants: Vec<N>,
}

/// The names of one operation.
#[derive(Debug)]
pub(crate) struct OperationNames<N = RustName> {
    /// The area struct's method (`get_batch_status`).
    pub(crate) method: N,
    /// The `static` describing it (`GET_BATCH_STATUS`).
    pub(crate) statik: N,
    /// The request builder (`GetBatchStatusRequest`).
    pub(crate) request: N,
    /// One per entry under `params`, in spec order.
    pub(crate) params: Vec<N>,
    /// The local holding each derived parameter's value (`derived_<param>`), in param order.
    pub(crate) derived_locals: Vec<N>,
    /// The area method of its `wait:` (`wait_<name>`, or `method` as written), if it has one
    /// that names a method.
    pub(crate) waiter: Option<N>,
}

impl Names<Decided> {
    /// Decides every name of `spec` and of its attached imports.
    pub(crate) fn decide(spec: &SpecFile) -> Names<Decided> {
        Names {
            root: decide_spec(spec, spec, Scope::Root),
            imports: spec
                .imported
                .iter()
                .map(|imported| decide_spec(spec, &imported.spec, Scope::Import(&imported.alias)))
                .collect(),
        }
    }

    /// The table with every name decided, or `None` when some name was not; the checks have
    /// reported each such name, so this is only reached without errors.
    pub(crate) fn settle(self) -> Option<Names> {
        Some(Names {
            root: self.root.settle()?,
            imports: self
                .imports
                .into_iter()
                .map(SpecNames::settle)
                .collect::<Option<_>>()?,
        })
    }
}

impl SpecNames<Decided> {
    fn settle(self) -> Option<SpecNames> {
        Some(SpecNames {
            module: self.module.ok()?,
            client_type: self.client_type.ok()?,
            ext_trait: self.ext_trait.ok()?,
            servers: settle_all(self.servers)?,
            types: self
                .types
                .into_iter()
                .map(|names| {
                    Some(TypeNames {
                        name: names.name.ok()?,
                        fields: settle_all(names.fields)?,
                        default_fns: settle_all(names.default_fns)?,
                        values: settle_all(names.values)?,
                        cases: settle_all(names.cases)?,
                        variants: settle_all(names.variants)?,
                    })
                })
                .collect::<Option<_>>()?,
            operations: self
                .operations
                .into_iter()
                .map(|names| {
                    Some(OperationNames {
                        method: names.method.ok()?,
                        statik: names.statik.ok()?,
                        request: names.request.ok()?,
                        params: settle_all(names.params)?,
                        derived_locals: settle_all(names.derived_locals)?,
                        waiter: match names.waiter {
                            Some(waiter) => Some(waiter.ok()?),
                            None => None,
                        },
                    })
                })
                .collect::<Option<_>>()?,
        })
    }
}

fn settle_all(names: Vec<Decided>) -> Option<Vec<RustName>> {
    names.into_iter().map(Result::ok).collect()
}

/// Decides the names of `spec`, which is `root` itself or one of its imports (`scope`).
fn decide_spec(root: &SpecFile, spec: &SpecFile, scope: Scope<'_>) -> SpecNames<Decided> {
    let area = &spec.area.value;
    let client_type = rust_name(area, None, Case::UpperCamel);
    SpecNames {
        module: rust_name(area, None, Case::Snake),
        ext_trait: suffixed(&client_type, "Ext"),
        client_type,
        servers: spec
            .servers
            .keys()
            .map(|name| rust_name(&name.value, None, Case::ShoutySnake))
            .collect(),
        types: spec
            .types
            .iter()
            .map(|(name, def)| decide_type(root, scope, name, def))
            .collect(),
        operations: spec
            .operations
            .iter()
            .map(|(id, op)| {
                let request = suffixed(&rust_name(&id.value, None, Case::UpperCamel), "Request");
                let params: Vec<Decided> = op
                    .params
                    .iter()
                    .map(|(wire, param)| {
                        rust_name(&wire.value, param.rust_name.as_ref(), Case::Snake)
                    })
                    .collect();
                OperationNames {
                    method: rust_name(&id.value, None, Case::Snake),
                    statik: rust_name(&id.value, None, Case::ShoutySnake),
                    request,
                    derived_locals: params.iter().map(|p| prefixed("derived_", p)).collect(),
                    params,
                    waiter: op.wait.as_ref().and_then(|wait| decide_waiter(&wait.value)),
                }
            })
            .collect(),
    }
}

/// The waiter's method: `method` as written, or `wait_<name>`; `None` with neither (a check
/// reports it).
fn decide_waiter(wait: &spec::WaitDecl) -> Option<Decided> {
    match (&wait.method, &wait.name) {
        (Some(method), _) => Some(rust_name(&method.value, Some(method), Case::Snake)),
        (None, Some(name)) => Some(rust_name(
            &format!("wait_{}", name.value),
            None,
            Case::Snake,
        )),
        (None, None) => None,
    }
}

fn decide_type(
    root: &SpecFile,
    scope: Scope<'_>,
    name: &Spanned<String>,
    def: &spec::TypeDef,
) -> TypeNames<Decided> {
    let fields = def.fields.iter().flat_map(|fields| fields.value.iter());
    let values = def.values.iter().flat_map(|values| values.value.iter());
    let format = def
        .format
        .as_ref()
        .and_then(|format| format.value.named())
        .and_then(|format| lookup(root, scope, format));
    let cases = def.cases.iter().flat_map(|cases| cases.value.keys());
    let fields: Vec<Decided> = fields
        .map(|(wire, field)| rust_name(&wire.value, field.rust_name.as_ref(), Case::Snake))
        .collect();
    TypeNames {
        name: rust_name(&name.value, def.rust_name.as_ref(), Case::UpperCamel),
        default_fns: fields.iter().map(|f| prefixed("__default_", f)).collect(),
        fields,
        values: values
            .map(|(wire, value)| {
                let explicit = value.as_ref().and_then(|value| value.rust_name.as_ref());
                rust_name(&wire.value, explicit, Case::UpperCamel)
            })
            .collect(),
        cases: cases
            .map(|key| {
                let explicit = format
                    .and_then(|format| format.def.values.as_ref())
                    .and_then(|v| v.value.iter().find(|(k, _)| k.value == key.value))
                    .and_then(|(_, value)| value.as_ref())
                    .and_then(|value| value.rust_name.as_ref());
                rust_name(&key.value, explicit, Case::UpperCamel)
            })
            .collect(),
        variants: def
            .variants
            .iter()
            .flat_map(|variants| variants.value.keys())
            .map(|key| rust_name(&key.value, None, Case::UpperCamel))
            .collect(),
    }
}

/// A name built from a decided one plus a suffix (`GetBatchStatusRequest`).
fn suffixed(name: &Decided, suffix: &str) -> Decided {
    let name = name.as_ref().map_err(Clone::clone)?;
    name.suffixed(suffix)
        .ok_or_else(|| format!("`{}{suffix}` is not a valid Rust identifier", name.text))
}

/// A name built from a prefix plus a decided name (`derived_model`).
fn prefixed(prefix: &str, name: &Decided) -> Decided {
    let name = name.as_ref().map_err(Clone::clone)?;
    RustName::new(&format!("{prefix}{}", name.text))
        .ok_or_else(|| format!("`{prefix}{}` is not a valid Rust identifier", name.text))
}

/// Decides one Rust name: the explicit `rust_name` as written, or the spec name converted to
/// `case`. The error names the problem.
pub(crate) fn rust_name(
    spec_name: &str,
    explicit: Option<&Spanned<String>>,
    case: Case,
) -> Decided {
    match explicit {
        Some(name) => RustName::new(&name.value)
            .ok_or_else(|| format!("`rust_name` `{}` is not a Rust identifier", name.value)),
        None => RustName::convert(spec_name, case).ok_or_else(|| {
            let converted = crate::ident::convert(spec_name, case);
            if converted == spec_name {
                format!("`{spec_name}` is not a valid Rust identifier")
            } else {
                format!(
                    "`{spec_name}` becomes `{converted}` in Rust, which is not a valid identifier"
                )
            }
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::parse_spec;

    const SPEC: &str = "version: 1
area: audio_batch
servers:
  audio-prod: { url: https://x.test }
operations:
  getBatchStatus:
    method: GET
    server: audio-prod
    path: /b/{batch_id}
    params:
      batch_id: { in: path, type: string }
      type: { in: query, type: string }
    responses:
      \"200\": { type: Format }
types:
  Format:
    kind: enum
    values:
      verbose_json:
      text: { rust_name: PlainText }
  Out:
    kind: output
    format: Format
    cases:
      verbose_json: string
      text: string
  Job:
    kind: object
    fields:
      self: { type: string }
";

    fn texts(names: &[Decided]) -> Vec<String> {
        names
            .iter()
            .map(|name| match name {
                Ok(name) => name.ident.to_string(),
                Err(problem) => format!("error: {problem}"),
            })
            .collect()
    }

    #[test]
    fn every_name_is_decided_in_spec_order() {
        let spec = parse_spec(SPEC, "spec/a.yaml").unwrap();
        let names = Names::decide(&spec).root;
        let one = |name: &Decided| texts(std::slice::from_ref(name)).concat();
        assert_eq!(one(&names.module), "audio_batch");
        assert_eq!(one(&names.client_type), "AudioBatch");
        assert_eq!(one(&names.ext_trait), "AudioBatchExt");
        assert_eq!(texts(&names.servers), ["AUDIO_PROD"]);
        let [op] = names.operations.as_slice() else {
            panic!("one operation")
        };
        assert_eq!(one(&op.method), "get_batch_status");
        assert_eq!(one(&op.statik), "GET_BATCH_STATUS");
        assert_eq!(one(&op.request), "GetBatchStatusRequest");
        assert_eq!(texts(&op.params), ["batch_id", "r#type"]);
        assert_eq!(
            texts(&op.derived_locals),
            ["derived_batch_id", "derived_type"]
        );
        let [format, out, job] = names.types.as_slice() else {
            panic!("three types")
        };
        assert_eq!(texts(&format.values), ["VerboseJson", "PlainText"]);
        // An output case takes the format enum's variant, `rust_name` included.
        assert_eq!(texts(&out.cases), ["VerboseJson", "PlainText"]);
        assert_eq!(texts(&job.fields), ["self_"]);
        assert_eq!(texts(&job.default_fns), ["__default_self_"]);
        assert!(Names::decide(&spec).settle().is_some());
    }

    #[test]
    fn a_waiter_is_named_in_the_table() {
        let wait = "    responses:\n      \"200\": { type: Format }\n    wait: { name: batch, state: s, done: [x] }\n";
        let spec = parse_spec(
            &SPEC.replace("    responses:\n      \"200\": { type: Format }\n", wait),
            "spec/a.yaml",
        )
        .unwrap();
        let names = Names::decide(&spec).root;
        let waiter = names.operations[0].waiter.as_ref().unwrap();
        assert_eq!(texts(std::slice::from_ref(waiter)), ["wait_batch"]);
        let spec = parse_spec(
            &SPEC.replace(
                "    responses:\n      \"200\": { type: Format }\n",
                &wait.replace("name: batch", "method: Until-Done"),
            ),
            "spec/a.yaml",
        )
        .unwrap();
        let names = Names::decide(&spec).root;
        let waiter = names.operations[0].waiter.as_ref().unwrap();
        assert_eq!(
            texts(std::slice::from_ref(waiter)),
            ["error: `rust_name` `Until-Done` is not a Rust identifier"]
        );
    }

    #[test]
    fn a_name_that_is_no_identifier_keeps_its_problem_and_blocks_settling() {
        let spec = parse_spec(&SPEC.replace("self:", "1080p:"), "spec/a.yaml").unwrap();
        let names = Names::decide(&spec);
        let job = names.root.types.last().unwrap();
        assert_eq!(
            texts(&job.fields),
            ["error: `1080p` is not a valid Rust identifier"]
        );
        assert!(names.settle().is_none());
    }
}
