//! The whole path in a real browser: the service issues a diploma and a job record to a holder,
//! the wallet imports both and shares part of them as a link (through its link client, against
//! the real service), headless Chromium opens the employer's page and finds each record and its
//! verdict; the issuer revokes one and the page says so.
//!
//! Needs Debian's `chromium` (`apt-get install -y chromium`). Without it the test fails under
//! `CI=true` and is skipped, loudly, elsewhere.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use passeport_core::did::DidDocument;
use passeport_core::model::RecordType;
use passeport_server::{admin, Config, Server};
use passeport_verifier::resolve::HttpResolver;
use passeport_verifier::{TrustList, Verifier};
use passeport_wallet::{
    CreateOptions, KdfParams, LinkError, LinkService, PublishedLink, Selection, Wallet,
};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const PASSPHRASE: &str = "e2e passphrase";
const CHROMIUM: &str = "chromium";
const BROWSER_TIMEOUT: Duration = Duration::from_secs(90);

fn temp_dir(name: &str) -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    std::env::temp_dir().join(format!(
        "passeport-e2e-{name}-{}-{nanos}",
        std::process::id()
    ))
}

fn sample(file: &str) -> Value {
    let path = format!(
        "{}/vectors/domain/samples/camille-laurent/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Whether Chromium runs here; under `CI=true` its absence is a failure.
fn chromium_available() -> bool {
    let found = Command::new(CHROMIUM)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        assert!(
            !ci,
            "`{CHROMIUM}` is not installed and CI=true: install it (apt-get install -y chromium)"
        );
        eprintln!(
            "\n\n!!!!!!!!!! SKIPPING e2e_browser: `{CHROMIUM}` is not installed \
             (apt-get install -y chromium) !!!!!!!!!!\n\n"
        );
    }
    found
}

/// The DOM of `url` after headless Chromium loaded it (no JavaScript needed by the page).
fn dump_dom(url: &str) -> String {
    let profile = temp_dir("chromium-profile");
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut out = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut out).unwrap();
        out
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > BROWSER_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within {BROWSER_TIMEOUT:?} on {url}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let dom = reader.join().unwrap();
    let _ = std::fs::remove_dir_all(&profile);
    assert!(status.success(), "chromium failed on {url}: {status}");
    dom
}

/// The wallet's link client over HTTP (the CLI has its own; the wallet only knows the trait).
struct HttpLinks {
    base: String,
    client: reqwest::blocking::Client,
}

impl LinkService for HttpLinks {
    fn audience(&self) -> &str {
        &self.base
    }

    fn publish(
        &self,
        presentation: &str,
        expires_in_secs: Option<u64>,
    ) -> Result<PublishedLink, LinkError> {
        let mut body = json!({ "presentation": presentation });
        if let Some(secs) = expires_in_secs {
            body["expiresIn"] = secs.into();
        }
        let response = self
            .client
            .post(format!("{}/v1/presentations", self.base))
            .json(&body)
            .send()
            .map_err(|e| LinkError::Unreachable {
                server: self.base.clone(),
                reason: e.to_string(),
            })?;
        let status = response.status().as_u16();
        let answer: Value = response.json().unwrap_or(Value::Null);
        if status != 201 {
            return Err(LinkError::Refused {
                server: self.base.clone(),
                status,
                body: answer.to_string(),
            });
        }
        let field = |name: &str| answer[name].as_str().unwrap().to_owned();
        Ok(PublishedLink {
            id: field("id"),
            url: field("url"),
            delete_token: field("deleteToken"),
        })
    }

    fn delete(&self, link_id: &str, delete_token: &str) -> Result<(), LinkError> {
        let response = self
            .client
            .delete(format!("{}/v1/presentations/{link_id}", self.base))
            .bearer_auth(delete_token)
            .send()
            .map_err(|e| LinkError::Unreachable {
                server: self.base.clone(),
                reason: e.to_string(),
            })?;
        let status = response.status().as_u16();
        if status == 204 || status == 410 {
            Ok(())
        } else {
            Err(LinkError::Refused {
                server: self.base.clone(),
                status,
                body: String::new(),
            })
        }
    }
}

