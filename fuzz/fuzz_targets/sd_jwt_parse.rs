#![no_main]
//! `cargo fuzz run sd_jwt_parse`: see `passeport_fuzz::sd_jwt_parse`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| passeport_fuzz::sd_jwt_parse(data));
