//! Data Integrity on the passport samples: every sample credential signs and verifies in both
//! cryptosuites, and tampering with a claim, the proof's `created` or the `@context` fails with
//! a reason.
//!
//! "The issuer controls the method" is tested two ways: the issuer id replaced by the signing
//! key's did:key, and the samples' own did:web issuer with a DID document (standing for the
//! fetched one) that lists the key under `assertionMethod`.

// Helpers outside #[test] functions unwrap too: a failed fixture is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use passeport_core::clock::FixedClock;
use passeport_core::data_integrity::{self, Cryptosuite, DataIntegrityError, ProofOptions};
use passeport_core::did::{self, Did, DidDocument, DidError, DidResolver, MethodRef};
use passeport_core::did::{OfflineResolver, VerificationMethod};
use passeport_core::keys::{Ed25519SecretKey, SecretKey, Signer};
use serde_json::{Map, Value};
use std::path::PathBuf;

const SUITES: [Cryptosuite; 2] = [Cryptosuite::EddsaRdfc2022, Cryptosuite::EddsaJcs2022];
const CREATED: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

fn clock() -> FixedClock {
    FixedClock(CREATED + 600)
}

fn samples() -> Vec<(String, Map<String, Value>)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/domain/samples");
    let mut out = Vec::new();
    for person in std::fs::read_dir(&root).unwrap() {
        let person = person.unwrap().path();
        if !person.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&person).unwrap() {
            let path = file.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.ends_with(".credential.json") {
                let text = std::fs::read_to_string(&path).unwrap();
                let Value::Object(map) = serde_json::from_str(&text).unwrap() else {
                    panic!("{name}: not an object")
                };
                out.push((format!("{}/{name}", person.display()), map));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(
        out.len() >= 19,
        "expected the passport samples, found {}",
        out.len()
    );
    out
}

fn key(seed: u8) -> SecretKey {
    SecretKey::Ed25519(Ed25519SecretKey::from_seed(&[seed; 32]))
}

/// The credential with its issuer id set to `id` (string or `issuer.id`).
fn with_issuer(credential: &Map<String, Value>, id: &str) -> Map<String, Value> {
    let mut credential = credential.clone();
    match credential.get_mut("issuer") {
        Some(Value::Object(issuer)) => {
            issuer.insert("id".into(), id.into());
        }
        _ => {
            credential.insert("issuer".into(), id.into());
        }
    }
    credential
}

fn did_key_options(key: &SecretKey, suite: Cryptosuite) -> (Did, ProofOptions) {
    let did = did::key::did_key(key.public_jwk()).unwrap();
    let options = ProofOptions {
        cryptosuite: suite,
        verification_method: did::key::method_id(&did),
        created: CREATED,
        expires: None,
    };
    (did, options)
}

fn verify(
    doc: &Map<String, Value>,
) -> Result<data_integrity::VerifiedDataIntegrity, DataIntegrityError> {
    data_integrity::verify(doc, &data_integrity::resolve_offline, &clock())
}

#[test]
fn every_sample_signs_and_verifies_in_both_suites_with_did_key_issuer() {
    let key = key(7);
    for (name, credential) in samples() {
        for suite in SUITES {
            let (did, options) = did_key_options(&key, suite);
            let unsigned = with_issuer(&credential, did.as_str());
            let signed = data_integrity::sign(&unsigned, &key, &options)
                .unwrap_or_else(|e| panic!("{name} {suite}: sign: {e}"));
            let verified = verify(&signed).unwrap_or_else(|e| panic!("{name} {suite}: {e}"));
            assert_eq!(verified.document(), &unsigned, "{name} {suite}");
            assert_eq!(verified.controller(), did.as_str());
            assert_eq!(verified.cryptosuite(), suite);
        }
    }
}

/// A did:web resolver answering from documents it was given (stands for the fetched ones).
struct StaticDids(Vec<DidDocument>);

impl DidResolver for StaticDids {
    fn resolve(&self, did: &Did) -> Result<DidDocument, DidError> {
        self.0
            .iter()
            .find(|d| d.id == did.as_str())
            .cloned()
            .map_or_else(|| OfflineResolver.resolve(did), Ok)
    }
}

fn web_document(did: &str, key: &SecretKey, listed_for_assertion: bool) -> DidDocument {
    let method_id = format!("{did}#key-1");
    DidDocument {
        context: vec![],
        id: did.to_owned(),
        verification_method: vec![VerificationMethod {
            id: method_id.clone(),
            type_: "Multikey".into(),
            controller: did.to_owned(),
            public_key_jwk: None,
            public_key_multibase: Some(did::key::multikey(key.public_jwk()).unwrap()),
            public_key_base58: None,
        }],
        authentication: vec![MethodRef::Reference(method_id.clone())],
        assertion_method: if listed_for_assertion {
            vec![MethodRef::Reference(method_id)]
        } else {
            vec![]
        },
        capability_delegation: vec![],
        capability_invocation: vec![],
    }
}

fn issuer_of(credential: &Map<String, Value>) -> String {
    credential["issuer"]["id"].as_str().unwrap().to_owned()
}

#[test]
fn every_sample_verifies_with_its_did_web_issuer_through_a_did_resolver() {
    let key = key(9);
    for (name, credential) in samples() {
        let issuer = issuer_of(&credential);
        assert!(issuer.starts_with("did:web:"), "{name}");
        let resolver = StaticDids(vec![web_document(&issuer, &key, true)]);
        let resolve = data_integrity::did_resolver_keys(&resolver);
        for suite in SUITES {
            let options = ProofOptions {
                cryptosuite: suite,
                verification_method: format!("{issuer}#key-1"),
                created: CREATED,
                expires: None,
            };
            let signed = data_integrity::sign(&credential, &key, &options).unwrap();
            let verified = data_integrity::verify(&signed, &resolve, &clock())
                .unwrap_or_else(|e| panic!("{name} {suite}: {e}"));
            assert_eq!(verified.controller(), issuer);
        }
    }
}

#[test]
fn rejects_did_web_key_not_listed_for_assertion() {
    let key = key(9);
    let (_, credential) = samples().remove(0);
    let issuer = issuer_of(&credential);
    let resolver = StaticDids(vec![web_document(&issuer, &key, false)]);
    let options = ProofOptions {
        cryptosuite: Cryptosuite::EddsaRdfc2022,
        verification_method: format!("{issuer}#key-1"),
        created: CREATED,
        expires: None,
    };
    let signed = data_integrity::sign(&credential, &key, &options).unwrap();
    let err = data_integrity::verify(
        &signed,
        &data_integrity::did_resolver_keys(&resolver),
        &clock(),
    )
    .unwrap_err();
    assert!(
        matches!(err, DataIntegrityError::UnresolvedMethod { .. }),
        "{err}"
    );
}

#[test]
fn rejects_method_of_another_did_than_the_issuer() {
    // An attacker signs with their own did:key a credential naming a did:web issuer.
    let attacker = key(66);
    for (name, credential) in samples().into_iter().take(3) {
        for suite in SUITES {
            let (_, options) = did_key_options(&attacker, suite);
            let signed = data_integrity::sign(&credential, &attacker, &options).unwrap();
            let err = verify(&signed).unwrap_err();
            assert!(
                matches!(&err, DataIntegrityError::MethodNotControlledByIssuer { issuer, .. } if *issuer == issuer_of(&credential)),
                "{name} {suite}: {err}"
            );
        }
    }
}

/// Every leaf (string, number, boolean) outside `@context`, as a path of keys/indexes.
fn leaves(value: &Value, path: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "@context" {
                    continue;
                }
                path.push(Value::String(k.clone()));
                leaves(v, path, out);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                path.push(Value::from(i));
                leaves(v, path, out);
                path.pop();
            }
        }
        Value::Null => {}
        _ => out.push(path.clone()),
    }
}

