//! Lowering of `pagination:`: the token param's builder field and the page type's fields,
//! read from the settled name table.

use super::Lower;
use crate::model::{Pagination, Param, TypeRef};
use crate::scope::{Scope, lookup_expr};
use crate::spec;
use crate::syntax::TypeText;

impl Lower<'_> {
    /// The operation's pagination, `Some(None)` when it has none; `None` on an internal error.
    pub(super) fn lower_pagination(
        &self,
        key: &str,
        op: &spec::Operation,
        params: &[Param],
    ) -> Option<Option<Pagination>> {
        let Some(pagination) = &op.pagination else {
            return Some(None);
        };
        let p = &pagination.value;
        let token = params.iter().find(|x| x.wire == p.token.value)?;
        let ty = response(op)?;
        let found = lookup_expr(self.spec, Scope::Root, ty)?;
        let field = |wire: &str| self.object_field(&found, wire);
        let (next_token, _) = field(&p.next_token.value)?;
        let (items, items_field) = field(&p.items.value)?;
        let item = match self.resolve(Scope::Root, &items_field.ty.value)? {
            TypeRef::Array(inner) => *inner,
            _ => return None,
        };
        // The first list of the spec that pages this type emits its `impl Page`.
        let first = self
            .spec
            .operations
            .iter()
            .find(|(_, other)| {
                other.pagination.is_some() && response(other).and_then(|t| t.named()) == ty.named()
            })
            .map(|(k, _)| k.value.as_str());
        Some(Some(Pagination {
            token: token.name.clone(),
            token_wire: token.wire.clone(),
            page_size: p.page_size.as_ref().map(|s| s.value.clone()),
            next_token,
            items,
            item,
            impl_page: first == Some(key),
        }))
    }
}

/// The `type:` of an operation's success response.
fn response(op: &spec::Operation) -> Option<&TypeText> {
    op.responses
        .iter()
        .find(|(status, _)| status.value.starts_with('2'))
        .map(|(_, r)| &r.ty.value)
}
