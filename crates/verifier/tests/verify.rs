//! The verifier's checks, each passing and failing, against our own issuer and other
//! implementations' artefacts (W3C vc-jose-cose test suite, SD-JWT VC draft examples).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use passeport_core::clock::FixedClock;
use passeport_core::jose::{sign_compact, JwsHeaderParams};
use passeport_core::keys::{KeyAlgorithm, PublicJwk, PublicKey, SecretKey, Signer};
use passeport_core::model::{RecordType, StatusEntry};
use passeport_core::sd_jwt::{self, UnverifiedSdJwt};
use passeport_core::status::bitstring::BitstringStatusList;
use passeport_issuer::{Format, IssueRequest, IssuedCredential, Issuer, StatusClaims};
use passeport_verifier::resolve::{HttpResolver, StaticResolver};
use passeport_verifier::{Expectation, Report, TrustList, TrustedIssuer, Verdict, Verifier};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::Arc;

fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(vectors().join(path)).unwrap()
}

fn subject(file: &str) -> Value {
    serde_json::from_str(&read(&format!("domain/samples/{file}"))).unwrap()
}

fn diploma() -> Value {
    subject("camille-laurent/01-diploma-bts-sio.subject.json")
}

struct Setup {
    issuer: Issuer,
    public: PublicKey,
    did: String,
}

/// The Diploma sample issued by `s` in each of our formats.
fn diplomas_in_every_format(s: &Setup) -> Vec<(Format, IssuedCredential)> {
    Format::ALL
        .into_iter()
        .map(|format| {
            let request = IssueRequest::new(RecordType::Diploma, diploma());
            (format, s.issuer.issue(&request, format).unwrap())
        })
        .collect()
}

fn setup() -> Setup {
    let key = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let public = key.public_key();
    let did = passeport_core::did::key::did_key(key.public_jwk())
        .unwrap()
        .to_string();
    Setup {
        issuer: Issuer::new(Arc::new(key), &did).unwrap(),
        public,
        did,
    }
}

fn direct(public: &PublicKey) -> TrustList {
    let mut trust = TrustList::new();
    trust.add_direct_key(public.clone());
    trust
}

fn check<'a>(report: &'a Report, name: &str) -> &'a passeport_verifier::Check {
    report.credentials[0]
        .checks
        .iter()
        .find(|c| c.check == name)
        .unwrap_or_else(|| panic!("no {name} check: {report:#?}"))
}

#[test]
fn every_format_of_ours_verifies_with_a_direct_key() {
    let s = setup();
    let verifier = Verifier::new(direct(&s.public), Arc::new(StaticResolver::new()));
    for (format, issued) in diplomas_in_every_format(&s) {
        let report = verifier.verify(&issued.credential);
        assert!(report.valid, "{format}: {}", report.summary());
        assert_eq!(
            report.credentials[0].record_type.as_deref(),
            Some("Diploma"),
            "{format}"
        );
        assert_eq!(report.credentials[0].verdict, Verdict::Verified);
        assert_eq!(report.credentials[0].issuer, s.did);
    }
}

#[test]
fn trust_is_per_record_type() {
    // A driving school trusted for habilitations cannot attest a diploma.
    let s = setup();
    let mut trust = TrustList::new();
    trust.add_issuer(TrustedIssuer {
        id: s.did.clone(),
        name: Some("Auto-école des Canuts".into()),
        keys: Vec::new(),
        types: vec!["Habilitation".into()],
    });
    let verifier = Verifier::new(trust, Arc::new(StaticResolver::new()));
    let issued = s
        .issuer
        .issue(
            &IssueRequest::new(RecordType::Diploma, diploma()),
            Format::VcSdJwt,
        )
        .unwrap();
    let report = verifier.verify(&issued.credential);
    assert!(!report.valid);
    let trust = check(&report, "trust");
    assert!(!trust.ok);
    assert!(trust.detail.contains("not for Diploma"), "{}", trust.detail);
    assert_eq!(report.credentials[0].verdict, Verdict::Untrusted);
    // The signature itself was fine: the report says so.
    assert!(check(&report, "signature").ok);
}

