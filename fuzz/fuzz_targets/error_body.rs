//! Fuzzes the runtime's `Status` error parsing through `__private::fuzz::status_error`, the function
//! a call uses: any error body gives the shape's message, code, type and param, with the key
//! redacted, and a capped snippet of the body's start.
#![no_main]

use fireworks_ai_fuzz::{check_error_body, split_error};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (status, body) = split_error(data);
    check_error_body(status, body);
});
