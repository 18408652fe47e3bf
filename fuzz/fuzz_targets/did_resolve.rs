#![no_main]
//! `cargo fuzz run did_resolve`: see `passeport_fuzz::did_resolve`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| passeport_fuzz::did_resolve(data));
