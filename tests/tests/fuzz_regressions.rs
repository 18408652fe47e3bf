//! Replays, on stable and in CI, the inputs the libFuzzer targets of `fuzz/` found or found
//! interesting: `tests/vectors/fuzz-regressions/<target>/*`. Each `replay_*` function calls the
//! same public API, in the same order, as the matching entry point in `fuzz/src/lib.rs`, and the
//! test asserts it returns (no panic, no abort, no unbounded allocation). Inputs whose right answer
//! is known also get a test asserting the specific error.

use passeport_core::clock::FixedClock;
use passeport_core::jose::{self, JwsHeaderParams, JwsPolicy, UnverifiedJws};
use passeport_core::keys::{Ed25519SecretKey, PrivateJwk, PublicJwk, PublicKey, SecretKey, Signer};
use passeport_core::sd_jwt::{KbExpectation, SdJwtVerifyOptions, UnverifiedSdJwt};
use passeport_core::status::bitstring;
use passeport_core::status::token::TokenStatusList;
use passeport_wallet::storage::MemoryStore;
use passeport_wallet::{
    CreateOptions, HolderKeyChoice, ImportRejected, ImportVerifier, KdfParams, VerifiedForImport,
    Wallet,
};
use std::path::PathBuf;
use std::sync::Arc;

/// The fixed time the fuzz targets verify at (2026-01-01T00:00:00Z).
const NOW: i64 = 1_767_225_600;

fn issuer_key() -> SecretKey {
    SecretKey::Ed25519(Ed25519SecretKey::from_seed(&[42; 32]))
}

/// Every kept input of one target, with its file name; at least one must exist.
fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("vectors/fuzz-regressions")
        .join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no kept inputs in {}", dir.display());
    out
}