#[test]
fn trust_list_file_resolves_did_keys_and_trusts_listed_types() {
    let s = setup();
    let list = json!({"issuers": [{"id": s.did, "name": "Académie", "types": ["Diploma", "ProfessionalCertification"]}]});
    let trust = TrustList::from_json(list.to_string().as_bytes()).unwrap();
    let verifier = Verifier::new(trust, Arc::new(StaticResolver::new()));
    let issued = s
        .issuer
        .issue(
            &IssueRequest::new(RecordType::Diploma, diploma()),
            Format::DcSdJwt,
        )
        .unwrap();
    let report = verifier.verify(&issued.credential);
    assert!(report.valid, "{}", report.summary());
    assert!(check(&report, "trust").detail.contains("Académie"));
}

#[test]
fn malformed_trust_lists_are_the_callers_error() {
    for bad in [
        r#"{"issuers": [{"id": "x"}]}"#,
        r#"{"issuers": [{"id": "x", "types": [], "keys": [{"kty":"oct","k":"AA"}]}]}"#,
        "[]",
        "{",
        r#"{"issuers": [], "extra": 1}"#,
    ] {
        assert!(TrustList::from_json(bad.as_bytes()).is_err(), "{bad}");
    }
}

#[test]
fn unknown_issuer_is_untrusted_and_said_so() {
    let s = setup();
    let verifier = Verifier::new(TrustList::new(), Arc::new(StaticResolver::new()));
    let issued = s
        .issuer
        .issue(
            &IssueRequest::new(RecordType::Diploma, diploma()),
            Format::VcJwt,
        )
        .unwrap();
    let report = verifier.verify(&issued.credential);
    assert!(!report.valid);
    assert!(check(&report, "trust")
        .detail
        .contains("not in the trust list"));
}

#[test]
fn validity_window_and_verification_as_of_a_date() {
    let s = setup();
    let now = 1_800_000_000;
    let issuer = Issuer::new(s.issuer.signer().clone(), &s.did)
        .unwrap()
        .with_clock(Arc::new(FixedClock(now)));
    let mut request = IssueRequest::new(
        RecordType::Habilitation,
        subject("karim-benali/04-habilitation-electrique.subject.json"),
    );
    request.valid_until = Some(now + 86_400 * 365);
    for format in [Format::VcSdJwt, Format::DcSdJwt, Format::VcJwt] {
        let issued = issuer.issue(&request, format).unwrap();
        let at = |t: i64| {
            Verifier::new(direct(&s.public), Arc::new(StaticResolver::new()))
                .with_clock(Arc::new(FixedClock(t)))
        };
        assert!(at(now + 10).verify(&issued.credential).valid, "{format}");
        let expired = at(now + 86_400 * 400).verify(&issued.credential);
        assert!(!expired.valid, "{format}");
        assert_eq!(
            expired.credentials[0].verdict,
            Verdict::Expired,
            "{format}: {}",
            expired.summary()
        );
        let early = at(now - 86_400).verify(&issued.credential);
        assert!(!early.valid, "{format}: not yet valid");
    }
}

#[test]
fn tampered_credentials_are_reported_tampered_never_panic() {
    let s = setup();
    let verifier = Verifier::new(direct(&s.public), Arc::new(StaticResolver::new()));
    for format in [Format::VcSdJwt, Format::DcSdJwt, Format::VcJwt] {
        let issued = s
            .issuer
            .issue(&IssueRequest::new(RecordType::Diploma, diploma()), format)
            .unwrap();
        let jws_end = issued
            .credential
            .find('~')
            .unwrap_or(issued.credential.len());
        let (header, rest) = issued
            .credential
            .split_at(issued.credential.find('.').unwrap() + 1);
        let payload_end = rest.find('.').unwrap();
        let payload = passeport_core::b64::decode(&rest[..payload_end]).unwrap();
        let mut claims: Value = serde_json::from_slice(&payload).unwrap();
        claims["iat"] = json!(1);
        let forged = format!(
            "{header}{}{}",
            passeport_core::b64::encode(claims.to_string()),
            &rest[payload_end..]
        );
        let report = verifier.verify(&forged);
        assert!(!report.valid, "{format}");
        assert_eq!(
            report.credentials[0].verdict,
            Verdict::Tampered,
            "{format}: {}",
            report.summary()
        );
        // Truncations anywhere: a verdict, never a panic.
        for cut in [1, 10, jws_end / 2, jws_end - 1, issued.credential.len() - 1] {
            assert!(
                !verifier.verify(&issued.credential[..cut]).valid,
                "{format} cut at {cut}"
            );
        }
    }
    for garbage in [
        "",
        "~",
        "~~~",
        "a.b.c",
        "{}",
        "{\"proof\":1}",
        "null",
        "eyJhbGciOiJub25lIn0.e30.",
        "\u{0}\u{1}",
    ] {
        assert!(!verifier.verify(garbage).valid, "{garbage:?}");
    }
}

