//! The verifier's limits on outside input: input size, credentials per presentation, trust list
//! length. Each is tested just over the limit, with the error that names it.

use passeport_core::jose::{sign_compact, JwsHeaderParams};
use passeport_core::keys::{KeyAlgorithm, SecretKey};
use passeport_verifier::resolve::StaticResolver;
use passeport_verifier::trust::MAX_TRUSTED_ISSUERS;
use passeport_verifier::{TrustList, Verifier};
use serde_json::json;
use std::sync::Arc;

/// `formats::MAX_INPUT_BYTES` (not exported from the crate).
const MAX_INPUT_BYTES: usize = 4 << 20;
/// `formats::MAX_CREDENTIALS_PER_PRESENTATION` (not exported from the crate).
const MAX_CREDENTIALS_PER_PRESENTATION: usize = 64;

fn verifier() -> Verifier {
    Verifier::new(TrustList::new(), Arc::new(StaticResolver::new()))
}

#[test]
fn input_larger_than_max_is_unreadable_before_parsing() {
    let huge = "a".repeat(MAX_INPUT_BYTES + 1);
    let report = verifier().verify(&huge);
    assert!(!report.valid);
    assert!(report.credentials.is_empty());
    assert!(
        report.errors.iter().any(|e| e.contains("more than the")),
        "{:?}",
        report.errors
    );
}

#[test]
fn presentation_with_too_many_credentials_is_refused_before_verifying_any() {
    let holder = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let one = json!({"@context": ["https://www.w3.org/ns/credentials/v2"],
                     "type": ["VerifiableCredential"], "issuer": "did:example:x",
                     "credentialSubject": {}, "proof": {"type": "DataIntegrityProof"}});
    let vp = |n: usize| {
        let payload = json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiablePresentation"],
            "verifiableCredential": vec![one.clone(); n],
        });
        sign_compact(
            &holder,
            &JwsHeaderParams::typed("vp+jwt"),
            payload.to_string().as_bytes(),
        )
        .unwrap()
    };
    let over = verifier().verify(&vp(MAX_CREDENTIALS_PER_PRESENTATION + 1));
    assert!(!over.valid);
    assert!(over.credentials.is_empty(), "no credential was looked at");
    assert!(
        over.errors.iter().any(|e| e.contains(&format!(
            "more than {MAX_CREDENTIALS_PER_PRESENTATION} credentials"
        ))),
        "{:?}",
        over.errors
    );
    // At the limit, the credentials are looked at (and fail for their own reasons).
    let at = verifier().verify(&vp(MAX_CREDENTIALS_PER_PRESENTATION));
    assert!(!at
        .errors
        .iter()
        .any(|e| e.contains("credentials in one presentation")));
}

#[test]
fn trust_list_with_too_many_issuers_is_refused() {
    let list = |n: usize| {
        let issuers: Vec<_> = (0..n)
            .map(|i| json!({"id": format!("did:web:i{i}.example"), "types": ["Diploma"]}))
            .collect();
        json!({ "issuers": issuers }).to_string()
    };
    let err = TrustList::from_json(list(MAX_TRUSTED_ISSUERS + 1).as_bytes()).unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("more than {MAX_TRUSTED_ISSUERS} issuers")),
        "{err}"
    );
    assert!(TrustList::from_json(list(3).as_bytes()).is_ok());
}

#[test]
fn trust_list_nesting_bomb_is_refused() {
    let bomb = format!(
        "{{\"issuers\":{}{}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert!(TrustList::from_json(bomb.as_bytes()).is_err());
}
