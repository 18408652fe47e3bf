//! Keys and DIDs against other implementations: RFC 8037 examples, JWKs read and written by
//! josekit (a second JOSE library), the W3C CCG did:key vectors and Digital Bazaar's did:key
//! documents.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use josekit::jws::{JwsSigner as _, JwsVerifier as _};
use passeport_core::did::{self, Did};
use passeport_core::jose::{self, JwsHeaderParams, JwsPolicy, UnverifiedJws};
use passeport_core::keys::{KeyAlgorithm, PrivateJwk, PublicJwk, PublicKey, SecretKey, Signer};
use serde_json::Value;
use std::path::PathBuf;

fn vectors(path: &str) -> Value {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors")
        .join(path);
    serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap()
}

const RFC8037_PRIVATE: &str = r#"{"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#;

#[test]
fn rfc8037_a4_ed25519_jws_is_reproduced_exactly() {
    let key = SecretKey::from_jwk_json(RFC8037_PRIVATE).unwrap();
    let jws = jose::sign_compact(
        &key,
        &JwsHeaderParams::default(),
        b"Example of Ed25519 signing",
    )
    .unwrap();
    assert_eq!(
        jws,
        "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
    );
    let verified = UnverifiedJws::parse(&jws)
        .unwrap()
        .verify(&key.public_key(), &JwsPolicy::untyped())
        .unwrap();
    assert_eq!(verified.payload(), b"Example of Ed25519 signing");
}

#[test]
fn rfc8037_private_key_mismatch_is_refused() {
    let wrong = RFC8037_PRIVATE.replace("11qYAYKx", "21qYAYKx");
    assert!(SecretKey::from_jwk_json(&wrong).is_err());
}

#[test]
fn our_jwks_load_in_josekit_and_sign_both_ways() {
    for (alg, josekit_alg) in [
        (KeyAlgorithm::Ed25519, "EdDSA"),
        (KeyAlgorithm::P256, "ES256"),
    ] {
        let key = SecretKey::generate(alg).unwrap();
        let text = key.to_private_jwk().to_json_pretty();
        let theirs = josekit::jwk::Jwk::from_bytes(text.as_bytes()).unwrap();
        let message = b"header.payload";
        let (their_signature, their_verifier_ok) = match josekit_alg {
            "EdDSA" => {
                let signer = josekit::jws::EdDSA.signer_from_jwk(&theirs).unwrap();
                let verifier = josekit::jws::EdDSA.verifier_from_jwk(&theirs).unwrap();
                let ours = key.try_sign(message).unwrap();
                (
                    signer.sign(message).unwrap(),
                    verifier.verify(message, &ours).is_ok(),
                )
            }
            _ => {
                let signer = josekit::jws::ES256.signer_from_jwk(&theirs).unwrap();
                let verifier = josekit::jws::ES256.verifier_from_jwk(&theirs).unwrap();
                let ours = key.try_sign(message).unwrap();
                (
                    signer.sign(message).unwrap(),
                    verifier.verify(message, &ours).is_ok(),
                )
            }
        };
        assert!(their_verifier_ok, "{alg:?}: josekit verifies our signature");
        assert!(
            key.public_key().verify(message, &their_signature),
            "{alg:?}: we verify josekit's signature"
        );
    }
}

#[test]
fn josekit_generated_keys_load_here() {
    let pair = josekit::jws::ES256.generate_key_pair().unwrap();
    let jwk = pair.to_jwk_key_pair();
    let key = SecretKey::from_jwk_json(&jwk.to_string()).unwrap();
    assert_eq!(key.key_algorithm(), KeyAlgorithm::P256);
    let pair = josekit::jws::EdDSA
        .generate_key_pair(josekit::jwk::alg::ed::EdCurve::Ed25519)
        .unwrap();
    let key = SecretKey::from_jwk_json(&pair.to_jwk_key_pair().to_string()).unwrap();
    assert_eq!(key.key_algorithm(), KeyAlgorithm::Ed25519);
}

#[test]
fn sd_jwt_vector_keys_round_trip() {
    let keys = vectors("sd-jwt/keys.json");
    let mut seen = 0;
    for (name, value) in keys.as_object().unwrap() {
        if value.get("kty").is_none() {
            continue;
        }
        seen += 1;
        let public = PublicJwk::from_value(value).unwrap();
        let key = PublicKey::from_jwk(&public).unwrap();
        assert_eq!(
            PublicJwk::from_value(&key.jwk().to_value()).unwrap(),
            public,
            "{name}"
        );
        if value.get("d").is_some() {
            let private = PrivateJwk::from_value(value).unwrap();
            let secret = SecretKey::from_jwk(&private).unwrap();
            assert_eq!(
                secret.public_jwk().thumbprint(),
                public.thumbprint(),
                "{name}"
            );
            let sig = secret.try_sign(b"m").unwrap();
            assert!(key.verify(b"m", &sig), "{name}");
        }
    }
    assert!(seen >= 2, "keys found: {seen}");
}

