//! Import through the verifier crate's real pipeline: every format we issue goes in; tampered
//! and untrusted ones are refused with the failing checks as reasons.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use passeport_core::keys::{KeyAlgorithm, SecretKey, Signer};
use passeport_core::model::RecordType;
use passeport_issuer::{Format, Issuer};
use passeport_verifier::{resolve::StaticResolver, TrustList, Verifier};
use passeport_wallet::{CredentialFilter, CredentialFormat, Selection, WalletError};
use std::sync::Arc;

fn did_key_issuer() -> (Issuer, passeport_core::keys::PublicKey) {
    let key = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let public = key.public_key();
    let did = passeport_core::did::key::did_key(key.public_jwk()).unwrap();
    (Issuer::new(Arc::new(key), did.as_str()).unwrap(), public)
}

fn verifier_trusting(key: passeport_core::keys::PublicKey) -> Verifier {
    let mut trust = TrustList::new();
    trust.add_direct_key(key);
    Verifier::new(trust, Arc::new(StaticResolver::new()))
}

#[test]
fn imports_every_format_we_issue_through_the_verifier() {
    let (issuer, public) = did_key_issuer();
    let verifier = verifier_trusting(public);
    let mut wallet = memory_wallet();
    let holder = holder_of(&wallet);
    let cases = [
        (Format::VcSdJwt, CredentialFormat::VcSdJwt),
        (Format::DcSdJwt, CredentialFormat::DcSdJwt),
        (Format::VcJwt, CredentialFormat::VcJwt),
        (Format::DiEddsaJcs2022, CredentialFormat::DataIntegrity),
        (Format::DiEddsaRdfc2022, CredentialFormat::DataIntegrity),
    ];
    for (format, expected) in cases {
        let mut request = passeport_issuer::IssueRequest::new(
            RecordType::TrainingAction,
            sample_subject("camille-laurent", "06-training-owasp.subject.json"),
        );
        request.holder = Some(holder.clone());
        let issued = issuer.issue(&request, format).unwrap();
        let record = wallet
            .import(&issued.credential, &verifier)
            .unwrap_or_else(|e| panic!("{format}: {e}"));
        assert_eq!(record.format, expected, "{format}");
        assert_eq!(
            record.record_type,
            Some(RecordType::TrainingAction),
            "{format}"
        );
        assert_eq!(
            record.subject["workload"], "PT21H",
            "{format}: the subject's claims are kept"
        );
    }
    assert_eq!(
        wallet
            .credentials(&CredentialFilter::default())
            .unwrap()
            .len(),
        cases.len()
    );
}

#[test]
fn rejects_tampered_credential_with_the_verifiers_reason() {
    let (issuer, public) = did_key_issuer();
    let verifier = verifier_trusting(public);
    let mut wallet = memory_wallet();
    let mut request = passeport_issuer::IssueRequest::new(
        RecordType::Diploma,
        sample_subject("lea-moreau", "01-diploma-cap-logistique.subject.json"),
    );
    request.holder = Some(holder_of(&wallet));
    let issued = issuer.issue(&request, Format::VcJwt).unwrap().credential;
    // Replace the payload with another one (claims changed), keep the signature.
    let mut parts: Vec<&str> = issued.split('.').collect();
    let mut claims: serde_json::Value =
        serde_json::from_slice(&passeport_core::b64::decode(parts[1]).unwrap()).unwrap();
    claims["credentialSubject"]["awardingDate"] = "1990-01-01".into();
    let forged_payload = passeport_core::b64::encode(serde_json::to_vec(&claims).unwrap());
    parts[1] = &forged_payload;
    let tampered = parts.join(".");
    let err = wallet.import(&tampered, &verifier).unwrap_err();
    let WalletError::Rejected(rejected) = err else {
        panic!("expected a refusal, got {err:?}");
    };
    assert!(
        rejected.reasons.iter().any(|r| r.contains("signature")),
        "{rejected}"
    );
    assert!(wallet
        .credentials(&CredentialFilter::default())
        .unwrap()
        .is_empty());

    // A genuine credential from an issuer nobody trusts is refused too.
    let (stranger, _) = did_key_issuer();
    let untrusted = stranger
        .issue(&request, Format::VcSdJwt)
        .unwrap()
        .credential;
    assert!(matches!(
        wallet.import(&untrusted, &verifier).unwrap_err(),
        WalletError::Rejected(_)
    ));
}

