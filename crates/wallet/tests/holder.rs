//! The holder's operations: import refusals, presentations, links, the CV, notes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use passeport_core::clock::FixedClock;
use passeport_core::jose::{JwsPolicy, UnverifiedJws};
use passeport_core::keys::PublicKey;
use passeport_core::model::RecordType;
use passeport_core::sd_jwt::{KbExpectation, SdJwtVerifyOptions, UnverifiedSdJwt};
use passeport_issuer::Format;
use passeport_wallet::storage::MemoryStore;
use passeport_wallet::{
    CredentialFilter, LinkError, LinkService, LogAction, NoteKind, PresentationKind, PublishedLink,
    Selection, Wallet, WalletError,
};
use serde_json::{Map, Value};
use std::cell::RefCell;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Verifies a key-bound SD-JWT presentation the way an employer would.
fn check_sd_jwt(
    presentation: &str,
    issuer: &PublicKey,
    audience: &str,
    nonce: &str,
) -> Map<String, Value> {
    let options = SdJwtVerifyOptions {
        typ: vec!["vc+sd-jwt".into(), "dc+sd-jwt".into()],
        key_binding: KbExpectation::Required {
            audience: audience.into(),
            nonce: nonce.into(),
            max_age_secs: 300,
        },
        leeway_secs: 60,
    };
    UnverifiedSdJwt::parse(presentation)
        .unwrap()
        .verify(issuer, &options, &FixedClock(now()))
        .unwrap()
        .into_claims()
}

struct Setup {
    wallet: Wallet<MemoryStore>,
    school: TestIssuer,
    trainer: TestIssuer,
    diploma: String,
    training: String,
}

fn setup() -> Setup {
    let mut wallet = memory_wallet();
    let school = issuer("did:web:passeport.example:orgs:lycee-canuts");
    let trainer = issuer("https://campus.example");
    let holder = holder_of(&wallet);
    let diploma = school.issue(
        RecordType::Diploma,
        sample_subject("camille-laurent", "01-diploma-bts-sio.subject.json"),
        &holder,
        Format::VcSdJwt,
    );
    let training = trainer.issue(
        RecordType::TrainingAction,
        sample_subject("camille-laurent", "06-training-owasp.subject.json"),
        &holder,
        Format::DcSdJwt,
    );
    let verifier = KeyVerifier(vec![school.public.clone(), trainer.public.clone()]);
    let diploma = wallet.import(&diploma, &verifier).unwrap().id;
    let training = wallet.import(&training, &verifier).unwrap().id;
    Setup {
        wallet,
        school,
        trainer,
        diploma,
        training,
    }
}

#[test]
fn rejects_tampered_disclosure_on_import() {
    let mut wallet = memory_wallet();
    let school = issuer("https://school.example");
    let credential = school.issue(
        RecordType::Diploma,
        sample_subject("lea-moreau", "01-diploma-cap-logistique.subject.json"),
        &holder_of(&wallet),
        Format::VcSdJwt,
    );
    // Swap one disclosure for a forged one claiming another value.
    let mut parts: Vec<String> = credential.split('~').map(str::to_owned).collect();
    let forged =
        passeport_core::sd_jwt::Disclosure::new_property("awardingDate", "1999-01-01".into())
            .unwrap();
    parts[1] = forged.as_str().to_owned();
    let tampered = parts.join("~");
    let verifier = KeyVerifier(vec![school.public.clone()]);
    let err = wallet.import(&tampered, &verifier).unwrap_err();
    let WalletError::Rejected(rejected) = err else {
        panic!("expected a refusal, got {err:?}");
    };
    assert!(!rejected.reasons.is_empty());
    assert!(wallet
        .credentials(&CredentialFilter::default())
        .unwrap()
        .is_empty());
    assert!(wallet
        .log()
        .unwrap()
        .iter()
        .any(|e| matches!(e.action, LogAction::ImportRefused { .. })));
}

