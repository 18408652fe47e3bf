//! SD-JWT issue / present / verify: passeport-core and sd-jwt-rs (the OWF Rust reference) on the
//! same claims, the same Ed25519 keys, every claim selectively disclosable at every level, with
//! the raw ed25519-dalek floor in the same run.
//!
//! `cargo bench --manifest-path bench-compare/Cargo.toml -- --warm-up-time 1 --measurement-time 3`
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use ed25519_dalek::{Signer as _, SigningKey, Verifier as _};
use jsonwebtoken::{DecodingKey, EncodingKey};
use passeport_core::clock::FixedClock;
use passeport_core::jose::JwsHeaderParams;
use passeport_core::keys::{Ed25519SecretKey, SecretKey, Signer};
use passeport_core::sd_jwt::{
    self, IssueOptions, KbExpectation, SdJwtVerifyOptions, UnverifiedSdJwt,
};
use sd_jwt_rs::issuer::ClaimsForSelectiveDisclosureStrategy;
use sd_jwt_rs::{SDJWTHolder, SDJWTIssuer, SDJWTSerializationFormat, SDJWTVerifier};
use serde_json::{json, Map, Value};
use std::path::PathBuf;

const AUD: &str = "https://employer.example";
const NONCE: &str = "n-42";
const NOW: i64 = 1_767_225_600;

/// PKCS#8 v1 wrapping of an Ed25519 seed (RFC 8410), as jsonwebtoken wants it.
fn pkcs8(seed: &[u8; 32]) -> Vec<u8> {
    let mut der = vec![
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    der.extend_from_slice(seed);
    der
}

fn claims(holder_jwk: &Value) -> Map<String, Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/vectors/domain/samples/camille-laurent/01-diploma-bts-sio.credential.json");
    let mut credential: Map<String, Value> =
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    credential.insert("iss".into(), json!("did:example:issuer"));
    credential.insert("iat".into(), json!(NOW - 10));
    // sd-jwt-rs (through jsonwebtoken) requires `exp`.
    credential.insert("exp".into(), json!(NOW + 10 * 365 * 86_400));
    let _ = holder_jwk;
    credential
}

