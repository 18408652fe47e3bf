//! Our own issue → select → add_key_binding → verify, for both key types on both sides, and a
//! property test: whatever the claims, the issuer's choice and the holder's choice, the
//! verifier sees exactly the chosen claims and nothing else.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use passeport_core::clock::FixedClock;
use passeport_core::jose::JwsHeaderParams;
use passeport_core::keys::{KeyAlgorithm, SecretKey, Signer};
use passeport_core::sd_jwt::{
    self, ClaimPath, ClaimPathSegment, Disclosure, IssueOptions, KbExpectation, SdJwt,
    SdJwtVerifyOptions, UnverifiedSdJwt,
};
use proptest::prelude::*;
use serde_json::{json, Map, Value};
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

const NOW: i64 = 1_800_000_000;
const AUD: &str = "https://verifier.example";
const NONCE: &str = "3q2-7w";

fn required() -> SdJwtVerifyOptions {
    SdJwtVerifyOptions {
        typ: vec!["vc+sd-jwt".into(), "dc+sd-jwt".into()],
        key_binding: KbExpectation::Required {
            audience: AUD.into(),
            nonce: NONCE.into(),
            max_age_secs: 300,
        },
        leeway_secs: 5,
    }
}

fn credential() -> Map<String, Value> {
    json!({
        "iss": "https://issuer.example",
        "iat": NOW - 100,
        "exp": NOW + 86_400,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "credentialSubject": {
            "name": "Ada Lovelace",
            "awardingDate": "2026-05-01",
            "achievement": {
                "name": "Analytical engines",
                "alignment": [{"targetName": "ROME M1805"}, {"targetName": "ESCO 2512"}]
            }
        }
    })
    .as_object()
    .unwrap()
    .clone()
}

/// Everything under `credentialSubject` is disclosable, itself included (recursive), except
/// the `alignment` array as a whole and the members of its elements (the elements are).
fn subject_is_disclosable(path: &[ClaimPathSegment]) -> bool {
    path.first() == Some(&ClaimPathSegment::key("credentialSubject"))
        && !matches!(path.last(), Some(ClaimPathSegment::Key(k)) if k == "alignment" || k == "targetName")
}

fn issue(issuer: &SecretKey, holder: &SecretKey, decoys: usize) -> SdJwt {
    sd_jwt::issue(
        issuer,
        &JwsHeaderParams::typed("vc+sd-jwt"),
        credential(),
        &subject_is_disclosable,
        &IssueOptions {
            decoys_per_object: decoys,
            holder_key: Some(holder.public_jwk().clone()),
        },
    )
    .unwrap()
}

#[test]
fn round_trip_for_every_issuer_and_holder_key_type() {
    for issuer_alg in [KeyAlgorithm::Ed25519, KeyAlgorithm::P256] {
        for holder_alg in [KeyAlgorithm::Ed25519, KeyAlgorithm::P256] {
            let issuer = SecretKey::generate(issuer_alg).unwrap();
            let holder = SecretKey::generate(holder_alg).unwrap();
            let issued = issue(&issuer, &holder, 0);
            // credentialSubject, name, awardingDate, achievement, achievement/name, 2 alignments.
            assert_eq!(issued.disclosures().len(), 7);

            let held = UnverifiedSdJwt::parse(&issued.to_compact()).unwrap();
            let wanted = [
                "/credentialSubject/awardingDate",
                "/credentialSubject/achievement/alignment/0",
            ];
            let shown = held
                .select(&|path| {
                    wanted
                        .iter()
                        .any(|w| ClaimPath::from(path.to_vec()).is_pointer(w))
                })
                .unwrap();
            // The two claims and the two objects they are nested in: `<JWT>~D1~D2~D3~D4~`.
            assert_eq!(shown.matches('~').count(), 1 + 4);
            let presentation =
                sd_jwt::add_key_binding(&shown, &holder, AUD, NONCE, NOW - 2).unwrap();

            let verified = UnverifiedSdJwt::parse(&presentation)
                .unwrap()
                .verify(&issuer.public_key(), &required(), &FixedClock(NOW))
                .unwrap_or_else(|e| panic!("{issuer_alg:?}/{holder_alg:?}: {e}"));
            let expected = json!({
                "iss": "https://issuer.example",
                "iat": NOW - 100,
                "exp": NOW + 86_400,
                "type": ["VerifiableCredential", "OpenBadgeCredential"],
                "cnf": {"jwk": holder.public_jwk().bare().to_value()},
                "credentialSubject": {
                    "awardingDate": "2026-05-01",
                    "achievement": {"alignment": [{"targetName": "ROME M1805"}]}
                }
            });
            assert_eq!(Value::Object(verified.claims().clone()), expected);
            let mut paths: Vec<String> = verified
                .disclosed_paths()
                .iter()
                .map(ToString::to_string)
                .collect();
            paths.sort();
            assert_eq!(
                paths,
                [
                    "/credentialSubject",
                    "/credentialSubject/achievement",
                    "/credentialSubject/achievement/alignment/0",
                    "/credentialSubject/awardingDate",
                ]
            );
            assert_eq!(verified.cnf(), Some(&holder.public_jwk().bare()));
            let kb = verified.key_binding().unwrap();
            assert_eq!(
                (kb.audience.as_str(), kb.nonce.as_str(), kb.iat),
                (AUD, NONCE, NOW - 2)
            );
            assert_eq!(verified.header().typ(), Some("vc+sd-jwt"));
        }
    }
}

