//! Name lookup across a spec and the specs it imports: which type a `type:` names, which spec
//! defines it, and under which import alias. Checks and lowering share it so they agree.

use serde_saphyr::Spanned;

use crate::spec::{Field, Kind, SpecFile, TypeDef};
use crate::syntax::{TypeExpr, TypeText};

/// Where a name is looked up: the spec being generated, or one it imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope<'a> {
    /// The spec being generated; qualified names (`audio.Name`) reach its imports.
    Root,
    /// Inside the imported spec with this alias; names are its own, unqualified.
    Import(&'a str),
}

impl<'a> Scope<'a> {
    /// The import alias, if any.
    pub(crate) fn alias(self) -> Option<&'a str> {
        match self {
            Scope::Root => None,
            Scope::Import(alias) => Some(alias),
        }
    }
}

/// A named type and where it was found.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Found<'a> {
    /// The scope its own type references resolve in.
    pub(crate) scope: Scope<'a>,
    pub(crate) key: &'a Spanned<String>,
    pub(crate) def: &'a TypeDef,
    /// Its position under `types` of the spec that defines it, which is also its position in
    /// that spec's name table.
    pub(crate) index: usize,
}

impl<'a> Found<'a> {
    /// Identity for comparing two lookups: alias and spec name.
    pub(crate) fn id(&self) -> (Option<&'a str>, &'a str) {
        (self.scope.alias(), self.key.value.as_str())
    }

    /// The name as a spec author writes it in the root spec (`audio.Name` for imports).
    pub(crate) fn display(&self) -> String {
        match self.scope {
            Scope::Root => self.key.value.clone(),
            Scope::Import(alias) => format!("{alias}.{}", self.key.value),
        }
    }

    pub(crate) fn kind(&self) -> Kind {
        self.def.kind.value
    }

    /// Whether this is an object with a `file` field, which makes it a multipart form.
    pub(crate) fn is_form(&self) -> bool {
        is_form(self.def)
    }

    /// The object's field with this wire name.
    pub(crate) fn field(&self, wire: &str) -> Option<(&'a Spanned<String>, &'a Field)> {
        self.def
            .fields
            .as_ref()?
            .value
            .iter()
            .find(|(key, _)| key.value == wire)
    }

    /// The wire names of the object's fields, in spec order.
    pub(crate) fn field_names(&self) -> Vec<&'a str> {
        self.def
            .fields
            .iter()
            .flat_map(|fields| fields.value.keys())
            .map(|key| key.value.as_str())
            .collect()
    }

    /// The enum's wire values, in spec order.
    pub(crate) fn values(&self) -> Vec<&'a str> {
        self.def
            .values
            .iter()
            .flat_map(|values| values.value.keys())
            .map(|key| key.value.as_str())
            .collect()
    }
}

/// Finds the type `name` as seen from `scope` of `root`.
pub(crate) fn lookup<'a>(root: &'a SpecFile, scope: Scope<'a>, name: &str) -> Option<Found<'a>> {
    let (spec, scope, name) = match (scope, name.split_once('.')) {
        (Scope::Root, Some((alias, rest))) => {
            let imported = root.imported.iter().find(|i| i.alias == alias)?;
            (&imported.spec, Scope::Import(&imported.alias), rest)
        }
        (Scope::Root, None) => (root, Scope::Root, name),
        (Scope::Import(_), Some(_)) => return None,
        (Scope::Import(alias), None) => {
            let imported = root.imported.iter().find(|i| i.alias == alias)?;
            (&imported.spec, Scope::Import(&imported.alias), name)
        }
    };
    spec.types
        .iter()
        .enumerate()
        .find(|(_, (key, _))| key.value == name)
        .map(|(index, (key, def))| Found {
            scope,
            key,
            def,
            index,
        })
}

/// Finds the named type of a `type:` text, when it is one.
pub(crate) fn lookup_expr<'a>(
    root: &'a SpecFile,
    scope: Scope<'a>,
    ty: &TypeText,
) -> Option<Found<'a>> {
    lookup(root, scope, ty.named()?)
}

/// Whether an object type has a field of type `file`.
pub(crate) fn is_form(def: &TypeDef) -> bool {
    def.kind.value == Kind::Object
        && def
            .fields
            .iter()
            .flat_map(|fields| fields.value.values())
            .any(|field| field.ty.value.is(&TypeExpr::File))
}
