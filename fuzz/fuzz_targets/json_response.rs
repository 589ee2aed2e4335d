//! Fuzzes the runtime's JSON response decode (`send_json`, path-tracking `decode_json`) with
//! arbitrary bytes served as a 200 answer to the batch status call, decoded as `BatchStatus`.
#![no_main]

use std::sync::OnceLock;

use fireworks_ai_fuzz::Harness;
use libfuzzer_sys::fuzz_target;

static HARNESS: OnceLock<Harness> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    HARNESS.get_or_init(Harness::new).check_json_response(data);
});