#[test]
fn rejects_tampered_signature_and_untrusted_issuer() {
    let mut wallet = memory_wallet();
    let school = issuer("https://school.example");
    let forger = issuer("https://school.example");
    let holder = holder_of(&wallet);
    let subject = sample_subject("lea-moreau", "08-certification-clea.subject.json");
    let credential = school.issue(
        RecordType::ProfessionalCertification,
        subject.clone(),
        &holder,
        Format::VcJwt,
    );
    let verifier = KeyVerifier(vec![school.public.clone()]);
    // Flip the last signature character.
    let mut tampered = credential.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    assert!(matches!(
        wallet.import(&tampered, &verifier).unwrap_err(),
        WalletError::Rejected(_)
    ));
    // Same issuer id, another key: not trusted.
    let forged = forger.issue(
        RecordType::ProfessionalCertification,
        subject,
        &holder,
        Format::VcJwt,
    );
    assert!(matches!(
        wallet.import(&forged, &verifier).unwrap_err(),
        WalletError::Rejected(_)
    ));
    assert!(wallet
        .credentials(&CredentialFilter::default())
        .unwrap()
        .is_empty());
    // The genuine one goes in, once.
    let id = wallet.import(&credential, &verifier).unwrap().id;
    assert!(matches!(
        wallet.import(&credential, &verifier).unwrap_err(),
        WalletError::AlreadyImported { id: dup } if dup == id
    ));
}

#[test]
fn presents_one_sd_jwt_with_only_the_chosen_claims() {
    let mut s = setup();
    let record = s.wallet.credential(&s.diploma).unwrap();
    assert!(
        record.is_disclosable("/awardingDate"),
        "{:?}",
        record.disclosable
    );
    let shown = "/awardingDate".to_owned();
    let hidden: Vec<&String> = record
        .disclosable
        .iter()
        .filter(|p| **p != shown && !p.starts_with("/achievement"))
        .collect();
    assert!(!hidden.is_empty());
    let presentation = s
        .wallet
        .present(
            &[Selection {
                credential_id: s.diploma.clone(),
                disclose: vec![shown.clone()],
            }],
            "https://employer.example",
            "n-42",
        )
        .unwrap();
    assert_eq!(presentation.kind, PresentationKind::SdJwtKb);
    let claims = check_sd_jwt(
        &presentation.text,
        &s.school.public,
        "https://employer.example",
        "n-42",
    );
    let subject = Value::Object(claims)["credentialSubject"].clone();
    assert_eq!(subject.pointer(&shown), record.subject.pointer(&shown));
    for pointer in hidden {
        assert!(
            subject.pointer(pointer).is_none(),
            "{pointer} should stay hidden"
        );
    }
    // Wrong audience fails for the employer.
    let options = SdJwtVerifyOptions {
        typ: vec!["vc+sd-jwt".into()],
        key_binding: KbExpectation::Required {
            audience: "https://other.example".into(),
            nonce: "n-42".into(),
            max_age_secs: 300,
        },
        leeway_secs: 60,
    };
    assert!(UnverifiedSdJwt::parse(&presentation.text)
        .unwrap()
        .verify(&s.school.public, &options, &FixedClock(now()))
        .is_err());
    assert!(s.wallet.log().unwrap().iter().any(|e| matches!(
        &e.action,
        LogAction::Present { audience, .. } if audience == "https://employer.example"
    )));
}