#[test]
fn data_integrity_tampering_fails_with_a_reason() {
    let s = setup();
    let verifier = Verifier::new(direct(&s.public), Arc::new(StaticResolver::new()));
    for format in [Format::DiEddsaRdfc2022, Format::DiEddsaJcs2022] {
        let issued = s
            .issuer
            .issue(&IssueRequest::new(RecordType::Diploma, diploma()), format)
            .unwrap();
        let mut doc: Value = serde_json::from_str(&issued.credential).unwrap();
        doc["credentialSubject"]["term"] = json!("Session 2099");
        let report = verifier.verify(&doc.to_string());
        assert!(!report.valid, "{format}");
        assert_eq!(
            report.credentials[0].verdict,
            Verdict::Tampered,
            "{format}: {}",
            report.summary()
        );
    }
}

fn holder() -> SecretKey {
    SecretKey::generate(KeyAlgorithm::P256).unwrap()
}

fn bound(s: &Setup, holder: &SecretKey, format: Format) -> String {
    let mut request = IssueRequest::new(RecordType::Diploma, diploma());
    request.holder = Some(holder.public_jwk().clone());
    s.issuer.issue(&request, format).unwrap().credential
}

#[test]
fn key_binding_audience_nonce_and_freshness() {
    let s = setup();
    let h = holder();
    let now = passeport_core::clock::Clock::now(&passeport_core::clock::SystemClock);
    let credential = bound(&s, &h, Format::VcSdJwt);
    let shown = UnverifiedSdJwt::parse(&credential)
        .unwrap()
        .select(&|_| false)
        .unwrap();
    let presentation =
        sd_jwt::add_key_binding(&shown, &h, "https://employer.example", "n-42", now).unwrap();
    let verifier = Verifier::new(direct(&s.public), Arc::new(StaticResolver::new()));
    let expect = |aud: &str, nonce: &str| Expectation {
        audience: Some(aud.into()),
        nonce: Some(nonce.into()),
    };

    let ok = verifier.verify_with(&presentation, &expect("https://employer.example", "n-42"));
    assert!(ok.valid, "{}", ok.summary());
    // Hidden claims stay hidden.
    assert!(ok.credentials[0].disclosed.get("awardingDate").is_none());

    let wrong_aud = verifier.verify_with(&presentation, &expect("https://other.example", "n-42"));
    assert!(!wrong_aud.valid);
    assert!(
        !check(&wrong_aud, "holder_binding").ok,
        "{}",
        wrong_aud.summary()
    );
    assert!(
        !verifier
            .verify_with(&presentation, &expect("https://employer.example", "n-43"))
            .valid
    );
    // No expectation given: the presentation is meant for someone; fail closed.
    let unexpected = verifier.verify(&presentation);
    assert!(!unexpected.valid);
    assert!(check(&unexpected, "holder_binding")
        .detail
        .contains("https://employer.example"));

    let stale = sd_jwt::add_key_binding(&shown, &h, "https://employer.example", "n-42", now - 7200)
        .unwrap();
    assert!(
        !verifier
            .verify_with(&stale, &expect("https://employer.example", "n-42"))
            .valid
    );

    // A KB-JWT signed by another key than cnf.
    let thief = holder();
    let stolen =
        sd_jwt::add_key_binding(&shown, &thief, "https://employer.example", "n-42", now).unwrap();
    let report = verifier.verify_with(&stolen, &expect("https://employer.example", "n-42"));
    assert!(!report.valid);
    assert_eq!(report.credentials[0].verdict, Verdict::NotBound);

    // A bare credential offered as a presentation for an audience is not bound.
    let bare = verifier.verify_with(&credential, &expect("https://employer.example", "n-42"));
    assert!(!bare.valid);
}

