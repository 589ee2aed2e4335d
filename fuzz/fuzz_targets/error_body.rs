//! Fuzzes the runtime's `Status` error parsing through a real call to a loopback server: any
//! error body gives a `Status` error with the shape's message and code and a capped snippet.
#![no_main]

use std::sync::OnceLock;

use fireworks_ai_fuzz::{Harness, split_error};
use libfuzzer_sys::fuzz_target;

static HARNESS: OnceLock<Harness> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let (status, body) = split_error(data);
    HARNESS
        .get_or_init(Harness::new)
        .check_error_body(status, body);
});
