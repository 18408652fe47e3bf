//! SD-JWT negative tests, each named after the attack it stops. Inputs are crafted by editing
//! payloads and re-signing them with a test issuer key, so that only the rule under test fails.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use passeport_core::clock::FixedClock;
use passeport_core::jose::{self, JoseError, JwsHeaderParams};
use passeport_core::keys::{KeyAlgorithm, SecretKey, Signer};
use passeport_core::sd_jwt::{
    self, ClaimPathSegment, Disclosure, DisclosureDigest, IssueOptions, JwtPart, KbExpectation,
    SdJwtError, SdJwtVerifyOptions, UnverifiedSdJwt, VerifiedSdJwt, MAX_DISCLOSURES,
};
use proptest::prelude::*;
use serde_json::{json, Value};

const NOW: i64 = 1_800_000_000;
const AUD: &str = "https://verifier.example";
const NONCE: &str = "n-0S6_WzA2Mj";

struct Fixture {
    issuer: SecretKey,
    holder: SecretKey,
}

impl Fixture {
    fn new() -> Self {
        Self {
            issuer: SecretKey::generate(KeyAlgorithm::Ed25519).unwrap(),
            holder: SecretKey::generate(KeyAlgorithm::P256).unwrap(),
        }
    }

    /// An Issuer-signed JWT over `payload` (typ `dc+sd-jwt`).
    fn jwt(&self, payload: &Value) -> String {
        jose::sign_compact(
            &self.issuer,
            &JwsHeaderParams::typed("dc+sd-jwt"),
            payload.to_string().as_bytes(),
        )
        .unwrap()
    }

    fn cnf(&self) -> Value {
        json!({ "jwk": self.holder.public_jwk().to_value() })
    }

    fn verify(&self, text: &str, kb: KbExpectation) -> Result<VerifiedSdJwt, SdJwtError> {
        UnverifiedSdJwt::parse(text)?.verify(
            &self.issuer.public_key(),
            &options(kb),
            &FixedClock(NOW),
        )
    }

    fn verify_issued(&self, text: &str) -> Result<VerifiedSdJwt, SdJwtError> {
        self.verify(text, KbExpectation::Issuance)
    }

    fn verify_presented(&self, text: &str) -> Result<VerifiedSdJwt, SdJwtError> {
        self.verify(text, required())
    }

    /// A key-bound presentation of a credential with `cnf` and two disclosable claims.
    fn bound_presentation(&self) -> String {
        let given = Disclosure::new_property("given_name", json!("Ada")).unwrap();
        let family = Disclosure::new_property("family_name", json!("Lovelace")).unwrap();
        let payload = json!({
            "iss": "https://issuer.example", "iat": NOW - 10, "exp": NOW + 1000,
            "_sd": [given.digest().as_str(), family.digest().as_str()],
            "_sd_alg": "sha-256", "cnf": self.cnf(),
        });
        let presentation = sd(&self.jwt(&payload), &[given.as_str(), family.as_str()]);
        sd_jwt::add_key_binding(&presentation, &self.holder, AUD, NONCE, NOW).unwrap()
    }
}

fn options(key_binding: KbExpectation) -> SdJwtVerifyOptions {
    SdJwtVerifyOptions {
        typ: vec!["dc+sd-jwt".into()],
        key_binding,
        leeway_secs: 30,
    }
}

fn required() -> KbExpectation {
    KbExpectation::Required {
        audience: AUD.into(),
        nonce: NONCE.into(),
        max_age_secs: 300,
    }
}

/// `<jwt>~<d1>~…~`.
fn sd(jwt: &str, disclosures: &[&str]) -> String {
    let mut out = format!("{jwt}~");
    for d in disclosures {
        out.push_str(d);
        out.push('~');
    }
    out
}

/// A disclosure from raw JSON (to craft what `Disclosure::new_*` refuses to make).
fn raw_disclosure(json: &str) -> (String, String) {
    let encoded = passeport_core::b64::encode(json);
    let digest = DisclosureDigest::of(&encoded).as_str().to_owned();
    (encoded, digest)
}