#[test]
fn issued_credential_verifies_at_import_with_every_claim() {
    let issuer = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let holder = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let issued = issue(&issuer, &holder, 2);
    let mut options = required();
    options.key_binding = KbExpectation::Issuance;
    let verified = UnverifiedSdJwt::parse(&issued.to_compact())
        .unwrap()
        .verify(&issuer.public_key(), &options, &FixedClock(NOW))
        .unwrap();
    let mut expected = credential();
    expected.insert(
        "cnf".into(),
        json!({"jwk": holder.public_jwk().bare().to_value()}),
    );
    assert_eq!(verified.claims(), &expected);
    assert_eq!(verified.cnf(), Some(&holder.public_jwk().bare()));
    assert!(verified.key_binding().is_none());
}

/// Issuing straight to the compact form gives what `to_compact` of a kept SD-JWT gives, up to
/// the fresh salts: the same payload shape, as many disclosures, each referenced, the same
/// claims once processed; and the same refusal of what no verifier would accept.
#[test]
fn issuing_straight_to_the_compact_form_is_issuing_then_compacting() {
    let issuer = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let holder = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let claims = credential();
    let members: Vec<(&str, &Value)> = claims.iter().map(|(k, v)| (k.as_str(), v)).collect();
    let header = JwsHeaderParams::typed("vc+sd-jwt");
    let options = IssueOptions {
        decoys_per_object: 1,
        holder_key: Some(holder.public_jwk().clone()),
    };
    let kept = sd_jwt::issue_borrowed(
        &issuer,
        &header,
        &members,
        &subject_is_disclosable,
        &options,
    )
    .unwrap()
    .to_compact();
    let compact = sd_jwt::issue_borrowed_compact(
        &issuer,
        &header,
        &members,
        &subject_is_disclosable,
        &options,
    )
    .unwrap();
    assert!(compact.ends_with('~'));
    assert_ne!(compact, kept, "fresh salts");
    let mut verify = required();
    verify.key_binding = KbExpectation::Issuance;
    let read = |text: &str| {
        let parsed = UnverifiedSdJwt::parse(text).unwrap();
        let shape: Vec<usize> = parsed
            .disclosures()
            .iter()
            .map(|d| d.as_str().len())
            .collect();
        let verified = parsed
            .verify(&issuer.public_key(), &verify, &FixedClock(NOW))
            .unwrap();
        (
            shape.len(),
            verified.disclosed_paths().to_vec(),
            verified.claims().clone(),
        )
    };
    let (count, paths, processed) = read(&compact);
    assert_eq!((count, paths, processed), read(&kept));
    assert!(count > 5, "{count}");

    let big = Value::String("x".repeat(sd_jwt::MAX_DISCLOSURE_BYTES));
    let members = [("iss", &claims["iss"]), ("big", &big)];
    let everything = |_: &[ClaimPathSegment]| true;
    let refused = |result: Result<String, sd_jwt::SdJwtError>| result.unwrap_err().to_string();
    let kept = refused(
        sd_jwt::issue_borrowed(&issuer, &header, &members, &everything, &options)
            .map(|sd| sd.to_compact()),
    );
    let compact = refused(sd_jwt::issue_borrowed_compact(
        &issuer,
        &header,
        &members,
        &everything,
        &options,
    ));
    assert!(compact.contains("a verifier accepts"), "{compact}");
    assert_eq!(
        compact.split(" would be").next(),
        kept.split(" would be").next()
    );
}

