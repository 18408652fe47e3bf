//! Data Integrity: each negative test names the attack or mistake it stops, and checks the error
//! names what was wrong.

// Helpers outside #[test] functions unwrap too: a failed fixture is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use passeport_core::clock::FixedClock;
use passeport_core::data_integrity::{
    self, ContextSet, Cryptosuite, DataIntegrityError, ProofOptions, VerifiedDataIntegrity,
};
use passeport_core::did::{self, Did};
use passeport_core::keys::{Ed25519SecretKey, KeyAlgorithm, PublicKey, SecretKey, Signer};
use serde_json::{json, Map, Value};

const SUITES: [Cryptosuite; 2] = [Cryptosuite::EddsaRdfc2022, Cryptosuite::EddsaJcs2022];
const CREATED: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

fn key(seed: u8) -> SecretKey {
    SecretKey::Ed25519(Ed25519SecretKey::from_seed(&[seed; 32]))
}

fn options(key: &SecretKey, suite: Cryptosuite) -> ProofOptions {
    let did = did::key::did_key(key.public_jwk()).unwrap();
    ProofOptions {
        cryptosuite: suite,
        verification_method: did::key::method_id(&did),
        created: CREATED,
        expires: None,
    }
}

fn credential(issuer: &str) -> Map<String, Value> {
    let value = json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2"
        ],
        "id": "urn:uuid:0b6c7ea5-8e0e-4b8f-a1a1-7d1d5d4c0a11",
        "type": ["VerifiableCredential", "ExampleSkillCredential"],
        "issuer": issuer,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:alice",
            "skills": ["soudure", "lecture de plans", "habilitation B1V"]
        }
    });
    value.as_object().unwrap().clone()
}

fn signed(suite: Cryptosuite) -> Map<String, Value> {
    let key = key(1);
    let did = did::key::did_key(key.public_jwk()).unwrap();
    data_integrity::sign(&credential(did.as_str()), &key, &options(&key, suite)).unwrap()
}

fn verify_at(
    doc: &Map<String, Value>,
    now: i64,
) -> Result<VerifiedDataIntegrity, DataIntegrityError> {
    data_integrity::verify(doc, &data_integrity::resolve_offline, &FixedClock(now))
}

fn verify(doc: &Map<String, Value>) -> Result<VerifiedDataIntegrity, DataIntegrityError> {
    verify_at(doc, CREATED + 10)
}

#[test]
fn baseline_verifies_in_both_suites() {
    for suite in SUITES {
        verify(&signed(suite)).unwrap();
    }
}

#[test]
fn rejects_changed_array_member() {
    // Each member of an array is signed (for `@list` arrays, the order too: see the samples'
    // `allowedValue` in data_integrity_samples.rs).
    for suite in SUITES {
        let mut doc = signed(suite);
        doc["credentialSubject"]["skills"][0] = "meulage".into();
        assert!(
            matches!(verify(&doc), Err(DataIntegrityError::BadSignature)),
            "{suite}"
        );
    }
}

#[test]
fn rejects_wrong_proof_purpose() {
    for suite in SUITES {
        let mut doc = signed(suite);
        doc["proof"]["proofPurpose"] = "authentication".into();
        let err = verify(&doc).unwrap_err();
        assert!(
            matches!(&err, DataIntegrityError::WrongProofPurpose { found } if found == "authentication"),
            "{suite}: {err}"
        );
    }
}

#[test]
fn rejects_cryptosuite_swap() {
    // Same key, other suite name: the suite is signed, and each suite hashes differently.
    let mut doc = signed(Cryptosuite::EddsaRdfc2022);
    doc["proof"]["cryptosuite"] = "eddsa-jcs-2022".into();
    assert!(matches!(
        verify(&doc),
        Err(DataIntegrityError::BadSignature)
    ));
    for other in ["ecdsa-rdfc-2019", "eddsa-2022", "bbs-2023"] {
        let mut doc = signed(Cryptosuite::EddsaRdfc2022);
        doc["proof"]["cryptosuite"] = other.into();
        let err = verify(&doc).unwrap_err();
        assert!(
            matches!(&err, DataIntegrityError::UnsupportedCryptosuite { found } if found == other),
            "{other}: {err}"
        );
        assert!(err.to_string().contains(other));
    }
}