fn vp_jwt(
    holder: &SecretKey,
    credentials: &[(&str, &str)],
    aud: &str,
    nonce: &str,
    iat: i64,
) -> String {
    let vcs: Vec<Value> = credentials
        .iter()
        .map(|(media, c)| json!({"@context": "https://www.w3.org/ns/credentials/v2", "type": "EnvelopedVerifiableCredential", "id": format!("data:application/{media},{c}")}))
        .collect();
    let vp = json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"], "verifiableCredential": vcs, "aud": aud, "nonce": nonce, "iat": iat, "exp": iat + 600});
    sign_compact(
        holder,
        &JwsHeaderParams::typed("vp+jwt"),
        vp.to_string().as_bytes(),
    )
    .unwrap()
}

/// A `vc+sd-jwt` bound to `h`, as its holder shows it disclosing nothing selectively
/// disclosable.
fn hiding_everything(s: &Setup, h: &SecretKey) -> String {
    UnverifiedSdJwt::parse(&bound(s, h, Format::VcSdJwt))
        .unwrap()
        .select(&|_| false)
        .unwrap()
}

/// What the employer expects of a presentation made for it with `nonce`.
fn for_employer(nonce: &str) -> Expectation {
    Expectation {
        audience: Some("https://employer.example".into()),
        nonce: Some(nonce.into()),
    }
}

/// A verifier that needs the envelope (`validFrom`, `credentialSchema`…) of what it was
/// presented asks for it: `verify_keeping_claims` hands back every verified claim, for a key-bound
/// SD-JWT and for each credential of a `vp+jwt`; `verify_with` keeps none. Both show the same
/// `disclosed` claims and checks, and hidden claims stay hidden in the kept ones too.
#[test]
fn a_verifier_may_keep_every_verified_claim_of_a_presentation() {
    let s = setup();
    let h = holder();
    let now = passeport_core::clock::Clock::now(&passeport_core::clock::SystemClock);
    let shown = hiding_everything(&s, &h);
    let kb = sd_jwt::add_key_binding(&shown, &h, "https://employer.example", "n", now).unwrap();
    let vp = vp_jwt(
        &h,
        &[
            ("vc+sd-jwt", &shown),
            ("vc+jwt", &bound(&s, &h, Format::VcJwt)),
        ],
        "https://employer.example",
        "n",
        now,
    );
    let verifier = Verifier::new(direct(&s.public), Arc::new(StaticResolver::new()));
    let expect = for_employer("n");
    for (input, credentials) in [(&kb, 1), (&vp, 2)] {
        let plain = verifier.verify_with(input, &expect);
        let kept = verifier.verify_keeping_claims(input, &expect);
        assert!(plain.valid && kept.valid, "{}", kept.summary());
        assert_eq!(kept.credentials.len(), credentials);
        for (plain, kept) in plain.credentials.iter().zip(&kept.credentials) {
            assert!(plain.verified_claims.is_none());
            let claims = kept.verified_claims.as_ref().unwrap();
            assert!(claims["validFrom"].is_string(), "{claims:?}");
            assert!(claims.contains_key("credentialSchema"));
            assert_eq!(plain.disclosed, kept.disclosed);
            assert_eq!(plain.checks, kept.checks);
            if kept.format == "vc+sd-jwt" {
                let subject = &claims["credentialSubject"];
                assert!(subject.get("achievement").is_some(), "{subject}");
                assert!(subject.get("awardingDate").is_none(), "{subject}");
            }
        }
    }
}

