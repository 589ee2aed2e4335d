//! Runtime side of tagged unions (`kind: union` with `tag:`): the generated `Serialize` and
//! `Deserialize` impls read and write the tag field through these two functions.

use serde::de::Error as _;
use serde::ser::Error as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Deserialises a tagged union: reads the value as JSON, then hands the tag field's string
/// (if it has one) and the whole value to `build`, which decodes the matching variant or
/// keeps the value as `Other`.
///
/// # Errors
/// When the input is not JSON-like, or `build` fails (a known tag whose object does not have
/// the variant's shape).
pub fn deserialize_tagged<'de, D, T>(
    deserializer: D,
    tag: &str,
    build: impl FnOnce(Option<&str>, Value) -> Result<T, serde_json::Error>,
) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let value = Value::deserialize(deserializer)?;
    let name = value.get(tag).and_then(Value::as_str).map(str::to_owned);
    build(name.as_deref(), value).map_err(D::Error::custom)
}

/// Serialises one variant of a tagged union: the variant's object with the tag field set to
/// `name` (added if the variant does not keep it, replaced if it holds another value).
///
/// # Errors
/// When the variant cannot be serialised, or is not a JSON object.
pub fn serialize_tagged<S, T>(
    serializer: S,
    tag: &str,
    name: &str,
    value: &T,
) -> Result<S::Ok, S::Error>
where
    S: serde::Serializer,
    T: Serialize + ?Sized,
{
    let mut json = serde_json::to_value(value).map_err(S::Error::custom)?;
    let Value::Object(map) = &mut json else {
        return Err(S::Error::custom(format!(
            "a variant of a union tagged by `{tag}` must serialise as a JSON object"
        )));
    };
    map.insert(tag.to_owned(), Value::String(name.to_owned()));
    json.serialize(serializer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    enum Part {
        Text(serde_json::Map<String, Value>),
        Other(Value),
    }

    impl<'de> Deserialize<'de> for Part {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            deserialize_tagged(d, "type", |tag, value| {
                Ok(match tag {
                    Some("text") => Part::Text(serde_json::from_value(value)?),
                    _ => Part::Other(value),
                })
            })
        }
    }

    impl Serialize for Part {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            match self {
                Part::Text(map) => serialize_tagged(s, "type", "text", map),
                Part::Other(value) => value.serialize(s),
            }
        }
    }

    #[test]
    fn known_and_unknown_tags_round_trip() {
        for text in [
            r#"{"text":"hi","type":"text"}"#,
            r#"{"type":"audio","x":1}"#,
            r#"{"no_tag":true}"#,
            r#""a string""#,
        ] {
            let part: Part = serde_json::from_str(text).unwrap();
            assert_eq!(serde_json::to_string(&part).unwrap(), text);
        }
        let part: Part = serde_json::from_str(r#"{"type":"text"}"#).unwrap();
        assert!(matches!(part, Part::Text(_)));
        let mut map = serde_json::Map::new();
        map.insert("text".into(), "x".into());
        let out = serde_json::to_string(&Part::Text(map)).unwrap();
        assert_eq!(out, r#"{"text":"x","type":"text"}"#);
    }

    #[test]
    fn a_known_tag_with_a_bad_shape_is_an_error() {
        let err = serde_json::from_str::<Part>(r#"{"type":"text","t":1}"#);
        assert!(err.is_ok(), "a map accepts any object");
        #[derive(Debug)]
        struct Strict;
        impl<'de> Deserialize<'de> for Strict {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                deserialize_tagged(d, "type", |tag, value| match tag {
                    Some("n") => serde_json::from_value::<u32>(value).map(|_| Strict),
                    _ => Ok(Strict),
                })
            }
        }
        let err = serde_json::from_str::<Strict>(r#"{"type":"n"}"#).unwrap_err();
        assert!(err.to_string().contains("u32"), "{err}");
    }
}
