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

/// The fixed methods of a generated request builder, expanded inside its `impl<'a>` block
/// after the setters: a private `__new` (the client and the required fields; every optional
/// field unset, default options), `options` and `send`. The builder writes its setters and
/// `send_with_meta` itself (their docs and body are the operation's). `$root` is the
/// runtime's path as generated code spells it, for the docs' links.
#[doc(hidden)]
#[macro_export]
macro_rules! __request_methods {
    (
        $root:literal, $response:ty;
        required($($required:ident: $required_ty:ty),* $(,)?);
        optional($($optional:ident),* $(,)?)
    ) => {
        fn __new(client: &'a $crate::Client $(, $required: $required_ty)*) -> Self {
            Self {
                client,
                $($required,)*
                $($optional: ::std::option::Option::None,)*
                options: $crate::RequestOptions::new(),
            }
        }

        /// Per-call options (timeout, retries, deadline) that override the client's.
        pub fn options(mut self, options: $crate::RequestOptions) -> Self {
            self.options = options;
            self
        }

        /// Sends the request and decodes the response.
        ///
        /// # Errors
        #[doc = ::std::concat!(" [`", $root, "::Error`]: an invalid argument before anything is sent, or a transport, status")]
        /// or decode failure.
        pub async fn send(self) -> ::std::result::Result<$response, $crate::Error> {
            self.send_with_meta().await.map($crate::Response::into_inner)
        }
    };
}

/// `IntoFuture` for a generated request builder: `.await` on the builder is `send()`, boxed
/// (naming an `async fn`'s future needs a box on stable Rust).
#[doc(hidden)]
#[macro_export]
macro_rules! __request_future {
    ($request:ident -> $response:ty) => {
        impl<'a> ::std::future::IntoFuture for $request<'a> {
            type Output = ::std::result::Result<$response, $crate::Error>;
            type IntoFuture = $crate::__private::BoxFuture<'a, Self::Output>;

            fn into_future(self) -> Self::IntoFuture {
                ::std::boxed::Box::pin(self.send())
            }
        }
    };
}
