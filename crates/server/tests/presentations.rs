//! Shared presentations on the real service: post, open as HTML and JSON, delete, expiry,
//! revocation showing up on the page, audience and integrity refusals.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use passeport_core::did::DidDocument;
use passeport_core::keys::{KeyAlgorithm, PublicKey, SecretKey, Signer};
use passeport_core::model::RecordType;
use passeport_issuer::{Format, IssueRequest, Issuer};
use passeport_server::{admin, Config, Server};
use passeport_verifier::resolve::HttpResolver;
use passeport_verifier::{TrustList, Verifier};
use passeport_wallet::{CreateOptions, KdfParams, Selection, Wallet};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::Arc;

const PASSPHRASE: &str = "correct horse battery staple";

fn temp_dir(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("passeport-pres-{name}-{}", uuid::Uuid::new_v4()))
}

fn sample(path: &str) -> Value {
    let full = format!(
        "{}/../../tests/vectors/domain/samples/camille-laurent/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&full).unwrap()).unwrap()
}

const DIPLOMA_NAME: &str = "BTS Services informatiques aux organisations";
const JOB_NAME: &str = "Développeuse d'applications en apprentissage";

struct Fixture {
    url: String,
    token: String,
    http: reqwest::Client,
    wallet_dir: PathBuf,
    /// Wallet ids of the diploma and the job record.
    diploma: String,
    job: String,
    /// Service id (`urn:uuid:…`) of the job record.
    job_service_id: String,
    /// The holder's public JWK.
    holder: Value,
    running: passeport_server::Running,
}

impl Fixture {
    async fn new(name: &str) -> Self {
        Self::with_trust(name, None).await
    }

    /// The service (started with `--trust trust` when given), a wallet, and a diploma and a
    /// job record issued by the service to the wallet's key and imported.
    async fn with_trust(name: &str, trust: Option<String>) -> Self {
        let data = temp_dir(name);
        let token = admin::create_api_key(&data, "acme", &[])
            .await
            .unwrap()
            .to_string();
        let mut config = Config::new("127.0.0.1:0".parse().unwrap(), &data);
        config.trust = trust;
        let running = Server::bind(config).await.unwrap().spawn();
        let url = running.url().to_owned();
        let http = reqwest::Client::new();

        let wallet_dir = temp_dir(&format!("{name}-wallet"));
        let dir = wallet_dir.clone();
        let holder = tokio::task::spawn_blocking(move || {
            let options = CreateOptions {
                kdf: KdfParams::INSECURE_FOR_TESTS,
                ..CreateOptions::default()
            };
            let wallet = Wallet::create_in(&dir, PASSPHRASE, options).unwrap();
            wallet.holder_jwk().to_value()
        })
        .await
        .unwrap();

        let holder_jwk = holder.clone();
        let mut ids = Vec::new();
        for (record, file) in [
            (RecordType::Diploma, "01-diploma-bts-sio.subject.json"),
            (
                RecordType::EmploymentRecord,
                "04-employment-numerica-apprentie.subject.json",
            ),
        ] {
            let response = http
                .post(format!("{url}/v1/credentials"))
                .bearer_auth(&token)
                .json(&json!({"type": record.name(), "subject": sample(file), "holder": holder}))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::CREATED);
            let body: Value = response.json().await.unwrap();
            ids.push((
                body["id"].as_str().unwrap().to_owned(),
                body["credential"].as_str().unwrap().to_owned(),
            ));
        }

        // The holder imports both, trusting the organisation's key from its DID document.
        let did_doc = http
            .get(format!("{url}/orgs/acme/did.json"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let org_key = DidDocument::from_json(&did_doc)
            .unwrap()
            .assertion_keys()
            .remove(0);
        let dir = wallet_dir.clone();
        let credentials: Vec<String> = ids.iter().map(|(_, c)| c.clone()).collect();
        let wallet_ids = tokio::task::spawn_blocking(move || {
            let mut trust = TrustList::new();
            trust.add_direct_key(org_key);
            let verifier = Verifier::new(trust, Arc::new(HttpResolver::new()));
            let mut wallet = Wallet::open_in(&dir, PASSPHRASE).unwrap();
            credentials
                .iter()
                .map(|c| wallet.import(c, &verifier).unwrap().id)
                .collect::<Vec<_>>()
        })
        .await
        .unwrap();
        Self {
            url,
            token,
            http,
            wallet_dir,
            diploma: wallet_ids[0].clone(),
            job: wallet_ids[1].clone(),
            job_service_id: ids[1].0.clone(),
            holder: holder_jwk,
            running,
        }
    }

    /// Imports credentials into the wallet, trusting `issuer_key`; returns their wallet ids.
    async fn import(&self, credentials: Vec<String>, issuer_key: PublicKey) -> Vec<String> {
        let dir = self.wallet_dir.clone();
        tokio::task::spawn_blocking(move || {
            let mut trust = TrustList::new();
            trust.add_direct_key(issuer_key);
            let verifier = Verifier::new(trust, Arc::new(HttpResolver::new()));
            let mut wallet = Wallet::open_in(&dir, PASSPHRASE).unwrap();
            credentials
                .iter()
                .map(|c| wallet.import(c, &verifier).unwrap().id)
                .collect()
        })
        .await
        .unwrap()
    }

    /// A presentation of these claims of these credentials (wallet ids), for `audience`.
    async fn present_claims(&self, audience: &str, selections: Vec<Selection>) -> String {
        let dir = self.wallet_dir.clone();
        let audience = audience.to_owned();
        tokio::task::spawn_blocking(move || {
            let mut wallet = Wallet::open_in(&dir, PASSPHRASE).unwrap();
            wallet
                .present(&selections, &audience, "n-0S6_WzA2Mj")
                .unwrap()
                .text
        })
        .await
        .unwrap()
    }

    /// A presentation of the diploma's name and the job's name and employer, for `audience`.
    async fn present(&self, audience: &str, both: bool) -> String {
        let mut selections = vec![Selection {
            credential_id: self.diploma.clone(),
            disclose: vec!["/achievement/name".into()],
        }];
        if both {
            selections.push(Selection {
                credential_id: self.job.clone(),
                disclose: vec!["/achievement/name".into(), "/legalEmployer".into()],
            });
        }
        self.present_claims(audience, selections).await
    }

    /// Posts a presentation of `selections` for this service; the link.
    async fn share_claims(&self, selections: Vec<Selection>) -> String {
        let presentation = self.present_claims(&self.url, selections).await;
        let (status, answer) = self.post(&json!({ "presentation": presentation })).await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        answer["url"].as_str().unwrap().to_owned()
    }

    async fn post(&self, body: &Value) -> (StatusCode, Value) {
        let response = self
            .http
            .post(format!("{}/v1/presentations", self.url))
            .json(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn share(&self, expires_in: Option<Value>) -> Value {
        let presentation = self.present(&self.url, true).await;
        let mut body = json!({ "presentation": presentation });
        if let Some(e) = expires_in {
            body["expiresIn"] = e;
        }
        let (status, answer) = self.post(&body).await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        answer
    }

    async fn page(&self, link: &str, accept: &str) -> (StatusCode, String) {
        let response = self
            .http
            .get(link)
            .header("accept", accept)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.text().await.unwrap())
    }

    async fn delete(&self, id: &str, token: Option<&str>) -> StatusCode {
        let mut request = self
            .http
            .delete(format!("{}/v1/presentations/{id}", self.url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap().status()
    }

    async fn stop(self) {
        self.running.shutdown().await.unwrap();
    }
}

fn verdicts(report: &Value) -> Vec<String> {
    report["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["verdict"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_link_shows_each_record_verified_then_deleted_is_gone() {
    let f = Fixture::new("share").await;
    let answer = f.share(Some(json!("7d"))).await;
    let id = answer["id"].as_str().unwrap();
    let link = answer["url"].as_str().unwrap();
    let delete_token = answer["deleteToken"].as_str().unwrap();
    assert_eq!(link, format!("{}/p/{id}", f.url));
    assert!(delete_token.len() >= 43, "delete token carries 256 bits");

    // The employer's page, in French by default.
    let (status, html) = f.page(link, "text/html").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("<html lang=\"fr\">"));
    assert!(html.contains("<meta charset=\"utf-8\">"));
    assert!(html.contains(DIPLOMA_NAME), "{html}");
    assert!(
        html.contains(&JOB_NAME.replace('\'', "&#x27;")),
        "escaped job name: {html}"
    );
    assert!(html.contains("Diplômes et titres"));
    assert!(html.contains("Expériences professionnelles"));
    assert_eq!(html.matches("Verdict : vérifié").count(), 2, "{html}");
    assert!(!html.contains("<script"));

    // English on request.
    let (_, english) = f.page(&format!("{link}?lang=en"), "text/html").await;
    assert!(english.contains("<html lang=\"en\">"));
    assert_eq!(english.matches("Verdict : verified").count(), 2);
    assert!(english.contains("Work experience"));

    // The report of `verify`.
    let (status, json) = f.page(link, "application/json").await;
    assert_eq!(status, StatusCode::OK);
    let report: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["valid"], true, "{report}");
    assert_eq!(verdicts(&report), ["verified", "verified"]);
    assert!(report["credentials"][0]["disclosed"]["achievement"]["name"]
        .as_str()
        .unwrap()
        .starts_with(DIPLOMA_NAME));
    // Only what was disclosed: the diploma's dates stay hidden.
    assert!(report["credentials"][0]["disclosed"]
        .get("awardingDate")
        .is_none());

    // Deleting needs the right token.
    assert_eq!(f.delete(id, None).await, StatusCode::UNAUTHORIZED);
    let wrong = passeport_core::b64::encode([7u8; 32]);
    assert_eq!(f.delete(id, Some(&wrong)).await, StatusCode::FORBIDDEN);
    assert_eq!(f.page(link, "text/html").await.0, StatusCode::OK);
    assert_eq!(
        f.delete(id, Some(delete_token)).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(f.page(link, "text/html").await.0, StatusCode::GONE);
    assert_eq!(f.page(link, "application/json").await.0, StatusCode::GONE);
    assert_eq!(f.delete(id, Some(delete_token)).await, StatusCode::GONE);
    // An id never issued.
    let (status, _) = f
        .page(&format!("{}/p/AAAAAAAAAAAAAAAAAAAAAA", f.url), "text/html")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_record_shows_revoked_on_the_page() {
    let f = Fixture::new("revoke").await;
    // A single SD-JWT + KB-JWT presentation, and a vp+jwt of both.
    let single = f.present(&f.url, false).await;
    assert!(single.contains('~'));
    let (status, one) = f.post(&json!({ "presentation": single })).await;
    assert_eq!(status, StatusCode::CREATED, "{one}");
    let both = f.share(None).await;

    let response = f
        .http
        .post(format!(
            "{}/v1/credentials/{}/revoke",
            f.url, f.job_service_id
        ))
        .bearer_auth(&f.token)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());

    let link = both["url"].as_str().unwrap();
    let (_, json) = f.page(link, "application/json").await;
    let report: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["valid"], false);
    assert_eq!(verdicts(&report), ["verified", "revoked"]);
    let (_, html) = f.page(link, "text/html").await;
    assert!(html.contains("Verdict : vérifié"), "{html}");
    assert!(html.contains("révoqué par l&#x27;émetteur"), "{html}");

    // The diploma-only link is untouched.
    let (_, json) = f
        .page(one["url"].as_str().unwrap(), "application/json")
        .await;
    let report: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(verdicts(&report), ["verified"]);
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presentation_for_another_audience_is_refused() {
    let f = Fixture::new("audience").await;
    let elsewhere = f.present("https://employer.example", true).await;
    let (status, problem) = f.post(&json!({ "presentation": elsewhere })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("https://employer.example"), "{detail}");
    assert!(detail.contains(&f.url), "{detail}");
    assert_eq!(problem["field"], "/presentation");
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_tampered_and_unbound_presentations_are_refused() {
    let f = Fixture::new("garbage").await;
    for garbage in ["", "hello", "a.b.c", "~~~", "eyJhbGciOiJub25lIn0.e30."] {
        let (status, problem) = f.post(&json!({ "presentation": garbage })).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{garbage}: {problem}"
        );
    }
    // A tampered presentation: one character of the VP signature changed.
    let good = f.present(&f.url, true).await;
    let mut tampered = good.clone().into_bytes();
    let last = tampered.len() - 2;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let (status, problem) = f
        .post(&json!({ "presentation": String::from_utf8(tampered).unwrap() }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("does not verify"));
    // An SD-JWT without its key binding JWT.
    let single = f.present(&f.url, false).await;
    let (unbound, _) = single.rsplit_once('~').unwrap();
    let (status, _) = f
        .post(&json!({ "presentation": format!("{unbound}~") }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Not JSON, unknown fields, bad expiries.
    let response = f
        .http
        .post(format!("{}/v1/presentations", f.url))
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    for expires in [
        json!(0),
        json!(-5),
        json!("3w"),
        json!(400 * 86_400),
        json!("366d"),
    ] {
        let (status, problem) = f
            .post(&json!({ "presentation": good, "expiresIn": expires }))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{expires}");
        assert_eq!(problem["field"], "/expiresIn");
    }
    // Too large a body.
    let huge = "A".repeat(2 * 1024 * 1024);
    let (status, _) = f.post(&json!({ "presentation": huge })).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_link_is_gone() {
    let f = Fixture::new("expiry").await;
    let answer = f.share(Some(json!(1))).await;
    let link = answer["url"].as_str().unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let (status, body) = f.page(link, "text/html").await;
    assert_eq!(status, StatusCode::GONE, "{body}");
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_ids_are_long_and_random() {
    let f = Fixture::new("ids").await;
    let a = f.share(None).await;
    let b = f.share(Some(json!(3600))).await;
    let (a, b) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    assert_ne!(a, b);
    for id in [a, b] {
        assert!(id.len() >= 22, "{id}");
        assert_eq!(passeport_core::b64::decode(id).unwrap().len(), 16);
    }
    f.stop().await;
}

async fn org_key(f: &Fixture) -> PublicKey {
    let did_doc = f
        .http
        .get(format!("{}/orgs/acme/did.json", f.url))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    DidDocument::from_json(&did_doc)
        .unwrap()
        .assertion_keys()
        .remove(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issuer_supplied_markup_is_escaped_on_the_page() {
    let f = Fixture::new("markup").await;
    let mut subject = sample("01-diploma-bts-sio.subject.json");
    subject["achievement"]["name"] =
        json!("<script>alert('x')</script><img src=x onerror=alert(1)> & co");
    let response = f
        .http
        .post(format!("{}/v1/credentials", f.url))
        .bearer_auth(&f.token)
        .json(&json!({"type": "Diploma", "subject": subject, "holder": f.holder}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let credential = response.json::<Value>().await.unwrap()["credential"]
        .as_str()
        .unwrap()
        .to_owned();
    let ids = f.import(vec![credential], org_key(&f).await).await;
    let link = f
        .share_claims(vec![Selection {
            credential_id: ids[0].clone(),
            disclose: vec!["/achievement/name".into()],
        }])
        .await;
    let (status, html) = f.page(&link, "text/html").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(&#x27;x&#x27;)&lt;&#x2f;script&gt;"),
        "{html}"
    );
    assert!(html.contains("&amp; co"), "{html}");
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_language_follows_query_then_accept_language() {
    let f = Fixture::new("lang").await;
    let link = f.share(None).await["url"].as_str().unwrap().to_owned();
    for (query, accept_language, expected) in [
        ("", "en-GB,en;q=0.9", "en"),
        ("", "de-DE, fr;q=0.5", "fr"),
        ("", "de-DE", "fr"),
        ("?lang=en", "fr-FR", "en"),
        ("?lang=fr", "en-US", "fr"),
    ] {
        let response = f
            .http
            .get(format!("{link}{query}"))
            .header("accept", "text/html")
            .header("accept-language", accept_language)
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["content-language"], expected);
        assert_eq!(response.headers()["cache-control"], "no-store");
        let html = response.text().await.unwrap();
        assert!(
            html.contains(&format!("<html lang=\"{expected}\">")),
            "{query} {accept_language}"
        );
    }
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust_list_given_at_start_trusts_its_issuers_for_their_types_only() {
    // An outside issuer (did:key), trusted by the service's --trust file for diplomas only.
    let key = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let public = key.public_key();
    let did = passeport_core::did::key::did_key(key.public_jwk()).unwrap();
    let trust_file = temp_dir("trust").with_extension("json");
    std::fs::write(
        &trust_file,
        json!({"issuers": [{"id": did.as_str(), "name": "Université extérieure", "types": ["Diploma"]}]})
            .to_string(),
    )
    .unwrap();
    let f = Fixture::with_trust("trust", Some(trust_file.display().to_string())).await;
    let issuer = Issuer::new(Arc::new(key), did.as_str()).unwrap();
    let holder = passeport_core::keys::PublicJwk::from_value(&f.holder).unwrap();
    let mut credentials = Vec::new();
    for (record, file) in [
        (RecordType::Diploma, "03-diploma-tp-cda.subject.json"),
        (
            RecordType::EmploymentRecord,
            "05-employment-numerica-cdi.subject.json",
        ),
    ] {
        let mut request = IssueRequest::new(record, sample(file));
        request.holder = Some(holder.clone());
        credentials.push(issuer.issue(&request, Format::VcSdJwt).unwrap().credential);
    }
    let ids = f.import(credentials, public).await;
    let link = f
        .share_claims(
            ids.iter()
                .map(|id| Selection {
                    credential_id: id.clone(),
                    disclose: vec!["/achievement/name".into()],
                })
                .collect(),
        )
        .await;
    let (_, json) = f.page(&link, "application/json").await;
    let report: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(verdicts(&report), ["verified", "untrusted"], "{report}");
    let (_, html) = f.page(&format!("{link}?lang=en"), "text/html").await;
    assert!(html.contains("Université extérieure"), "{html}");
    assert!(
        html.contains("Verdict : issuer not trusted for this type of record"),
        "{html}"
    );
    f.stop().await;

    // A trust list that cannot be read stops the service from starting.
    let mut config = Config::new("127.0.0.1:0".parse().unwrap(), temp_dir("no-trust"));
    config.trust = Some("/nonexistent/trust.json".into());
    let error = Server::bind(config).await.unwrap_err();
    assert!(
        error.to_string().contains("/nonexistent/trust.json"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routes_are_in_the_openapi_document() {
    let doc = passeport_server::openapi();
    let json = serde_json::to_value(&doc).unwrap();
    assert!(json["paths"]["/v1/presentations"]["post"].is_object());
    assert!(json["paths"]["/v1/presentations/{id}"]["delete"].is_object());
    assert!(json["paths"]["/p/{id}"]["get"].is_object());
}