fn input(target: &str, name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("vectors/fuzz-regressions")
        .join(target)
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn verifier() -> passeport_verifier::Verifier {
    let mut trust = passeport_verifier::TrustList::new();
    trust.add_direct_key(issuer_key().public_key());
    passeport_verifier::Verifier::new(
        trust,
        Arc::new(passeport_verifier::resolve::StaticResolver::new()),
    )
    .with_clock(Arc::new(FixedClock(NOW)))
}

fn replay_sd_jwt_parse(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(parsed) = UnverifiedSdJwt::parse(text) else {
        return;
    };
    let _ = parsed.insecure_claims();
    let _ = parsed.disclosure_paths();
    let _ = parsed.disclosable_paths();
    let _ = parsed.select(&|path| path.len() % 2 == 1);
    let _ = parsed.select_pointers(&["/credentialSubject/name", "/a/0"]);
}

/// The fuzz input is `payload NUL disclosure NUL …`; the payload is signed with the fixed issuer
/// key, so verification goes past the signature.
fn sd_jwt_verify_compact(data: &[u8]) -> Option<String> {
    let mut parts = data.split(|b| *b == 0);
    let payload = parts.next().unwrap_or_default();
    let mut compact =
        jose::sign_compact(&issuer_key(), &JwsHeaderParams::typed("vc+sd-jwt"), payload).ok()?;
    compact.push('~');
    for part in parts {
        compact.push_str(std::str::from_utf8(part).ok()?);
        compact.push('~');
    }
    Some(compact)
}

fn as_issued() -> SdJwtVerifyOptions {
    SdJwtVerifyOptions {
        typ: vec!["vc+sd-jwt".into()],
        key_binding: KbExpectation::Issuance,
        leeway_secs: 60,
    }
}

fn replay_sd_jwt_verify(data: &[u8]) {
    let Some(compact) = sd_jwt_verify_compact(data) else {
        return;
    };
    let clock = FixedClock(NOW);
    if let Ok(parsed) = UnverifiedSdJwt::parse(&compact) {
        if let Ok(verified) = parsed.verify(&issuer_key().public_key(), &as_issued(), &clock) {
            let _ = verified.disclosed_paths();
        }
    }
    let holder = SecretKey::Ed25519(Ed25519SecretKey::from_seed(&[7; 32]));
    let verifier = verifier();
    if let Ok(bound) = passeport_core::sd_jwt::add_key_binding(&compact, &holder, "aud", "n", NOW) {
        let _ = verifier.verify_with(
            &bound,
            &passeport_verifier::Expectation {
                audience: Some("aud".into()),
                nonce: Some("n".into()),
            },
        );
    }
    let _ = verifier.verify(&compact);
}

fn replay_jws_parse(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(jws) = UnverifiedJws::parse(text) {
        let _ = jws.insecure_claims();
        let _ = jws.header().kid();
        let _ = jws.verify(&issuer_key().public_key(), &JwsPolicy::untyped());
    }
    let _ = verifier().verify(text);
}

fn replay_jwk_parse(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(jwk) = PublicJwk::from_json(text) {
        let _ = jwk.thumbprint();
        let _ = PublicKey::from_jwk(&jwk);
        let _ = passeport_core::did::key::did_key(&jwk);
        let _ = passeport_core::did::jwk::did_jwk(&jwk);
    }
    if let Ok(private) = PrivateJwk::from_json(text) {
        if let Ok(key) = SecretKey::from_jwk(&private) {
            let _ = key.try_sign(b"fuzz");
        }
    }
}

fn replay_did_resolve(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(did) = passeport_core::did::Did::parse(text) {
        if let Ok(doc) = passeport_core::did::resolve_offline(&did) {
            let _ = doc.assertion_keys();
            let _ = doc.authentication_keys();
            let _ = doc.assertion_key(text);
        }
        let _ = passeport_core::did::web::document_url(&did);
    }
    let _ = passeport_core::did::key::jwk_from_multikey(text);
    if let Ok(doc) = passeport_core::did::DidDocument::from_json(data) {
        let _ = doc.assertion_keys();
        let _ = doc.assertion_key(text);
    }
}

fn replay_status_list(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(list) = bitstring::decode_encoded_list(text) {
            let _ = list.get(list.len().saturating_sub(1));
            let _ = list.get(list.len());
        }
    }
    if let Ok(value) = passeport_core::json::parse_strict(data) {
        let _ = bitstring::from_credential(&value);
        if let Ok(list) = TokenStatusList::from_claim(&value) {
            let _ = list.get(list.len().saturating_sub(1));
            let _ = list.get(list.len());
        }
    }
}

/// Accepts whatever parses, as the fuzz target's stub does, so the wallet's own reading of an
/// accepted credential sees the input.
struct AcceptAll;

impl ImportVerifier for AcceptAll {
    fn verify_for_import(&self, credential: &str) -> Result<VerifiedForImport, ImportRejected> {
        let text = credential.trim();
        let claims = if text.starts_with('{') {
            passeport_core::json::parse_object(text.as_bytes()).ok()
        } else if text.contains('~') {
            UnverifiedSdJwt::parse(text)
                .ok()
                .and_then(|p| p.insecure_claims().ok())
        } else {
            UnverifiedJws::parse(text)
                .ok()
                .and_then(|j| j.insecure_claims().ok())
        };
        claims
            .map(|claims| VerifiedForImport { claims })
            .ok_or_else(|| ImportRejected::because("unreadable"))
    }
}

fn test_wallet() -> Wallet<MemoryStore> {
    Wallet::create(
        MemoryStore::new(),
        "fuzz",
        CreateOptions {
            kdf: KdfParams::INSECURE_FOR_TESTS,
            holder_key: HolderKeyChoice::Generate(passeport_core::keys::KeyAlgorithm::Ed25519),
        },
    )
    .unwrap()
}

fn replay_wallet_import(wallet: &mut Wallet<MemoryStore>, data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(record) = wallet.import(text, &AcceptAll) {
        let _ = wallet.remove_credential(&record.id);
    }
}

