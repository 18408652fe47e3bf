//! The inputs both verifier benches use (criterion `verify` and the callgrind driver), so the
//! two measure the same thing: the Diploma sample, holder-bound, issued by a `did:key` issuer
//! whose key the verifier trusts directly, and a raw ed25519-dalek key for the floor.

use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use passeport_core::clock::{Clock, SystemClock};
use passeport_core::keys::{KeyAlgorithm, SecretKey, Signer};
use passeport_core::model::RecordType;
use passeport_core::sd_jwt::UnverifiedSdJwt;
use passeport_issuer::{IssueRequest, Issuer};
use passeport_verifier::resolve::StaticResolver;
use passeport_verifier::{Expectation, TrustList, Verifier};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;

/// The verifier a presentation is meant for.
pub const AUD: &str = "https://employer.example";
/// The verifier's nonce.
pub const NONCE: &str = "n-42";

/// A domain sample, parsed.
pub fn sample(file: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors/domain/samples")
        .join(file);
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Everything a bench needs, built once.
pub struct Fixture {
    /// The floor's key.
    pub raw: SigningKey,
    /// Its public half.
    pub raw_public: VerifyingKey,
    /// The floor's message: the sample credential's JSON.
    pub message: Vec<u8>,
    /// The floor's signature over `message`.
    pub raw_signature: ed25519_dalek::Signature,
    /// A `did:key` issuer.
    pub issuer: Issuer,
    /// The holder, whose key the credentials are bound to.
    pub holder: SecretKey,
    /// The Diploma request, holder-bound.
    pub request: IssueRequest,
    /// A verifier trusting the issuer's key directly, offline.
    pub verifier: Verifier,
    /// Audience and nonce of the presentations.
    pub expect: Expectation,
}

impl Fixture {
    /// Builds the keys, issuer, request and verifier.
    pub fn new() -> Self {
        let raw = SigningKey::from_bytes(&[7u8; 32]);
        let message = serde_json::to_vec(&sample(
            "camille-laurent/01-diploma-bts-sio.credential.json",
        ))
        .unwrap();
        let raw_signature = raw.sign(&message);
        let key = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
        let mut trust = TrustList::new();
        trust.add_direct_key(key.public_key());
        let did = passeport_core::did::key::did_key(key.public_jwk()).unwrap();
        let issuer = Issuer::new(Arc::new(key), did.as_str()).unwrap();
        let holder = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
        let mut request = IssueRequest::new(
            RecordType::Diploma,
            sample("camille-laurent/01-diploma-bts-sio.subject.json"),
        );
        request.holder = Some(holder.public_jwk().clone());
        Self {
            raw_public: raw.verifying_key(),
            raw,
            message,
            raw_signature,
            issuer,
            holder,
            request,
            verifier: Verifier::new(trust, Arc::new(StaticResolver::new())),
            expect: Expectation {
                audience: Some(AUD.into()),
                nonce: Some(NONCE.into()),
            },
        }
    }

    /// What the wallet does for one SD-JWT (`passeport_wallet::build_presentation` calls the
    /// same two core functions): disclose the top two levels, then sign a KB-JWT.
    pub fn present(&self, credential: &str) -> String {
        UnverifiedSdJwt::parse(credential)
            .unwrap()
            .present(
                &|path| path.len() <= 2,
                &self.holder,
                AUD,
                NONCE,
                SystemClock.now(),
            )
            .unwrap()
    }

    /// As [`Self::present`], hiding the claims named in `hidden` (and what is below them): the
    /// holder showing the diploma and its level, not the date or the grades.
    pub fn present_hiding(&self, credential: &str, hidden: &[&str]) -> String {
        use passeport_core::sd_jwt::ClaimPathSegment;
        UnverifiedSdJwt::parse(credential)
            .unwrap()
            .present(
                &|path| {
                    path.len() <= 2
                        && !path.iter().any(|segment| {
                            matches!(segment, ClaimPathSegment::Key(k) if hidden.contains(&k.as_str()))
                        })
                },
                &self.holder,
                AUD,
                NONCE,
                SystemClock.now(),
            )
            .unwrap()
    }
}
