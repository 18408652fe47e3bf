#![no_main]
//! `cargo fuzz run status_list`: see `passeport_fuzz::status_list`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| passeport_fuzz::status_list(data));