#[test]
fn enveloping_presentation_of_several_credentials() {
    let s = setup();
    let h = holder();
    let now = passeport_core::clock::Clock::now(&passeport_core::clock::SystemClock);
    let sd = hiding_everything(&s, &h);
    let jwt = bound(&s, &h, Format::VcJwt);
    let vp = vp_jwt(
        &h,
        &[("vc+sd-jwt", &sd), ("vc+jwt", &jwt)],
        "https://employer.example",
        "n",
        now,
    );
    let verifier = Verifier::new(direct(&s.public), Arc::new(StaticResolver::new()));
    let expect = for_employer("n");
    let report = verifier.verify_with(&vp, &expect);
    assert!(report.valid, "{}", report.summary());
    assert_eq!(report.credentials.len(), 2);

    // Signed by someone else than the credentials' holder.
    let other = holder();
    let forged = vp_jwt(
        &other,
        &[("vc+sd-jwt", &sd), ("vc+jwt", &jwt)],
        "https://employer.example",
        "n",
        now,
    );
    let report = verifier.verify_with(&forged, &expect);
    assert!(!report.valid);
    assert!(
        report.errors.iter().any(|e| e.contains("holder key")),
        "{:?}",
        report.errors
    );
    // Wrong audience.
    assert!(
        !verifier
            .verify_with(
                &vp,
                &Expectation {
                    audience: Some("https://x.example".into()),
                    nonce: Some("n".into())
                }
            )
            .valid
    );
}

fn status_list_jwt(s: &Setup, url: &str, revoked: &[u64]) -> String {
    let mut list = BitstringStatusList::new(131_072).unwrap();
    for i in revoked {
        list.set(*i, true).unwrap();
    }
    let payload = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url, "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": s.did, "validFrom": "2020-01-01T00:00:00Z",
        "credentialSubject": {"id": format!("{url}#list"), "type": "BitstringStatusList", "statusPurpose": "revocation", "encodedList": list.encode().unwrap()}
    });
    sign_compact(
        s.issuer.signer().as_ref(),
        &JwsHeaderParams::typed("vc+jwt"),
        payload.to_string().as_bytes(),
    )
    .unwrap()
}

#[test]
fn revocation_through_a_signed_bitstring_status_list() {
    let s = setup();
    let url = "https://passeport.example/v1/status-lists/1";
    let mut request = IssueRequest::new(RecordType::Diploma, diploma());
    request.status = StatusClaims {
        bitstring: Some(StatusEntry {
            id: Some(format!("{url}#77")),
            type_: "BitstringStatusListEntry".into(),
            status_purpose: "revocation".into(),
            status_list_index: "77".into(),
            status_list_credential: url.into(),
        }),
        bitstring_suspension: None,
        token: None,
    };
    let credential = s
        .issuer
        .issue(&request, Format::VcSdJwt)
        .unwrap()
        .credential;
    let resolver = Arc::new(StaticResolver::new());
    let verifier = Verifier::new(direct(&s.public), resolver.clone());

    // Unreachable list: fail closed.
    let report = verifier.verify(&credential);
    assert!(!report.valid);
    assert!(
        check(&report, "status")
            .detail
            .contains("cannot be ruled out"),
        "{}",
        report.summary()
    );

    resolver.insert(url, status_list_jwt(&s, url, &[3, 1000]));
    assert!(verifier.verify(&credential).valid);

    resolver.insert(url, status_list_jwt(&s, url, &[77]));
    let report = verifier.verify(&credential);
    assert!(!report.valid);
    assert_eq!(report.credentials[0].verdict, Verdict::Revoked);

    // A list signed by someone else is not believed.
    let mallory = setup();
    resolver.insert(
        url,
        status_list_jwt(
            &Setup {
                issuer: mallory.issuer,
                public: mallory.public,
                did: s.did.clone(),
            },
            url,
            &[],
        ),
    );
    let report = verifier.verify(&credential);
    assert!(!report.valid);
    assert!(
        check(&report, "status").detail.contains("signature"),
        "{}",
        report.summary()
    );
}

