//! The guide: how to use the crate, one chapter per topic, each with examples that are compiled
//! (and, where they need only the bundled emulator, run) as doctests.
//!
//! 1. [Quickstart](quickstart)
//! 2. [Configuration](configuration): environment, builder, TLS features, requests in flight
//! 3. [Errors](errors)
//! 4. [Retries and timeouts](retries_and_timeouts): the defaults and why
//! 5. [Waiting for jobs](waiting)
//! 6. [Streaming responses](streaming)
//! 7. [Pagination](pagination)
//! 8. [Extending with your own YAML](extending)
//! 9. [The `fireworks` command line](cli)

#[doc = include_str!("guide/quickstart.md")]
pub mod quickstart {}

#[doc = include_str!("guide/configuration.md")]
pub mod configuration {}

#[doc = include_str!("guide/errors.md")]
pub mod errors {}

#[doc = include_str!("guide/retries-and-timeouts.md")]
pub mod retries_and_timeouts {}

#[doc = include_str!("guide/waiting.md")]
pub mod waiting {}

#[doc = include_str!("guide/streaming.md")]
pub mod streaming {}

#[doc = include_str!("guide/pagination.md")]
pub mod pagination {}

#[doc = include_str!("guide/extending.md")]
pub mod extending {}

#[doc = include_str!("guide/cli.md")]
pub mod cli {}
