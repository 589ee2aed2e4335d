//! Lowering of `wait:`: the waiter's method name and the status type's fields, read from the
//! settled name table.

use super::Lower;
use crate::model::{PollParam, SourceField, WaitStart, Waiter};
use crate::names::OperationNames;
use crate::scope::{Found, Scope, lookup_expr};
use crate::spec::{self, Kind};

impl Lower<'_> {
    /// The operation's waiter, `Some(None)` when it has none; `None` on an internal error.
    pub(super) fn lower_wait(
        &self,
        op: &spec::Operation,
        names: &OperationNames,
    ) -> Option<Option<Waiter>> {
        let Some(wait) = &op.wait else {
            return Some(None);
        };
        let w = &wait.value;
        let method = names.waiter.clone()?;
        let (_, success) = op
            .responses
            .iter()
            .find(|(status, _)| status.value.starts_with('2'))?;
        let found = lookup_expr(self.spec, Scope::Root, &success.ty.value)?;
        let field = |wire: &str| self.object_field(&found, wire);
        let (state, state_field) = field(&w.state.value)?;
        let state_is_enum = lookup_expr(self.spec, found.scope, &state_field.ty.value)
            .is_some_and(|t| t.kind() == Kind::Enum);
        let message = match &w.message {
            Some(m) => self.field_path(found, &m.value)?,
            None => Vec::new(),
        };
        let result = match &w.result {
            Some(r) => Some(field(&r.value)?.0),
            None => None,
        };
        let values = |list: &[serde_saphyr::Spanned<String>]| -> Vec<String> {
            list.iter().map(|v| v.value.clone()).collect()
        };
        let policy = w.policy.as_ref().map(|p| &p.value);
        let ms = |secs: Option<&serde_saphyr::Spanned<f64>>| {
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "checked finite and non-negative"
            )]
            secs.map(|s| (s.value * 1000.0).round() as u64)
        };
        Some(Some(Waiter {
            method,
            state,
            state_is_enum,
            done: values(&w.done.value),
            failed: values(&w.failed)
                .into_iter()
                .chain(values(&w.failed_unlisted))
                .collect(),
            pending: values(&w.pending),
            ignore_case: w.ignore_case.as_ref().is_some_and(|b| b.value),
            message,
            result,
            initial_ms: ms(policy.and_then(|p| p.initial_secs.as_ref())),
            max_ms: ms(policy.and_then(|p| p.max_secs.as_ref())),
            multiplier: policy.and_then(|p| p.multiplier.as_ref()).map(|m| m.value),
            from: self.lower_wait_from(op, w)?,
        }))
    }

    /// The start operations of `wait.from`, each with the value of every poll param.
    fn lower_wait_from(&self, op: &spec::Operation, w: &spec::WaitDecl) -> Option<Vec<WaitStart>> {
        let mut out = Vec::new();
        for (start_id, map) in &w.from {
            let ((_, start), start_names) = self
                .spec
                .operations
                .iter()
                .zip(&self.names.root.operations)
                .find(|((id, _), _)| id.value == start_id.value)?;
            let (_, success) = start
                .responses
                .iter()
                .find(|(status, _)| status.value.starts_with('2'))?;
            let found = lookup_expr(self.spec, Scope::Root, &success.ty.value)?;
            let mut params = Vec::new();
            for (wire, param) in &op.params {
                let value = if let Some((_, from)) = map.iter().find(|(k, _)| k.value == wire.value)
                {
                    PollParam::Field {
                        source: self.object_field(&found, &from.value.field.value)?.0,
                        segment: from.value.segment.as_ref().map(|s| s.value),
                    }
                } else if param.client_default.is_some() {
                    let carried = start
                        .params
                        .iter()
                        .zip(&start_names.params)
                        .find(|((k, p), _)| k.value == wire.value && p.client_default.is_some());
                    match carried {
                        Some((_, name)) => PollParam::Carry(name.clone()),
                        None => PollParam::Unset,
                    }
                } else {
                    PollParam::Unset
                };
                params.push(value);
            }
            out.push(WaitStart {
                id: start_id.value.clone(),
                request: start_names.request.clone(),
                params,
            });
        }
        Some(out)
    }
}

impl Lower<'_> {
    /// The fields along a dotted path (`status.message`) from the object `found`.
    fn field_path(&self, found: Found<'_>, path: &str) -> Option<Vec<SourceField>> {
        let mut out = Vec::new();
        let mut current = Some(found);
        for wire in path.split('.') {
            let found = current?;
            let (source, field) = self.object_field(&found, wire)?;
            out.push(source);
            current = lookup_expr(self.spec, found.scope, &field.ty.value);
        }
        Some(out)
    }
}
