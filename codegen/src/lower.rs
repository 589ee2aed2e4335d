//! Spec as written + name table → validated model. Runs only after every check passed: names
//! come from the settled table (walked alongside the spec, never decided again), type texts
//! were parsed when the spec was read, and the only thing that could still fail is a lookup by
//! name (a type, a server, a body field) that a check has already resolved. Each type and
//! operation is lowered as a whole, so such a failure is one located internal error for that
//! node rather than a panic.

use crate::diag::{Diags, Location};
use crate::ident::RustName;
use crate::model::{
    Api, Auth, Body, Collect, Derive, EmbeddedBody, Field, ListStyle, Object, Operation, Output,
    OutputCase, Param, Segment, Select, Server, ServerTarget, SourceField, Stream, TypeBody,
    TypeDef, TypeRef, Union, UnionVariant, Variant, idempotent_by_default, loc,
};
use crate::names::{Decided, Names, OperationNames, SpecNames, TypeNames};
use crate::scope::{Found, Scope, is_form, lookup, lookup_expr};
use crate::spec::{self, Kind, SpecFile};
use crate::syntax::{TypeExpr, TypeText};

mod pagination;
mod wait;

/// The spec and its settled names, for resolving references.
struct Lower<'a> {
    spec: &'a SpecFile,
    names: &'a Names,
}

/// Lowers a checked spec; `None` after reporting an internal error.
pub(crate) fn lower_spec(spec: &SpecFile, names: Names<Decided>, diags: &mut Diags) -> Option<Api> {
    let area_at = loc(&spec.area, Location::START);
    let names = internal(names.settle(), area_at, diags)?;
    let cx = Lower {
        spec,
        names: &names,
    };
    let root = &names.root;
    let servers = spec
        .servers
        .iter()
        .zip(&root.servers)
        .map(|((key, server), constant)| Server {
            name: key.value.clone(),
            constant: constant.clone(),
            url: server.url.value.clone(),
            description: text(server.description.as_ref()),
        })
        .collect();
    let mut types = Vec::new();
    for ((key, def), type_names) in spec.types.iter().zip(&root.types) {
        let at = loc(key, Location::START);
        types.push(internal(cx.lower_type(def, type_names), at, diags)?);
    }
    let mut operations = Vec::new();
    for ((key, op), op_names) in spec.operations.iter().zip(&root.operations) {
        let at = loc(key, Location::START);
        operations.push(internal(cx.lower_operation(key, op, op_names), at, diags)?);
    }
    Some(Api {
        area: spec.area.value.clone(),
        module: root.module.clone(),
        client_type: root.client_type.clone(),
        ext_trait: root.ext_trait.clone(),
        description: text(spec.description.as_ref()),
        servers,
        types,
        operations,
    })
}

