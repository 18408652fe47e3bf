//! Every explicit limit on outside input, tested at the edge: just over the limit fails with the
//! error that names it (before any expensive work), and a compression bomb in a status list
//! fails without inflating it.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use flate2::write::{GzEncoder, ZlibEncoder};
use flate2::Compression;
use passeport_core::clock::FixedClock;
use passeport_core::data_integrity::{self, DataIntegrityError, MAX_DOCUMENT_BYTES, MAX_PROOFS};
use passeport_core::did::{Did, MAX_DID_LEN};
use passeport_core::jose::{JoseError, UnverifiedJws, MAX_JWS_BYTES};
use passeport_core::json::{self, JsonError, MAX_DEPTH, MAX_JSON_BYTES};
use passeport_core::keys::{KeyAlgorithm, SecretKey};
use passeport_core::sd_jwt::{
    Disclosure, SdJwtError, UnverifiedSdJwt, MAX_DISCLOSURES, MAX_DISCLOSURE_BYTES,
    MAX_SD_JWT_BYTES,
};
use passeport_core::status::bitstring::{self, BitstringStatusList};
use passeport_core::status::token::TokenStatusList;
use passeport_core::status::{StatusError, MAX_DECODED_BYTES};
use serde_json::{json, Map, Value};
use std::io::Write;

fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

#[test]
fn json_larger_than_max_is_refused_before_parsing() {
    let mut big = vec![b' '; MAX_JSON_BYTES + 1];
    big[0] = b'1';
    assert!(matches!(
        json::parse_strict(&big),
        Err(JsonError::TooLarge { size, max }) if size == MAX_JSON_BYTES + 1 && max == MAX_JSON_BYTES
    ));
    // The same document at the limit parses.
    big.truncate(MAX_JSON_BYTES);
    assert_eq!(json::parse_strict(&big).unwrap(), json!(1));
}

#[test]
fn json_nesting_bomb_is_refused_without_stack_overflow() {
    assert!(json::parse_strict(nested(MAX_DEPTH).as_bytes()).is_ok());
    assert!(matches!(
        json::parse_strict(nested(MAX_DEPTH + 1).as_bytes()),
        Err(JsonError::Invalid(_))
    ));
    // Far deeper than any stack would take recursively.
    assert!(json::parse_strict(nested(200_000).as_bytes()).is_err());
}

#[test]
fn compact_jws_larger_than_max_is_refused() {
    let huge = "a".repeat(MAX_JWS_BYTES + 1);
    assert!(matches!(
        UnverifiedJws::parse(&huge),
        Err(JoseError::TooLarge { max, .. }) if max == MAX_JWS_BYTES
    ));
}

#[test]
fn compact_jws_header_nesting_bomb_is_refused() {
    let header =
        passeport_core::b64::encode(format!("{{\"alg\":\"EdDSA\",\"x\":{}}}", nested(100)));
    let jws = format!("{header}.e30.c2ln");
    assert!(UnverifiedJws::parse(&jws).is_err());
}

#[test]
fn sd_jwt_larger_than_max_is_refused() {
    let huge = format!("{}~", "a".repeat(MAX_SD_JWT_BYTES));
    assert!(matches!(
        UnverifiedSdJwt::parse(&huge),
        Err(SdJwtError::TooLarge { max, .. }) if max == MAX_SD_JWT_BYTES
    ));
}

#[test]
fn sd_jwt_with_too_many_disclosures_is_refused_before_parsing_them() {
    // The JWT is garbage: the count is checked first, so the error is about the count.
    let many = format!("x.y.z~{}", "d~".repeat(MAX_DISCLOSURES + 1));
    assert!(matches!(
        UnverifiedSdJwt::parse(&many),
        Err(SdJwtError::TooManyDisclosures { count, max })
            if count == MAX_DISCLOSURES + 1 && max == MAX_DISCLOSURES
    ));
    let at_limit = format!("x.y.z~{}", "d~".repeat(MAX_DISCLOSURES));
    assert!(!matches!(
        UnverifiedSdJwt::parse(&at_limit),
        Err(SdJwtError::TooManyDisclosures { .. })
    ));
}

