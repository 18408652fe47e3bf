//! Presentation and verification benchmarks, with the raw Ed25519 floor in the same run
//! (`floor/ed25519_sign`, `floor/ed25519_verify`, `floor/2x_ed25519_verify`, and
//! `floor/signatures_presentation_<format>`: the two verifications and the SHA-256 digests of
//! the very presentation verified), so results read as ratios to it (BENCHMARKS.md).
//!
//! `present` is what the wallet does for one SD-JWT (`passeport_wallet::build_presentation`
//! calls the same two core functions): select disclosures, then sign a KB-JWT.
//!
//! `cargo bench -p passeport-verifier --bench verify -- --warm-up-time 1 --measurement-time 3`
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;
#[path = "common/sd_floor.rs"]
#[allow(dead_code)] // the issuance floor is the issue bench's
mod sd_floor;

use common::Fixture;
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use ed25519_dalek::{Signer as _, Verifier as _};
use passeport_issuer::Format;

fn verify(c: &mut Criterion) {
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

    let mut g = c.benchmark_group(env!("CARGO_CRATE_NAME"));
    g.bench_function("floor/ed25519_sign", |b| {
        b.iter(|| raw.sign(black_box(message)))
    });
    g.bench_function("floor/ed25519_verify", |b| {
        b.iter(|| {
            raw_public
                .verify(black_box(message), raw_signature)
                .unwrap()
        })
    });
    g.bench_function("floor/2x_ed25519_verify", |b| {
        b.iter(|| {
            raw_public
                .verify(black_box(message), raw_signature)
                .unwrap();
            raw_public
                .verify(black_box(message), raw_signature)
                .unwrap();
        })
    });

    // Present: disclose degree and institution only, bind to the verifier.
    let credential = issuer.issue(request, Format::VcSdJwt).unwrap().credential;
    g.bench_function("present_vc+sd-jwt", |b| {
        b.iter(|| fixture.present(black_box(&credential)))
    });

    // Verify a key-bound presentation per SD-JWT format (two signatures each).
    for format in [Format::VcSdJwt, Format::DcSdJwt] {
        let credential = issuer.issue(request, format).unwrap().credential;
        let presentation = fixture.present(&credential);
        assert!(
            verifier.verify_with(&presentation, expect).valid,
            "{}",
            verifier.verify_with(&presentation, expect).summary()
        );
        let floor = sd_floor::PresentationFloor::of(&presentation, raw);
        g.bench_function(format!("floor/signatures_presentation_{format}"), |b| {
            b.iter(|| floor.run(raw_public))
        });
        g.bench_function(format!("presentation_{}", format.as_str()), |b| {
            b.iter(|| verifier.verify_with(black_box(&presentation), expect))
        });
        // A required claim and the grades hidden: the schema check's excusing path.
        let hiding = fixture.present_hiding(&credential, &["awardingDate", "result"]);
        assert!(verifier.verify_with(&hiding, expect).valid);
        g.bench_function(format!("presentation_hiding_{}", format.as_str()), |b| {
            b.iter(|| verifier.verify_with(black_box(&hiding), expect))
        });
    }

    // Verify each format as issued (one signature each).
    for format in Format::ALL {
        let credential = issuer.issue(request, format).unwrap().credential;
        assert!(verifier.verify(&credential).valid, "{format}");
        g.bench_function(format!("credential_{}", format.as_str()), |b| {
            b.iter(|| verifier.verify(black_box(&credential)))
        });
    }
    g.finish();
}

criterion_group!(benches, verify);
criterion_main!(benches);