#[test]
fn rejects_bad_proof_values() {
    let good = signed(Cryptosuite::EddsaRdfc2022);
    let value = good["proof"]["proofValue"].as_str().unwrap().to_owned();
    let (_, sig) = multibase::decode(&value).unwrap();
    let cases = [
        // base64url multibase instead of base58btc
        multibase::encode(multibase::Base::Base64Url, &sig),
        // truncated signature
        multibase::encode(multibase::Base::Base58Btc, &sig[..63]),
        // not multibase at all
        "not a proof value".to_owned(),
        "z0OIl".to_owned(),
    ];
    for bad in cases {
        let mut doc = good.clone();
        doc["proof"]["proofValue"] = bad.clone().into();
        let err = verify(&doc).unwrap_err();
        assert!(
            matches!(err, DataIntegrityError::BadProofValue { .. }),
            "{bad}: {err}"
        );
    }
    // A well-formed signature by nobody.
    let mut doc = good.clone();
    doc["proof"]["proofValue"] = multibase::encode(multibase::Base::Base58Btc, [7u8; 64]).into();
    assert!(matches!(
        verify(&doc),
        Err(DataIntegrityError::BadSignature)
    ));
    let mut doc = good;
    doc["proof"].as_object_mut().unwrap().remove("proofValue");
    assert!(matches!(
        verify(&doc),
        Err(DataIntegrityError::MalformedProof {
            field: "proofValue",
            ..
        })
    ));
}