#[test]
fn did_web_issuer_resolved_over_http() {
    let key = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let public = key.public_key();
    let did_for = |port: u16| format!("did:web:127.0.0.1%3A{port}:orgs:lycee");
    // The server must know the DID (with its port) before serving: bind, then build the doc.
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let did = did_for(port);
    let doc = json!({
        "@context": ["https://www.w3.org/ns/did/v1"], "id": did,
        "verificationMethod": [{"id": format!("{did}#key-1"), "type": "JsonWebKey", "controller": did, "publicKeyJwk": public.jwk().bare().to_value()}],
        "assertionMethod": [format!("{did}#key-1")]
    })
    .to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(4) {
            let mut stream = stream.unwrap();
            let mut buf = [0u8; 4096];
            let n = stream.read(&mut buf).unwrap_or(0);
            let request = String::from_utf8_lossy(&buf[..n]).to_string();
            let (status, body) = if request.starts_with("GET /orgs/lycee/did.json ") {
                ("200 OK", doc.clone())
            } else {
                ("404 Not Found", String::new())
            };
            let _ = stream.write_all(
                format!(
                    "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                )
                .as_bytes(),
            );
        }
    });
    let issuer = Issuer::new(Arc::new(key), &did).unwrap();
    let issued = issuer
        .issue(
            &IssueRequest::new(RecordType::Diploma, diploma()),
            Format::VcSdJwt,
        )
        .unwrap();
    let list = json!({"issuers": [{"id": did, "types": ["Diploma"]}]});
    let verifier = Verifier::new(
        TrustList::from_json(list.to_string().as_bytes()).unwrap(),
        Arc::new(HttpResolver::new()),
    );
    let report = verifier.verify(&issued.credential);
    assert!(report.valid, "{}", report.summary());
    assert!(
        check(&report, "issuer_key").detail.contains("did:web"),
        "{}",
        report.summary()
    );
}

#[test]
fn sd_jwt_vc_draft_examples_from_another_implementation() {
    let keys: Value = serde_json::from_str(&read("sd-jwt-vc/keys.json")).unwrap();
    let issuer = PublicKey::from_jwk_value(&keys["issuer_public_jwk"]).unwrap();
    let expect = Expectation {
        audience: keys["kb_aud"].as_str().map(str::to_owned),
        nonce: keys["kb_nonce"].as_str().map(str::to_owned),
    };
    for example in ["01", "02", "03-pid"] {
        let presentation = read(&format!(
            "sd-jwt-vc/examples/{example}/spec_sd_jwt_presentation.txt"
        ));
        let kb_iat = std::fs::read_to_string(vectors().join(format!(
            "sd-jwt-vc/examples/{example}/spec_kb_jwt_payload.json"
        )))
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        .and_then(|v| v["iat"].as_i64())
        .unwrap_or(1_700_000_000);
        let verifier = Verifier::new(direct(&issuer), Arc::new(StaticResolver::new()))
            .with_clock(Arc::new(FixedClock(kb_iat + 5)));
        let has_kb = !presentation.trim().ends_with('~');
        let report = if has_kb {
            verifier.verify_with(presentation.trim(), &expect)
        } else {
            verifier.verify(presentation.trim())
        };
        assert!(report.valid, "{example}: {}", report.summary());
        assert_eq!(report.credentials[0].format, "dc+sd-jwt");
        let expected: Value = serde_json::from_str(&read(&format!(
            "sd-jwt-vc/examples/{example}/verified_contents.json"
        )))
        .unwrap();
        for (k, v) in expected.as_object().unwrap() {
            if ![
                "iss", "iat", "exp", "vct", "cnf", "status", "sub", "_sd_alg",
            ]
            .contains(&k.as_str())
            {
                assert_eq!(
                    &report.credentials[0].disclosed[k], v,
                    "{example} claim {k}"
                );
            }
        }
    }
}

