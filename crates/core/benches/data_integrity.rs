//! Data Integrity benchmarks (issue 9): `eddsa-rdfc-2022` and `eddsa-jcs-2022` sign, verify and
//! canonicalize on a passport sample, next to a raw Ed25519 sign of the same bytes in the same run.
//!
//! `cargo bench -p passeport-core --bench data_integrity -- --warm-up-time 1 --measurement-time 3`
//! Read the results as ratios to `floor/ed25519_sign`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use ed25519_dalek::{Signer as _, SigningKey};
use passeport_core::clock::FixedClock;
use passeport_core::data_integrity::{self, ContextSet, Cryptosuite, ProofOptions};
use passeport_core::keys::{KeyAlgorithm, SecretKey, Signer};
use serde_json::{json, Map, Value};
use std::path::PathBuf;

const SAMPLE: &str = "camille-laurent/01-diploma-bts-sio.credential.json";

fn sample(file: &str) -> Map<String, Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors/domain/samples")
        .join(file);
    match serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap() {
        Value::Object(map) => map,
        _ => unreachable!("a sample is a JSON object"),
    }
}

fn bench(c: &mut Criterion) {
    let key = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let did = passeport_core::did::key::did_key(key.public_jwk()).unwrap();
    let method = passeport_core::did::key::method_id(&did);
    let mut document = sample(SAMPLE);
    document.insert("issuer".into(), json!(did.as_str()));
    let clock = FixedClock(1_767_225_600);
    let resolve = |_: &str| Ok(key.public_key());

    let raw = SigningKey::from_bytes(&[7u8; 32]);
    let message = serde_json::to_vec(&document).unwrap();
    let mut g = c.benchmark_group("di_floor");
    g.bench_function("ed25519_sign", |b| b.iter(|| raw.sign(black_box(&message))));
    g.finish();

    let mut g = c.benchmark_group("di");
    for suite in [Cryptosuite::EddsaJcs2022, Cryptosuite::EddsaRdfc2022] {
        let options = ProofOptions {
            cryptosuite: suite,
            verification_method: method.clone(),
            created: 1_767_225_600,
            expires: None,
        };
        let signed = data_integrity::sign(&document, &key, &options).unwrap();
        g.bench_function(format!("sign_{}", suite.as_str()), |b| {
            b.iter(|| data_integrity::sign(black_box(&document), &key, &options).unwrap())
        });
        g.bench_function(format!("verify_{}", suite.as_str()), |b| {
            b.iter(|| data_integrity::verify(black_box(&signed), &resolve, &clock).unwrap())
        });
    }
    g.bench_function("canonicalize_rdfc", |b| {
        b.iter(|| {
            data_integrity::canonicalize(
                Cryptosuite::EddsaRdfc2022,
                black_box(&document),
                ContextSet::embedded(),
            )
            .unwrap()
        })
    });
    // The same canonical N-Quads through the json-ld crate only (what the fast path replaces).
    g.bench_function("canonicalize_rdfc_json_ld_crate", |b| {
        b.iter(|| {
            data_integrity::differential::reference_nquads(
                black_box(&document),
                ContextSet::embedded(),
            )
            .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
