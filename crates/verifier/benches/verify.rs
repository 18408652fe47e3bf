//! Presentation and verification benchmarks, with the raw Ed25519 floor in the same run
//! (`floor/ed25519_sign`, `floor/ed25519_verify`, `floor/2x_ed25519_verify`), so results read as
//! ratios to it (BENCHMARKS.md).
//!
//! `present` is what the wallet does for one SD-JWT (`passeport_wallet::build_presentation`
//! calls the same two core functions): select disclosures, then sign a KB-JWT.
//!
//! `cargo bench -p passeport-verifier --bench verify -- --warm-up-time 1 --measurement-time 3`
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use ed25519_dalek::{Signer as _, SigningKey, Verifier as _};
use passeport_core::clock::{Clock, SystemClock};
use passeport_core::keys::{KeyAlgorithm, SecretKey, Signer};
use passeport_core::model::RecordType;
use passeport_core::sd_jwt::{self, UnverifiedSdJwt};
use passeport_issuer::{Format, IssueRequest, Issuer};
use passeport_verifier::resolve::StaticResolver;
use passeport_verifier::{Expectation, TrustList, Verifier};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;

const AUD: &str = "https://employer.example";
const NONCE: &str = "n-42";

fn sample(file: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors/domain/samples")
        .join(file);
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn verify(c: &mut Criterion) {
    let raw = SigningKey::from_bytes(&[7u8; 32]);
    let raw_public = raw.verifying_key();
    let message = serde_json::to_vec(&sample(
        "camille-laurent/01-diploma-bts-sio.credential.json",
    ))
    .unwrap();
    let raw_signature = raw.sign(&message);

    let key = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let public = key.public_key();
    let did = passeport_core::did::key::did_key(key.public_jwk()).unwrap();
    let issuer = Issuer::new(Arc::new(key), did.as_str()).unwrap();
    let holder = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let mut request = IssueRequest::new(
        RecordType::Diploma,
        sample("camille-laurent/01-diploma-bts-sio.subject.json"),
    );
    request.holder = Some(holder.public_jwk().clone());

    let mut trust = TrustList::new();
    trust.add_direct_key(public);
    let verifier = Verifier::new(trust, Arc::new(StaticResolver::new()));
    let expect = Expectation {
        audience: Some(AUD.into()),
        nonce: Some(NONCE.into()),
    };

    let mut g = c.benchmark_group("verify");
    g.bench_function("floor/ed25519_sign", |b| {
        b.iter(|| raw.sign(black_box(&message)))
    });
    g.bench_function("floor/ed25519_verify", |b| {
        b.iter(|| {
            raw_public
                .verify(black_box(&message), &raw_signature)
                .unwrap()
        })
    });
    g.bench_function("floor/2x_ed25519_verify", |b| {
        b.iter(|| {
            raw_public
                .verify(black_box(&message), &raw_signature)
                .unwrap();
            raw_public
                .verify(black_box(&message), &raw_signature)
                .unwrap();
        })
    });

    // Present: disclose degree and institution only, bind to the verifier.
    let credential = issuer.issue(&request, Format::VcSdJwt).unwrap().credential;
    let now = SystemClock.now();
    g.bench_function("present_vc+sd-jwt", |b| {
        b.iter(|| {
            let shown = UnverifiedSdJwt::parse(black_box(&credential))
                .unwrap()
                .select(&|path| path.len() <= 2)
                .unwrap();
            sd_jwt::add_key_binding(&shown, &holder, AUD, NONCE, now).unwrap()
        })
    });

    // Verify a key-bound presentation per SD-JWT format (two signatures each).
    for format in [Format::VcSdJwt, Format::DcSdJwt] {
        let credential = issuer.issue(&request, format).unwrap().credential;
        let shown = UnverifiedSdJwt::parse(&credential)
            .unwrap()
            .select(&|path| path.len() <= 2)
            .unwrap();
        let presentation = sd_jwt::add_key_binding(&shown, &holder, AUD, NONCE, now).unwrap();
        assert!(
            verifier.verify_with(&presentation, &expect).valid,
            "{}",
            verifier.verify_with(&presentation, &expect).summary()
        );
        g.bench_function(format!("presentation_{}", format.as_str()), |b| {
            b.iter(|| verifier.verify_with(black_box(&presentation), &expect))
        });
    }

    // Verify each format as issued (one signature each).
    for format in Format::ALL {
        let credential = issuer.issue(&request, format).unwrap().credential;
        assert!(verifier.verify(&credential).valid, "{format}");
        g.bench_function(format!("credential_{}", format.as_str()), |b| {
            b.iter(|| verifier.verify(black_box(&credential)))
        });
    }
    g.finish();
}

criterion_group!(benches, verify);
criterion_main!(benches);
