//! Suspension of VCDM-format credentials, end to end: the real service issues a `vc+sd-jwt` and a
//! `di-eddsa-jcs-2022` credential with two W3C Bitstring Status List entries (`revocation` and
//! `suspension`), flips them through `/suspend`, `/reinstate` and `/revoke`, and the real verifier
//! (fetching the published lists over HTTP) agrees at each step.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use passeport_core::did::DidDocument;
use passeport_core::jose::{JwsPolicy, UnverifiedJws};
use passeport_core::status::bitstring::{self, BitstringStatusList};
use passeport_server::{admin, Config, Server};
use passeport_verifier::report::Verdict;
use passeport_verifier::resolve::HttpResolver;
use passeport_verifier::{TrustList, Verifier};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::Arc;

fn subject() -> Value {
    let path = format!(
        "{}/../../tests/vectors/domain/samples/camille-laurent/01-diploma-bts-sio.subject.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

struct Service {
    url: String,
    token: String,
    http: reqwest::Client,
    running: passeport_server::Running,
}

impl Service {
    async fn start(name: &str) -> Self {
        let data: PathBuf =
            std::env::temp_dir().join(format!("passeport-susp-{name}-{}", uuid::Uuid::new_v4()));
        let token = admin::create_api_key(&data, "acme", &[])
            .await
            .unwrap()
            .to_string();
        Self::on(&data, token).await
    }

    /// The service on an existing data directory, with an API key of org `acme`.
    async fn on(data: &std::path::Path, token: String) -> Self {
        let running = Server::bind(Config::new("127.0.0.1:0".parse().unwrap(), data))
            .await
            .unwrap()
            .spawn();
        Self {
            url: running.url().to_owned(),
            token,
            http: reqwest::Client::new(),
            running,
        }
    }

    async fn shutdown(self) {
        self.running.shutdown().await.unwrap();
    }

    async fn issue(&self, format: &str) -> (String, String) {
        let response = self
            .http
            .post(format!("{}/v1/credentials", self.url))
            .bearer_auth(&self.token)
            .json(&json!({"type": "Diploma", "subject": subject(), "format": format}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.unwrap();
        let credential = match &body["credential"] {
            Value::String(compact) => compact.clone(),
            json => json.to_string(),
        };
        (body["id"].as_str().unwrap().to_owned(), credential)
    }

    async fn post_status(&self, id: &str, action: &str) -> (StatusCode, Value) {
        let response = self
            .http
            .post(format!("{}/v1/credentials/{id}/{action}", self.url))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }

    async fn audit_entry(&self, id: &str) -> Value {
        let body: Value = self
            .http
            .get(format!("{}/v1/credentials", self.url))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["credentials"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .cloned()
            .unwrap()
    }

    async fn org_key(&self) -> passeport_core::keys::PublicKey {
        let bytes = self
            .http
            .get(format!("{}/orgs/acme/did.json", self.url))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        DidDocument::from_json(&bytes)
            .unwrap()
            .assertion_keys()
            .remove(0)
    }

    /// Fetches and verifies a published bitstring list: `(statusPurpose, list)`.
    async fn bitstring(&self, list_id: &str) -> (String, BitstringStatusList) {
        let response = self
            .http
            .get(format!("{}/v1/status-lists/{list_id}", self.url))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "application/vc+jwt");
        let jwt = response.text().await.unwrap();
        let verified = UnverifiedJws::parse(&jwt)
            .unwrap()
            .verify(&self.org_key().await, &JwsPolicy::typed(&["vc+jwt"]))
            .unwrap();
        let claims = Value::Object(verified.claims().unwrap());
        let (purpose, list) = bitstring::from_credential(&claims).unwrap();
        assert_eq!(
            claims["credentialSubject"]["statusPurpose"],
            purpose.as_str()
        );
        (purpose, list)
    }

    /// The verifier's verdict, with a fresh verifier (no cached list) trusting the org's key.
    async fn verdict(&self, credential: &str) -> Verdict {
        let key = self.org_key().await;
        let credential = credential.to_owned();
        tokio::task::spawn_blocking(move || {
            let mut trust = TrustList::new();
            trust.add_direct_key(key);
            let verifier = Verifier::new(trust, Arc::new(HttpResolver::new()));
            let report = verifier.verify(&credential);
            assert_eq!(report.credentials.len(), 1, "{:?}", report.errors);
            report.credentials[0].verdict
        })
        .await
        .unwrap()
    }
}

/// The `credentialStatus` entries of the issued credential (the payload of a JWT-based one).
fn status_entries(credential: &str) -> Vec<Value> {
    let document: Value = if credential.starts_with('{') {
        serde_json::from_str(credential).unwrap()
    } else {
        let jws = credential.split('~').next().unwrap();
        let payload = jws.split('.').nth(1).unwrap();
        serde_json::from_slice(&passeport_core::b64::decode(payload).unwrap()).unwrap()
    };
    document["credentialStatus"].as_array().unwrap().clone()
}

async fn suspend_reinstate_revoke(format: &str) {
    let service = Service::start(format).await;
    let (id, credential) = service.issue(format).await;

    // Two entries, one per purpose, each pointing into its own list.
    let entries = status_entries(&credential);
    let purposes: Vec<&str> = entries
        .iter()
        .map(|e| e["statusPurpose"].as_str().unwrap())
        .collect();
    assert_eq!(purposes, ["revocation", "suspension"], "{format}");
    assert_ne!(
        entries[0]["statusListCredential"],
        entries[1]["statusListCredential"]
    );
    let audit = service.audit_entry(&id).await;
    let revocation_list = audit["statusListId"].as_str().unwrap().to_owned();
    let revocation_idx = audit["statusListIndex"].as_u64().unwrap();
    let suspension_list = audit["suspensionListId"].as_str().unwrap().to_owned();
    let suspension_idx = audit["suspensionListIndex"].as_u64().unwrap();
    assert_eq!(entries[1]["statusListCredential"], audit["suspensionList"]);
    assert_eq!(
        entries[1]["statusListIndex"],
        suspension_idx.to_string().as_str()
    );
    let (purpose, list) = service.bitstring(&suspension_list).await;
    assert_eq!(purpose, "suspension");
    assert!(!list.get(suspension_idx).unwrap());
    assert_eq!(service.verdict(&credential).await, Verdict::Verified);

    // Suspend: the suspension bit is set, the revocation bit is not; the verifier says suspended.
    let (status, body) = service.post_status(&id, "suspend").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "suspended");
    assert_eq!(body["statusList"], audit["suspensionList"]);
    assert_eq!(body["statusListIndex"], suspension_idx);
    let (_, list) = service.bitstring(&suspension_list).await;
    assert!(list.get(suspension_idx).unwrap());
    assert_eq!(list.count_set(), 1);
    let (purpose, list) = service.bitstring(&revocation_list).await;
    assert_eq!(purpose, "revocation");
    assert!(!list.get(revocation_idx).unwrap());
    assert_eq!(service.audit_entry(&id).await["status"], "suspended");
    assert_eq!(service.verdict(&credential).await, Verdict::Suspended);

    // Reinstate: valid again.
    let (status, body) = service.post_status(&id, "reinstate").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "valid");
    let (_, list) = service.bitstring(&suspension_list).await;
    assert!(!list.get(suspension_idx).unwrap());
    assert_eq!(service.audit_entry(&id).await["status"], "valid");
    assert_eq!(service.verdict(&credential).await, Verdict::Verified);

    // Suspended, then revoked: revocation wins and cannot be lifted by a reinstatement.
    assert_eq!(service.post_status(&id, "suspend").await.0, StatusCode::OK);
    let (status, body) = service.post_status(&id, "revoke").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "revoked");
    assert_eq!(
        service.post_status(&id, "reinstate").await.0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        service.post_status(&id, "suspend").await.0,
        StatusCode::CONFLICT
    );
    let (_, list) = service.bitstring(&revocation_list).await;
    assert!(list.get(revocation_idx).unwrap());
    assert_eq!(service.audit_entry(&id).await["status"], "revoked");
    assert_eq!(service.verdict(&credential).await, Verdict::Revoked);
    service.shutdown().await;
}

#[tokio::test]
async fn vc_sd_jwt_suspend_reinstate_revoke() {
    suspend_reinstate_revoke("vc+sd-jwt").await;
}

#[tokio::test]
async fn di_eddsa_jcs_2022_suspend_reinstate_revoke() {
    suspend_reinstate_revoke("di-eddsa-jcs-2022").await;
}

#[tokio::test]
async fn reinstating_a_revoked_credential_never_clears_the_revocation() {
    let service = Service::start("revoked-first").await;
    let (id, credential) = service.issue("vc+jwt").await;
    assert_eq!(service.post_status(&id, "revoke").await.0, StatusCode::OK);
    assert_eq!(
        service.post_status(&id, "reinstate").await.0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        service.post_status(&id, "suspend").await.0,
        StatusCode::CONFLICT
    );
    let audit = service.audit_entry(&id).await;
    let (_, list) = service
        .bitstring(audit["suspensionListId"].as_str().unwrap())
        .await;
    assert_eq!(list.count_set(), 0, "nothing was suspended");
    assert_eq!(service.verdict(&credential).await, Verdict::Revoked);
    service.shutdown().await;
}

/// A database written before migration 0003 (one status entry per credential, no suspension
/// columns) is upgraded in place: its credential keeps its revocation entry, has no suspension
/// entry (suspend answers 409) and can still be revoked; new credentials get both entries.
#[tokio::test]
async fn database_from_before_suspension_is_upgraded_in_place() {
    let data = std::env::temp_dir().join(format!("passeport-susp-legacy-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&data).unwrap();
    // Only the migrations that existed before suspension, applied by sqlx as the old service did.
    let old_migrations = data.join("old-migrations");
    std::fs::create_dir_all(&old_migrations).unwrap();
    for name in ["0001_init.sql", "0002_presentations.sql"] {
        std::fs::copy(
            format!("{}/migrations/{name}", env!("CARGO_MANIFEST_DIR")),
            old_migrations.join(name),
        )
        .unwrap();
    }
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(data.join(passeport_server::state::DATABASE_FILE))
        .create_if_missing(true)
        .foreign_keys(false);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    sqlx::migrate::Migrator::new(old_migrations.as_path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    let legacy_id = format!("urn:uuid:{}", uuid::Uuid::new_v4());
    for statement in [
        "INSERT INTO status_lists (id, org, kind, purpose, size, bits, used, created_at) \
         VALUES ('oldlist', 'acme', 'bitstring', 'revocation', 131072, 1, 1, 1)",
        "INSERT INTO status_entries (list_id, idx, credential_id) VALUES ('oldlist', 42, ?1)",
        "INSERT INTO credentials (id, org, record_type, format, subject_digest, status_list, \
         status_idx, issued_at) VALUES (?1, 'acme', 'Diploma', 'vc+jwt', 'digest', 'oldlist', 42, 1)",
    ] {
        sqlx::query(statement)
            .bind(&legacy_id)
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;

    // The org and its key are created by the new code, which runs migration 0003 first.
    let token = admin::create_api_key(&data, "acme", &[])
        .await
        .unwrap()
        .to_string();
    let service = Service::on(&data, token).await;

    let audit = service.audit_entry(&legacy_id).await;
    assert_eq!(audit["statusListId"], "oldlist");
    assert_eq!(audit["status"], "valid");
    assert!(audit.get("suspensionListId").is_none(), "{audit}");
    let (status, body) = service.post_status(&legacy_id, "suspend").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, body) = service.post_status(&legacy_id, "revoke").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (purpose, list) = service.bitstring("oldlist").await;
    assert_eq!(purpose, "revocation");
    assert!(list.get(42).unwrap());
    assert_eq!(list.count_set(), 1);

    // A new credential gets both entries, the revocation one in the old, still open list.
    let (id, credential) = service.issue("vc+jwt").await;
    let audit = service.audit_entry(&id).await;
    assert_eq!(audit["statusListId"], "oldlist");
    assert_ne!(audit["statusListIndex"], 42);
    assert_eq!(status_entries(&credential).len(), 2);
    assert_eq!(service.post_status(&id, "suspend").await.0, StatusCode::OK);
    assert_eq!(service.verdict(&credential).await, Verdict::Suspended);
    service.shutdown().await;
}
