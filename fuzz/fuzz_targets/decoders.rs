//! Fuzzes every response decoder (error shapes, embedded bodies, JSON paths, retry and
//! rate-limit headers) with arbitrary bytes; any panic is a bug.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fireworks_ai::__private::fuzz::decoders(data);
});
