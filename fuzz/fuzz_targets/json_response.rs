//! Fuzzes the runtime's JSON response decode (`__private::fuzz::decode_json`, the path-tracking
//! decoder `send_json` uses) with arbitrary bytes decoded as `BatchStatus`.
#![no_main]

use fireworks_ai_fuzz::check_json_response;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    check_json_response(data);
});