#[test]
fn w3c_ccg_did_key_ed25519_vectors() {
    let vectors_doc = vectors("did-key/ed25519-x25519.json");
    let mut with_seed = 0;
    for (did, case) in vectors_doc.as_object().unwrap() {
        let parsed = Did::parse(did).unwrap();
        let doc = did::resolve_offline(&parsed).unwrap();
        let key = doc.assertion_keys().pop().unwrap();
        // Same key as the vector's (base58 raw key, or JWK).
        let pair = &case["verificationKeyPair"];
        let raw = match pair.get("publicKeyBase58").and_then(Value::as_str) {
            Some(b58) => multibase::decode(format!("z{b58}")).unwrap().1,
            None => {
                passeport_core::b64::decode(pair["publicKeyJwk"]["x"].as_str().unwrap()).unwrap()
            }
        };
        assert_eq!(
            passeport_core::b64::decode(&key.jwk().x).unwrap(),
            raw,
            "{did}"
        );
        if let Some(seed) = case.get("seed").and_then(Value::as_str) {
            let seed: [u8; 32] = (0..32)
                .map(|i| u8::from_str_radix(&seed[2 * i..2 * i + 2], 16).unwrap())
                .collect::<Vec<_>>()
                .try_into()
                .unwrap();
            let secret = passeport_core::keys::Ed25519SecretKey::from_seed(&seed);
            assert_eq!(
                did::key::did_key(secret.public_jwk()).unwrap().as_str(),
                did
            );
            with_seed += 1;
        }
    }
    assert!(with_seed >= 4);
}

#[test]
fn did_key_documents_match_digital_bazaar() {
    let docs = vectors("did-key/generated-digitalbazaar-multikey-docs.json");
    let mut compared = 0;
    for (did, expected) in docs.as_object().unwrap() {
        if !did.starts_with("did:") {
            continue;
        }
        let ours = did::resolve_offline(&Did::parse(did).unwrap()).unwrap();
        let ours = serde_json::to_value(&ours).unwrap();
        // Same members, same values; Digital Bazaar lists no keyAgreement for Ed25519 either.
        assert_eq!(ours, *expected, "{did}");
        compared += 1;
    }
    assert_eq!(compared, 5);
}

#[test]
fn w3c_ccg_did_key_p256_vectors() {
    let doc = vectors("did-key/nist-curves.json");
    let mut checked = 0;
    for (did, case) in doc.as_object().unwrap() {
        let Some(jwk) = case["verificationMethod"].get("publicKeyJwk") else {
            continue;
        };
        if jwk["crv"] != "P-256" {
            // P-384 / P-521 are outside our key types: refused by name, never misread.
            assert!(
                did::resolve_offline(&Did::parse(did).unwrap()).is_err(),
                "{did}"
            );
            continue;
        }
        let resolved = did::resolve_offline(&Did::parse(did).unwrap()).unwrap();
        let key = resolved.assertion_keys().pop().unwrap();
        assert_eq!(key.jwk().x, jwk["x"].as_str().unwrap(), "{did}");
        assert_eq!(key.jwk().y.as_deref(), jwk["y"].as_str(), "{did}");
        // And back: the same did:key from the JWK.
        assert_eq!(
            did::key::did_key(&PublicJwk::from_value(jwk).unwrap())
                .unwrap()
                .as_str(),
            did
        );
        checked += 1;
    }
    assert_eq!(checked, 2);
}

#[test]
fn unsupported_did_key_curves_are_refused_clearly() {
    for file in [
        "did-key/secp256k1.json",
        "did-key/bls12381.json",
        "did-key/x25519.json",
    ] {
        for did in vectors(file)
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| k.starts_with("did:key"))
        {
            let err = did::resolve_offline(&Did::parse(did).unwrap()).unwrap_err();
            assert!(
                err.to_string().contains("unsupported") || err.to_string().contains("key"),
                "{did}: {err}"
            );
        }
    }
}

#[test]
fn did_jwk_round_trip_and_rejections() {
    for alg in [KeyAlgorithm::Ed25519, KeyAlgorithm::P256] {
        let key = SecretKey::generate(alg).unwrap();
        let d = did::jwk::did_jwk(key.public_jwk()).unwrap();
        let doc = did::resolve_offline(&d).unwrap();
        assert_eq!(
            doc.assertion_key(&format!("{d}#0"))
                .unwrap()
                .jwk()
                .thumbprint(),
            key.public_jwk().thumbprint()
        );
    }
    // A did:jwk carrying a private key, or garbage, is refused.
    let private = passeport_core::b64::encode(RFC8037_PRIVATE);
    assert!(did::resolve_offline(&Did::parse(&format!("did:jwk:{private}")).unwrap()).is_err());
    assert!(did::resolve_offline(&Did::parse("did:jwk:bm90LWpzb24").unwrap()).is_err());
    for bad in [
        "did:",
        "did:key",
        "did:KEY:z6Mk",
        "notadid",
        "did:key:",
        "did:web:example.com:",
    ] {
        assert!(Did::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn secret_keys_never_print_their_secret() {
    let key = SecretKey::from_jwk_json(RFC8037_PRIVATE).unwrap();
    let shown = format!("{key:?} {:?}", key.to_private_jwk());
    assert!(!shown.contains("nWGxne"), "{shown}");
    assert!(shown.contains("11qYAYKx"), "{shown}");
}
