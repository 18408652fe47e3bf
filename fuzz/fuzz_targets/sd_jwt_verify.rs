#![no_main]
//! `cargo fuzz run sd_jwt_verify`: see `passeport_fuzz::sd_jwt_verify`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| passeport_fuzz::sd_jwt_verify(data));