#[test]
fn presents_several_credentials_in_a_vp_jwt_each_reduced() {
    let mut s = setup();
    let training = s.wallet.credential(&s.training).unwrap();
    assert!(
        !training.disclosable.is_empty(),
        "dc+sd-jwt has disclosable claims"
    );
    let presentation = s
        .wallet
        .present(
            &[
                Selection {
                    credential_id: s.diploma.clone(),
                    disclose: vec!["/awardingDate".into()],
                },
                Selection {
                    credential_id: s.training.clone(),
                    disclose: vec!["/workload".into()],
                },
            ],
            "https://employer.example",
            "n-7",
        )
        .unwrap();
    assert_eq!(presentation.kind, PresentationKind::VpJwt);
    let holder = PublicKey::from_jwk(s.wallet.holder_jwk()).unwrap();
    let vp = UnverifiedJws::parse(&presentation.text)
        .unwrap()
        .verify(&holder, &JwsPolicy::typed(&["vp+jwt"]))
        .unwrap()
        .claims()
        .unwrap();
    assert_eq!(vp["aud"], "https://employer.example");
    assert_eq!(vp["nonce"], "n-7");
    let inner = vp["verifiableCredential"].as_array().unwrap();
    assert_eq!(inner.len(), 2);
    let unwrap_data = |v: &Value| -> String {
        let id = v["id"].as_str().unwrap();
        id.split_once(',').unwrap().1.to_owned()
    };
    let diploma = check_sd_jwt(
        &unwrap_data(&inner[0]),
        &s.school.public,
        "https://employer.example",
        "n-7",
    );
    let subject = &diploma["credentialSubject"];
    assert!(subject.get("awardingDate").is_some());
    assert!(subject.get("result").is_none(), "not chosen, stays hidden");
    let training_claims = check_sd_jwt(
        &unwrap_data(&inner[1]),
        &s.trainer.public,
        "https://employer.example",
        "n-7",
    );
    assert_eq!(training_claims["workload"], training.subject["workload"]);
    assert!(
        training_claims.get("attendanceRate").is_none(),
        "not chosen, stays hidden"
    );
}

#[test]
fn rejects_disclosing_a_claim_that_does_not_exist() {
    let mut s = setup();
    let err = s
        .wallet
        .present(
            &[Selection {
                credential_id: s.diploma.clone(),
                disclose: vec!["/salary".into()],
            }],
            "aud",
            "n",
        )
        .unwrap_err();
    assert!(matches!(err, WalletError::UnknownClaim { pointer, .. } if pointer == "/salary"));
}

#[derive(Default)]
struct MockService {
    published: RefCell<Vec<String>>,
    deleted: RefCell<Vec<(String, String)>>,
}

impl LinkService for MockService {
    fn audience(&self) -> &str {
        "https://passeport.example"
    }
    fn publish(
        &self,
        presentation: &str,
        _expires: Option<u64>,
    ) -> Result<PublishedLink, LinkError> {
        self.published.borrow_mut().push(presentation.to_owned());
        Ok(PublishedLink {
            id: "abc".into(),
            url: "https://passeport.example/p/abc".into(),
            delete_token: "tok-secret".into(),
        })
    }
    fn delete(&self, id: &str, token: &str) -> Result<(), LinkError> {
        self.deleted.borrow_mut().push((id.into(), token.into()));
        Ok(())
    }
}

#[test]
fn share_keeps_the_link_and_unshare_uses_its_delete_token() {
    let mut s = setup();
    let service = MockService::default();
    let link = s
        .wallet
        .share(
            &[Selection {
                credential_id: s.diploma.clone(),
                disclose: vec!["/awardingDate".into()],
            }],
            &service,
            Some(3600),
        )
        .unwrap();
    assert_eq!(link.url, "https://passeport.example/p/abc");
    let sent = service.published.borrow()[0].clone();
    let kb = UnverifiedSdJwt::parse(&sent).unwrap();
    assert!(kb.has_key_binding());
    let kb_jwt = sent.rsplit('~').next().unwrap();
    let kb_claims = UnverifiedJws::parse(kb_jwt)
        .unwrap()
        .insecure_claims()
        .unwrap();
    assert_eq!(
        kb_claims["aud"], "https://passeport.example",
        "audience is the service URL"
    );
    let links = s.wallet.links().unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].delete_token, "tok-secret");
    assert!(links[0].expires_at.is_some());
    let cv = s.wallet.cv_html(&[s.diploma.clone()]).unwrap();
    assert!(
        cv.contains(&escape("https://passeport.example/p/abc")),
        "the CV links the live share"
    );

    s.wallet.unshare("abc", &service).unwrap();
    assert_eq!(
        service.deleted.borrow()[0],
        ("abc".into(), "tok-secret".into())
    );
    assert!(s.wallet.links().unwrap()[0].deleted_at.is_some());
    let log = s.wallet.log().unwrap();
    assert!(log
        .iter()
        .any(|e| matches!(e.action, LogAction::Share { .. })));
    assert!(log
        .iter()
        .any(|e| matches!(e.action, LogAction::Unshare { .. })));
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('/', "&#x2f;")
}