fn at_mut<'a>(value: &'a mut Value, path: &[Value]) -> &'a mut Value {
    path.iter().fold(value, |v, step| match step {
        Value::String(k) => v.get_mut(k.as_str()).unwrap(),
        Value::Number(i) => v.get_mut(i.as_u64().unwrap() as usize).unwrap(),
        _ => unreachable!(),
    })
}

fn tamper(leaf: &mut Value) {
    *leaf = match leaf.take() {
        Value::String(s) => Value::String(format!("{s}x")),
        Value::Number(n) => Value::from(n.as_i64().map_or(1, |i| i + 1)),
        Value::Bool(b) => Value::Bool(!b),
        other => other,
    };
}

#[test]
fn changing_any_claim_value_fails_verification_in_both_suites() {
    let key = key(7);
    let all = samples();
    // Every leaf of two samples (a diploma and an employment record), one leaf of all others.
    for (index, (name, credential)) in all.iter().enumerate() {
        for suite in SUITES {
            let (did, options) = did_key_options(&key, suite);
            let signed =
                data_integrity::sign(&with_issuer(credential, did.as_str()), &key, &options)
                    .unwrap();
            let document = Value::Object(signed);
            let mut paths = Vec::new();
            leaves(&document, &mut Vec::new(), &mut paths);
            paths.retain(|p| p.first() != Some(&Value::String("proof".into())));
            assert!(paths.len() > 10, "{name}");
            let chosen: Vec<_> = if index < 2 {
                paths
            } else {
                vec![paths[index % paths.len()].clone()]
            };
            for path in chosen {
                let mut changed = document.clone();
                tamper(at_mut(&mut changed, &path));
                let err = verify(changed.as_object().unwrap())
                    .expect_err(&format!("{name} {suite}: changing {path:?} still verifies"));
                // A reason is given: the signature, or the changed term no longer defined.
                assert!(
                    matches!(
                        err,
                        DataIntegrityError::BadSignature
                            | DataIntegrityError::UndefinedTerm { .. }
                            | DataIntegrityError::MethodNotControlledByIssuer { .. }
                            | DataIntegrityError::JsonLd { .. }
                    ),
                    "{name} {suite} {path:?}: {err}"
                );
            }
        }
    }
}