#[test]
fn w3c_vc_jose_cose_suite() {
    let mapping: Value = serde_json::from_str(&read("vc-jose-cose/test-mapping.json")).unwrap();
    let mut ran = 0;
    for group in ["JOSETestMapping", "SDJWTTestMapping"] {
        for (name, case) in mapping[group].as_object().unwrap() {
            if case["fn"] != "verify" {
                continue;
            }
            let vm: Value = serde_json::from_str(&read(&format!(
                "vc-jose-cose/input/{}",
                case["key_file"].as_str().unwrap()
            )))
            .unwrap();
            let curve = vm["publicKeyJwk"]["crv"].as_str().unwrap_or_default();
            let input = read(&format!(
                "vc-jose-cose/input/{}",
                case["input_file"].as_str().unwrap()
            ));
            let expected_ok = case["expected_result"] == "success";
            match PublicKey::from_jwk_value(&vm["publicKeyJwk"]) {
                Ok(key) => {
                    let verifier = Verifier::new(direct(&key), Arc::new(StaticResolver::new()))
                        .with_clock(Arc::new(FixedClock(1_734_300_000)));
                    let report = verifier.verify(input.trim());
                    assert_eq!(report.valid, expected_ok, "{name}: {}", report.summary());
                    ran += 1;
                }
                Err(e) => {
                    // P-384 / P-521 keys: outside our allow-list (EdDSA, ES256); refused clearly.
                    assert!(matches!(curve, "P-384" | "P-521"), "{name}: {e}");
                    assert!(e.to_string().contains("unsupported"), "{name}: {e}");
                }
            }
        }
    }
    assert!(ran >= 8, "ran {ran} cases");
}

#[test]
fn issuer_key_given_as_jwk_from_another_library() {
    // RFC 8037 A.2 public key, as any JOSE library writes it.
    let jwk = PublicJwk::from_json(
        r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#,
    )
    .unwrap();
    let key = PublicKey::from_jwk(&jwk).unwrap();
    let mut trust = TrustList::new();
    trust.add_direct_key(key);
    assert_eq!(trust.direct_keys().len(), 1);
}

#[test]
fn verify_issued_hands_back_every_verified_claim() {
    let s = setup();
    let verifier = Verifier::new(direct(&s.public), Arc::new(StaticResolver::new()));
    for (format, issued) in diplomas_in_every_format(&s) {
        let report = verifier
            .verify_issued(&issued.credential)
            .unwrap_or_else(|r| panic!("{format}: {}", r.summary()));
        let claims = report.verified_claims.unwrap();
        let subject = claims
            .get("credentialSubject")
            .cloned()
            .unwrap_or_else(|| Value::Object(claims.clone()));
        assert_eq!(subject["awardingDate"], "2021-07-06T00:00:00Z", "{format}");
    }
    assert!(verifier.verify_issued("garbage").is_err());
}

