#![no_main]
//! `cargo fuzz run wallet_import`: see `passeport_fuzz::wallet_import`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| passeport_fuzz::wallet_import(data));
