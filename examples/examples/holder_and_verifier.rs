//! The holder and the verifier: the holder discloses only the diploma and its award date to one
//! employer; the employer checks everything and reads a per-claim report.
//!
//! Run: `cargo run -p passeport-examples --example holder_and_verifier`

use passeport_core::keys::{KeyAlgorithm, SecretKey, Signer};
use passeport_core::model::RecordType;
use passeport_issuer::{Format, IssueRequest, Issuer};
use passeport_verifier::{
    resolve::StaticResolver, Expectation, TrustList, TrustedIssuer, Verifier,
};
use passeport_wallet::storage::MemoryStore;
use passeport_wallet::{CreateOptions, KdfParams, Selection, Wallet};
use std::sync::Arc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // An issuer (see the `issuer` example).
    let school_key = SecretKey::generate(KeyAlgorithm::Ed25519)?;
    let school = passeport_core::did::key::did_key(school_key.public_jwk())?;
    let issuer = Issuer::new(Arc::new(school_key), school.as_str())?;

    // The employer trusts this school for diplomas only.
    let mut trust = TrustList::new();
    trust.add_issuer(TrustedIssuer {
        id: school.to_string(),
        name: Some("Lycée des Canuts".into()),
        keys: Vec::new(), // resolved from the did:key
        types: vec!["Diploma".into()],
    });
    let verifier = Verifier::new(trust, Arc::new(StaticResolver::new()));

    // The holder's wallet (in memory here; `Wallet::create_in(dir, …)` for an encrypted SQLite file).
    let options = CreateOptions {
        kdf: KdfParams::INSECURE_FOR_TESTS,
        ..CreateOptions::default()
    };
    let mut wallet = Wallet::create(MemoryStore::new(), "a long passphrase", options)?;

    let subject: serde_json::Value = serde_json::from_str(include_str!(
        "../../tests/vectors/domain/samples/camille-laurent/01-diploma-bts-sio.subject.json"
    ))?;
    let mut request = IssueRequest::new(RecordType::Diploma, subject);
    request.holder = Some(wallet.holder_jwk().clone());
    let credential = issuer.issue(&request, Format::VcSdJwt)?.credential;

    // Import verifies with the verifier's pipeline before storing.
    let record = wallet.import(&credential, &verifier)?;
    println!(
        "imported {} ({}), disclosable: {:?}",
        record.title(),
        record.id,
        record.disclosable
    );

    // Present to one employer, with its nonce: only the award date besides what is always shown.
    let selection = Selection {
        credential_id: record.id.clone(),
        disclose: vec!["/awardingDate".into()],
    };
    let presentation = wallet.present(&[selection], "https://employer.example", "nonce-8f2c")?;

    let expect = Expectation {
        audience: Some("https://employer.example".into()),
        nonce: Some("nonce-8f2c".into()),
    };
    let report = verifier.verify_with(&presentation.text, &expect);
    println!("{}", report.summary());
    println!(
        "{}",
        serde_json::to_string_pretty(&report.credentials[0].checks)?
    );
    assert!(report.valid);
    assert!(
        report.credentials[0].disclosed.get("accessRoute").is_none(),
        "hidden claims stay hidden"
    );

    // Replayed to another employer: refused.
    let other = Expectation {
        audience: Some("https://other.example".into()),
        nonce: Some("nonce-8f2c".into()),
    };
    assert!(!verifier.verify_with(&presentation.text, &other).valid);
    println!("replay to another verifier: refused");
    Ok(())
}