/// Runs `replay` on every kept input of `target`, naming the input that panics.
fn replay_all(target: &str, mut replay: impl FnMut(&[u8])) {
    for (name, data) in inputs(target) {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| replay(&data)));
        assert!(outcome.is_ok(), "{target}/{name} panicked");
    }
}

#[test]
fn sd_jwt_parse_kept_inputs_return() {
    replay_all("sd_jwt_parse", replay_sd_jwt_parse);
}

#[test]
fn sd_jwt_verify_kept_inputs_return() {
    replay_all("sd_jwt_verify", replay_sd_jwt_verify);
}

#[test]
fn jws_parse_kept_inputs_return() {
    replay_all("jws_parse", replay_jws_parse);
}

#[test]
fn jwk_parse_kept_inputs_return() {
    replay_all("jwk_parse", replay_jwk_parse);
}

#[test]
fn did_resolve_kept_inputs_return() {
    replay_all("did_resolve", replay_did_resolve);
}

#[test]
fn status_list_kept_inputs_return() {
    replay_all("status_list", replay_status_list);
}

#[test]
fn wallet_import_kept_inputs_return() {
    let mut wallet = test_wallet();
    replay_all("wallet_import", |data| {
        replay_wallet_import(&mut wallet, data)
    });
}

// Known answers: inputs kept because the right result is known, not only "no panic".

#[test]
fn status_list_gzip_bomb_fails_fast_with_too_large() {
    // 5 MiB of zeros, gzipped to under 7 KB: more than MAX_DECODED_BYTES once inflated.
    let text = String::from_utf8(input("status_list", "attack-gzip-bomb-encodedList")).unwrap();
    let err = bitstring::decode_encoded_list(&text).unwrap_err();
    assert_eq!(
        err,
        passeport_core::status::StatusError::TooLarge {
            field: "encodedList",
            limit: passeport_core::status::MAX_DECODED_BYTES,
        }
    );
}

#[test]
fn token_status_list_with_three_bits_is_refused() {
    let value =
        passeport_core::json::parse_strict(&input("status_list", "attack-token-bits-3.json"))
            .unwrap();
    let err = TokenStatusList::from_claim(&value).unwrap_err();
    assert_eq!(err, passeport_core::status::StatusError::BadBits(3));
}

#[test]
fn token_status_list_spec_examples_decode_to_their_statuses() {
    let cases: [(&str, &[u8]); 2] = [
        (
            "token-1bit-spec-example.json",
            &[1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1],
        ),
        (
            "token-2bit-spec-example.json",
            &[1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3],
        ),
    ];
    for (name, expected) in cases {
        let value = passeport_core::json::parse_strict(&input("status_list", name)).unwrap();
        let list = TokenStatusList::from_claim(&value).unwrap();
        let got: Vec<u8> = (0..expected.len() as u64)
            .map(|i| list.get(i).unwrap())
            .collect();
        assert_eq!(got, expected, "{name}");
        assert!(list.get(list.len()).is_err(), "{name}: index past the end");
    }
}

#[test]
fn ed25519_jwk_with_short_x_is_refused() {
    let text = String::from_utf8(input("jwk_parse", "attack-ed25519-short-x.json")).unwrap();
    let refused = match PublicJwk::from_json(&text) {
        Err(_) => true,
        Ok(jwk) => PublicKey::from_jwk(&jwk).is_err(),
    };
    assert!(refused, "a 3-byte Ed25519 public key was accepted");
}

#[test]
fn sd_jwt_payload_nested_past_the_limit_is_refused() {
    let data = input("sd_jwt_verify", "attack-deep-nesting-payload.json");
    let compact = sd_jwt_verify_compact(&data).unwrap();
    let outcome = UnverifiedSdJwt::parse(&compact).and_then(|parsed| {
        parsed.verify(&issuer_key().public_key(), &as_issued(), &FixedClock(NOW))
    });
    let Err(err) = outcome else {
        panic!("a payload nested 100 deep was accepted");
    };
    assert!(err.to_string().contains("nesting"), "{err}");
}
