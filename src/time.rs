//! Typed time values of the spec types `timestamp` and `duration`: RFC 3339 instants are
//! [`jiff::Timestamp`] (re-exported as [`Timestamp`]), and protobuf JSON durations (`"3600s"`,
//! `"1.5s"`) are [`ProtoDuration`], a small wrapper over [`jiff::SignedDuration`] because jiff
//! has no serde format for that text.

use std::fmt;
use std::str::FromStr;

pub use jiff::{SignedDuration, Timestamp};

/// A protobuf `google.protobuf.Duration` in its JSON form: seconds with an optional fraction of
/// up to nine digits and an `s` suffix (`"3600s"`, `"0.250s"`, `"-1.5s"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ProtoDuration(pub SignedDuration);

impl ProtoDuration {
    /// A duration of whole seconds.
    pub fn from_secs(secs: i64) -> Self {
        Self(SignedDuration::from_secs(secs))
    }

    /// The duration as jiff's signed duration.
    pub fn as_signed(&self) -> SignedDuration {
        self.0
    }
}

impl From<SignedDuration> for ProtoDuration {
    fn from(value: SignedDuration) -> Self {
        Self(value)
    }
}

impl From<std::time::Duration> for ProtoDuration {
    /// Saturates at the largest signed duration.
    fn from(value: std::time::Duration) -> Self {
        Self(SignedDuration::try_from(value).unwrap_or(SignedDuration::MAX))
    }
}

/// Why a text is not a protobuf duration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtoDurationError(String);

impl fmt::Display for ProtoDurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a protobuf duration such as `3600s` or `1.5s`",
            self.0
        )
    }
}

impl std::error::Error for ProtoDurationError {}

impl FromStr for ProtoDuration {
    type Err = ProtoDurationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || ProtoDurationError(text.chars().take(64).collect());
        let body = text.strip_suffix('s').ok_or_else(bad)?;
        let (negative, body) = match body.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, body),
        };
        let (whole, fraction) = body.split_once('.').unwrap_or((body, ""));
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || (body.contains('.') && !digits(fraction)) || fraction.len() > 9 {
            return Err(bad());
        }
        let secs: i64 = whole.parse().map_err(|_| bad())?;
        let mut nanos: i32 = 0;
        for digit in fraction.bytes().chain(std::iter::repeat(b'0')).take(9) {
            nanos = nanos * 10 + i32::from(digit - b'0');
        }
        let (secs, nanos) = if negative {
            (-secs, -nanos)
        } else {
            (secs, nanos)
        };
        Ok(Self(SignedDuration::new(secs, nanos)))
    }
}

impl fmt::Display for ProtoDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0.as_secs();
        let nanos = self.0.subsec_nanos();
        let sign = if secs < 0 || nanos < 0 { "-" } else { "" };
        let (secs, nanos) = (secs.unsigned_abs(), nanos.unsigned_abs());
        match nanos {
            0 => write!(f, "{sign}{secs}s"),
            n if n % 1_000_000 == 0 => write!(f, "{sign}{secs}.{:03}s", n / 1_000_000),
            n if n % 1_000 == 0 => write!(f, "{sign}{secs}.{:06}s", n / 1_000),
            n => write!(f, "{sign}{secs}.{n:09}s"),
        }
    }
}

impl serde::Serialize for ProtoDuration {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for ProtoDuration {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl serde::de::Visitor<'_> for Visitor {
            type Value = ProtoDuration;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a protobuf duration such as \"3600s\"")
            }

            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<ProtoDuration, E> {
                value.parse().map_err(E::custom)
            }
        }

        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protobuf_durations_round_trip() {
        for text in [
            "3600s",
            "0s",
            "1.500s",
            "-1.500s",
            "0.000001s",
            "-0.000000001s",
            "12.123456789s",
        ] {
            let d: ProtoDuration = text.parse().unwrap();
            assert_eq!(d.to_string(), text);
        }
        assert_eq!(
            "1.5s".parse::<ProtoDuration>().unwrap().to_string(),
            "1.500s"
        );
        assert_eq!(
            "-1.5s".parse::<ProtoDuration>().unwrap().0,
            SignedDuration::new(-1, -500_000_000)
        );
        for bad in [
            "",
            "s",
            "10",
            "1.s",
            ".5s",
            "1.0000000001s",
            "1e3s",
            "--1s",
            "1 s",
            "99999999999999999999s",
        ] {
            assert!(bad.parse::<ProtoDuration>().is_err(), "{bad}");
        }
        let json: ProtoDuration = serde_json::from_str("\"90s\"").unwrap();
        assert_eq!(json, ProtoDuration::from_secs(90));
        assert_eq!(serde_json::to_string(&json).unwrap(), "\"90s\"");
    }

    #[test]
    fn timestamps_are_rfc3339() {
        let t: Timestamp = serde_json::from_str("\"2024-07-11T01:14:00.5+02:00\"").unwrap();
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            "\"2024-07-10T23:14:00.5Z\""
        );
        assert!(serde_json::from_str::<Timestamp>("\"yesterday\"").is_err());
    }
}
