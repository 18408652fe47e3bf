//! The issuer's role: a school signs a diploma for one of its graduates, in every format, and
//! publishes nothing else. (The service, `passeport serve`, wraps this with API keys, durable
//! records and status lists.)
//!
//! Run: `cargo run -p passeport-examples --example issuer`

use passeport_core::keys::{KeyAlgorithm, SecretKey, Signer};
use passeport_core::model::RecordType;
use passeport_issuer::{Format, IssueRequest, Issuer};
use std::sync::Arc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The school's signing key and its DID. In production the key lives in an HSM or KMS behind
    // the `Signer` trait; here it is in memory (zeroized on drop).
    let key = SecretKey::generate(KeyAlgorithm::Ed25519)?;
    let did = passeport_core::did::key::did_key(key.public_jwk())?;
    let mut profile = serde_json::Map::new();
    profile.insert("name".into(), "Lycée polyvalent des Canuts (fictif)".into());
    let issuer = Issuer::new(Arc::new(key), did.as_str())?.with_profile(profile);

    // The graduate's wallet gave us its public key to bind the credential to.
    let holder = SecretKey::generate(KeyAlgorithm::Ed25519)?;
    let subject: serde_json::Value = serde_json::from_str(include_str!(
        "../../tests/vectors/domain/samples/camille-laurent/01-diploma-bts-sio.subject.json"
    ))?;
    let mut request = IssueRequest::new(RecordType::Diploma, subject);
    request.holder = Some(holder.public_jwk().clone());

    for format in Format::ALL {
        let issued = issuer.issue(&request, format)?;
        println!(
            "{:<20} {} bytes, id {}, subject digest {}",
            format.as_str(),
            issued.credential.len(),
            issued.id,
            request.subject_digest()
        );
    }

    // A subject that does not fit the schema is refused, naming the field.
    let mut broken: serde_json::Value = request.subject.clone();
    broken["salary"] = 42_000.into();
    match issuer.issue(
        &IssueRequest::new(RecordType::Diploma, broken),
        Format::VcSdJwt,
    ) {
        Err(e) => println!("refused as expected: {e}"),
        Ok(_) => return Err("a salary must never be signed into a passport record".into()),
    }
    Ok(())
}
