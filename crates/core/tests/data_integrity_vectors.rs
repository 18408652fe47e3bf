//! Data Integrity EdDSA: the W3C vc-di-eddsa test vectors (both cryptosuites, every step: canonical
//! form, hashes, proofValue, signed document) and the Open Badges 3.0 eddsa-rdfc-2022 vector.

// Helpers outside #[test] functions unwrap too: a failed fixture is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use passeport_core::clock::FixedClock;
use passeport_core::data_integrity::{
    self, danger, ContextSet, Cryptosuite, DataIntegrityError, ProofOptions,
};
use passeport_core::keys::{Ed25519SecretKey, PublicKey, SecretKey};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::path::PathBuf;

fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors")
}

fn text(path: &str) -> String {
    let full = vectors().join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

fn object(path: &str) -> Map<String, Value> {
    match serde_json::from_str(&text(path)).unwrap() {
        Value::Object(map) => map,
        other => panic!("{path}: not an object: {other}"),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// A Multikey `privateKeyMultibase` (multicodec ed25519-priv 0x1300, then the 32-byte seed).
fn key_from_multibase(private: &str) -> SecretKey {
    let (_, bytes) = multibase::decode(private).unwrap();
    assert_eq!(
        bytes.get(..2),
        Some(&[0x80, 0x26][..]),
        "ed25519-priv multicodec"
    );
    let seed: [u8; 32] = bytes[2..].try_into().unwrap();
    SecretKey::Ed25519(Ed25519SecretKey::from_seed(&seed))
}

fn vector_key() -> SecretKey {
    let pair = object("vc-di-eddsa/keyPair.json");
    let key = key_from_multibase(pair["privateKeyMultibase"].as_str().unwrap());
    let multikey =
        passeport_core::did::key::multikey(passeport_core::keys::Signer::public_jwk(&key)).unwrap();
    assert_eq!(multikey, pair["publicKeyMultibase"].as_str().unwrap());
    key
}

fn created(proof_config: &Map<String, Value>) -> i64 {
    passeport_core::clock::parse_rfc3339(proof_config["created"].as_str().unwrap()).unwrap()
}

/// Just after the vectors' `created` (2023-02-24T23:36:38Z).
fn clock() -> FixedClock {
    FixedClock(1_677_281_798 + 3600)
}

struct Case {
    dir: &'static str,
    unsigned: &'static str,
    suffix: &'static str,
    suite: Cryptosuite,
}

const CASES: &[Case] = &[
    Case {
        dir: "vc-di-eddsa/eddsa-rdfc-2022",
        unsigned: "vc-di-eddsa/unsigned.json",
        suffix: "DataInt",
        suite: Cryptosuite::EddsaRdfc2022,
    },
    Case {
        dir: "vc-di-eddsa/eddsa-rdfc-2022/employ",
        unsigned: "vc-di-eddsa/employmentAuth.json",
        suffix: "DataInt",
        suite: Cryptosuite::EddsaRdfc2022,
    },
    Case {
        dir: "vc-di-eddsa/eddsa-jcs-2022",
        unsigned: "vc-di-eddsa/unsigned.json",
        suffix: "JCS",
        suite: Cryptosuite::EddsaJcs2022,
    },
];

#[test]
fn w3c_vectors_every_step_matches() {
    let contexts = ContextSet::embedded();
    let key = vector_key();
    for case in CASES {
        let file = |name: &str, ext: &str| format!("{}/{name}{}.{ext}", case.dir, case.suffix);
        let at = |what: &str| format!("{} ({what})", case.dir);
        let unsigned = object(case.unsigned);
        let config = object(&file("proofConfig", "json"));

        let canon_doc = data_integrity::canonicalize(case.suite, &unsigned, contexts).unwrap();
        assert_eq!(
            canon_doc,
            text(&file("canonDoc", "txt")),
            "{}",
            at("canonDoc")
        );
        let canon_proof = data_integrity::canonicalize(case.suite, &config, contexts).unwrap();
        assert_eq!(
            canon_proof,
            text(&file("proofCanon", "txt")),
            "{}",
            at("proofCanon")
        );

        let doc_hash = sha256_hex(&canon_doc);
        let proof_hash = sha256_hex(&canon_proof);
        assert_eq!(
            doc_hash,
            text(&file("docHash", "txt")).trim(),
            "{}",
            at("docHash")
        );
        assert_eq!(
            proof_hash,
            text(&file("proofHash", "txt")).trim(),
            "{}",
            at("proofHash")
        );
        assert_eq!(
            format!("{proof_hash}{doc_hash}"),
            text(&file("combinedHash", "txt")).trim(),
            "{}",
            at("combinedHash")
        );

        // Ed25519 is deterministic: signing with their key gives their bytes.
        let options = ProofOptions {
            cryptosuite: case.suite,
            verification_method: config["verificationMethod"].as_str().unwrap().to_owned(),
            created: created(&config),
            expires: None,
        };
        let signed = data_integrity::sign(&unsigned, &key, &options).unwrap();
        let expected = object(&file("signed", "json"));
        assert_eq!(signed, expected, "{}", at("signed document"));
        // The by-value form (the issuer's) gives the same bytes, in the same member order.
        let owned = data_integrity::sign_owned(unsigned.clone(), &key, &options).unwrap();
        assert_eq!(
            serde_json::to_string(&owned).unwrap(),
            serde_json::to_string(&signed).unwrap(),
            "{}",
            at("sign_owned")
        );
        let proof_value = signed["proof"]["proofValue"].as_str().unwrap();
        assert_eq!(
            proof_value,
            text(&file("sigBTC58", "txt")).trim(),
            "{}",
            at("proofValue")
        );
        let (_, sig) = multibase::decode(proof_value).unwrap();
        assert_eq!(
            hex(&sig),
            text(&file("sigHex", "txt")).trim(),
            "{}",
            at("sigHex")
        );

        // Their signed document verifies (proof only: its issuer is not the key's controller).
        let verified = danger::verify_proof_only(
            &expected,
            &data_integrity::resolve_offline,
            &clock(),
            contexts,
        )
        .unwrap_or_else(|e| panic!("{}: {e}", at("verify")));
        assert_eq!(verified.cryptosuite(), case.suite);
        assert_eq!(
            verified.document(),
            &unsigned,
            "{}",
            at("verified document")
        );
        assert_eq!(verified.created(), Some(created(&config)));
    }
}

#[test]
fn w3c_vectors_fail_full_verification_because_issuer_is_not_the_key_controller() {
    // The vectors test the proof only: issuer https://vc.example/issuers/5678 does not control
    // the did:key method (Digital Bazaar's vc library rejects them for the same reason).
    for path in [
        "vc-di-eddsa/eddsa-rdfc-2022/signedDataInt.json",
        "vc-di-eddsa/eddsa-jcs-2022/signedJCS.json",
        "vc-di-eddsa/eddsa-rdfc-2022/employ/signedDataInt.json",
    ] {
        let err = data_integrity::verify(&object(path), &data_integrity::resolve_offline, &clock())
            .unwrap_err();
        assert!(
            matches!(err, DataIntegrityError::MethodNotControlledByIssuer { .. }),
            "{path}: {err}"
        );
    }
}

#[test]
fn proof_set_and_chain_vectors_verify() {
    let dir = "vc-di-eddsa/proof-set-chain";
    for (name, count) in [
        ("signedProofSet1.json", 1),
        ("signedProofSet2.json", 2),
        ("signedProofChain1.json", 3),
        ("signedProofChain2.json", 4),
    ] {
        let doc = object(&format!("{dir}/{name}"));
        let proofs = match &doc["proof"] {
            Value::Array(items) => items.len(),
            _ => 1,
        };
        assert_eq!(proofs, count, "{name}");
        let verified = danger::verify_proof_only(
            &doc,
            &data_integrity::resolve_offline,
            // The chain's last proofs were created two days after the first.
            &FixedClock(1_677_281_798 + 7 * 86_400),
            ContextSet::embedded(),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            verified.document(),
            &object(&format!("{dir}/unsigned.json")),
            "{name}"
        );
    }
}

#[test]
fn rejects_proof_chain_with_a_previous_proof_removed() {
    // Dropping the proof a chained proof depends on: named as missing, not silently accepted.
    let dir = "vc-di-eddsa/proof-set-chain";
    let mut doc = object(&format!("{dir}/signedProofChain2.json"));
    let proofs = doc["proof"].as_array_mut().unwrap();
    let chained: Vec<String> = proofs
        .iter()
        .filter_map(|p| p.get("previousProof"))
        .flat_map(|p| match p {
            Value::String(s) => vec![s.clone()],
            Value::Array(a) => a.iter().map(|v| v.as_str().unwrap().to_owned()).collect(),
            _ => vec![],
        })
        .collect();
    let victim = chained
        .first()
        .expect("the chain vector has previousProof")
        .clone();
    proofs.retain(|p| p["id"] != victim.as_str());
    let err = danger::verify_proof_only(
        &doc,
        &data_integrity::resolve_offline,
        &clock(),
        ContextSet::embedded(),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            DataIntegrityError::MalformedProof {
                field: "previousProof",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn rejects_proof_set_with_one_tampered_proof() {
    let dir = "vc-di-eddsa/proof-set-chain";
    let mut doc = object(&format!("{dir}/signedProofSet2.json"));
    doc["proof"][1]["created"] = "2023-02-24T23:36:39Z".into();
    let err = danger::verify_proof_only(
        &doc,
        &data_integrity::resolve_offline,
        &clock(),
        ContextSet::embedded(),
    )
    .unwrap_err();
    assert!(matches!(err, DataIntegrityError::BadSignature), "{err}");
}

#[test]
fn rejects_legacy_ed25519signature2020_by_name() {
    let doc = object("vc-di-eddsa/Ed25519Signature2020/signedEdSig.json");
    let err = danger::verify_proof_only(
        &doc,
        &data_integrity::resolve_offline,
        &clock(),
        ContextSet::embedded(),
    )
    .unwrap_err();
    assert!(
        matches!(&err, DataIntegrityError::UnsupportedProofType { found } if found == "Ed25519Signature2020"),
        "{err}"
    );
}

#[test]
fn rejects_jcs_document_with_a_context_appended_after_signing() {
    let mut doc = object("vc-di-eddsa/eddsa-jcs-2022/signedJCS.json");
    doc["@context"]
        .as_array_mut()
        .unwrap()
        .push("https://www.w3.org/ns/credentials/status/v1".into());
    let err = danger::verify_proof_only(
        &doc,
        &data_integrity::resolve_offline,
        &clock(),
        ContextSet::embedded(),
    )
    .unwrap_err();
    assert!(
        matches!(err, DataIntegrityError::ProofContextMismatch { .. }),
        "{err}"
    );
}

fn ob_vector() -> Map<String, Value> {
    object("open-badges-3.0/eddsa-rdfc-2022/test-vector.json")
}

fn hex_decode(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn open_badges_vector_every_step_matches_and_verifies() {
    let dir = "open-badges-3.0/eddsa-rdfc-2022";
    let vector = ob_vector();
    let contexts = ContextSet::embedded();
    let unsigned = object(&format!("{dir}/unsigned-credential.json"));
    let signed = object(&format!("{dir}/signed-credential.json"));

    let canon_doc =
        data_integrity::canonicalize(Cryptosuite::EddsaRdfc2022, &unsigned, contexts).unwrap();
    assert_eq!(canon_doc, text(&format!("{dir}/document-canon.txt")));
    assert_eq!(
        sha256_hex(&canon_doc),
        vector["document_hash_hex"].as_str().unwrap()
    );

    let mut config = signed["proof"].as_object().unwrap().clone();
    config.remove("proofValue");
    config.insert("@context".into(), unsigned["@context"].clone());
    let canon_proof =
        data_integrity::canonicalize(Cryptosuite::EddsaRdfc2022, &config, contexts).unwrap();
    assert_eq!(canon_proof, text(&format!("{dir}/proof-canon.txt")));
    assert_eq!(
        sha256_hex(&canon_proof),
        vector["proof_hash_hex"].as_str().unwrap()
    );

    // Sign with their key: their proofValue.
    let private = hex_decode(vector["private_key_hex"].as_str().unwrap());
    let seed: [u8; 32] = private[..32].try_into().unwrap();
    let key = SecretKey::Ed25519(Ed25519SecretKey::from_seed(&seed));
    let method = vector["verification_method"].as_str().unwrap();
    let options = ProofOptions {
        cryptosuite: Cryptosuite::EddsaRdfc2022,
        verification_method: method.to_owned(),
        created: created(&config),
        expires: None,
    };
    let ours = data_integrity::sign(&unsigned, &key, &options).unwrap();
    assert_eq!(
        ours["proof"]["proofValue"], vector["proof_value"],
        "proofValue"
    );
    assert_eq!(ours["proof"], signed["proof"]);

    // Full verification: the issuer https://example.edu/issuers/565049 controls the method
    // https://example.edu/issuers/565049#z6Mk…; the caller's resolver stands for its controller
    // document.
    let public = passeport_core::did::key::jwk_from_multikey(
        vector["public_key_multibase"].as_str().unwrap(),
    )
    .unwrap();
    let public = PublicKey::from_jwk(&public).unwrap();
    let resolve = |id: &str| {
        if id == method {
            Ok(public.clone())
        } else {
            Err(DataIntegrityError::UnresolvedMethod {
                method: id.to_owned(),
                reason: "not in the controller document".into(),
            })
        }
    };
    let verified = data_integrity::verify(&signed, &resolve, &FixedClock(1_262_374_000)).unwrap();
    assert_eq!(verified.controller(), "https://example.edu/issuers/565049");
    assert_eq!(verified.document(), &unsigned);
}

#[test]
fn bitstring_status_list_examples_sign_and_verify() {
    // The v2 context defines the Bitstring Status List terms (entries and list credentials).
    let key = SecretKey::Ed25519(Ed25519SecretKey::from_seed(&[5; 32]));
    let did =
        passeport_core::did::key::did_key(passeport_core::keys::Signer::public_jwk(&key)).unwrap();
    for name in [
        "example-1-example-statuslistcredential-using-simple-entries.json",
        "example-3-example-bitstringstatuslistcredential.json",
        "example-4-a-revocable-verifiable-credential.json",
        "example-5-a-status-list-verifiable-credential.json",
    ] {
        let mut unsigned = object(&format!("bitstring-status-list/{name}"));
        unsigned.insert("issuer".into(), did.as_str().into());
        for suite in [Cryptosuite::EddsaRdfc2022, Cryptosuite::EddsaJcs2022] {
            let options = ProofOptions {
                cryptosuite: suite,
                verification_method: passeport_core::did::key::method_id(&did),
                created: 1_767_225_600,
                expires: None,
            };
            let signed = data_integrity::sign(&unsigned, &key, &options)
                .unwrap_or_else(|e| panic!("{name} {suite}: {e}"));
            let verified = data_integrity::verify(
                &signed,
                &data_integrity::resolve_offline,
                &FixedClock(1_767_225_600),
            )
            .unwrap_or_else(|e| panic!("{name} {suite}: {e}"));
            // The by-value form verifies the same and hands back the same unsecured document.
            let owned = data_integrity::verify_owned(
                signed.clone(),
                &data_integrity::resolve_offline,
                &FixedClock(1_767_225_600),
            )
            .unwrap_or_else(|e| panic!("{name} {suite}: {e}"));
            assert_eq!(
                serde_json::to_string(owned.document()).unwrap(),
                serde_json::to_string(&unsigned).unwrap()
            );
            assert_eq!(owned.document(), verified.document());
            let mut tampered = signed.clone();
            tampered.insert("issuer".into(), "did:example:someone-else".into());
            assert!(data_integrity::verify_owned(
                tampered,
                &data_integrity::resolve_offline,
                &FixedClock(1_767_225_600),
            )
            .is_err());
        }
    }
}
