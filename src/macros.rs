//! Declarative macros that generated code expands to, so that code fixed for every type or
//! operation lives here once instead of being pasted per item. Hidden and re-exported through
//! `__private`; not public API.

/// The fixed impls of an open string enum declared by generated code (the enum itself, its
/// docs and its `Unknown(String)` variant stay in the generated source): `KNOWN`, `as_str`,
/// `is_unknown`, `From<&str>`, `Display`, `Serialize` and `Deserialize`, from the list of
/// variants and their wire values.
#[doc(hidden)]
#[macro_export]
macro_rules! __open_enum {
    ($name:ident { $($variant:ident = $wire:literal),* $(,)? }) => {
        impl $name {
            /// Every value the spec lists, in spec order.
            pub const KNOWN: &'static [Self] = &[$(Self::$variant),*];

            /// The value as it appears on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::Unknown(value) => value,
                }
            }

            /// Whether this is a value the spec does not list.
            pub fn is_unknown(&self) -> bool {
                ::std::matches!(self, Self::Unknown(_))
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $($wire => Self::$variant,)*
                    other => Self::Unknown(::std::string::String::from(other)),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                $crate::__private::deserialize_open_enum(deserializer)
            }
        }
    };
}
