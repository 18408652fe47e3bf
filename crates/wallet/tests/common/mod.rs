//! Fixtures: issuers, sample subjects, and a stand-in import verifier for tests (the CLI plugs
//! the verifier crate's pipeline; here one trusted issuer key is enough).
#![allow(dead_code)]

use passeport_core::clock::FixedClock;
use passeport_core::jose::{JwsPolicy, UnverifiedJws};
use passeport_core::keys::{KeyAlgorithm, PublicJwk, PublicKey, SecretKey};
use passeport_core::model::RecordType;
use passeport_core::sd_jwt::{KbExpectation, SdJwtVerifyOptions, UnverifiedSdJwt};
use passeport_issuer::{Format, IssueRequest, Issuer};
use passeport_wallet::storage::MemoryStore;
use passeport_wallet::{
    CreateOptions, ImportRejected, ImportVerifier, KdfParams, VerifiedForImport, Wallet,
};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;

pub const PASS: &str = "correct horse battery staple";

pub fn sample_subject(person: &str, file: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors/domain/samples")
        .join(person)
        .join(file);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

pub fn options() -> CreateOptions {
    CreateOptions {
        kdf: KdfParams::INSECURE_FOR_TESTS,
        ..CreateOptions::default()
    }
}

pub fn memory_wallet() -> Wallet<MemoryStore> {
    Wallet::create(MemoryStore::new(), PASS, options()).unwrap()
}

/// An issuer with its key.
pub struct TestIssuer {
    pub issuer: Issuer,
    pub public: PublicKey,
}

pub fn issuer(id: &str) -> TestIssuer {
    let key = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let public = key.public_key();
    TestIssuer {
        issuer: Issuer::new(Arc::new(key), id).unwrap(),
        public,
    }
}

impl TestIssuer {
    pub fn issue(
        &self,
        record: RecordType,
        subject: Value,
        holder: &PublicJwk,
        format: Format,
    ) -> String {
        let mut request = IssueRequest::new(record, subject);
        request.holder = Some(holder.clone());
        self.issuer.issue(&request, format).unwrap().credential
    }
}

/// Trusts the given issuer keys; checks SD-JWT (as issued) and vc+jwt signatures with core.
pub struct KeyVerifier(pub Vec<PublicKey>);

impl ImportVerifier for KeyVerifier {
    fn verify_for_import(&self, credential: &str) -> Result<VerifiedForImport, ImportRejected> {
        let clock = FixedClock(time_now());
        let mut reasons = Vec::new();
        for key in &self.0 {
            let claims = if credential.contains('~') {
                let options = SdJwtVerifyOptions {
                    typ: vec!["vc+sd-jwt".into(), "dc+sd-jwt".into()],
                    key_binding: KbExpectation::Issuance,
                    leeway_secs: 60,
                };
                UnverifiedSdJwt::parse(credential)
                    .and_then(|p| p.verify(key, &options, &clock))
                    .map(|v| v.into_claims())
                    .map_err(|e| e.to_string())
            } else {
                UnverifiedJws::parse(credential.trim())
                    .and_then(|j| j.verify(key, &JwsPolicy::typed(&["vc+jwt"])))
                    .and_then(|v| v.claims())
                    .map_err(|e| e.to_string())
            };
            match claims {
                Ok(claims) => return Ok(VerifiedForImport { claims }),
                Err(e) => reasons.push(e),
            }
        }
        Err(ImportRejected { reasons })
    }
}

fn time_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

pub fn holder_of<S: passeport_wallet::storage::Storage>(w: &Wallet<S>) -> PublicJwk {
    w.holder_jwk().clone()
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}