#[test]
fn oversized_disclosure_is_refused() {
    let value = "v".repeat(MAX_DISCLOSURE_BYTES);
    let encoded = passeport_core::b64::encode(json!(["salt", "name", value]).to_string());
    assert!(encoded.len() > MAX_DISCLOSURE_BYTES);
    assert!(matches!(
        Disclosure::parse(&encoded),
        Err(SdJwtError::BadDisclosure { index: 0, .. })
    ));
    let small = passeport_core::b64::encode(json!(["salt", "name", "v"]).to_string());
    assert!(Disclosure::parse(&small).is_ok());
}

#[test]
fn deeply_nested_disclosure_value_is_refused() {
    let text = format!("[\"salt\",\"name\",{}]", nested(MAX_DEPTH + 1));
    let encoded = passeport_core::b64::encode(text);
    assert!(Disclosure::parse(&encoded).is_err());
}

#[test]
fn did_longer_than_max_is_refused() {
    let long = format!("did:key:z{}", "a".repeat(MAX_DID_LEN));
    assert!(Did::parse(&long).is_err());
    assert!(Did::parse("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK").is_ok());
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::best());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

#[test]
fn bitstring_gzip_bomb_is_stopped_at_the_decoded_limit() {
    // 64 MiB of zeros compress to ~64 kB; decoding must stop at MAX_DECODED_BYTES.
    let mut gz = GzEncoder::new(Vec::new(), Compression::best());
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..64 {
        gz.write_all(&chunk).unwrap();
    }
    let bomb = gz.finish().unwrap();
    assert!(bomb.len() < 1 << 20);
    let encoded = format!("u{}", passeport_core::b64::encode(&bomb));
    assert!(matches!(
        bitstring::decode_encoded_list(&encoded),
        Err(StatusError::TooLarge { limit, .. }) if limit == MAX_DECODED_BYTES
    ));
    // Exactly at the limit is a (very long) valid list.
    let at_limit = format!(
        "u{}",
        passeport_core::b64::encode(gzip(&vec![0u8; MAX_DECODED_BYTES]))
    );
    let list = bitstring::decode_encoded_list(&at_limit).unwrap();
    assert_eq!(list.len(), (MAX_DECODED_BYTES as u64) * 8);
}

#[test]
fn bitstring_list_longer_than_decodable_cannot_be_made() {
    assert!(BitstringStatusList::new((MAX_DECODED_BYTES as u64) * 8 + 8).is_err());
}

#[test]
fn token_status_list_zlib_bomb_is_stopped_at_the_decoded_limit() {
    let mut z = ZlibEncoder::new(Vec::new(), Compression::best());
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..64 {
        z.write_all(&chunk).unwrap();
    }
    let bomb = passeport_core::b64::encode(z.finish().unwrap());
    let claim = json!({"bits": 1, "lst": bomb});
    assert!(matches!(
        TokenStatusList::from_claim(&claim),
        Err(StatusError::TooLarge { limit, .. }) if limit == MAX_DECODED_BYTES
    ));
}

#[test]
fn token_status_list_with_bad_bits_is_refused() {
    let lst = passeport_core::b64::encode({
        let mut z = ZlibEncoder::new(Vec::new(), Compression::best());
        z.write_all(&[0u8; 16]).unwrap();
        z.finish().unwrap()
    });
    for bits in [0u64, 3, 5, 16, u64::MAX] {
        assert!(TokenStatusList::decode(bits, &lst).is_err(), "bits {bits}");
    }
    assert!(TokenStatusList::decode(2, &lst).is_ok());
}

