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
                OperationNames {
                    method: rust_name(&id.value, None, Case::Snake),
                    statik: rust_name(&id.value, None, Case::ShoutySnake),
                    request,
                    params: op
                        .params
                        .iter()
                        .map(|(wire, param)| {
                            rust_name(&wire.value, param.rust_name.as_ref(), Case::Snake)
                        })
                        .collect(),
                }
            })
            .collect(),
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
    TypeNames {
        name: rust_name(&name.value, def.rust_name.as_ref(), Case::UpperCamel),
        fields: fields
            .map(|(wire, field)| rust_name(&wire.value, field.rust_name.as_ref(), Case::Snake))
            .collect(),
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
