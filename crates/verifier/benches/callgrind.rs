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

use ed25519_dalek::{Signer as _, SigningKey, Verifier as _};
use passeport_core::clock::{Clock, SystemClock};
use passeport_core::keys::{KeyAlgorithm, SecretKey, Signer};
use passeport_core::model::RecordType;
use passeport_core::sd_jwt::{self, UnverifiedSdJwt};
use passeport_issuer::{Format, IssueRequest, Issuer};
use passeport_verifier::resolve::StaticResolver;
use passeport_verifier::{Expectation, TrustList, Verifier};
use serde_json::Value;
use std::hint::black_box;
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
    let now = SystemClock.now();
    let present = |credential: &str| {
        let shown = UnverifiedSdJwt::parse(credential)
            .unwrap()
            .select(&|path| path.len() <= 2)
            .unwrap();
        sd_jwt::add_key_binding(&shown, &holder, AUD, NONCE, now).unwrap()
    };

    let mut ops: Vec<(String, Box<dyn Fn() + '_>)> = vec![
        (
            "floor_sign".into(),
            Box::new(|| {
                black_box(raw.sign(black_box(&message)));
            }),
        ),
        (
            "floor_verify".into(),
            Box::new(|| {
                raw_public
                    .verify(black_box(&message), &raw_signature)
                    .unwrap()
            }),
        ),
    ];
    // The same floor over the bytes a vc+jwt really signs: base64url(header).base64url(payload)
    // is 4/3 the JSON's size, and SHA-512 over the message is most of an Ed25519 signature.
    let jws = issuer.issue(&request, Format::VcJwt).unwrap().credential;
    let signing_input = jws.rsplit_once('.').unwrap().0.as_bytes().to_vec();
    let raw_key = &raw;
    ops.push((
        "floor_sign_jws_input".into(),
        Box::new(move || {
            black_box(raw_key.sign(black_box(&signing_input)));
        }),
    ));
    for format in Format::ALL {
        let request = &request;
        let issuer = &issuer;
        ops.push((
            format!("issue_{format}"),
            Box::new(move || {
                black_box(issuer.issue(black_box(request), format).unwrap());
            }),
        ));
        let credential = issuer.issue(request, format).unwrap().credential;
        let verifier = &verifier;
        ops.push((
            format!("verify_credential_{format}"),
            Box::new(move || assert!(verifier.verify(black_box(&credential)).valid)),
        ));
    }
    for format in [Format::VcSdJwt, Format::DcSdJwt] {
        let credential = issuer.issue(&request, format).unwrap().credential;
        let presentation = present(&credential);
        let (verifier, expect) = (&verifier, &expect);
        ops.push((
            format!("verify_presentation_{format}"),
            Box::new(move || assert!(verifier.verify_with(black_box(&presentation), expect).valid)),
        ));
        let present = &present;
        ops.push((
            format!("present_{format}"),
            Box::new(move || {
                black_box(present(black_box(&credential)));
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