fn unsigned_credential() -> Map<String, Value> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/vectors/domain/samples/camille-laurent/01-diploma-bts-sio.credential.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn data_integrity_document_larger_than_max_is_refused() {
    let key = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let did =
        passeport_core::did::key::did_key(passeport_core::keys::Signer::public_jwk(&key)).unwrap();
    let mut doc = unsigned_credential();
    doc.insert("issuer".into(), json!(did.as_str()));
    doc.insert("padding".into(), json!("p".repeat(MAX_DOCUMENT_BYTES)));
    let options = data_integrity::ProofOptions {
        cryptosuite: data_integrity::Cryptosuite::EddsaJcs2022,
        verification_method: passeport_core::did::key::method_id(&did),
        created: 1_767_225_600,
        expires: None,
    };
    assert!(matches!(
        data_integrity::sign(&doc, &key, &options),
        Err(DataIntegrityError::DocumentTooLarge { max, .. }) if max == MAX_DOCUMENT_BYTES
    ));
    let clock = FixedClock(1_767_225_600);
    let resolve = |_: &str| Ok(key.public_key());
    doc.insert("proof".into(), json!({"type": "DataIntegrityProof"}));
    assert!(matches!(
        data_integrity::verify(&doc, &resolve, &clock),
        Err(DataIntegrityError::DocumentTooLarge { .. })
    ));
}

#[test]
fn data_integrity_proof_set_larger_than_max_is_refused() {
    let key = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let did =
        passeport_core::did::key::did_key(passeport_core::keys::Signer::public_jwk(&key)).unwrap();
    let mut doc = unsigned_credential();
    doc.insert("issuer".into(), json!(did.as_str()));
    let options = data_integrity::ProofOptions {
        cryptosuite: data_integrity::Cryptosuite::EddsaJcs2022,
        verification_method: passeport_core::did::key::method_id(&did),
        created: 1_767_225_600,
        expires: None,
    };
    let signed = data_integrity::sign(&doc, &key, &options).unwrap();
    let proof = signed["proof"].clone();
    let clock = FixedClock(1_767_225_600);
    let resolve = |_: &str| Ok(key.public_key());
    assert!(data_integrity::verify(&signed, &resolve, &clock).is_ok());
    let mut many = signed.clone();
    many.insert("proof".into(), Value::Array(vec![proof; MAX_PROOFS + 1]));
    let err = data_integrity::verify(&many, &resolve, &clock).unwrap_err();
    assert!(
        matches!(
            err,
            DataIntegrityError::MalformedProof { field: "proof", .. }
        ),
        "{err:?}"
    );
}

/// The issuer holds itself to the verifier's limits: at the edge it issues what a holder can
/// import, one past it it refuses, naming the limit or the claim.
#[test]
fn issuance_stays_within_what_a_verifier_accepts() {
    use passeport_core::jose::JwsHeaderParams;
    use passeport_core::sd_jwt::{self, IssueOptions};
    let issuer = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let every = |_: &[passeport_core::sd_jwt::ClaimPathSegment]| true;
    let issue = |claims: Value| {
        sd_jwt::issue(
            &issuer,
            &JwsHeaderParams::typed("dc+sd-jwt"),
            claims.as_object().cloned().unwrap_or_default(),
            &every,
            &IssueOptions::default(),
        )
    };

    // n top-level claims, each its own disclosure.
    let items = |n: usize| Value::Object((0..n).map(|i| (format!("c{i}"), json!(i))).collect());
    let at_limit = issue(items(MAX_DISCLOSURES)).unwrap();
    assert_eq!(at_limit.disclosures().len(), MAX_DISCLOSURES);
    assert!(UnverifiedSdJwt::parse(&at_limit.to_compact()).is_ok());
    let err = issue(items(MAX_DISCLOSURES + 1)).unwrap_err();
    assert_eq!(
        err,
        SdJwtError::TooManyDisclosures {
            count: MAX_DISCLOSURES + 1,
            max: MAX_DISCLOSURES
        }
    );

    // base64url is 4/3 of the JSON: a 45 000-character value fits in 64 KiB, 60 000 does not.
    let fits = issue(json!({ "note": "a".repeat(45_000) })).unwrap();
    assert!(UnverifiedSdJwt::parse(&fits.to_compact()).is_ok());
    let err = issue(json!({ "note": "a".repeat(60_000) })).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("/note") && message.contains(&MAX_DISCLOSURE_BYTES.to_string()),
        "{message}"
    );
}