/// Issues `record` from `file` to `holder`; returns the service id and the credential.
async fn issue(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    record: RecordType,
    file: &str,
    holder: &Value,
) -> (String, String) {
    let response = http
        .post(format!("{url}/v1/credentials"))
        .bearer_auth(token)
        .json(&json!({"type": record.name(), "subject": sample(file), "holder": holder}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let body: Value = response.json().await.unwrap();
    (
        body["id"].as_str().unwrap().to_owned(),
        body["credential"].as_str().unwrap().to_owned(),
    )
}

fn new_wallet(dir: &Path) -> Value {
    let options = CreateOptions {
        kdf: KdfParams::INSECURE_FOR_TESTS,
        ..CreateOptions::default()
    };
    let wallet = Wallet::create_in(dir, PASSPHRASE, options).unwrap();
    wallet.holder_jwk().to_value()
}

const DIPLOMA_NAME: &str = "BTS Services informatiques aux organisations";
const JOB_NAME: &str = "Développeuse d'applications en apprentissage";
const EMPLOYER: &str = "Numérica Solutions SAS (fictive)";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn employer_opens_a_shared_link_in_a_browser_and_sees_a_revocation() {
    if !chromium_available() {
        return;
    }
    // The service, with one organisation that may issue every record type.
    let data = temp_dir("service");
    let token = admin::create_api_key(&data, "ecole-et-entreprise", &[])
        .await
        .unwrap()
        .to_string();
    let running = Server::bind(Config::new("127.0.0.1:0".parse().unwrap(), &data))
        .await
        .unwrap()
        .spawn();
    let url = running.url().to_owned();
    let http = reqwest::Client::new();

    // The holder's wallet, and two records issued to its key.
    let wallet_dir = temp_dir("wallet");
    let dir = wallet_dir.clone();
    let holder = tokio::task::spawn_blocking(move || new_wallet(&dir))
        .await
        .unwrap();
    let (_, diploma) = issue(
        &http,
        &url,
        &token,
        RecordType::Diploma,
        "01-diploma-bts-sio.subject.json",
        &holder,
    )
    .await;
    let (job_id, job) = issue(
        &http,
        &url,
        &token,
        RecordType::EmploymentRecord,
        "04-employment-numerica-apprentie.subject.json",
        &holder,
    )
    .await;
    let did_doc = http
        .get(format!("{url}/orgs/ecole-et-entreprise/did.json"))
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

    // Import both (verified), share the diploma's name and the job's name and employer.
    let dir = wallet_dir.clone();
    let base = url.clone();
    let link = tokio::task::spawn_blocking(move || {
        let mut trust = TrustList::new();
        trust.add_direct_key(org_key);
        let verifier = Verifier::new(trust, Arc::new(HttpResolver::new()));
        let mut wallet = Wallet::open_in(&dir, PASSPHRASE).unwrap();
        let diploma = wallet.import(&diploma, &verifier).unwrap();
        let job = wallet.import(&job, &verifier).unwrap();
        let links = HttpLinks {
            base,
            client: reqwest::blocking::Client::new(),
        };
        let selections = [
            Selection {
                credential_id: diploma.id,
                disclose: vec!["/achievement/name".into()],
            },
            Selection {
                credential_id: job.id,
                disclose: vec!["/achievement/name".into(), "/legalEmployer".into()],
            },
        ];
        let shared = wallet.share(&selections, &links, Some(3600)).unwrap();
        assert_eq!(wallet.links().unwrap().len(), 1);
        shared.url
    })
    .await
    .unwrap();
    assert!(link.starts_with(&format!("{url}/p/")), "{link}");

    // The employer opens the link in a real browser (which asks for English by
    // Accept-Language: French is chosen on the page).
    let page = format!("{link}?lang=fr");
    let dom = tokio::task::spawn_blocking(move || dump_dom(&page))
        .await
        .unwrap();
    assert!(dom.contains("<html lang=\"fr\""), "{dom}");
    assert!(dom.contains(DIPLOMA_NAME), "{dom}");
    assert!(dom.contains(JOB_NAME), "{dom}");
    assert!(dom.contains(EMPLOYER), "{dom}");
    assert!(dom.contains("Diplômes et titres"), "{dom}");
    assert!(dom.contains("Expériences professionnelles"), "{dom}");
    assert_eq!(dom.matches("Verdict : vérifié").count(), 2, "{dom}");
    assert!(
        dom.contains("Tous les enregistrements sont vérifiés."),
        "{dom}"
    );
    // Not disclosed, not shown.
    assert!(!dom.contains("2021-07-06"), "awarding date leaked: {dom}");

    // The issuer revokes the job record; the same link now says so.
    let response = http
        .post(format!("{url}/v1/credentials/{job_id}/revoke"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let page = link.clone();
    let dom = tokio::task::spawn_blocking(move || dump_dom(&page))
        .await
        .unwrap();
    assert!(
        dom.contains("<html lang=\"en\""),
        "English by Accept-Language: {dom}"
    );
    assert_eq!(dom.matches("Verdict : verified").count(), 1, "{dom}");
    assert!(dom.contains("Verdict : revoked by the issuer"), "{dom}");
    assert!(
        dom.contains("Warning: at least one record is not verified."),
        "{dom}"
    );
    assert!(dom.contains(JOB_NAME), "{dom}");

    running.shutdown().await.unwrap();
    let _ = std::fs::remove_dir_all(&data);
    let _ = std::fs::remove_dir_all(&wallet_dir);
}