#[test]
fn sd_arrays_are_sorted_padded_with_decoys_and_sd_alg_is_set() {
    let issuer = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let holder = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let issued = issue(&issuer, &holder, 3);
    let held = UnverifiedSdJwt::parse(&issued.to_compact()).unwrap();
    let payload = held.insecure_claims().unwrap();
    assert_eq!(payload["_sd_alg"], "sha-256");
    assert!(payload.get("credentialSubject").is_none());
    let sd: Vec<&str> = payload["_sd"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    // One real digest (credentialSubject) and three decoys.
    assert_eq!(sd.len(), 4);
    let mut sorted = sd.clone();
    sorted.sort_unstable();
    assert_eq!(sd, sorted);
    let real = issued
        .disclosures()
        .iter()
        .find(|d| d.claim_name() == Some("credentialSubject"))
        .unwrap();
    assert!(sd.contains(&real.digest().as_str()));
    // The holder sees seven disclosable claims, decoys do not show up.
    assert_eq!(held.disclosable_paths().unwrap().len(), 7);
    // Every `_sd`, at any depth (in the payload or in a disclosed object), is sorted, has no
    // duplicate, and holds its own digests merged with three decoys.
    fn sd_arrays<'v>(value: &'v Value, found: &mut Vec<&'v Vec<Value>>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::Array(sd)) = map.get("_sd") {
                    found.push(sd);
                }
                map.values().for_each(|v| sd_arrays(v, found));
            }
            Value::Array(items) => items.iter().for_each(|v| sd_arrays(v, found)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    let payload = Value::Object(payload.clone());
    sd_arrays(&payload, &mut found);
    let values: Vec<Value> = held
        .disclosures()
        .iter()
        .map(|d| d.value().clone())
        .collect();
    values.iter().for_each(|v| sd_arrays(v, &mut found));
    assert!(found.len() >= 3, "{}", found.len());
    let digests: std::collections::HashSet<&str> = held
        .disclosures()
        .iter()
        .map(|d| d.digest().as_str())
        .collect();
    let mut real_total = 0;
    for sd in found {
        let texts: Vec<&str> = sd.iter().map(|d| d.as_str().unwrap()).collect();
        let mut sorted = texts.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(texts, sorted);
        let real = texts.iter().filter(|t| digests.contains(*t)).count();
        assert_eq!(texts.len(), real + 3);
        real_total += real;
    }
    assert_eq!(
        real_total,
        held.disclosures().len() - 2,
        "the two alignment elements use `...`"
    );
}

#[test]
fn holder_choosing_nothing_shows_only_plain_claims() {
    let issuer = SecretKey::generate(KeyAlgorithm::P256).unwrap();
    let holder = SecretKey::generate(KeyAlgorithm::P256).unwrap();
    let issued = issue(&issuer, &holder, 1);
    let shown = UnverifiedSdJwt::parse(&issued.to_compact())
        .unwrap()
        .select(&|_| false)
        .unwrap();
    assert_eq!(shown, format!("{}~", issued.issuer_jwt()));
    let presentation = sd_jwt::add_key_binding(&shown, &holder, AUD, NONCE, NOW).unwrap();
    let verified = UnverifiedSdJwt::parse(&presentation)
        .unwrap()
        .verify(&issuer.public_key(), &required(), &FixedClock(NOW))
        .unwrap();
    assert!(verified.claims().get("credentialSubject").is_none());
    assert!(verified.disclosed_paths().is_empty());
    assert_eq!(verified.claims()["iss"], "https://issuer.example");
}

