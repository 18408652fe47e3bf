//! [`verify.rs`](verify.rs) run again with mimalloc as the global allocator: the allocator the
//! `passeport` binary and the service are built with. `verify` gives the figures with the system
//! allocator (what a library user gets by default); the two groups (`verify`,
//! `verify_mimalloc`) come from one `cargo bench` and read against the floor of their own run.
//!
//! `cargo bench -p passeport-verifier --bench verify_mimalloc -- --warm-up-time 1 --measurement-time 3`
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

// The verification benchmarks, their group named after this binary (`CARGO_CRATE_NAME`); the
// `main` they define for their own binary is not this one's.
#[path = "verify.rs"]
#[allow(dead_code)]
mod benchmarks;

criterion::criterion_main!(benchmarks::benches);
