//! Replays, on stable and in CI, the inputs the libFuzzer targets of `fuzz/` found or found
//! interesting: `tests/vectors/fuzz-regressions/<target>/*`, through the very entry points the
//! fuzzers ran (`passeport_fuzz`, built without libFuzzer), asserting each returns (no panic, no
//! abort, no unbounded allocation). Inputs whose right answer is known also get a test asserting
//! the specific error.

use passeport_core::clock::FixedClock;
use passeport_core::jose::{JwsPolicy, UnverifiedJws};
use passeport_core::keys::{PublicJwk, PublicKey};
use passeport_core::sd_jwt::{sd_hash, KbExpectation, SdJwtVerifyOptions, UnverifiedSdJwt};
use passeport_core::status::bitstring;
use passeport_core::status::token::TokenStatusList;
use passeport_fuzz::{holder_key, issuer_key, keep_half, sd_jwt_verify_compact, NOW};
use std::path::PathBuf;

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

/// Runs `replay` on every kept input of `target`, naming the input that panics.
fn replay_all(target: &str, mut replay: impl FnMut(&[u8])) {
    for (name, data) in inputs(target) {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| replay(&data)));
        assert!(outcome.is_ok(), "{target}/{name} panicked");
    }
}

#[test]
fn sd_jwt_parse_kept_inputs_return() {
    replay_all("sd_jwt_parse", passeport_fuzz::sd_jwt_parse);
}

#[test]
fn sd_jwt_verify_kept_inputs_return() {
    replay_all("sd_jwt_verify", passeport_fuzz::sd_jwt_verify);
}

#[test]
fn jws_parse_kept_inputs_return() {
    replay_all("jws_parse", passeport_fuzz::jws_parse);
}

#[test]
fn jwk_parse_kept_inputs_return() {
    replay_all("jwk_parse", passeport_fuzz::jwk_parse);
}

#[test]
fn did_resolve_kept_inputs_return() {
    replay_all("did_resolve", passeport_fuzz::did_resolve);
}

#[test]
fn status_list_kept_inputs_return() {
    replay_all("status_list", passeport_fuzz::status_list);
}

#[test]
fn wallet_import_kept_inputs_return() {
    replay_all("wallet_import", passeport_fuzz::wallet_import);
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
        let as_issued = SdJwtVerifyOptions {
            typ: vec!["vc+sd-jwt".into()],
            key_binding: KbExpectation::Issuance,
            leeway_secs: 60,
        };
        parsed.verify(&issuer_key().public_key(), &as_issued, &FixedClock(NOW))
    });
    let Err(err) = outcome else {
        panic!("a payload nested 100 deep was accepted");
    };
    assert!(err.to_string().contains("nesting"), "{err}");
}

#[test]
fn sd_jwt_parse_present_is_the_selection_plus_a_kb_jwt_over_it() {
    // What the `sd_jwt_parse` target asserts, checked to hold on the kept inputs: `present`
    // with the target's half-keeping selector is `select`'s output followed by a KB-JWT the
    // holder key signed, bound to exactly that selection; and the selector really drops some
    // disclosures and keeps others.
    let (mut presented_count, mut kept, mut dropped) = (0, 0, 0);
    for (name, data) in inputs("sd_jwt_parse") {
        let Ok(text) = std::str::from_utf8(&data) else {
            continue;
        };
        let Ok(parsed) = UnverifiedSdJwt::parse(text) else {
            continue;
        };
        let Ok(selected) = parsed.select(&keep_half) else {
            continue;
        };
        let presented = parsed
            .present(&keep_half, holder_key(), "aud", "n", NOW)
            .unwrap_or_else(|e| panic!("{name}: select succeeded, present failed: {e}"));
        let kb = presented
            .strip_prefix(selected.as_str())
            .unwrap_or_else(|| panic!("{name}: present does not start with select's output"));
        let claims = UnverifiedJws::parse(kb)
            .unwrap()
            .verify(&holder_key().public_key(), &JwsPolicy::typed(&["kb+jwt"]))
            .unwrap_or_else(|e| panic!("{name}: KB-JWT not signed by the holder key: {e}"))
            .claims()
            .unwrap();
        assert_eq!(claims["sd_hash"], sd_hash(&selected).as_str(), "{name}");
        assert_eq!(claims["aud"], "aud", "{name}");
        assert_eq!(claims["nonce"], "n", "{name}");
        assert_eq!(claims["iat"], NOW, "{name}");
        let shown = UnverifiedSdJwt::parse(&selected)
            .unwrap()
            .disclosures()
            .len();
        kept += shown;
        dropped += parsed.disclosures().len() - shown;
        presented_count += 1;
    }
    assert!(
        presented_count >= 3,
        "only {presented_count} kept inputs presented"
    );
    assert!(kept > 0 && dropped > 0, "kept {kept}, dropped {dropped}");
}
