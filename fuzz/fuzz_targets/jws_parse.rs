#![no_main]
//! `cargo fuzz run jws_parse`: see `passeport_fuzz::jws_parse`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| passeport_fuzz::jws_parse(data));