fn prop(name: &str, value: Value) -> Disclosure {
    Disclosure::new_property(name, value).unwrap()
}

fn kb_jwt(signer: &dyn Signer, typ: &str, payload: &Value) -> String {
    jose::sign_compact(
        signer,
        &JwsHeaderParams::typed(typ),
        payload.to_string().as_bytes(),
    )
    .unwrap()
}

/// The payload read before verification (to find the issuer's key) is the one verification
/// uses: peeking first changes nothing, and a payload with a duplicate member is refused either
/// way, never read one way by the peek and another by the verification.
#[test]
fn peeking_at_the_payload_first_changes_nothing() {
    let f = Fixture::new();
    let presentation = f.bound_presentation();
    let plain = f.verify_presented(&presentation).unwrap();
    let parsed = UnverifiedSdJwt::parse(&presentation).unwrap();
    assert_eq!(
        parsed.insecure_claims().unwrap()["iss"],
        "https://issuer.example"
    );
    let peeked = parsed
        .verify(
            &f.issuer.public_key(),
            &options(required()),
            &FixedClock(NOW),
        )
        .unwrap();
    assert_eq!(plain.claims(), peeked.claims());
    assert_eq!(plain.claims()["given_name"], "Ada");

    let duplicated = jose::sign_compact(
        &f.issuer,
        &JwsHeaderParams::typed("dc+sd-jwt"),
        br#"{"iss":"https://issuer.example","iss":"https://other.example","iat":1}"#,
    )
    .unwrap();
    let text = sd(&duplicated, &[]);
    let parsed = UnverifiedSdJwt::parse(&text).unwrap();
    let peek = parsed.insecure_claims().unwrap_err().to_string();
    assert!(peek.contains("duplicate member name `iss`"), "{peek}");
    let verified = f.verify_issued(&text).unwrap_err().to_string();
    assert!(
        verified.contains("duplicate member name `iss`"),
        "{verified}"
    );
}

#[test]
fn accepts_well_formed_presentation() {
    // The baseline the attacks below depart from.
    let f = Fixture::new();
    let verified = f.verify_presented(&f.bound_presentation()).unwrap();
    assert_eq!(verified.claims()["given_name"], "Ada");
    assert_eq!(verified.claims()["family_name"], "Lovelace");
    assert!(verified.claims().get("_sd").is_none());
    assert!(verified.claims().get("_sd_alg").is_none());
    assert_eq!(verified.key_binding().unwrap().nonce, NONCE);
}

#[test]
fn rejects_duplicate_disclosure() {
    let f = Fixture::new();
    let d = prop("given_name", json!("Ada"));
    let jwt = f.jwt(&json!({"_sd": [d.digest().as_str()]}));
    let err = f
        .verify_issued(&sd(&jwt, &[d.as_str(), d.as_str()]))
        .unwrap_err();
    assert_eq!(err, SdJwtError::DuplicateDisclosure { index: 1, first: 0 });
}

#[test]
fn rejects_unreferenced_disclosure() {
    let f = Fixture::new();
    let d = prop("given_name", json!("Ada"));
    let smuggled = prop("is_admin", json!(true));
    let jwt = f.jwt(&json!({"_sd": [d.digest().as_str()]}));
    let err = f
        .verify_issued(&sd(&jwt, &[d.as_str(), smuggled.as_str()]))
        .unwrap_err();
    assert_eq!(err, SdJwtError::UnreferencedDisclosure { index: 1 });
}