#[test]
fn add_key_binding_refuses_an_already_bound_presentation() {
    let issuer = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let holder = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let shown = issue(&issuer, &holder, 0).to_compact();
    let bound = sd_jwt::add_key_binding(&shown, &holder, AUD, NONCE, NOW).unwrap();
    assert!(sd_jwt::add_key_binding(&bound, &holder, AUD, NONCE, NOW).is_err());
}

// ---- property test ----

fn decide(seed: u64, path: &[ClaimPathSegment]) -> bool {
    let mut h = DefaultHasher::new();
    seed.hash(&mut h);
    path.hash(&mut h);
    h.finish().is_multiple_of(2)
}

/// Whether a disclosable claim strictly below `path` is chosen by the holder.
fn chosen_below(value: &Value, path: &[ClaimPathSegment], sel: u64, keep: u64) -> bool {
    let children: Vec<(ClaimPathSegment, &Value)> = match value {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| (ClaimPathSegment::Key(k.clone()), v))
            .collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (ClaimPathSegment::Index(i), v))
            .collect(),
        _ => return false,
    };
    children.into_iter().any(|(segment, child)| {
        let mut p = path.to_vec();
        p.push(segment);
        (decide(sel, &p) && decide(keep, &p)) || chosen_below(child, &p, sel, keep)
    })
}

/// What the verifier must see: disclosable claims only when chosen (or holding a chosen one).
fn expected(
    value: &Value,
    path: &[ClaimPathSegment],
    sel: u64,
    keep: u64,
    count: &mut usize,
) -> Value {
    let shown = |p: &[ClaimPathSegment], child: &Value, count: &mut usize| {
        if !decide(sel, p) {
            return true;
        }
        let yes = decide(keep, p) || chosen_below(child, p, sel, keep);
        if yes {
            *count += 1;
        }
        yes
    };
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let mut p = path.to_vec();
                p.push(ClaimPathSegment::Key(k.clone()));
                if shown(&p, v, count) {
                    out.insert(k.clone(), expected(v, &p, sel, keep, count));
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => {
            let mut out = Vec::new();
            for (i, v) in items.iter().enumerate() {
                let mut p = path.to_vec();
                p.push(ClaimPathSegment::Index(i));
                if shown(&p, v, count) {
                    out.push(expected(v, &p, sel, keep, count));
                }
            }
            Value::Array(out)
        }
        scalar => scalar.clone(),
    }
}

