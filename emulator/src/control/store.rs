//! The in-memory store behind every control-plane collection: resources as JSON objects by
//! parent (`accounts/a/datasets`) and id, ordered by id; deleted resources kept for
//! `:undelete`; and the files uploaded to a resource (dataset files, model and evaluator
//! uploads, batch outputs).

use std::collections::BTreeMap;
use std::sync::Mutex;

use axum::body::Bytes;
use serde_json::Value;

use crate::job::lock;

/// One stored resource.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// The resource as the API shows it.
    pub(crate) value: Value,
    /// How many times its getter has been called (job progress).
    pub(crate) polls: u32,
    /// Whether it moves on by polling (a job or a deployment that is not waiting for an
    /// upload, a cancel or a terminal state).
    pub(crate) progress: bool,
}

/// A file slot of a resource: registered by a `:getUploadEndpoint` with its expected size,
/// filled by the signed-URL `PUT` or a multipart `:upload`.
#[derive(Debug, Clone, Default)]
pub(crate) struct FileSlot {
    pub(crate) expected: Option<u64>,
    pub(crate) data: Option<Bytes>,
}

#[derive(Debug, Default)]
struct Inner {
    collections: BTreeMap<String, BTreeMap<String, Entry>>,
    trash: BTreeMap<String, Entry>,
    files: BTreeMap<String, BTreeMap<String, FileSlot>>,
    next_id: u64,
}

/// The store; every method takes the lock once.
#[derive(Debug, Default)]
pub(crate) struct Store {
    inner: Mutex<Inner>,
}

/// One page of a collection.
#[derive(Debug)]
pub(crate) struct Page {
    pub(crate) items: Vec<Value>,
    /// The last id of this page, when more follow.
    pub(crate) after: Option<String>,
    pub(crate) total: usize,
}

impl Store {
    /// A fresh id for a resource created without one: `<prefix>-000001`, ...
    pub(crate) fn new_id(&self, prefix: &str) -> String {
        let mut inner = lock(&self.inner);
        inner.next_id += 1;
        format!("{prefix}-{:06}", inner.next_id)
    }

    /// Inserts unless the id is taken; `false` when it is.
    pub(crate) fn create(&self, parent: &str, id: &str, entry: Entry) -> bool {
        let mut inner = lock(&self.inner);
        let collection = inner.collections.entry(parent.to_owned()).or_default();
        if collection.contains_key(id) {
            return false;
        }
        collection.insert(id.to_owned(), entry);
        true
    }

    /// Inserts or replaces.
    pub(crate) fn put(&self, parent: &str, id: &str, entry: Entry) {
        lock(&self.inner)
            .collections
            .entry(parent.to_owned())
            .or_default()
            .insert(id.to_owned(), entry);
    }

    /// A copy of the resource.
    pub(crate) fn get(&self, parent: &str, id: &str) -> Option<Entry> {
        lock(&self.inner).collections.get(parent)?.get(id).cloned()
    }

    /// Runs `change` on the stored resource and returns its result; `None` when there is no
    /// such resource.
    pub(crate) fn update<T>(
        &self,
        parent: &str,
        id: &str,
        change: impl FnOnce(&mut Entry) -> T,
    ) -> Option<T> {
        let mut inner = lock(&self.inner);
        let entry = inner.collections.get_mut(parent)?.get_mut(id)?;
        Some(change(entry))
    }

    /// Removes the resource, keeping it for [`Store::undelete`].
    pub(crate) fn delete(&self, parent: &str, id: &str) -> Option<Entry> {
        let mut inner = lock(&self.inner);
        let entry = inner.collections.get_mut(parent)?.remove(id)?;
        inner.trash.insert(format!("{parent}/{id}"), entry.clone());
        Some(entry)
    }

    /// Brings a deleted resource back; `None` when there is none (or the id is taken again).
    pub(crate) fn undelete(&self, parent: &str, id: &str) -> Option<Entry> {
        let mut inner = lock(&self.inner);
        let key = format!("{parent}/{id}");
        if inner
            .collections
            .get(parent)
            .is_some_and(|c| c.contains_key(id))
        {
            return None;
        }
        let entry = inner.trash.remove(&key)?;
        inner
            .collections
            .entry(parent.to_owned())
            .or_default()
            .insert(id.to_owned(), entry.clone());
        Some(entry)
    }

    /// Up to `size` resources with ids after `after`, in id order.
    pub(crate) fn page(&self, parent: &str, after: Option<&str>, size: usize) -> Page {
        let inner = lock(&self.inner);
        let Some(collection) = inner.collections.get(parent) else {
            return Page {
                items: Vec::new(),
                after: None,
                total: 0,
            };
        };
        let mut rest = collection
            .iter()
            .filter(|(id, _)| after.is_none_or(|after| id.as_str() > after));
        let page: Vec<(&String, &Entry)> = rest.by_ref().take(size).collect();
        let after = match (page.last(), rest.next()) {
            (Some((last, _)), Some(_)) => Some((*last).clone()),
            _ => None,
        };
        Page {
            items: page.into_iter().map(|(_, e)| e.value.clone()).collect(),
            after,
            total: collection.len(),
        }
    }

    /// Replaces the registered files of a resource (a `:getUploadEndpoint`).
    pub(crate) fn register_files(&self, resource: &str, files: BTreeMap<String, FileSlot>) {
        lock(&self.inner).files.insert(resource.to_owned(), files);
    }

    /// Stores a file's bytes; with `registered_only`, only into a slot a `:getUploadEndpoint`
    /// made (the signed-URL `PUT`). `Err` says why not.
    pub(crate) fn put_file(
        &self,
        resource: &str,
        filename: &str,
        data: Bytes,
        registered_only: bool,
    ) -> Result<(), String> {
        let mut inner = lock(&self.inner);
        let files = inner.files.entry(resource.to_owned()).or_default();
        match files.get_mut(filename) {
            Some(slot) => {
                if let Some(expected) = slot.expected
                    && expected != data.len() as u64
                {
                    return Err(format!(
                        "`{filename}` was registered with {expected} bytes but {} arrived",
                        data.len()
                    ));
                }
                slot.data = Some(data);
            }
            None if registered_only => {
                return Err(format!(
                    "no upload of `{filename}` was registered for `{resource}`"
                ));
            }
            None => {
                files.insert(
                    filename.to_owned(),
                    FileSlot {
                        expected: None,
                        data: Some(data),
                    },
                );
            }
        }
        Ok(())
    }

    /// The files of a resource, by name.
    pub(crate) fn files(&self, resource: &str) -> BTreeMap<String, FileSlot> {
        lock(&self.inner)
            .files
            .get(resource)
            .cloned()
            .unwrap_or_default()
    }
}