#[test]
fn verifier_accepts_the_wallets_presentations() {
    let (issuer, public) = did_key_issuer();
    let verifier = verifier_trusting(public);
    let mut wallet = memory_wallet();
    let holder = holder_of(&wallet);
    let mut ids = Vec::new();
    for (file, record, format) in [
        (
            "01-diploma-bts-sio.subject.json",
            RecordType::Diploma,
            Format::VcSdJwt,
        ),
        (
            "06-training-owasp.subject.json",
            RecordType::TrainingAction,
            Format::DcSdJwt,
        ),
    ] {
        let mut request =
            passeport_issuer::IssueRequest::new(record, sample_subject("camille-laurent", file));
        request.holder = Some(holder.clone());
        let issued = issuer.issue(&request, format).unwrap().credential;
        ids.push(wallet.import(&issued, &verifier).unwrap().id);
    }
    let expect = passeport_verifier::Expectation {
        audience: Some("https://employer.example".into()),
        nonce: Some("n-1".into()),
    };
    // One credential: SD-JWT + KB-JWT.
    let one = wallet
        .present(
            &[Selection {
                credential_id: ids[0].clone(),
                disclose: vec!["/awardingDate".into()],
            }],
            "https://employer.example",
            "n-1",
        )
        .unwrap();
    let report = verifier.verify_with(&one.text, &expect);
    assert!(report.valid, "{}", report.summary());
    let disclosed = &report.credentials[0].disclosed;
    assert!(
        disclosed.to_string().contains("awardingDate"),
        "{disclosed}"
    );
    // Two credentials: vp+jwt.
    let both = wallet
        .present(
            &[
                Selection {
                    credential_id: ids[0].clone(),
                    disclose: vec!["/awardingDate".into()],
                },
                Selection {
                    credential_id: ids[1].clone(),
                    disclose: vec!["/workload".into()],
                },
            ],
            "https://employer.example",
            "n-1",
        )
        .unwrap();
    let report = verifier.verify_with(&both.text, &expect);
    assert!(report.valid, "{}", report.summary());
    assert_eq!(report.credentials.len(), 2);
    // Replayed to another verifier: refused.
    let elsewhere = passeport_verifier::Expectation {
        audience: Some("https://other.example".into()),
        nonce: Some("n-1".into()),
    };
    assert!(!verifier.verify_with(&both.text, &elsewhere).valid);
}

#[test]
fn cv_proofs_verify_and_disclose_only_what_the_cv_shows() {
    let (issuer, public) = did_key_issuer();
    let verifier = verifier_trusting(public);
    let mut wallet = memory_wallet();
    let mut request = passeport_issuer::IssueRequest::new(
        RecordType::Diploma,
        sample_subject("camille-laurent", "01-diploma-bts-sio.subject.json"),
    );
    request.holder = Some(holder_of(&wallet));
    let issued = issuer.issue(&request, Format::VcSdJwt).unwrap().credential;
    let id = wallet.import(&issued, &verifier).unwrap().id;
    let html = wallet.cv_html(&[id]).unwrap();
    let start = html.find("<textarea readonly>").unwrap() + "<textarea readonly>".len();
    let end = start + html[start..].find("</textarea>").unwrap();
    let proof = &html[start..end];
    assert!(proof.len() < issued.len(), "the proof is reduced");
    let report = verifier.verify(proof);
    assert!(report.valid, "{}", report.summary());
    let disclosed = &report.credentials[0].disclosed;
    assert!(disclosed.get("awardingDate").is_some(), "{disclosed}");
    assert!(disclosed.get("achievement").is_some(), "{disclosed}");
    assert!(
        disclosed.get("result").is_none(),
        "not shown in the CV: {disclosed}"
    );
    assert!(
        disclosed.get("identifier").is_none(),
        "not shown in the CV: {disclosed}"
    );
}
