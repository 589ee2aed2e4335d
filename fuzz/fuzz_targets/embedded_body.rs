//! Fuzzes `EmbeddedBody::decode`: an arbitrary content type (first line) and body (the rest)
//! must decode as the content type says, and JSON types either decode or give a Decode error.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (content_type, body) = fireworks_ai_fuzz::split_embedded(data);
    fireworks_ai_fuzz::check_embedded_body(content_type.as_deref(), &body);
});