impl Lower<'_> {
    fn lower_type(&self, def: &spec::TypeDef, names: &TypeNames) -> Option<TypeDef> {
        let body = match def.kind.value {
            Kind::Enum => TypeBody::Enum(
                def.values
                    .iter()
                    .flat_map(|v| v.value.iter())
                    .zip(&names.values)
                    .map(|((wire, value), name)| Variant {
                        wire: wire.value.clone(),
                        name: name.clone(),
                        description: text(value.as_ref().and_then(|v| v.description.as_ref())),
                    })
                    .collect(),
            ),
            Kind::Output => {
                let format = self.resolve(Scope::Root, &def.format.as_ref()?.value)?;
                let mut cases = Vec::new();
                let all = def.cases.iter().flat_map(|c| c.value.iter());
                for ((wire, ty), variant) in all.zip(&names.cases) {
                    let (ty, json_fields) = if ty.value.is(&TypeExpr::String) {
                        (None, Vec::new())
                    } else {
                        let found = lookup_expr(self.spec, Scope::Root, &ty.value)?;
                        let fields = found.field_names().into_iter().map(str::to_owned).collect();
                        (Some(self.resolve(Scope::Root, &ty.value)?), fields)
                    };
                    cases.push(OutputCase {
                        wire: wire.value.clone(),
                        variant: variant.clone(),
                        ty,
                        json_fields,
                    });
                }
                TypeBody::Output(Box::new(Output { format, cases }))
            }
            Kind::Union => {
                let mut variants = Vec::new();
                let all = def.variants.iter().flat_map(|v| v.value.iter());
                for ((wire, ty), name) in all.zip(&names.variants) {
                    variants.push(UnionVariant {
                        wire: wire.value.clone(),
                        name: name.clone(),
                        ty: self.resolve(Scope::Root, &ty.value)?,
                    });
                }
                TypeBody::Union(Box::new(Union {
                    tag: def.tag.as_ref().map(|tag| tag.value.clone()),
                    variants,
                }))
            }
            Kind::Object => {
                let mut fields = Vec::new();
                let all = def.fields.iter().flat_map(|f| f.value.iter());
                let all = all.zip(&names.fields).zip(&names.default_fns);
                for (((wire, field), name), default_fn) in all {
                    fields.push(Field {
                        wire: wire.value.clone(),
                        name: name.clone(),
                        default_fn: default_fn.clone(),
                        ty: self.resolve(Scope::Root, &field.ty.value)?,
                        required: field.required.as_ref().is_some_and(|r| r.value),
                        nullable: field.nullable.as_ref().is_some_and(|n| n.value),
                        default: field.default.as_ref().map(|d| d.value.clone()),
                        list_style: field
                            .multipart_list
                            .as_ref()
                            .map_or(ListStyle::Comma, |style| style.value),
                        sensitive: field.sensitive.as_ref().is_some_and(|s| s.value),
                        description: text(field.description.as_ref()),
                    });
                }
                let embedded_body = match &def.embedded_body {
                    None => None,
                    Some(embedded) => {
                        let find = |wire: &str| fields.iter().find(|f| f.wire == wire).cloned();
                        Some(EmbeddedBody {
                            content_type: find(&embedded.value.content_type.value)?,
                            body: find(&embedded.value.body.value)?,
                        })
                    }
                };
                TypeBody::Object(Box::new(Object {
                    fields,
                    embedded_body,
                    form: is_form(def),
                }))
            }
        };
        Some(TypeDef {
            name: names.name.clone(),
            description: text(def.description.as_ref()),
            body,
        })
    }

    fn lower_operation(
        &self,
        key: &serde_saphyr::Spanned<String>,
        op: &spec::Operation,
        names: &OperationNames,
    ) -> Option<Operation> {
        let (server_key, server, server_constant) = self.server(op.server.value.default_name())?;
        let server_derive = match &op.server.value {
            spec::ServerRef::Name(_) => None,
            spec::ServerRef::Derive(derive) => {
                let target = |name: &str| {
                    let (_, _, constant) = self.server(name)?;
                    Some(ServerTarget {
                        name: name.to_owned(),
                        constant: constant.clone(),
                    })
                };
                let mut map = Vec::new();
                for (from, to) in &derive.value.map.value {
                    map.push((from.value.clone(), target(&to.value)?));
                }
                Some(Derive {
                    source: self.source_field(op, &derive.value.from.value)?,
                    map,
                    default: target(&derive.value.default.value)?,
                })
            }
        };
        let auth = match (&op.auth, &server.auth) {
            (Some(auth), _) | (None, Some(auth)) => auth.value.lower(),
            (None, None) => Auth::Bearer,
        };
        let mut params = Vec::new();
        let all = op
            .params
            .iter()
            .zip(&names.params)
            .zip(&names.derived_locals);
        for (((wire, param), name), derived_local) in all {
            let is_path = param.location.value == spec::ParamIn::Path;
            let client_default = param.client_default.as_ref().map(|d| d.value);
            let derive = match &param.derive {
                None => None,
                Some(derive) => Some(Derive {
                    source: self.source_field(op, &derive.value.from.value)?,
                    map: derive
                        .value
                        .map
                        .value
                        .iter()
                        .map(|(from, to)| (from.value.clone(), to.value.clone()))
                        .collect(),
                    default: derive.value.default.value.clone(),
                }),
            };
            params.push(Param {
                wire: wire.value.clone(),
                name: name.clone(),
                location: param.location.value,
                ty: self.resolve(Scope::Root, &param.ty.value)?,
                required: client_default.is_none()
                    && derive.is_none()
                    && (is_path || param.required.as_ref().is_some_and(|r| r.value)),
                client_default,
                derive,
                derived_local: derived_local.clone(),
                description: text(param.description.as_ref()),
            });
        }
        let body = match &op.body {
            None => None,
            Some(body) => Some(Body {
                encoding: body.value.encoding.value,
                ty: self.resolve(Scope::Root, &body.value.ty.value)?,
                description: text(body.value.description.as_ref()),
            }),
        };
        let (_, success) = op
            .responses
            .iter()
            .find(|(status, _)| status.value.starts_with('2'))?;
        let select = match &success.by_request_field {
            None => None,
            Some(by) => Some(Select {
                source: self.source_field(op, &by.value.field.value)?,
                default: by.value.default.as_ref().map(|d| d.value.clone()),
            }),
        };
        let stream = match &op.stream {
            None => None,
            Some(stream) => Some(self.lower_stream(op, &stream.value)?),
        };
        let segments = op.path.value.segments().ok()?.to_vec();
        let declared = |segment: &Segment| match segment {
            Segment::Param(p) => params.iter().any(|x| &x.wire == p),
            Segment::Literal(_) => true,
        };
        if !segments.iter().all(declared) {
            return None;
        }
        let pagination = self.lower_pagination(&key.value, op, &params)?;
        let wait = self.lower_wait(op, names)?;
        Some(Operation {
            id: key.value.clone(),
            method_name: names.method.clone(),
            static_name: names.statik.clone(),
            request_type: names.request.clone(),
            summary: text(op.summary.as_ref()),
            description: text(op.description.as_ref()),
            method: op.method.value,
            server_name: server_key.to_owned(),
            server_constant: server_constant.clone(),
            server_derive,
            path: op.path.value.text().to_owned(),
            segments,
            auth,
            idempotent: op
                .idempotent
                .as_ref()
                .map_or_else(|| idempotent_by_default(op.method.value), |i| i.value),
            timeout_secs: op.timeout_secs.as_ref().map(|t| t.value),
            params,
            body,
            response: self.resolve(Scope::Root, &success.ty.value)?,
            select,
            pagination,
            wait,
            stream,
            update_mask: op.update_mask.as_ref().map(|m| m.value.clone()),
        })
    }

    /// Lowers a checked `stream:` block.
    fn lower_stream(&self, op: &spec::Operation, stream: &spec::Stream) -> Option<Stream> {
        let flag = self.source_field(op, &format!("body.{}", stream.flag.value))?;
        let texts = |list: &[serde_saphyr::Spanned<String>]| {
            list.iter().map(|item| item.value.clone()).collect()
        };
        let pairs = |map: &spec::Map<serde_saphyr::Spanned<String>>| {
            map.iter()
                .map(|(key, value)| (key.value.clone(), value.value.clone()))
                .collect()
        };
        Some(Stream {
            flag: flag.name,
            chunk: self.resolve(Scope::Root, &stream.chunk.value)?,
            done: stream.done.as_ref().map(|done| done.value.clone()),
            stop_events: texts(&stream.stop_events),
            skip_events: texts(&stream.skip_events),
            error_events: texts(&stream.error_events),
            idle_timeout_secs: stream.idle_timeout_secs.as_ref().map_or(60, |t| t.value),
            collect: stream.collect.as_ref().map(|collect| Collect {
                rename: pairs(&collect.value.rename),
                concat: texts(&collect.value.concat),
                set: pairs(&collect.value.set),
            }),
        })
    }

    /// The server named `name`: its spec name, definition and constant.
    fn server(&self, name: &str) -> Option<(&str, &spec::Server, &RustName)> {
        self.spec
            .servers
            .iter()
            .zip(&self.names.root.servers)
            .find(|((key, _), _)| key.value == name)
            .map(|((key, server), constant)| (key.value.as_str(), server, constant))
    }

    /// The body field named by a checked `body.<field>`.
    fn source_field(&self, op: &spec::Operation, from: &str) -> Option<SourceField> {
        let wire = from.strip_prefix("body.")?;
        let body_type = lookup_expr(self.spec, Scope::Root, &op.body.as_ref()?.value.ty.value)?;
        Some(self.object_field(&body_type, wire)?.0)
    }

    /// The field `wire` of the object `found`, with its settled Rust name, and its spec node.
    fn object_field<'f>(
        &self,
        found: &Found<'f>,
        wire: &str,
    ) -> Option<(SourceField, &'f spec::Field)> {
        let names = self.type_names(found)?;
        let ((_, field), name) = found
            .def
            .fields
            .iter()
            .flat_map(|fields| fields.value.iter())
            .zip(&names.fields)
            .find(|((key, _), _)| key.value == wire)?;
        let required = field.required.as_ref().is_some_and(|r| r.value);
        let nullable = field.nullable.as_ref().is_some_and(|n| n.value);
        let source = SourceField {
            wire: wire.to_owned(),
            name: name.clone(),
            optional: nullable || (!required && field.default.is_none()),
        };
        Some((source, field))
    }

    /// The names of the spec that defines `found`.
    fn spec_names(&self, found: &Found<'_>) -> Option<&SpecNames> {
        match found.scope {
            Scope::Root => Some(&self.names.root),
            Scope::Import(alias) => self
                .spec
                .imported
                .iter()
                .zip(&self.names.imports)
                .find(|(imported, _)| imported.alias == alias)
                .map(|(_, names)| names),
        }
    }

    /// The names of the type `found`.
    fn type_names(&self, found: &Found<'_>) -> Option<&TypeNames> {
        self.spec_names(found)?.types.get(found.index)
    }

    /// Resolves a checked `type:` against the types visible from `scope`.
    fn resolve(&self, scope: Scope<'_>, ty: &TypeText) -> Option<TypeRef> {
        self.resolve_expr(scope, ty.parsed()?)
    }

    fn resolve_expr(&self, scope: Scope<'_>, expr: &TypeExpr) -> Option<TypeRef> {
        Some(match expr {
            TypeExpr::String => TypeRef::String,
            TypeExpr::Bool => TypeRef::Bool,
            TypeExpr::I32 => TypeRef::I32,
            TypeExpr::I64 => TypeRef::I64,
            TypeExpr::F64 => TypeRef::F64,
            TypeExpr::Int64String => TypeRef::Int64String,
            TypeExpr::File => TypeRef::File,
            TypeExpr::Timestamp => TypeRef::Timestamp,
            TypeExpr::Duration => TypeRef::Duration,
            TypeExpr::Array(inner) => TypeRef::Array(Box::new(self.resolve_expr(scope, inner)?)),
            TypeExpr::Map(inner) => TypeRef::Map(Box::new(self.resolve_expr(scope, inner)?)),
            TypeExpr::Named(type_name) => {
                let found = lookup(self.spec, scope, type_name)?;
                let module = match found.scope {
                    Scope::Root => None,
                    Scope::Import(_) => Some(self.spec_names(&found)?.module.clone()),
                };
                TypeRef::Named {
                    name: self.type_names(&found)?.name.clone(),
                    kind: found.kind(),
                    module,
                }
            }
        })
    }
}

fn text(value: Option<&serde_saphyr::Spanned<String>>) -> Option<String> {
    value
        .map(|v| v.value.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// Unwraps a node the checks guarantee can be lowered; reports an internal error at the node
/// instead of panicking.
fn internal<T>(value: Option<T>, at: Location, diags: &mut Diags) -> Option<T> {
    if value.is_none() {
        diags
            .error(at, "internal error: the generator lost track of this node")
            .help("please report this spec to the fireworks-ai issue tracker");
    }
    value
}
