//! A fixed-iteration driver for instruction counting under callgrind, which is repeatable on a
//! shared machine where wall-clock benchmarks are not (BENCHMARKS.md).
//!
//! ```sh
//! cargo bench -p passeport-verifier --bench callgrind --no-run
//! valgrind --tool=callgrind --toggle-collect='callgrind::measured*' \
//!   target/release/deps/callgrind-<hash> issue_vc+sd-jwt 200
//! ```
//!
//! Each operation runs once outside the measured region (lazy schema compilation, caches), then
//! `n` times inside `measured`. Dividing the collected instructions by `n` and by the floor's
//! gives the ratio. Without an operation name (as under `cargo bench`), it lists the operations.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::Fixture;
use ed25519_dalek::{Signer as _, Verifier as _};
use passeport_issuer::Format;
use std::hint::black_box;

/// The region callgrind counts: `n` calls of `op`.
#[inline(never)]
fn measured(n: usize, op: &dyn Fn()) {
    for _ in 0..n {
        op();
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let name = args.first().map(String::as_str).unwrap_or("");
    let n: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(100);

    let fixture = Fixture::new();
    let Fixture {
        raw,
        raw_public,
        message,
        raw_signature,
        issuer,
        request,
        verifier,
        expect,
        ..
    } = &fixture;

    let mut ops: Vec<(String, Box<dyn Fn() + '_>)> = vec![
        (
            "floor_sign".into(),
            Box::new(|| {
                black_box(raw.sign(black_box(message)));
            }),
        ),
        (
            "floor_verify".into(),
            Box::new(|| {
                raw_public
                    .verify(black_box(message), raw_signature)
                    .unwrap()
            }),
        ),
    ];
    // The same floor over the bytes a vc+jwt really signs: base64url(header).base64url(payload)
    // is 4/3 the JSON's size, and SHA-512 over the message is most of an Ed25519 signature.
    let jws = issuer.issue(request, Format::VcJwt).unwrap().credential;
    let signing_input = jws.rsplit_once('.').unwrap().0.as_bytes().to_vec();
    ops.push((
        "floor_sign_jws_input".into(),
        Box::new(move || {
            black_box(raw.sign(black_box(&signing_input)));
        }),
    ));
    for format in Format::ALL {
        ops.push((
            format!("issue_{format}"),
            Box::new(move || {
                black_box(issuer.issue(black_box(request), format).unwrap());
            }),
        ));
        let credential = issuer.issue(request, format).unwrap().credential;
        ops.push((
            format!("verify_credential_{format}"),
            Box::new(move || assert!(verifier.verify(black_box(&credential)).valid)),
        ));
    }
    // `issue_owned`, as a batch issues: each call takes a request of its own. The first call
    // (the one outside the measured region) copies the `n` the measured calls take.
    for format in [Format::DiEddsaJcs2022, Format::DiEddsaRdfc2022] {
        let requests = std::cell::RefCell::new(None::<Vec<_>>);
        ops.push((
            format!("issue_owned_{format}"),
            Box::new(move || {
                let mut pool = requests.borrow_mut();
                let request = match pool.as_mut() {
                    Some(pool) => pool.pop().expect("one request per measured call"),
                    None => {
                        *pool = Some(vec![request.clone(); n]);
                        request.clone()
                    }
                };
                drop(pool);
                black_box(issuer.issue_owned(black_box(request), format).unwrap());
            }),
        ));
    }
    for format in [Format::VcSdJwt, Format::DcSdJwt] {
        let credential = issuer.issue(request, format).unwrap().credential;
        let presentation = fixture.present(&credential);
        ops.push((
            format!("verify_presentation_{format}"),
            Box::new(move || assert!(verifier.verify_with(black_box(&presentation), expect).valid)),
        ));
        let fixture = &fixture;
        ops.push((
            format!("present_{format}"),
            Box::new(move || {
                black_box(fixture.present(black_box(&credential)));
            }),
        ));
    }

    match ops.iter().find(|(op, _)| op == name) {
        Some((_, op)) => {
            op();
            measured(n, op.as_ref());
            println!("{name}: {n} iterations");
        }
        None => {
            println!("usage: callgrind <operation> [iterations]; operations:");
            for (op, _) in &ops {
                println!("  {op}");
            }
        }
    }
}