fn claim_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "[a-zA-Z0-9 ~/._-]{0,6}".prop_map(Value::from),
        // What a JSON writer must escape, and text that is not ASCII.
        "[\"\\\\\u{0}-\u{1f}\u{7f}é€😀a]{0,5}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z~/\"\\\\é\n]{1,3}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn claims() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::btree_map("[a-z]{1,4}", claim_value(), 0..6)
        .prop_map(|m| m.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn verifier_sees_exactly_what_the_holder_chose(
        claims in claims(),
        sel in any::<u64>(),
        keep in any::<u64>(),
        decoys in 0usize..3,
    ) {
        let issuer = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
        let holder = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
        // `cnf` is added by the issuer, and `exp`/`nbf`/`iat` are checked as times: keep
        // random claims away from them.
        let mut claims = claims;
        for name in ["cnf", "exp", "nbf", "iat"] {
            claims.remove(name);
        }
        let issued = sd_jwt::issue(
            &issuer,
            &JwsHeaderParams::typed("dc+sd-jwt"),
            claims.clone(),
            &|p| decide(sel, p),
            &IssueOptions { decoys_per_object: decoys, holder_key: Some(holder.public_jwk().clone()) },
        ).unwrap();

        // The encoder writes JSON as it walks the claims. The payload is serde_json's own
        // compact form of itself, with the plain claims in the order given, then `_sd`, `cnf`
        // and `_sd_alg`; each disclosure's value, decoded when asked for, is what a strict parse
        // of its text gives.
        let payload_b64 = issued.issuer_jwt().split('.').nth(1).unwrap();
        let payload = passeport_core::b64::decode(payload_b64).unwrap();
        let parsed = passeport_core::json::parse_object(&payload).unwrap();
        prop_assert_eq!(&serde_json::to_vec(&parsed).unwrap(), &payload);
        let mut order: Vec<&str> = claims
            .keys()
            .map(String::as_str)
            .filter(|k| !decide(sel, &[ClaimPathSegment::key(*k)]))
            .collect();
        if parsed.contains_key("_sd") {
            order.push("_sd");
        }
        order.extend(["cnf", "_sd_alg"]);
        prop_assert_eq!(parsed.keys().map(String::as_str).collect::<Vec<_>>(), order);
        for disclosure in issued.disclosures() {
            let reparsed = Disclosure::parse(disclosure.as_str()).unwrap();
            prop_assert_eq!(disclosure.value(), reparsed.value());
            prop_assert_eq!(disclosure.claim_name(), reparsed.claim_name());
            prop_assert_eq!(disclosure.salt(), reparsed.salt());
            prop_assert_eq!(disclosure.digest(), reparsed.digest());
        }

        let held = UnverifiedSdJwt::parse(&issued.to_compact()).unwrap();
        prop_assert_eq!(held.disclosable_paths().unwrap().len(), issued.disclosures().len());
        let shown = held.select(&|p| decide(keep, p)).unwrap();
        let presentation = sd_jwt::add_key_binding(&shown, &holder, AUD, NONCE, NOW).unwrap();
        let verified = UnverifiedSdJwt::parse(&presentation)
            .unwrap()
            .verify(&issuer.public_key(), &required(), &FixedClock(NOW))
            .unwrap();

        let mut count = 0;
        let mut want = match expected(&Value::Object(claims), &[], sel, keep, &mut count) {
            Value::Object(m) => m,
            _ => unreachable!(),
        };
        want.insert("cnf".into(), json!({"jwk": holder.public_jwk().bare().to_value()}));
        prop_assert_eq!(verified.claims(), &want);
        prop_assert_eq!(verified.disclosed_paths().len(), count);
        prop_assert_eq!(verified.disclosure_count(), count);
        // Every path recorded names a claim of the processed payload.
        let processed = Value::Object(verified.claims().clone());
        for path in verified.disclosed_paths() {
            let mut at = Some(&processed);
            for segment in path.segments() {
                at = match segment {
                    ClaimPathSegment::Key(name) => at.and_then(|v| v.get(name.as_str())),
                    ClaimPathSegment::Index(i) => at.and_then(|v| v.get(*i)),
                };
            }
            prop_assert!(at.is_some(), "{:?}", path);
        }

        // `present` is the same selection with its own KB-JWT.
        let direct = held.present(&|p| decide(keep, p), &holder, AUD, NONCE, NOW).unwrap();
        prop_assert!(direct.starts_with(&shown) && direct.len() > shown.len());
        let verified = UnverifiedSdJwt::parse(&direct)
            .unwrap()
            .verify(&issuer.public_key(), &required(), &FixedClock(NOW))
            .unwrap();
        prop_assert_eq!(verified.claims(), &want);
    }
}

#[test]
fn holder_selects_whole_subtrees_by_json_pointer() {
    let issuer = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let holder = SecretKey::generate(KeyAlgorithm::P256).unwrap();
    let held = UnverifiedSdJwt::parse(&issue(&issuer, &holder, 1).to_compact()).unwrap();
    let shown = held
        .select_pointers(&["/credentialSubject/achievement"])
        .unwrap();
    let presentation = sd_jwt::add_key_binding(&shown, &holder, AUD, NONCE, NOW).unwrap();
    let verified = UnverifiedSdJwt::parse(&presentation)
        .unwrap()
        .verify(&issuer.public_key(), &required(), &FixedClock(NOW))
        .unwrap();
    assert_eq!(
        verified.claims()["credentialSubject"],
        json!({"achievement": credential()["credentialSubject"]["achievement"].clone()})
    );
    // A typo fails instead of silently disclosing less.
    assert_eq!(
        held.select_pointers(&["/credentialSubject/awardDate"])
            .unwrap_err(),
        sd_jwt::SdJwtError::UnknownClaim {
            pointer: "/credentialSubject/awardDate".into()
        }
    );
}