#[test]
fn cv_contains_each_chosen_record_escaped_and_notes_as_self_declared() {
    let mut s = setup();
    let holder = holder_of(&s.wallet);
    // A record with markup in an issuer-controlled field must come out escaped.
    let mut subject = sample_subject("karim-benali", "02-employment-batir-elec-cdi.subject.json");
    subject["achievement"]["name"] = "Électricien <script>alert(1)</script> & \"chef\"".into();
    let employer = issuer("https://employer.example");
    let job = employer.issue(
        RecordType::EmploymentRecord,
        subject,
        &holder,
        Format::VcSdJwt,
    );
    let job = s
        .wallet
        .import(&job, &KeyVerifier(vec![employer.public.clone()]))
        .unwrap();
    s.wallet
        .add_note(
            NoteKind::TrainingProposal,
            "Formation <b>Kubernetes</b>",
            "Proposée lors de l'entretien professionnel",
        )
        .unwrap();
    let chosen = [s.diploma.clone(), job.id.clone()];
    let html = s.wallet.cv_html(&chosen).unwrap();
    for id in &chosen {
        let record = s.wallet.credential(id).unwrap();
        assert!(
            html.contains(&escape(&record.title())),
            "missing {}",
            record.title()
        );
        assert!(html.contains(&format!("id=\"cred-{id}\"")));
        assert!(html.contains(&escape(&record.issuer)));
    }
    assert!(
        !html.contains("<script>alert"),
        "markup from a credential is escaped"
    );
    assert!(html.contains("&lt;script&gt;"));
    // Not chosen: absent.
    let training = s.wallet.credential(&s.training).unwrap();
    assert!(!html.contains(&format!("cred-{}", training.id)));
    // Sections by record type, in both languages.
    assert!(html.contains("Diplômes et titres"));
    assert!(html.contains("Work experience"));
    // The note: escaped, in the self-declared section, never badged verifiable.
    assert!(!html.contains("<b>Kubernetes</b>"));
    let note_at = html
        .find(&escape("Formation <b>Kubernetes</b>"))
        .expect("note rendered");
    let section_at = html.find("Déclaratif").unwrap();
    assert!(
        section_at < note_at,
        "the note sits in the self-declared section"
    );
    let note_block = &html[note_at..html[note_at..].find("</div>").map(|e| note_at + e).unwrap()];
    assert!(note_block.contains("self-declared"));
    assert!(!note_block.contains("verifiable"));
    // Every credential line carries its proof.
    let diploma = s.wallet.credential(&s.diploma).unwrap();
    let first_segment = diploma.credential.split('.').next().unwrap();
    assert!(html.contains(first_segment));
}

#[test]
fn rejects_credential_bound_to_another_holder() {
    let mut wallet = memory_wallet();
    let someone_else = memory_wallet();
    let school = issuer("https://school.example");
    let credential = school.issue(
        RecordType::Diploma,
        sample_subject("lea-moreau", "01-diploma-cap-logistique.subject.json"),
        &holder_of(&someone_else),
        Format::VcSdJwt,
    );
    let err = wallet
        .import(&credential, &KeyVerifier(vec![school.public.clone()]))
        .unwrap_err();
    assert!(
        matches!(&err, WalletError::Rejected(r) if r.to_string().contains("another key")),
        "{err:?}"
    );
}
