//! Issuance benchmarks: one credential per format, with the raw Ed25519 sign floor in the same
//! run (`floor/ed25519_sign`), so results read as ratios to it (BENCHMARKS.md).
//!
//! `cargo bench -p passeport-issuer --bench issue -- --warm-up-time 1 --measurement-time 3`
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use ed25519_dalek::{Signer as _, SigningKey};
use passeport_core::keys::{KeyAlgorithm, SecretKey, Signer};
use passeport_core::model::RecordType;
use passeport_issuer::{Format, IssueRequest, Issuer};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;

#[path = "../../verifier/benches/common/sd_floor.rs"]
#[allow(dead_code)] // the presentation floor is the verifier benches'
mod sd_floor;
use sd_floor::SdFloor;

fn sample(file: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors/domain/samples")
        .join(file);
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn issue(c: &mut Criterion) {
    let raw = SigningKey::from_bytes(&[7u8; 32]);
    let message = serde_json::to_vec(&sample(
        "camille-laurent/01-diploma-bts-sio.credential.json",
    ))
    .unwrap();

    let key = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let did = passeport_core::did::key::did_key(key.public_jwk()).unwrap();
    let issuer = Issuer::new(Arc::new(key), did.as_str()).unwrap();
    let holder = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let mut request = IssueRequest::new(
        RecordType::Diploma,
        sample("camille-laurent/01-diploma-bts-sio.subject.json"),
    );
    request.holder = Some(holder.public_jwk().clone());

    let mut g = c.benchmark_group(env!("CARGO_CRATE_NAME"));
    g.bench_function("floor/ed25519_sign", |b| {
        b.iter(|| raw.sign(black_box(&message)))
    });
    // The floor over the bytes a vc+jwt really signs (base64url of header and payload: 4/3 of
    // the JSON), since SHA-512 over the message is most of an Ed25519 signature.
    let jws = issuer.issue(&request, Format::VcJwt).unwrap().credential;
    let signing_input = jws.rsplit_once('.').unwrap().0.as_bytes().to_vec();
    g.bench_function("floor/ed25519_sign_jws_input", |b| {
        b.iter(|| raw.sign(black_box(&signing_input)))
    });
    // The floor of an SD-JWT issuance as the issue states it: the one signature, over the bytes
    // it really signs, plus the SHA-256 digest of every disclosure (RFC 9901 §4.2.3).
    for format in [Format::VcSdJwt, Format::DcSdJwt] {
        let floor = SdFloor::of(&issuer.issue(&request, format).unwrap().credential);
        g.bench_function(format!("floor/signatures_{format}"), |b| {
            b.iter(|| floor.run(&raw))
        });
    }
    g.bench_function("build_credential", |b| {
        b.iter(|| issuer.build_credential(black_box(&request)).unwrap())
    });
    for format in Format::ALL {
        g.bench_function(format.as_str(), |b| {
            b.iter(|| issuer.issue(black_box(&request), format).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, issue);
criterion_main!(benches);
