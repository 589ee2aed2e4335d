//! Resource names (`accounts/{account_id}/datasets/{dataset_id}`) as typed values: the
//! control plane puts names in bodies and responses, while path arguments take ids.
//! [`ResourceName`] parses a name once and hands out the ids a call needs.

use std::fmt;
use std::str::FromStr;

/// A parsed resource name: pairs of collection and id, `accounts/a/datasets/d` or
/// `accounts/a/deploymentShapes/s/versions/v`.
///
/// ```
/// use fireworks_ai::ResourceName;
///
/// let name: ResourceName = "accounts/acme/datasets/chat-logs".parse()?;
/// assert_eq!(name.account_id(), Some("acme"));
/// assert_eq!(name.collection(), "datasets");
/// assert_eq!(name.id(), "chat-logs");
/// assert_eq!(name.get("datasets"), Some("chat-logs"));
/// assert_eq!(name.to_string(), "accounts/acme/datasets/chat-logs");
/// // The ids a call takes: `client.datasets().get_dataset(name.id()).account_id(..)`.
/// # Ok::<(), fireworks_ai::ResourceNameError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResourceName {
    /// `(collection, id)` pairs in order, at least one, none empty.
    segments: Vec<(String, String)>,
}

impl ResourceName {
    /// Parses `name`; the same as `name.parse()`.
    ///
    /// # Errors
    /// [`ResourceNameError`] when the name is empty, has an odd number of `/`-separated
    /// segments, or an empty segment.
    pub fn parse(name: &str) -> Result<Self, ResourceNameError> {
        let parts: Vec<&str> = name.split('/').collect();
        if name.is_empty() || !parts.len().is_multiple_of(2) {
            return Err(ResourceNameError::new(
                name,
                "expected `collection/id` pairs such as `accounts/a/datasets/d`",
            ));
        }
        if parts.iter().any(|part| part.is_empty()) {
            return Err(ResourceNameError::new(name, "has an empty segment"));
        }
        let segments = parts
            .chunks_exact(2)
            .filter_map(|pair| match pair {
                [collection, id] => Some(((*collection).to_owned(), (*id).to_owned())),
                _ => None,
            })
            .collect();
        Ok(Self { segments })
    }

    /// A name built from `(collection, id)` pairs, for example
    /// `ResourceName::from_ids([("accounts", "a"), ("datasets", "d")])`.
    ///
    /// # Errors
    /// [`ResourceNameError`] when there is no pair, or a collection or id is empty or holds a
    /// `/`.
    pub fn from_ids<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, ResourceNameError> {
        let segments: Vec<(String, String)> = pairs
            .into_iter()
            .map(|(c, i)| (c.to_owned(), i.to_owned()))
            .collect();
        let bad = |s: &str| s.is_empty() || s.contains('/');
        if segments.is_empty() || segments.iter().any(|(c, i)| bad(c) || bad(i)) {
            let text = segments
                .iter()
                .map(|(c, i)| format!("{c}/{i}"))
                .collect::<Vec<_>>()
                .join("/");
            return Err(ResourceNameError::new(
                &text,
                "every collection and id must be non-empty and hold no `/`",
            ));
        }
        Ok(Self { segments })
    }

    /// The id under `collection` (`get("datasets")` of `accounts/a/datasets/d` is `d`).
    pub fn get(&self, collection: &str) -> Option<&str> {
        self.segments
            .iter()
            .find(|(c, _)| c == collection)
            .map(|(_, id)| id.as_str())
    }

    /// The account id, when the name starts under `accounts/`.
    pub fn account_id(&self) -> Option<&str> {
        self.get("accounts")
    }

    /// The last id: the resource's own (`d` of `accounts/a/datasets/d`).
    pub fn id(&self) -> &str {
        self.segments.last().map_or("", |(_, id)| id.as_str())
    }

    /// The last collection (`datasets` of `accounts/a/datasets/d`).
    pub fn collection(&self) -> &str {
        self.segments.last().map_or("", |(c, _)| c.as_str())
    }

    /// The name of the parent resource (`accounts/a` of `accounts/a/datasets/d`), if any.
    pub fn parent(&self) -> Option<ResourceName> {
        let (_, parent) = self.segments.split_last()?;
        (!parent.is_empty()).then(|| ResourceName {
            segments: parent.to_vec(),
        })
    }

    /// Every `(collection, id)` pair, outermost first.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.segments.iter().map(|(c, i)| (c.as_str(), i.as_str()))
    }
}

impl FromStr for ResourceName {
    type Err = ResourceNameError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::parse(name)
    }
}

impl TryFrom<&str> for ResourceName {
    type Error = ResourceNameError;

    fn try_from(name: &str) -> Result<Self, Self::Error> {
        Self::parse(name)
    }
}

impl fmt::Display for ResourceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, (collection, id)) in self.segments.iter().enumerate() {
            if n > 0 {
                f.write_str("/")?;
            }
            write!(f, "{collection}/{id}")?;
        }
        Ok(())
    }
}

/// A text that is not a resource name; keeps the text and says why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceNameError {
    name: String,
    reason: &'static str,
}

impl ResourceNameError {
    fn new(name: &str, reason: &'static str) -> Self {
        Self {
            name: name.to_owned(),
            reason,
        }
    }

    /// The text that did not parse.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for ResourceNameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not a resource name: {}", self.name, self.reason)
    }
}

impl std::error::Error for ResourceNameError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_names_and_round_trips() {
        let name = ResourceName::parse("accounts/a/deploymentShapes/s/versions/v").unwrap();
        assert_eq!(name.account_id(), Some("a"));
        assert_eq!(name.get("deploymentShapes"), Some("s"));
        assert_eq!(name.id(), "v");
        assert_eq!(name.collection(), "versions");
        assert_eq!(
            name.parent().unwrap().to_string(),
            "accounts/a/deploymentShapes/s"
        );
        assert_eq!(name.to_string(), "accounts/a/deploymentShapes/s/versions/v");
        assert_eq!(name.pairs().count(), 3);
        assert_eq!(ResourceName::parse("accounts/a").unwrap().parent(), None);
    }

    #[test]
    fn refuses_what_is_not_a_name_and_keeps_the_text() {
        for bad in [
            "",
            "accounts",
            "accounts/a/datasets",
            "accounts//datasets/d",
            "a/b/",
        ] {
            let err = ResourceName::parse(bad).unwrap_err();
            assert_eq!(err.name(), bad);
            assert!(err.to_string().contains("is not a resource name"), "{err}");
        }
    }

    #[test]
    fn builds_from_ids() {
        let name = ResourceName::from_ids([("accounts", "a"), ("datasets", "d")]).unwrap();
        assert_eq!(name, "accounts/a/datasets/d".parse().unwrap());
        assert!(ResourceName::from_ids([("accounts", "a/b")]).is_err());
        assert!(ResourceName::from_ids(std::iter::empty()).is_err());
    }
}