/// `verify` moves the subject into `disclosed` and keeps no other claim; `verify_issued` keeps
/// them all and shows the very same `disclosed` and checks.
#[test]
fn only_verify_issued_keeps_the_claims_and_both_disclose_the_same() {
    let s = setup();
    let verifier = Verifier::new(direct(&s.public), Arc::new(StaticResolver::new()));
    for (format, issued) in diplomas_in_every_format(&s) {
        let plain = verifier.verify(&issued.credential);
        assert!(plain.valid, "{format}: {}", plain.summary());
        let plain = &plain.credentials[0];
        assert!(plain.verified_claims.is_none(), "{format}");
        let kept = verifier.verify_issued(&issued.credential).unwrap();
        assert!(kept.verified_claims.is_some(), "{format}");
        assert_eq!(plain.disclosed, kept.disclosed, "{format}");
        assert_eq!(
            plain.disclosed["awardingDate"], "2021-07-06T00:00:00Z",
            "{format}"
        );
        let checks = |r: &passeport_verifier::CredentialReport| {
            r.checks
                .iter()
                .map(|c| (c.check.clone(), c.ok, c.detail.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(checks(plain), checks(&kept), "{format}");
        if format == Format::DcSdJwt {
            // The SD-JWT VC subject: `sub` shown as such, not as the `id` the schema saw.
            assert!(plain.disclosed.get("sub").is_some(), "{}", plain.disclosed);
            assert!(plain.disclosed.get("id").is_none(), "{}", plain.disclosed);
        }
    }
}

#[test]
fn https_issuer_key_from_sd_jwt_vc_issuer_metadata() {
    // An SD-JWT VC issuer identified by an https URL publishes its keys at
    // /.well-known/jwt-vc-issuer/<path> (SD-JWT VC §5).
    let key = SecretKey::generate(KeyAlgorithm::P256).unwrap();
    let iss = "https://issuer.example/orgs/lycee";
    let mut jwk = key.public_jwk().clone();
    jwk.kid = Some("k1".into());
    let issuer = Issuer::new(Arc::new(key), iss).unwrap().with_kid("k1");
    let issued = issuer
        .issue(
            &IssueRequest::new(RecordType::Diploma, diploma()),
            Format::DcSdJwt,
        )
        .unwrap();
    let resolver = Arc::new(StaticResolver::new());
    let list = json!({"issuers": [{"id": iss, "types": ["Diploma"]}]});
    let verifier = Verifier::new(
        TrustList::from_json(list.to_string().as_bytes()).unwrap(),
        resolver.clone(),
    );

    // No metadata published: the key cannot be found, and the report says why.
    let report = verifier.verify(&issued.credential);
    assert!(!report.valid);
    assert!(!check(&report, "issuer_key").ok);

    let url = "https://issuer.example/.well-known/jwt-vc-issuer/orgs/lycee";
    resolver.insert(
        url,
        json!({"issuer": iss, "jwks": {"keys": [jwk.to_value()]}}).to_string(),
    );
    let report = verifier.verify(&issued.credential);
    assert!(report.valid, "{}", report.summary());
    assert!(check(&report, "issuer_key")
        .detail
        .contains("issuer metadata"));

    // Metadata naming another issuer is not believed.
    resolver.insert(
        url,
        json!({"issuer": "https://evil.example", "jwks": {"keys": [jwk.to_value()]}}).to_string(),
    );
    assert!(!verifier.verify(&issued.credential).valid);
}

#[test]
fn schema_check_fails_on_a_claim_outside_the_record_type() {
    // A genuinely signed credential whose subject carries a claim the Diploma schema does not
    // define: the signature is fine, the schema check is not.
    let s = setup();
    let mut subject = diploma();
    subject.as_object_mut().unwrap().remove("term");
    let mut vc = s
        .issuer
        .build_credential(&IssueRequest::new(RecordType::Diploma, subject))
        .unwrap()
        .1;
    vc["credentialSubject"]["favouriteColour"] = json!("blue");
    let jws = sign_compact(
        s.issuer.signer().as_ref(),
        &JwsHeaderParams::typed("vc+jwt").with_kid(s.issuer.kid().unwrap()),
        Value::Object(vc).to_string().as_bytes(),
    )
    .unwrap();
    let report = Verifier::new(direct(&s.public), Arc::new(StaticResolver::new())).verify(&jws);
    assert!(!report.valid);
    assert!(check(&report, "signature").ok);
    let schema = check(&report, "schema");
    assert!(
        !schema.ok && schema.detail.contains("favouriteColour"),
        "{}",
        schema.detail
    );
}

/// A signed SD-JWT whose payload cannot be read (not an object, a duplicate member) is refused
/// as malformed, with the reason, before any key is looked for: the payload the issuer's key is
/// looked up from is the one verification would use.
#[test]
fn an_sd_jwt_whose_payload_cannot_be_read_fails_its_format_check() {
    let key = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let verifier = Verifier::new(direct(&key.public_key()), Arc::new(StaticResolver::new()));
    for (payload, reason) in [
        (&br#"["not", "an", "object"]"#[..], "expected a JSON object"),
        (
            br#"{"iss":"https://a.example","iss":"https://b.example","vct":"x"}"#,
            "duplicate member name `iss`",
        ),
    ] {
        let jwt = sign_compact(&key, &JwsHeaderParams::typed("dc+sd-jwt"), payload).unwrap();
        let report = verifier.verify(&format!("{jwt}~"));
        assert!(!report.valid);
        let credential = &report.credentials[0];
        assert_eq!(
            credential.verdict,
            Verdict::Tampered,
            "{}",
            report.summary()
        );
        let format = check(&report, "format");
        assert!(
            !format.ok && format.detail.contains(reason),
            "{}",
            format.detail
        );
        assert!(
            credential.issuer.is_empty(),
            "no issuer read from a broken payload"
        );
    }
}
