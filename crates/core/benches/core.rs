//! Core benchmarks: the raw Ed25519 / SHA-256 floor and, in the same run, the core operations
//! built on it (compact JWS, status list decoding, schema validation, Data Integrity).
//!
//! `cargo bench -p passeport-core --bench core -- --warm-up-time 1 --measurement-time 3`
//! Results are read as ratios to `floor/ed25519_sign` and `floor/ed25519_verify` (BENCHMARKS.md).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use ed25519_dalek::{Signer as _, SigningKey, Verifier as _};
use passeport_core::clock::FixedClock;
use passeport_core::data_integrity::{self, Cryptosuite, ProofOptions};
use passeport_core::jose::{self, JwsHeaderParams, JwsPolicy, UnverifiedJws};
use passeport_core::keys::{KeyAlgorithm, PublicKey, SecretKey, Signer};
use passeport_core::model::RecordType;
use passeport_core::schema;
use passeport_core::status::bitstring::{self, BitstringStatusList, DEFAULT_LIST_LEN};
use passeport_core::status::token::TokenStatusList;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::path::PathBuf;

fn sample(file: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors/domain/samples")
        .join(file);
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// A payload the size of a typical credential (~1.5 kB), for the floor and for JWS.
fn payload() -> Vec<u8> {
    let credential = sample("camille-laurent/01-diploma-bts-sio.credential.json");
    serde_json::to_vec(&credential).unwrap()
}

fn floor(c: &mut Criterion) {
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let public = key.verifying_key();
    let message = payload();
    let signature = key.sign(&message);
    let mut g = c.benchmark_group("floor");
    g.bench_function("ed25519_sign", |b| b.iter(|| key.sign(black_box(&message))));
    g.bench_function("ed25519_verify", |b| {
        b.iter(|| public.verify(black_box(&message), &signature).unwrap())
    });
    // One disclosure digest: SHA-256 of ~60 bytes.
    let disclosure = b"WyJzYWx0c2FsdHNhbHRzYWx0IiwgImZhbWlseU5hbWUiLCAiTGF1cmVudCJd";
    g.bench_function("sha256_disclosure", |b| {
        b.iter(|| Sha256::digest(black_box(disclosure)))
    });
    g.finish();
}

fn jws(c: &mut Criterion) {
    let key = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let public: PublicKey = key.public_key();
    let message = payload();
    let header = JwsHeaderParams::typed("vc+jwt");
    let compact = jose::sign_compact(&key, &header, &message).unwrap();
    let policy = JwsPolicy::typed(&["vc+jwt"]);
    let mut g = c.benchmark_group("jose");
    g.bench_function("sign_compact", |b| {
        b.iter(|| jose::sign_compact(&key, &header, black_box(&message)).unwrap())
    });
    g.bench_function("parse_verify_compact", |b| {
        b.iter(|| {
            UnverifiedJws::parse(black_box(&compact))
                .unwrap()
                .verify(&public, &policy)
                .unwrap()
        })
    });
    g.bench_function("parse_only", |b| {
        b.iter(|| UnverifiedJws::parse(black_box(&compact)).unwrap())
    });
    g.finish();
}

fn status(c: &mut Criterion) {
    // A 131 072-entry list with a few revocations, as a service would publish it.
    let mut list = BitstringStatusList::new(DEFAULT_LIST_LEN).unwrap();
    for i in (0..DEFAULT_LIST_LEN).step_by(997) {
        list.set(i, true).unwrap();
    }
    let encoded = list.encode().unwrap();
    let mut token = TokenStatusList::new(2, DEFAULT_LIST_LEN).unwrap();
    for i in (0..DEFAULT_LIST_LEN).step_by(997) {
        token.set(i, 1).unwrap();
    }
    let claim = token.to_claim().unwrap();
    let mut g = c.benchmark_group("status");
    g.bench_function("bitstring_decode_131072", |b| {
        b.iter(|| bitstring::decode_encoded_list(black_box(&encoded)).unwrap())
    });
    g.bench_function("token_decode_131072_2bit", |b| {
        b.iter(|| TokenStatusList::from_claim(black_box(&claim)).unwrap())
    });
    g.bench_function("bitstring_encode_131072", |b| {
        b.iter(|| black_box(&list).encode().unwrap())
    });
    g.finish();
}

fn schemas(c: &mut Criterion) {
    let subject = sample("camille-laurent/01-diploma-bts-sio.subject.json");
    schema::validate_subject(RecordType::Diploma, &subject).unwrap();
    let mut g = c.benchmark_group("schema");
    g.bench_function("validate_subject_diploma", |b| {
        b.iter(|| schema::validate_subject(RecordType::Diploma, black_box(&subject)).unwrap())
    });
    g.finish();
}

fn data_integrity(c: &mut Criterion) {
    let key = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let did = passeport_core::did::key::did_key(key.public_jwk()).unwrap();
    let method = passeport_core::did::key::method_id(&did);
    let mut document: Map<String, Value> =
        match sample("camille-laurent/01-diploma-bts-sio.credential.json") {
            Value::Object(map) => map,
            _ => unreachable!(),
        };
    document.insert("issuer".into(), json!(did.as_str()));
    let clock = FixedClock(1_767_225_600);
    let resolve = |_: &str| Ok(key.public_key());
    let mut g = c.benchmark_group("data_integrity");
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
    g.finish();
}

criterion_group!(benches, floor, jws, status, schemas, data_integrity);
criterion_main!(benches);
