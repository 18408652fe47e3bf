//! SD-JWT against published vectors: every compact example of RFC 9901 (draft-22 build) and of
//! SD-JWT VC draft-18, and every compact test case of the OWF Python reference implementation.
//! JWS JSON serialization examples (RFC 9901 §8) are skipped: we implement the compact form only.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use passeport_core::clock::FixedClock;
use passeport_core::keys::PublicKey;
use passeport_core::sd_jwt::{
    Disclosure, KbExpectation, SdJwtError, SdJwtVerifyOptions, UnverifiedSdJwt,
};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// `iat` of every issuer JWT in the vectors (settings.yml).
const VECTOR_IAT: i64 = 1_683_000_000;

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&read(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn dirs(path: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(path)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

fn issuer_key(keys: &Value) -> PublicKey {
    PublicKey::from_jwk_value(&keys["issuer_public_jwk"]).unwrap()
}

fn options(key_binding: KbExpectation) -> SdJwtVerifyOptions {
    SdJwtVerifyOptions {
        typ: vec!["example+sd-jwt".into(), "dc+sd-jwt".into()],
        key_binding,
        leeway_secs: 0,
    }
}

/// Verifies a presentation from a vector folder: with its KB-JWT if it has one (clock just after
/// the KB-JWT's `iat`), as issued otherwise.
fn verify_presentation(
    text: &str,
    key: &PublicKey,
    kb_payload: Option<Value>,
    aud: &str,
    nonce: &str,
) -> Result<passeport_core::sd_jwt::VerifiedSdJwt, SdJwtError> {
    let parsed = UnverifiedSdJwt::parse(text)?;
    match kb_payload {
        Some(kb) => {
            assert!(parsed.has_key_binding());
            let iat = kb["iat"].as_i64().unwrap();
            let expectation = KbExpectation::Required {
                audience: aud.into(),
                nonce: nonce.into(),
                max_age_secs: 300,
            };
            let verified = parsed.verify(key, &options(expectation), &FixedClock(iat + 10))?;
            let info = verified.key_binding().unwrap();
            assert_eq!((info.audience.as_str(), info.nonce.as_str()), (aud, nonce));
            assert_eq!(info.iat, iat);
            Ok(verified)
        }
        None => {
            assert!(!parsed.has_key_binding());
            parsed.verify(
                key,
                &options(KbExpectation::Issuance),
                &FixedClock(VECTOR_IAT + 100),
            )
        }
    }
}

/// The processed payload of an SD-JWT as issued: the user claims plus the registered claims
/// the generator added in the clear (`iss`, `iat`, `exp`, `cnf`, …).
fn expected_issued(dir: &Path) -> Map<String, Value> {
    let mut expected = json(&dir.join("user_claims.json"))
        .as_object()
        .unwrap()
        .clone();
    let payload = json(&dir.join("sd_jwt_payload.json"));
    for (name, value) in payload.as_object().unwrap() {
        if !name.starts_with("_sd") && !expected.contains_key(name) {
            expected.insert(name.clone(), value.clone());
        }
    }
    expected
}

fn check_disclosures_file(dir: &Path) -> usize {
    let path = dir.join("disclosures.json");
    if !path.exists() {
        return 0;
    }
    let list = json(&path);
    for entry in list.as_array().unwrap() {
        let encoded = entry["disclosure"].as_str().unwrap();
        let disclosure = Disclosure::parse(encoded)
            .unwrap_or_else(|e| panic!("{}: {encoded}: {e}", dir.display()));
        assert_eq!(
            disclosure.digest().as_str(),
            entry["sha256_digest"].as_str().unwrap(),
            "{}: digest of {encoded}",
            dir.display()
        );
        let decoded = entry["decoded"].as_array().unwrap();
        assert_eq!(disclosure.salt(), decoded[0].as_str().unwrap());
        match decoded.len() {
            3 => {
                assert_eq!(disclosure.claim_name(), decoded[1].as_str());
                assert_eq!(disclosure.value(), &decoded[2]);
            }
            2 => {
                assert_eq!(disclosure.claim_name(), None);
                assert_eq!(disclosure.value(), &decoded[1]);
            }
            n => panic!("{}: decoded has {n} elements", dir.display()),
        }
    }
    list.as_array().unwrap().len()
}

fn run_spec_examples(root: &Path) -> (usize, usize, usize) {
    let keys = json(&root.join("keys.json"));
    let key = issuer_key(&keys);
    let aud = keys["kb_aud"].as_str().unwrap();
    let nonce = keys["kb_nonce"].as_str().unwrap();
    let (mut presentations, mut issuances, mut disclosures) = (0, 0, 0);
    for dir in dirs(&root.join("examples")) {
        disclosures += check_disclosures_file(&dir);
        let presentation = dir.join("spec_sd_jwt_presentation.txt");
        if presentation.exists() {
            let kb = dir.join("spec_kb_jwt_payload.json");
            let kb = kb.exists().then(|| json(&kb));
            let verified = verify_presentation(&read(&presentation), &key, kb, aud, nonce)
                .unwrap_or_else(|e| panic!("{}: presentation: {e}", dir.display()));
            let expected = json(&dir.join("verified_contents.json"));
            assert_eq!(
                &Value::Object(verified.claims().clone()),
                &expected,
                "{}: processed presentation",
                dir.display()
            );
            presentations += 1;
        }
        let issuance = dir.join("spec_sd_jwt_issuance.txt");
        if issuance.exists() {
            let parsed = UnverifiedSdJwt::parse(&read(&issuance)).unwrap();
            assert_eq!(
                Value::Object(parsed.insecure_claims().unwrap().clone()),
                json(&dir.join("sd_jwt_payload.json")),
                "{}: issuer payload",
                dir.display()
            );
            let verified = parsed
                .verify(
                    &key,
                    &options(KbExpectation::Issuance),
                    &FixedClock(VECTOR_IAT + 100),
                )
                .unwrap_or_else(|e| panic!("{}: issuance: {e}", dir.display()));
            assert_eq!(
                verified.claims(),
                &expected_issued(&dir),
                "{}: processed issuance",
                dir.display()
            );
            issuances += 1;
        }
    }
    (presentations, issuances, disclosures)
}

#[test]
fn rfc9901_examples_verify_and_match_verified_contents() {
    let (presentations, issuances, disclosures) = run_spec_examples(&vectors().join("sd-jwt"));
    // simple, simple_structured, complex_ekyc, arf-pid, jsonld.
    assert_eq!(presentations, 5);
    // simple, arf-pid, jsonld.
    assert_eq!(issuances, 3);
    assert_eq!(disclosures, 90);
}

#[test]
fn sd_jwt_vc_examples_verify_and_match_verified_contents() {
    let (presentations, issuances, disclosures) = run_spec_examples(&vectors().join("sd-jwt-vc"));
    assert_eq!(presentations, 3);
    assert_eq!(issuances, 2);
    assert_eq!(disclosures, 9 + 9 + 28);
}

#[test]
fn python_reference_testcases_verify_and_match_verified_contents() {
    let root = vectors().join("sd-jwt/python-reference-testcases");
    let keys = json(&vectors().join("sd-jwt/keys.json"));
    let key = issuer_key(&keys);
    let (aud, nonce) = ("https://example.com/verifier", "1234567890");
    let mut checked = Vec::new();
    for dir in dirs(&root) {
        let name = dir.file_name().unwrap().to_str().unwrap().to_owned();
        let presentation = dir.join("sd_jwt_presentation.txt");
        if !presentation.exists() {
            // json_serialization_*: JWS JSON serialization, not supported (compact only).
            assert!(name.starts_with("json_serialization"), "{name}");
            continue;
        }
        let kb = dir.join("kb_jwt_payload.json");
        let kb = kb.exists().then(|| json(&kb));
        let result = verify_presentation(&read(&presentation), &key, kb, aud, nonce);
        if name == "header_mod" {
            // Its header carries `"kid": 42`; RFC 7515 §4.1.4 requires a string, and our JOSE
            // layer is strict about it.
            let err = result.unwrap_err();
            assert!(err.to_string().contains("`kid` must be a string"), "{err}");
            checked.push(name);
            continue;
        }
        let verified = result.unwrap_or_else(|e| panic!("{name}: presentation: {e}"));
        assert_eq!(
            Value::Object(verified.claims().clone()),
            json(&dir.join("verified_contents.json")),
            "{name}: processed presentation"
        );
        let issued = UnverifiedSdJwt::parse(&read(&dir.join("sd_jwt_issuance.txt")))
            .unwrap()
            .verify(
                &key,
                &options(KbExpectation::Issuance),
                &FixedClock(VECTOR_IAT + 100),
            )
            .unwrap_or_else(|e| panic!("{name}: issuance: {e}"));
        assert_eq!(
            issued.claims(),
            &expected_issued(&dir),
            "{name}: processed issuance"
        );
        checked.push(name);
    }
    assert_eq!(checked.len(), 15, "{checked:?}");
}

#[test]
fn holder_lists_disclosable_paths_of_rfc_simple_example() {
    let text = read(&vectors().join("sd-jwt/examples/simple/spec_sd_jwt_issuance.txt"));
    let paths: Vec<String> = UnverifiedSdJwt::parse(&text)
        .unwrap()
        .disclosable_paths()
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    let mut expected = vec![
        "/address",
        "/birthdate",
        "/email",
        "/family_name",
        "/given_name",
        "/nationalities/0",
        "/nationalities/1",
        "/phone_number",
        "/phone_number_verified",
        "/updated_at",
    ];
    expected.sort();
    let mut got = paths.clone();
    got.sort();
    assert_eq!(got, expected);
}