fn compare(c: &mut Criterion) {
    let issuer_seed = [1u8; 32];
    let holder_seed = [2u8; 32];
    let raw = SigningKey::from_bytes(&issuer_seed);
    let raw_public = raw.verifying_key();

    // passeport
    let issuer = SecretKey::Ed25519(Ed25519SecretKey::from_seed(&issuer_seed));
    let issuer_public = issuer.public_key();
    let holder = SecretKey::Ed25519(Ed25519SecretKey::from_seed(&holder_seed));
    let holder_jwk = holder.public_jwk().to_value();
    // sd-jwt-rs adds `cnf` itself from the holder key; we add it to our claims, not disclosable.
    let claims = claims(&holder_jwk);
    let mut our_claims = claims.clone();
    our_claims.insert("cnf".into(), json!({ "jwk": holder_jwk }));
    let message = serde_json::to_vec(&claims).unwrap();
    let raw_signature = raw.sign(&message);
    let header = JwsHeaderParams::typed("vc+sd-jwt");
    // Every claim at every level, except the registered ones (`iss`, `iat`, `cnf`), as
    // sd-jwt-rs's AllLevels does.
    let everything = |path: &[sd_jwt::ClaimPathSegment]| !matches!(path.first(), Some(sd_jwt::ClaimPathSegment::Key(k)) if k == "iss" || k == "iat" || k == "exp" || k == "cnf");
    let ours_issue = || {
        sd_jwt::issue(
            &issuer,
            &header,
            our_claims.clone(),
            &everything,
            &IssueOptions::default(),
        )
        .unwrap()
        .to_compact()
    };
    let ours = ours_issue();
    let ours_present = |credential: &str| {
        UnverifiedSdJwt::parse(credential)
            .unwrap()
            .present(&|path| path.len() <= 2, &holder, AUD, NONCE, NOW)
            .unwrap()
    };
    let ours_presentation = ours_present(&ours);
    let options = SdJwtVerifyOptions {
        typ: vec!["vc+sd-jwt".into()],
        key_binding: KbExpectation::Required {
            audience: AUD.into(),
            nonce: NONCE.into(),
            max_age_secs: 3600,
        },
        leeway_secs: 60,
    };
    let clock = FixedClock(NOW);
    UnverifiedSdJwt::parse(&ours_presentation)
        .unwrap()
        .verify(&issuer_public, &options, &clock)
        .unwrap();

    // sd-jwt-rs
    let their_issuer_key = EncodingKey::from_ed_der(&pkcs8(&issuer_seed));
    let their_holder_key = EncodingKey::from_ed_der(&pkcs8(&holder_seed));
    let their_holder_jwk: jsonwebtoken::jwk::Jwk =
        serde_json::from_value(holder_jwk.clone()).unwrap();
    let issuer_x = raw_public.to_bytes();
    let their_issue = || {
        SDJWTIssuer::new(their_issuer_key.clone(), Some("EdDSA".into()))
            .issue_sd_jwt(
                Value::Object(claims.clone()),
                ClaimsForSelectiveDisclosureStrategy::AllLevels,
                Some(their_holder_jwk.clone()),
                false,
                SDJWTSerializationFormat::Compact,
            )
            .unwrap()
    };
    let theirs = their_issue();
    // Disclose the same two top levels: every top-level claim and its direct members.
    let mut to_disclose = Map::new();
    for (name, value) in &claims {
        let shown = match value {
            Value::Object(members) => Value::Object(
                members
                    .keys()
                    .map(|k| (k.clone(), Value::Bool(true)))
                    .collect(),
            ),
            _ => Value::Bool(true),
        };
        to_disclose.insert(name.clone(), shown);
    }
    let their_present = |credential: &str| {
        SDJWTHolder::new(credential.to_owned(), SDJWTSerializationFormat::Compact)
            .unwrap()
            .create_presentation(
                to_disclose.clone(),
                Some(NONCE.into()),
                Some(AUD.into()),
                Some(their_holder_key.clone()),
                Some("EdDSA".into()),
            )
            .unwrap()
    };
    let their_presentation = their_present(&theirs);
    let their_verify = |presentation: &str| {
        SDJWTVerifier::new(
            presentation.to_owned(),
            Box::new(move |_, _| DecodingKey::from_ed_der(&issuer_x)),
            Some(AUD.into()),
            Some(NONCE.into()),
            SDJWTSerializationFormat::Compact,
        )
        .unwrap()
    };
    their_verify(&their_presentation);

    eprintln!(
        "disclosures issued: passeport {}, sd-jwt-rs {}; presented: passeport {}, sd-jwt-rs {}",
        ours.matches('~').count() - 1,
        theirs.matches('~').count() - 1,
        ours_presentation.matches('~').count() - 1,
        their_presentation.matches('~').count() - 1,
    );
    let mut g = c.benchmark_group("sd_jwt");
    g.bench_function("floor/ed25519_sign", |b| {
        b.iter(|| raw.sign(black_box(&message)))
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
    g.bench_function("issue/passeport", |b| b.iter(ours_issue));
    g.bench_function("issue/sd-jwt-rs", |b| b.iter(their_issue));
    g.bench_function("present/passeport", |b| {
        b.iter(|| ours_present(black_box(&ours)))
    });
    g.bench_function("present/sd-jwt-rs", |b| {
        b.iter(|| their_present(black_box(&theirs)))
    });
    g.bench_function("verify/passeport", |b| {
        b.iter(|| {
            UnverifiedSdJwt::parse(black_box(&ours_presentation))
                .unwrap()
                .verify(&issuer_public, &options, &clock)
                .unwrap()
        })
    });
    g.bench_function("verify/sd-jwt-rs", |b| {
        b.iter(|| their_verify(black_box(&their_presentation)))
    });
    g.finish();
}

criterion_group!(benches, compare);
criterion_main!(benches);