#[test]
fn rejects_digest_appearing_twice_in_payload() {
    let f = Fixture::new();
    let d = prop("given_name", json!("Ada"));
    let digest = d.digest().as_str();
    // Same digest at two levels: the claim would appear in two places.
    let jwt = f.jwt(&json!({"_sd": [digest], "nested": {"_sd": [digest]}}));
    let err = f.verify_issued(&sd(&jwt, &[d.as_str()])).unwrap_err();
    assert!(matches!(err, SdJwtError::DigestReused { .. }), "{err}");
    // Twice in one `_sd`, even undisclosed (a decoy reused).
    let jwt = f.jwt(&json!({"_sd": [digest, digest]}));
    let err = f.verify_issued(&sd(&jwt, &[])).unwrap_err();
    assert!(matches!(err, SdJwtError::DigestReused { .. }), "{err}");
    // Twice in an array.
    let e = Disclosure::new_element(json!("DE")).unwrap();
    let jwt = f.jwt(&json!({"n": [{"...": e.digest().as_str()}, {"...": e.digest().as_str()}]}));
    let err = f.verify_issued(&sd(&jwt, &[e.as_str()])).unwrap_err();
    assert!(
        matches!(&err, SdJwtError::DigestReused { path, .. } if path.to_string() == "/n/1"),
        "{err}"
    );
    // Through a recursive disclosure: the inner object repeats a top-level digest.
    let inner = prop("street", json!("Main St"));
    let outer = prop("address", json!({"_sd": [inner.digest().as_str()]}));
    let jwt = f.jwt(&json!({"_sd": [outer.digest().as_str(), inner.digest().as_str()]}));
    let err = f
        .verify_issued(&sd(&jwt, &[inner.as_str(), outer.as_str()]))
        .unwrap_err();
    assert!(matches!(err, SdJwtError::DigestReused { .. }), "{err}");
}

#[test]
fn rejects_sd_that_is_not_an_array_of_strings() {
    let f = Fixture::new();
    for bad in [
        json!("abc"),
        json!({"a": 1}),
        json!([1]),
        json!(["ok", null]),
    ] {
        let jwt = f.jwt(&json!({"claims": {"_sd": bad}}));
        let err = f.verify_issued(&sd(&jwt, &[])).unwrap_err();
        assert!(
            matches!(&err, SdJwtError::BadSdArray { path } if path.to_string() == "/claims"),
            "{err}"
        );
    }
}