fn signed_sample(suite: Cryptosuite) -> Map<String, Value> {
    let key = key(7);
    let (_, credential) = samples().remove(0);
    let (did, options) = did_key_options(&key, suite);
    data_integrity::sign(&with_issuer(&credential, did.as_str()), &key, &options).unwrap()
}

#[test]
fn changing_proof_created_fails_with_bad_signature() {
    for suite in SUITES {
        let mut signed = signed_sample(suite);
        signed["proof"]["created"] = "2026-01-01T00:00:01Z".into();
        let err = verify(&signed).unwrap_err();
        assert!(
            matches!(err, DataIntegrityError::BadSignature),
            "{suite}: {err}"
        );
    }
}

#[test]
fn reordering_the_base_context_fails_in_both_suites() {
    for suite in SUITES {
        let mut signed = signed_sample(suite);
        signed["@context"].as_array_mut().unwrap().swap(0, 1);
        let err = verify(&signed).unwrap_err();
        assert!(
            matches!(err, DataIntegrityError::BadDocumentContext { .. }),
            "{suite}: {err}"
        );
    }
}

#[test]
fn reordering_later_contexts_fails_in_jcs() {
    let mut signed = signed_sample(Cryptosuite::EddsaJcs2022);
    signed["@context"].as_array_mut().unwrap().swap(1, 2);
    let err = verify(&signed).unwrap_err();
    assert!(
        matches!(err, DataIntegrityError::ProofContextMismatch { .. }),
        "{err}"
    );
}

#[test]
fn rejects_undefined_term_added_to_credential_naming_it() {
    let key = key(7);
    let (_, credential) = samples().remove(0);
    for suite in SUITES {
        let (did, options) = did_key_options(&key, suite);
        let mut unsigned = with_issuer(&credential, did.as_str());
        unsigned["credentialSubject"]
            .as_object_mut()
            .unwrap()
            .insert("favouriteColour".into(), "blue".into());
        // Signing refuses it…
        let err = data_integrity::sign(&unsigned, &key, &options).unwrap_err();
        assert!(
            matches!(&err, DataIntegrityError::UndefinedTerm { term } if term == "favouriteColour"),
            "{suite}: {err}"
        );
        assert!(err.to_string().contains("favouriteColour"));
        // …and so does verifying a signed credential with the term slipped in.
        let mut signed = signed_sample(suite);
        signed["credentialSubject"]
            .as_object_mut()
            .unwrap()
            .insert("favouriteColour".into(), "blue".into());
        let err = verify(&signed).unwrap_err();
        assert!(
            matches!(&err, DataIntegrityError::UndefinedTerm { term } if term == "favouriteColour"),
            "{suite}: {err}"
        );
    }
}

#[test]
fn rejects_unknown_context_naming_it() {
    let url = "https://attacker.example/contexts/v1";
    let key = key(7);
    let (_, credential) = samples().remove(0);
    for suite in SUITES {
        let (did, options) = did_key_options(&key, suite);
        let mut unsigned = with_issuer(&credential, did.as_str());
        unsigned["@context"]
            .as_array_mut()
            .unwrap()
            .push(url.into());
        let err = data_integrity::sign(&unsigned, &key, &options).unwrap_err();
        assert!(
            matches!(&err, DataIntegrityError::UnknownContext { url: u } if u == url),
            "{suite}: {err}"
        );
        assert!(err.to_string().contains(url));

        let mut signed = signed_sample(suite);
        signed["@context"].as_array_mut().unwrap().push(url.into());
        if let Some(Value::Array(c)) = signed["proof"].get_mut("@context") {
            c.push(url.into());
        }
        let err = verify(&signed).unwrap_err();
        assert!(
            matches!(&err, DataIntegrityError::UnknownContext { url: u } if u == url),
            "{suite}: {err}"
        );
    }
}

#[test]
fn measure_rdfc_sign_time_for_a_passport_sample() {
    // Not an assertion on time: prints a rough figure (run with --release --nocapture).
    let key = key(7);
    let (_, credential) = samples().remove(0);
    let (did, options) = did_key_options(&key, Cryptosuite::EddsaRdfc2022);
    let unsigned = with_issuer(&credential, did.as_str());
    let rounds = 20;
    let start = std::time::Instant::now();
    for _ in 0..rounds {
        data_integrity::sign(&unsigned, &key, &options).unwrap();
    }
    let sign = start.elapsed() / rounds;
    let signed = data_integrity::sign(&unsigned, &key, &options).unwrap();
    let start = std::time::Instant::now();
    for _ in 0..rounds {
        verify(&signed).unwrap();
    }
    println!(
        "eddsa-rdfc-2022 on a passport diploma: sign {sign:?}, verify {:?} (per operation)",
        start.elapsed() / rounds
    );
}
