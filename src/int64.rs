//! Serde `with` helpers for the spec's `int64_string`: an `i64` carried as a JSON decimal
//! string, as proto3 JSON sends 64-bit integers. Numbers are accepted too, as proto3 JSON
//! parsers do. Generated fields name this module in `#[serde(with = "...")]`.

use serde::de::{Error, Visitor};
use serde::{Deserializer, Serializer};

/// Writes the value as a decimal string.
///
/// # Errors
/// When the serializer fails.
pub fn serialize<S: Serializer>(value: &i64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

/// Reads a decimal string (or a JSON integer that fits an `i64`).
///
/// # Errors
/// When the value is neither, or is out of range.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    deserializer.deserialize_any(Int64Visitor)
}

struct Int64Visitor;

impl Visitor<'_> for Int64Visitor {
    type Value = i64;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an int64 as a decimal string")
    }

    fn visit_str<E: Error>(self, value: &str) -> Result<i64, E> {
        value.parse().map_err(E::custom)
    }

    fn visit_i64<E: Error>(self, value: i64) -> Result<i64, E> {
        Ok(value)
    }

    fn visit_u64<E: Error>(self, value: u64) -> Result<i64, E> {
        i64::try_from(value).map_err(E::custom)
    }
}

/// The same for an optional field: `None` is written as `null` (the generated field skips
/// it), and `null` reads as `None`.
pub mod option {
    use serde::de::{Error, Visitor};
    use serde::{Deserializer, Serializer};

    /// Writes `Some` as a decimal string, `None` as `null`.
    ///
    /// # Errors
    /// When the serializer fails.
    pub fn serialize<S: Serializer>(value: &Option<i64>, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => super::serialize(value, serializer),
            None => serializer.serialize_none(),
        }
    }

    /// Reads `null` as `None`, anything else as [`super::deserialize`] does.
    ///
    /// # Errors
    /// As for [`super::deserialize`].
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<i64>, D::Error> {
        deserializer.deserialize_option(OptionVisitor)
    }

    struct OptionVisitor;

    impl<'de> Visitor<'de> for OptionVisitor {
        type Value = Option<i64>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an int64 as a decimal string, or null")
        }

        fn visit_none<E: Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(
            self,
            deserializer: D,
        ) -> Result<Self::Value, D::Error> {
            super::deserialize(deserializer).map(Some)
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Counts {
        #[serde(with = "super")]
        required: i64,
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "super::option"
        )]
        optional: Option<i64>,
    }

    #[test]
    fn strings_and_numbers_are_read_strings_are_written() {
        let read: Counts = serde_json::from_str(r#"{"required":"-12","optional":7}"#).unwrap();
        assert_eq!(
            read,
            Counts {
                required: -12,
                optional: Some(7)
            }
        );
        assert_eq!(
            serde_json::to_string(&read).unwrap(),
            r#"{"required":"-12","optional":"7"}"#
        );
        let absent: Counts = serde_json::from_str(r#"{"required":1,"optional":null}"#).unwrap();
        assert_eq!(absent.optional, None);
        assert_eq!(
            serde_json::to_string(&absent).unwrap(),
            r#"{"required":"1"}"#
        );
    }

    #[test]
    fn bad_values_are_refused_with_what_was_expected() {
        let error = serde_json::from_str::<Counts>(r#"{"required":"1.5"}"#).unwrap_err();
        assert!(error.to_string().contains("invalid digit"), "{error}");
        let error = serde_json::from_str::<Counts>(r#"{"required":true}"#).unwrap_err();
        assert!(
            error.to_string().contains("an int64 as a decimal string"),
            "{error}"
        );
        let error =
            serde_json::from_str::<Counts>(r#"{"required":18446744073709551615}"#).unwrap_err();
        assert!(error.to_string().contains("out of range"), "{error}");
    }
}