#[test]
fn rejects_disclosure_named_sd_or_ellipsis() {
    let f = Fixture::new();
    for name in ["_sd", "..."] {
        let (encoded, digest) = raw_disclosure(&format!(r#"["c2FsdHNhbHQ","{name}",["x"]]"#));
        let jwt = f.jwt(&json!({"_sd": [digest]}));
        let err = f.verify_issued(&sd(&jwt, &[&encoded])).unwrap_err();
        assert_eq!(
            err,
            SdJwtError::ReservedDisclosureName {
                index: 0,
                name: name.into()
            }
        );
    }
}

#[test]
fn rejects_disclosure_overwriting_plain_claim() {
    let f = Fixture::new();
    let d = prop("given_name", json!("Mallory"));
    let jwt = f.jwt(&json!({"given_name": "Ada", "_sd": [d.digest().as_str()]}));
    let err = f.verify_issued(&sd(&jwt, &[d.as_str()])).unwrap_err();
    assert!(
        matches!(&err, SdJwtError::ClaimCollision { index: 0, path } if path.to_string() == "/given_name"),
        "{err}"
    );
    // Nor another disclosure of the same name at the same level.
    let d2 = prop("given_name", json!("Eve"));
    let jwt = f.jwt(&json!({"_sd": [d.digest().as_str(), d2.digest().as_str()]}));
    let err = f
        .verify_issued(&sd(&jwt, &[d.as_str(), d2.as_str()]))
        .unwrap_err();
    assert!(matches!(err, SdJwtError::ClaimCollision { .. }), "{err}");
}

#[test]
fn rejects_unknown_sd_alg() {
    let f = Fixture::new();
    let d = prop("given_name", json!("Ada"));
    for alg in [json!("sha-512"), json!("SHA-256"), json!("md5"), json!(256)] {
        let jwt = f.jwt(&json!({"_sd": [d.digest().as_str()], "_sd_alg": alg}));
        let err = f.verify_issued(&sd(&jwt, &[d.as_str()])).unwrap_err();
        assert!(matches!(err, SdJwtError::UnsupportedSdAlg(_)), "{err}");
    }
    // Absent means sha-256.
    let jwt = f.jwt(&json!({"_sd": [d.digest().as_str()]}));
    assert!(f.verify_issued(&sd(&jwt, &[d.as_str()])).is_ok());
}

#[test]
fn rejects_disclosure_of_the_wrong_kind() {
    let f = Fixture::new();
    // An array-element disclosure referenced from `_sd`.
    let e = Disclosure::new_element(json!("DE")).unwrap();
    let jwt = f.jwt(&json!({"_sd": [e.digest().as_str()]}));
    let err = f.verify_issued(&sd(&jwt, &[e.as_str()])).unwrap_err();
    assert!(
        matches!(err, SdJwtError::WrongDisclosureKind { index: 0, .. }),
        "{err}"
    );
    // An object-property disclosure referenced from an array.
    let p = prop("admin", json!(true));
    let jwt = f.jwt(&json!({"roles": [{"...": p.digest().as_str()}]}));
    let err = f.verify_issued(&sd(&jwt, &[p.as_str()])).unwrap_err();
    assert!(
        matches!(err, SdJwtError::WrongDisclosureKind { index: 0, .. }),
        "{err}"
    );
}

#[test]
fn rejects_array_digest_object_with_extra_members() {
    let f = Fixture::new();
    let e = Disclosure::new_element(json!("DE")).unwrap();
    for bad in [
        json!({"...": e.digest().as_str(), "extra": 1}),
        json!({"...": 42}),
    ] {
        let jwt = f.jwt(&json!({"nationalities": [bad]}));
        let err = f.verify_issued(&sd(&jwt, &[])).unwrap_err();
        assert!(
            matches!(&err, SdJwtError::BadArrayDigest { path } if path.to_string() == "/nationalities/0"),
            "{err}"
        );
    }
}

#[test]
fn rejects_presentation_without_kb_when_required() {
    let f = Fixture::new();
    let full = f.bound_presentation();
    let (without_kb, _) = full.rsplit_once('~').unwrap();
    let err = f.verify_presented(&format!("{without_kb}~")).unwrap_err();
    assert_eq!(err, SdJwtError::MissingKeyBinding);
}

#[test]
fn rejects_kb_jwt_at_issuance() {
    let f = Fixture::new();
    let err = f.verify_issued(&f.bound_presentation()).unwrap_err();
    assert_eq!(err, SdJwtError::UnexpectedKeyBinding);
}

#[test]
fn rejects_kb_required_without_cnf() {
    let f = Fixture::new();
    let d = prop("given_name", json!("Ada"));
    let jwt = f.jwt(&json!({"_sd": [d.digest().as_str()]}));
    let presentation = sd(&jwt, &[d.as_str()]);
    let bound = sd_jwt::add_key_binding(&presentation, &f.holder, AUD, NONCE, NOW).unwrap();
    assert_eq!(
        f.verify_presented(&bound).unwrap_err(),
        SdJwtError::MissingCnf
    );
}

#[test]
fn rejects_kb_jwt_with_wrong_audience() {
    let f = Fixture::new();
    let presentation = f.bound_presentation();
    let err = UnverifiedSdJwt::parse(&presentation)
        .unwrap()
        .verify(
            &f.issuer.public_key(),
            &options(KbExpectation::Required {
                audience: "https://other-verifier.example".into(),
                nonce: NONCE.into(),
                max_age_secs: 300,
            }),
            &FixedClock(NOW),
        )
        .unwrap_err();
    assert_eq!(
        err,
        SdJwtError::KbAudienceMismatch {
            expected: "https://other-verifier.example".into(),
            found: AUD.into()
        }
    );
}

#[test]
fn rejects_kb_jwt_with_wrong_nonce() {
    let f = Fixture::new();
    let err = UnverifiedSdJwt::parse(&f.bound_presentation())
        .unwrap()
        .verify(
            &f.issuer.public_key(),
            &options(KbExpectation::Required {
                audience: AUD.into(),
                nonce: "replayed-nonce".into(),
                max_age_secs: 300,
            }),
            &FixedClock(NOW),
        )
        .unwrap_err();
    assert_eq!(err, SdJwtError::KbNonceMismatch);
}

#[test]
fn rejects_stale_kb_jwt() {
    let f = Fixture::new();
    let presentation = f.bound_presentation();
    let at = |now| {
        UnverifiedSdJwt::parse(&presentation).unwrap().verify(
            &f.issuer.public_key(),
            &options(required()),
            &FixedClock(now),
        )
    };
    // max_age 300 + leeway 30.
    assert!(at(NOW + 330).is_ok());
    assert_eq!(
        at(NOW + 331).unwrap_err(),
        SdJwtError::KbStale {
            age: 331,
            max_age: 300
        }
    );
}

#[test]
fn rejects_kb_jwt_from_the_future() {
    let f = Fixture::new();
    let presentation = f.bound_presentation();
    let at = |now| {
        UnverifiedSdJwt::parse(&presentation).unwrap().verify(
            &f.issuer.public_key(),
            &options(required()),
            &FixedClock(now),
        )
    };
    assert!(at(NOW - 30).is_ok());
    assert_eq!(
        at(NOW - 31).unwrap_err(),
        SdJwtError::KbInFuture { ahead: 31 }
    );
}

#[test]
fn rejects_kb_jwt_signed_by_another_key_than_cnf() {
    let f = Fixture::new();
    let presentation = f.bound_presentation();
    let (without_kb, _) = presentation.rsplit_once('~').unwrap();
    let without_kb = format!("{without_kb}~");
    // Same algorithm, other key: the signature fails.
    let thief = SecretKey::generate(KeyAlgorithm::P256).unwrap();
    let forged = sd_jwt::add_key_binding(&without_kb, &thief, AUD, NONCE, NOW).unwrap();
    assert_eq!(
        f.verify_presented(&forged).unwrap_err(),
        SdJwtError::Jws {
            part: JwtPart::KeyBinding,
            source: JoseError::BadSignature
        }
    );
    // Other algorithm: refused before any cryptography.
    let thief = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let forged = sd_jwt::add_key_binding(&without_kb, &thief, AUD, NONCE, NOW).unwrap();
    assert!(matches!(
        f.verify_presented(&forged).unwrap_err(),
        SdJwtError::Jws {
            part: JwtPart::KeyBinding,
            source: JoseError::AlgorithmMismatch { .. }
        }
    ));
}

#[test]
fn rejects_kb_jwt_with_sd_hash_of_another_presentation() {
    let f = Fixture::new();
    let presentation = f.bound_presentation();
    // Drop a disclosure but keep the KB-JWT made for the full presentation.
    let parts: Vec<&str> = presentation.split('~').collect();
    let trimmed = format!("{}~{}~{}", parts[0], parts[1], parts[3]);
    assert_eq!(
        f.verify_presented(&trimmed).unwrap_err(),
        SdJwtError::SdHashMismatch
    );
    // A KB-JWT whose sd_hash is over something else entirely.
    let without_kb = format!("{}~{}~{}~", parts[0], parts[1], parts[2]);
    let kb = kb_jwt(
        &f.holder,
        "kb+jwt",
        &json!({"iat": NOW, "aud": AUD, "nonce": NONCE, "sd_hash": sd_jwt::sd_hash("other~")}),
    );
    assert_eq!(
        f.verify_presented(&format!("{without_kb}{kb}"))
            .unwrap_err(),
        SdJwtError::SdHashMismatch
    );
}

#[test]
fn rejects_kb_jwt_with_wrong_typ_or_missing_claims() {
    let f = Fixture::new();
    let presentation = f.bound_presentation();
    let (without_kb, _) = presentation.rsplit_once('~').unwrap();
    let without_kb = format!("{without_kb}~");
    let good =
        json!({"iat": NOW, "aud": AUD, "nonce": NONCE, "sd_hash": sd_jwt::sd_hash(&without_kb)});
    let kb = kb_jwt(&f.holder, "JWT", &good);
    assert!(matches!(
        f.verify_presented(&format!("{without_kb}{kb}"))
            .unwrap_err(),
        SdJwtError::Jws {
            part: JwtPart::KeyBinding,
            source: JoseError::WrongType { .. }
        }
    ));
    for missing in ["iat", "aud", "nonce", "sd_hash"] {
        let mut payload = good.clone();
        payload.as_object_mut().unwrap().remove(missing);
        let kb = kb_jwt(&f.holder, "kb+jwt", &payload);
        let err = f
            .verify_presented(&format!("{without_kb}{kb}"))
            .unwrap_err();
        assert!(
            matches!(err, SdJwtError::KbClaim { claim, .. } if claim == missing),
            "{missing}: {err}"
        );
    }
}

#[test]
fn rejects_tampered_issuer_payload() {
    let f = Fixture::new();
    let presentation = f.bound_presentation();
    let (jwt, rest) = presentation.split_once('~').unwrap();
    let parts: Vec<&str> = jwt.split('.').collect();
    let mut payload: Value =
        serde_json::from_slice(&passeport_core::b64::decode(parts[1]).unwrap()).unwrap();
    payload["iss"] = json!("https://evil.example");
    let forged = format!(
        "{}.{}.{}~{rest}",
        parts[0],
        passeport_core::b64::encode(payload.to_string()),
        parts[2]
    );
    assert_eq!(
        f.verify_presented(&forged).unwrap_err(),
        SdJwtError::Jws {
            part: JwtPart::Issuer,
            source: JoseError::BadSignature
        }
    );
}

#[test]
fn rejects_flipped_signature_bit() {
    let f = Fixture::new();
    let presentation = f.bound_presentation();
    let (jwt, rest) = presentation.split_once('~').unwrap();
    let (input, sig) = jwt.rsplit_once('.').unwrap();
    let mut sig = passeport_core::b64::decode(sig).unwrap();
    sig[7] ^= 0x01;
    let forged = format!("{input}.{}~{rest}", passeport_core::b64::encode(sig));
    assert_eq!(
        f.verify_presented(&forged).unwrap_err(),
        SdJwtError::Jws {
            part: JwtPart::Issuer,
            source: JoseError::BadSignature
        }
    );
}

#[test]
fn rejects_issuer_key_it_was_not_signed_with() {
    let f = Fixture::new();
    let other = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let err = UnverifiedSdJwt::parse(&f.bound_presentation())
        .unwrap()
        .verify(&other.public_key(), &options(required()), &FixedClock(NOW))
        .unwrap_err();
    assert_eq!(
        err,
        SdJwtError::Jws {
            part: JwtPart::Issuer,
            source: JoseError::BadSignature
        }
    );
}

#[test]
fn rejects_alg_none() {
    let header = passeport_core::b64::encode(r#"{"alg":"none","typ":"dc+sd-jwt"}"#);
    let payload = passeport_core::b64::encode(r#"{"given_name":"Ada"}"#);
    for text in [
        format!("{header}.{payload}.~"),
        format!("{header}.{payload}.AAAA~"),
    ] {
        let err = UnverifiedSdJwt::parse(&text).unwrap_err();
        assert!(
            matches!(
                err,
                SdJwtError::Jws {
                    part: JwtPart::Issuer,
                    ..
                }
            ),
            "{err}"
        );
    }
    let err = UnverifiedSdJwt::parse(&format!("{header}.{payload}.AAAA~")).unwrap_err();
    assert_eq!(
        err,
        SdJwtError::Jws {
            part: JwtPart::Issuer,
            source: JoseError::AlgNone
        }
    );
}

#[test]
fn rejects_wrong_issuer_jwt_typ() {
    let f = Fixture::new();
    let jwt = jose::sign_compact(&f.issuer, &JwsHeaderParams::typed("JWT"), b"{}").unwrap();
    assert!(matches!(
        f.verify_issued(&format!("{jwt}~")).unwrap_err(),
        SdJwtError::Jws {
            part: JwtPart::Issuer,
            source: JoseError::WrongType { .. }
        }
    ));
}

#[test]
fn rejects_expired_credential() {
    let f = Fixture::new();
    let jwt = f.jwt(&json!({"exp": NOW - 31}));
    assert_eq!(
        f.verify_issued(&format!("{jwt}~")).unwrap_err(),
        SdJwtError::Expired {
            exp: NOW - 31,
            now: NOW
        }
    );
    // Within leeway.
    let jwt = f.jwt(&json!({"exp": NOW - 30}));
    assert!(f.verify_issued(&format!("{jwt}~")).is_ok());
    // An `exp` hidden in a disclosure is still checked once disclosed.
    let d = prop("exp", json!(NOW - 1000));
    let jwt = f.jwt(&json!({"_sd": [d.digest().as_str()]}));
    assert!(matches!(
        f.verify_issued(&sd(&jwt, &[d.as_str()])).unwrap_err(),
        SdJwtError::Expired { .. }
    ));
}

#[test]
fn rejects_credential_not_yet_valid() {
    let f = Fixture::new();
    let jwt = f.jwt(&json!({"nbf": NOW + 31}));
    assert_eq!(
        f.verify_issued(&format!("{jwt}~")).unwrap_err(),
        SdJwtError::NotYetValid {
            nbf: NOW + 31,
            now: NOW
        }
    );
    let jwt = f.jwt(&json!({"iat": NOW + 31}));
    assert!(matches!(
        f.verify_issued(&format!("{jwt}~")).unwrap_err(),
        SdJwtError::IssuedInFuture { .. }
    ));
    let jwt = f.jwt(&json!({"exp": "tomorrow"}));
    assert!(matches!(
        f.verify_issued(&format!("{jwt}~")).unwrap_err(),
        SdJwtError::BadTimeClaim { claim: "exp", .. }
    ));
}

#[test]
fn rejects_garbage_inputs_without_panicking() {
    let f = Fixture::new();
    let jwt = f.jwt(&json!({}));
    for text in [
        "",
        "~",
        "~~",
        "a~b~",
        "a.b.c~",
        "....~~~",
        "é~è~",
        &jwt,
        &format!("{jwt}~~"),
        &format!("{jwt}~~~"),
        &format!("{jwt}~!!~"),
        &format!("{jwt}~WyJhIl0~"),
        &format!("{jwt}~bnVsbA~"),
        &format!("{jwt}~~kb"),
        &format!("{jwt}~not.a.jwt"),
    ] {
        assert!(f.verify_issued(text).is_err(), "{text}");
        assert!(f.verify_presented(text).is_err(), "{text}");
    }
}

#[test]
fn rejects_every_truncation_of_a_presentation() {
    let f = Fixture::new();
    let presentation = f.bound_presentation();
    for cut in 0..presentation.len() {
        let truncated = &presentation[..cut];
        assert!(f.verify_presented(truncated).is_err(), "cut at {cut}");
    }
}

#[test]
fn rejects_too_many_disclosures() {
    let f = Fixture::new();
    let jwt = f.jwt(&json!({}));
    let d = prop("a", json!(1));
    let text = format!(
        "{jwt}~{}",
        format!("{}~", d.as_str()).repeat(MAX_DISCLOSURES + 1)
    );
    assert_eq!(
        UnverifiedSdJwt::parse(&text).unwrap_err(),
        SdJwtError::TooManyDisclosures {
            count: MAX_DISCLOSURES + 1,
            max: MAX_DISCLOSURES
        }
    );
}

#[test]
fn rejects_oversized_inputs() {
    let f = Fixture::new();
    let jwt = f.jwt(&json!({}));
    let huge = prop("blob", json!("x".repeat(70 * 1024)));
    assert!(matches!(
        UnverifiedSdJwt::parse(&sd(&jwt, &[huge.as_str()])).unwrap_err(),
        SdJwtError::BadDisclosure { index: 0, .. }
    ));
    let text = format!("{jwt}~{}~", "A".repeat(1 << 20));
    assert!(matches!(
        UnverifiedSdJwt::parse(&text).unwrap_err(),
        SdJwtError::TooLarge { .. }
    ));
}

#[test]
fn rejects_reserved_claim_names_at_issuance() {
    let f = Fixture::new();
    let all = |_: &[ClaimPathSegment]| true;
    for claims in [
        json!({"_sd": ["x"]}),
        json!({"a": {"...": "x"}}),
        json!({"a": [{"_sd": 1}]}),
        json!({"_sd_alg": "sha-256"}),
    ] {
        let err = sd_jwt::issue(
            &f.issuer,
            &JwsHeaderParams::typed("dc+sd-jwt"),
            claims.as_object().unwrap().clone(),
            &all,
            &IssueOptions::default(),
        )
        .unwrap_err();
        assert!(
            matches!(err, SdJwtError::ReservedClaimName { .. }),
            "{claims}: {err}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Flip any bit of a key-bound presentation: it must not verify (and must not panic).
    #[test]
    fn rejects_any_flipped_bit_of_a_bound_presentation(position in any::<prop::sample::Index>(), bit in 0u8..8) {
        let f = Fixture::new();
        let presentation = f.bound_presentation();
        let mut bytes = presentation.clone().into_bytes();
        let i = position.index(bytes.len());
        bytes[i] ^= 1 << bit;
        if let Ok(text) = String::from_utf8(bytes) {
            prop_assert!(f.verify_presented(&text).is_err(), "byte {} bit {}", i, bit);
        }
    }
}

#[test]
fn rejects_issuing_a_second_cnf_over_the_callers_one() {
    // A `cnf` smuggled into the claims must not sit beside (or replace) the holder key, nor hide
    // in a disclosure that would surface it when disclosed.
    let f = Fixture::new();
    for selector in [
        |_: &[ClaimPathSegment]| false,
        |_: &[ClaimPathSegment]| true,
    ] {
        let err = sd_jwt::issue(
            &f.issuer,
            &JwsHeaderParams::typed("dc+sd-jwt"),
            json!({"cnf": {"jwk": {"kty": "OKP"}}})
                .as_object()
                .unwrap()
                .clone(),
            &selector,
            &IssueOptions {
                decoys_per_object: 0,
                holder_key: Some(f.holder.public_jwk().clone()),
            },
        )
        .unwrap_err();
        assert_eq!(err, SdJwtError::CnfAlreadyPresent);
    }
}

#[test]
fn rejects_a_top_level_claim_given_twice() {
    // Borrowed claims are a list, not a map: the same name twice would be a JSON object with a
    // duplicate member, which verifiers must refuse (or read either way).
    let f = Fixture::new();
    let (one, two) = (json!("one"), json!("two"));
    for selector in [
        |_: &[ClaimPathSegment]| false,
        |_: &[ClaimPathSegment]| true,
    ] {
        let err = sd_jwt::issue_borrowed(
            &f.issuer,
            &JwsHeaderParams::typed("dc+sd-jwt"),
            &[("given_name", &one), ("iss", &one), ("given_name", &two)],
            &selector,
            &IssueOptions::default(),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("`given_name` is given twice"),
            "{err}"
        );
    }
}
