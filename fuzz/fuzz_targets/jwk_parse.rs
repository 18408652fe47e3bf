#![no_main]
//! `cargo fuzz run jwk_parse`: see `passeport_fuzz::jwk_parse`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| passeport_fuzz::jwk_parse(data));