#[test]
fn rejects_proof_created_in_the_future_and_expired_proof() {
    let doc = signed(Cryptosuite::EddsaRdfc2022);
    let err = verify_at(&doc, CREATED - 3600).unwrap_err();
    assert!(
        matches!(err, DataIntegrityError::CreatedInFuture { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("2026-01-01T00:00:00Z"));

    let key = key(1);
    let did = did::key::did_key(key.public_jwk()).unwrap();
    let mut opts = options(&key, Cryptosuite::EddsaJcs2022);
    opts.expires = Some(CREATED + 3600);
    let doc = data_integrity::sign(&credential(did.as_str()), &key, &opts).unwrap();
    assert_eq!(doc["proof"]["expires"], "2026-01-01T01:00:00Z");
    let verified = verify_at(&doc, CREATED + 60).unwrap();
    assert_eq!(verified.expires(), Some(CREATED + 3600));
    let err = verify_at(&doc, CREATED + 7200).unwrap_err();
    assert!(matches!(err, DataIntegrityError::Expired { .. }), "{err}");
}

#[test]
fn rejects_key_substitution_by_resolver() {
    // The resolver hands back another key for the method: the signature does not verify.
    let doc = signed(Cryptosuite::EddsaRdfc2022);
    let other = key(2).public_key();
    let err =
        data_integrity::verify(&doc, &|_| Ok(other.clone()), &FixedClock(CREATED)).unwrap_err();
    assert!(matches!(err, DataIntegrityError::BadSignature), "{err}");
}

#[test]
fn rejects_p256_key_for_eddsa() {
    let p256 = SecretKey::generate(KeyAlgorithm::P256).unwrap();
    let doc = signed(Cryptosuite::EddsaRdfc2022);
    let public: PublicKey = p256.public_key();
    let err =
        data_integrity::verify(&doc, &|_| Ok(public.clone()), &FixedClock(CREATED)).unwrap_err();
    assert!(
        matches!(err, DataIntegrityError::WrongKeyType { .. }),
        "{err}"
    );
    // Nor signs with one.
    let did = did::key::did_key(p256.public_jwk()).unwrap();
    let opts = ProofOptions {
        cryptosuite: Cryptosuite::EddsaRdfc2022,
        verification_method: did::key::method_id(&did),
        created: CREATED,
        expires: None,
    };
    let err = data_integrity::sign(&credential(did.as_str()), &p256, &opts).unwrap_err();
    assert!(
        matches!(err, DataIntegrityError::WrongKeyType { .. }),
        "{err}"
    );
}

#[test]
fn rejects_signing_with_a_key_that_is_not_the_methods() {
    let key1 = key(1);
    let key2 = key(2);
    let did = did::key::did_key(key1.public_jwk()).unwrap();
    let err = data_integrity::sign(
        &credential(did.as_str()),
        &key2,
        &options(&key1, Cryptosuite::EddsaRdfc2022),
    )
    .unwrap_err();
    assert!(
        matches!(err, DataIntegrityError::SignerMismatch { .. }),
        "{err}"
    );
}

#[test]
fn the_signers_method_id_kept_per_thread_never_vouches_for_another_key() {
    // The signer's did:key method id is remembered per thread: a signature with the right key
    // first must not let the next one, with the wrong key or for the wrong method, through.
    let (key1, key2) = (key(1), key(2));
    let did1 = did::key::did_key(key1.public_jwk()).unwrap();
    let did2 = did::key::did_key(key2.public_jwk()).unwrap();
    let sign = |document_did: &Did, signer: &SecretKey, method_of: &SecretKey| {
        data_integrity::sign(
            &credential(document_did.as_str()),
            signer,
            &options(method_of, Cryptosuite::EddsaJcs2022),
        )
    };
    assert!(sign(&did1, &key1, &key1).is_ok());
    for (did, signer, method_of) in [(&did1, &key2, &key1), (&did2, &key1, &key2)] {
        let err = sign(did, signer, method_of).unwrap_err();
        assert!(
            matches!(err, DataIntegrityError::SignerMismatch { .. }),
            "{err}"
        );
    }
    assert!(sign(&did2, &key2, &key2).is_ok());
    assert!(sign(&did1, &key1, &key1).is_ok());
}

#[test]
fn rejects_issuer_swap_after_signing() {
    // Claim the credential came from someone else: the issuer no longer controls the method.
    for suite in SUITES {
        let mut doc = signed(suite);
        doc["issuer"] = "did:web:rectorat.example".into();
        let err = verify(&doc).unwrap_err();
        assert!(
            matches!(&err, DataIntegrityError::MethodNotControlledByIssuer { issuer, .. } if issuer == "did:web:rectorat.example"),
            "{suite}: {err}"
        );
    }
}

#[test]
fn rejects_missing_issuer_and_unsupported_method() {
    let mut doc = signed(Cryptosuite::EddsaRdfc2022);
    doc.remove("issuer");
    assert!(matches!(
        verify(&doc),
        Err(DataIntegrityError::MissingIssuer)
    ));

    let doc = signed(Cryptosuite::EddsaRdfc2022);
    let err = data_integrity::resolve_offline("did:web:example.com#key-1").unwrap_err();
    assert!(
        matches!(err, DataIntegrityError::UnresolvedMethod { .. }),
        "{err}"
    );
    // did:key method ids must name the key itself as fragment.
    let method = doc["proof"]["verificationMethod"].as_str().unwrap();
    let wrong_fragment = format!("{}#key-1", method.split('#').next().unwrap());
    assert!(data_integrity::resolve_offline(&wrong_fragment).is_err());
}

#[test]
fn rejects_unsigned_and_double_signed_documents() {
    let key = key(1);
    let did = did::key::did_key(key.public_jwk()).unwrap();
    let unsigned = credential(did.as_str());
    assert!(matches!(
        verify(&unsigned),
        Err(DataIntegrityError::MissingProof)
    ));
    let doc = signed(Cryptosuite::EddsaRdfc2022);
    let err =
        data_integrity::sign(&doc, &key, &options(&key, Cryptosuite::EddsaRdfc2022)).unwrap_err();
    assert!(matches!(err, DataIntegrityError::AlreadySigned), "{err}");
}

#[test]
fn rejects_proof_of_other_type() {
    let mut doc = signed(Cryptosuite::EddsaRdfc2022);
    doc["proof"]["type"] = "Ed25519Signature2020".into();
    let err = verify(&doc).unwrap_err();
    assert!(
        matches!(&err, DataIntegrityError::UnsupportedProofType { found } if found == "Ed25519Signature2020"),
        "{err}"
    );
}

#[test]
fn rejects_document_without_vcdm_base_context() {
    let key = key(1);
    let did = did::key::did_key(key.public_jwk()).unwrap();
    let mut unsigned = credential(did.as_str());
    unsigned["@context"] = json!(["https://www.w3.org/ns/credentials/examples/v2"]);
    let err = data_integrity::sign(&unsigned, &key, &options(&key, Cryptosuite::EddsaRdfc2022))
        .unwrap_err();
    assert!(
        matches!(err, DataIntegrityError::BadDocumentContext { .. }),
        "{err}"
    );
    unsigned.remove("@context");
    let err = data_integrity::sign(&unsigned, &key, &options(&key, Cryptosuite::EddsaJcs2022))
        .unwrap_err();
    assert!(
        matches!(err, DataIntegrityError::BadDocumentContext { .. }),
        "{err}"
    );
}

#[test]
fn rejects_undefined_type_naming_it() {
    // VCDM 2.0's issuer-dependent @vocab would take it: safe mode refuses it.
    let key = key(1);
    let did = did::key::did_key(key.public_jwk()).unwrap();
    let mut unsigned = credential(did.as_str());
    unsigned["@context"] = json!(["https://www.w3.org/ns/credentials/v2"]);
    unsigned["credentialSubject"] = json!({"id": "did:example:alice"});
    unsigned["type"] = json!(["VerifiableCredential", "MadeUpCredential"]);
    for suite in SUITES {
        let err = data_integrity::sign(&unsigned, &key, &options(&key, suite)).unwrap_err();
        assert!(
            matches!(&err, DataIntegrityError::UndefinedTerm { term } if term == "MadeUpCredential"),
            "{suite}: {err}"
        );
    }
}

#[test]
fn rejects_term_dropped_under_vcdm_1_context() {
    // VCDM 1.1 has no @vocab: JSON-LD would silently drop the term; safe mode names it.
    let key = key(1);
    let did = did::key::did_key(key.public_jwk()).unwrap();
    let mut unsigned = credential(did.as_str());
    unsigned["@context"] = json!([
        "https://www.w3.org/2018/credentials/v1",
        "https://w3id.org/security/data-integrity/v2"
    ]);
    unsigned["type"] = json!(["VerifiableCredential"]);
    unsigned.remove("validFrom");
    unsigned.insert("issuanceDate".into(), "2026-01-01T00:00:00Z".into());
    unsigned["credentialSubject"] = json!({"id": "did:example:alice", "secretNote": "x"});
    let err = data_integrity::sign(&unsigned, &key, &options(&key, Cryptosuite::EddsaRdfc2022))
        .unwrap_err();
    assert!(
        matches!(&err, DataIntegrityError::UndefinedTerm { term } if term == "secretNote"),
        "{err}"
    );
}

#[test]
fn caller_supplied_context_is_used_and_never_fetched() {
    let url = "https://issuer.example/contexts/skills-v1.jsonld";
    let contexts = ContextSet::embedded()
        .clone()
        .with(
            url,
            r#"{"@context": {"level": "https://issuer.example/vocab#level"}}"#,
        )
        .unwrap();
    assert!(contexts.contains(url));
    let key = key(1);
    let did = did::key::did_key(key.public_jwk()).unwrap();
    let mut unsigned = credential(did.as_str());
    unsigned["@context"]
        .as_array_mut()
        .unwrap()
        .push(url.into());
    unsigned["credentialSubject"]["level"] = "B1".into();
    let opts = options(&key, Cryptosuite::EddsaRdfc2022);
    let doc = data_integrity::sign_with_contexts(&unsigned, &key, &opts, &contexts).unwrap();
    data_integrity::verify_with_contexts(
        &doc,
        &data_integrity::resolve_offline,
        &FixedClock(CREATED),
        &contexts,
    )
    .unwrap();
    // Without it: named as unknown.
    let err = verify(&doc).unwrap_err();
    assert!(
        matches!(&err, DataIntegrityError::UnknownContext { url: u } if u == url),
        "{err}"
    );
}

#[test]
fn rejects_oversized_document() {
    let key = key(1);
    let did = did::key::did_key(key.public_jwk()).unwrap();
    let mut unsigned = credential(did.as_str());
    unsigned["credentialSubject"]["name"] = "x".repeat(data_integrity::MAX_DOCUMENT_BYTES).into();
    let err = data_integrity::sign(&unsigned, &key, &options(&key, Cryptosuite::EddsaRdfc2022))
        .unwrap_err();
    assert!(
        matches!(err, DataIntegrityError::DocumentTooLarge { .. }),
        "{err}"
    );
}

#[test]
fn did_jwk_methods_resolve_offline() {
    let key = key(3);
    let did = did::jwk::did_jwk(key.public_jwk()).unwrap();
    let opts = ProofOptions {
        cryptosuite: Cryptosuite::EddsaJcs2022,
        verification_method: format!("{did}#0"),
        created: CREATED,
        expires: None,
    };
    let doc = data_integrity::sign(&credential(did.as_str()), &key, &opts).unwrap();
    let verified = verify(&doc).unwrap();
    assert_eq!(verified.controller(), did.as_str());
}

#[test]
fn vcdm_1_credential_without_data_integrity_context_names_the_proof_type() {
    let key = key(1);
    let did = did::key::did_key(key.public_jwk()).unwrap();
    let mut unsigned = credential(did.as_str());
    unsigned["@context"] = json!(["https://www.w3.org/2018/credentials/v1"]);
    unsigned["type"] = json!(["VerifiableCredential"]);
    unsigned.remove("validFrom");
    unsigned.insert("issuanceDate".into(), "2026-01-01T00:00:00Z".into());
    unsigned["credentialSubject"] = json!({"id": "did:example:alice"});
    let err = data_integrity::sign(&unsigned, &key, &options(&key, Cryptosuite::EddsaRdfc2022))
        .unwrap_err();
    assert!(
        matches!(&err, DataIntegrityError::UndefinedTerm { term } if term == "DataIntegrityProof"),
        "{err}"
    );
}

#[test]
fn proof_set_verifies_with_the_issuers_proof_and_every_proof_must_hold() {
    let issuer_key = key(1);
    let witness_key = key(2);
    let did = did::key::did_key(issuer_key.public_jwk()).unwrap();
    let unsigned = credential(did.as_str());
    let by_issuer = data_integrity::sign(
        &unsigned,
        &issuer_key,
        &options(&issuer_key, Cryptosuite::EddsaRdfc2022),
    )
    .unwrap();
    let by_witness = data_integrity::sign(
        &unsigned,
        &witness_key,
        &options(&witness_key, Cryptosuite::EddsaJcs2022),
    )
    .unwrap();
    let mut set = unsigned.clone();
    set.insert(
        "proof".into(),
        json!([by_witness["proof"], by_issuer["proof"]]),
    );
    let verified = verify(&set).unwrap();
    assert_eq!(verified.controller(), did.as_str());
    assert_eq!(verified.cryptosuite(), Cryptosuite::EddsaRdfc2022);
    assert_eq!(verified.document(), &unsigned);

    // A broken witness proof breaks the set.
    let mut broken = set.clone();
    broken["proof"][0]["created"] = "2026-01-01T00:00:01Z".into();
    assert!(matches!(
        verify(&broken),
        Err(DataIntegrityError::BadSignature)
    ));

    // Only the witness: the issuer controls no proof's method.
    let mut witness_only = unsigned;
    witness_only.insert("proof".into(), json!([by_witness["proof"]]));
    let err = verify(&witness_only).unwrap_err();
    assert!(
        matches!(err, DataIntegrityError::MethodNotControlledByIssuer { .. }),
        "{err}"
    );
}

#[test]
fn relative_ids_are_not_left_unsigned() {
    // JSON-LD to RDF drops triples whose subject or object is a relative IRI: such an id must
    // either be refused or be signed, never ride along.
    let key = key(1);
    let did = did::key::did_key(key.public_jwk()).unwrap();
    let mut unsigned = credential(did.as_str());
    unsigned["credentialSubject"]["id"] = "alice".into();
    for suite in SUITES {
        let err = data_integrity::sign(&unsigned, &key, &options(&key, suite)).unwrap_err();
        assert!(
            matches!(&err, DataIntegrityError::RelativeIri { id } if id == "alice"),
            "{suite}: {err}"
        );
        // Verifying a credential whose id was made relative after signing fails the same way.
        let mut doc = signed(suite);
        doc["credentialSubject"]["id"] = "mallory".into();
        assert!(matches!(
            verify(&doc),
            Err(DataIntegrityError::RelativeIri { .. })
        ));
    }
}

/// A context replaced with `ContextSet::with` after the set was used must not be served from the
/// processed-context cache: otherwise a document would be signed with a stale meaning.
#[test]
fn rejects_stale_processed_context_after_with() {
    let url = "https://example.org/contexts/cache-test/v1";
    let context = |iri: &str| json!({ "@context": { "score": iri } }).to_string();
    let document = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", url],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": { "id": "did:example:alice", "score": "A" }
    });
    let document = document.as_object().unwrap();
    let first = ContextSet::embedded()
        .clone()
        .with(url, &context("https://a.example/score"))
        .unwrap();
    let canonical = |set: &ContextSet| {
        data_integrity::canonicalize(Cryptosuite::EddsaRdfc2022, document, set).unwrap()
    };
    // Twice: the second answer comes from the cache and must be the same.
    let a = canonical(&first);
    assert_eq!(canonical(&first), a);
    assert!(a.contains("<https://a.example/score>"), "{a}");
    let second = first
        .clone()
        .with(url, &context("https://b.example/score"))
        .unwrap();
    let b = canonical(&second);
    assert!(b.contains("<https://b.example/score>"), "{b}");
    assert!(!b.contains("https://a.example/score"), "{b}");
    // A set without the context still refuses it, though another set processed it.
    let err =
        data_integrity::canonicalize(Cryptosuite::EddsaRdfc2022, document, ContextSet::embedded())
            .unwrap_err();
    assert!(
        matches!(err, DataIntegrityError::UnknownContext { url: ref u } if u == url),
        "{err:?}"
    );
}
