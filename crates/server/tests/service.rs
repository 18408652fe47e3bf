//! End to end: the real service on a free port, driven with reqwest.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use passeport_core::did::DidDocument;
use passeport_core::jose::{JwsPolicy, UnverifiedJws};
use passeport_core::keys::KeyAlgorithm;
use passeport_core::model::RecordType;
use passeport_core::status::bitstring::{self, BitstringStatusList};
use passeport_core::status::token::TokenStatusList;
use passeport_server::{admin, Config, Server};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

fn temp_data(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("passeport-srv-{name}-{}", uuid::Uuid::new_v4()))
}

fn sample(path: &str) -> Value {
    let full = format!(
        "{}/../../tests/vectors/domain/samples/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&full).unwrap()).unwrap()
}

/// A sample subject per record type, from `tests/vectors/domain/samples/`.
fn subject(record: RecordType) -> Value {
    sample(match record {
        RecordType::Diploma => "camille-laurent/01-diploma-bts-sio.subject.json",
        RecordType::Internship => "camille-laurent/02-internship-atelier-numerique.subject.json",
        RecordType::EmploymentRecord => {
            "camille-laurent/04-employment-numerica-apprentie.subject.json"
        }
        RecordType::TrainingAction => "camille-laurent/06-training-owasp.subject.json",
        RecordType::Habilitation => "lea-moreau/06-habilitation-caces-r489.subject.json",
        RecordType::ProfessionalCertification => "lea-moreau/08-certification-clea.subject.json",
    })
}

/// The service on `data`, stopped by `stop`.
struct Running(passeport_server::Running);

impl Running {
    async fn start(data: &Path) -> Self {
        let server = Server::bind(Config::new("127.0.0.1:0".parse().unwrap(), data))
            .await
            .unwrap();
        Self(server.spawn())
    }

    async fn stop(self) {
        self.0.shutdown().await.unwrap();
    }
}

/// A request body for [`Fixture::post`].
enum Body<'a> {
    Empty,
    Json(&'a Value),
    /// A content type and the text sent as is.
    Raw(&'static str, String),
}

struct Fixture {
    data: PathBuf,
    server: Running,
    token: String,
    http: reqwest::Client,
}

impl Fixture {
    async fn new(name: &str) -> Self {
        let data = temp_data(name);
        let token = admin::create_api_key(&data, "acme", &[])
            .await
            .unwrap()
            .to_string();
        let server = Running::start(&data).await;
        Self {
            data,
            server,
            token,
            http: reqwest::Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.0.url())
    }

    /// POSTs `body` to `path` with `token`.
    async fn post(&self, path: &str, token: &str, body: Body<'_>) -> reqwest::Response {
        let request = self.http.post(self.url(path)).bearer_auth(token);
        let request = match body {
            Body::Empty => request,
            Body::Json(json) => request.json(json),
            Body::Raw(content_type, text) => {
                request.header("content-type", content_type).body(text)
            }
        };
        request.send().await.unwrap()
    }

    async fn issue(&self, body: &Value) -> reqwest::Response {
        self.post("/v1/credentials", &self.token, Body::Json(body))
            .await
    }

    /// Sends `n` issuances of `body` at once, each from its own task (with `key` as the
    /// Idempotency-Key when given): their statuses and bodies, in the order started.
    async fn issue_concurrently(
        &self,
        n: usize,
        body: &Value,
        key: Option<&'static str>,
    ) -> Vec<(StatusCode, Value)> {
        let mut tasks = Vec::new();
        for _ in 0..n {
            let mut request = self
                .http
                .post(self.url("/v1/credentials"))
                .bearer_auth(&self.token)
                .json(body);
            if let Some(key) = key {
                request = request.header("Idempotency-Key", key);
            }
            tasks.push(tokio::spawn(async move {
                let r = request.send().await.unwrap();
                (r.status(), r.json::<Value>().await.unwrap())
            }));
        }
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.unwrap());
        }
        results
    }

    async fn issue_ok(&self, record: RecordType, format: &str) -> Value {
        let response = self
            .issue(&json!({"type": record.name(), "subject": subject(record), "format": format}))
            .await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{record} {format}: {body}");
        body
    }

    async fn audit(&self) -> Vec<Value> {
        let body: Value = self
            .http
            .get(self.url("/v1/credentials"))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["credentials"].as_array().unwrap().clone()
    }

    async fn audit_entry(&self, id: &str) -> Value {
        self.audit()
            .await
            .into_iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("{id} not in the audit trail"))
    }

    async fn post_status(&self, id: &str, action: &str) -> reqwest::Response {
        let path = format!("/v1/credentials/{id}/{action}");
        self.post(&path, &self.token, Body::Empty).await
    }

    async fn status_list_jwt(&self, list_id: &str) -> (reqwest::header::HeaderMap, String) {
        let response = self
            .http
            .get(self.url(&format!("/v1/status-lists/{list_id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let headers = response.headers().clone();
        (headers, response.text().await.unwrap())
    }

    /// The org key from the published DID document.
    async fn org_key(&self, kid: &str) -> passeport_core::keys::PublicKey {
        let bytes = self
            .http
            .get(self.url("/orgs/acme/did.json"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        DidDocument::from_json(&bytes)
            .unwrap()
            .assertion_key(kid)
            .unwrap()
    }

    /// Fetches, verifies (against the DID document) and decodes a bitstring list.
    async fn bitstring(&self, list_id: &str) -> BitstringStatusList {
        let (headers, jwt) = self.status_list_jwt(list_id).await;
        assert_eq!(headers["content-type"], "application/vc+jwt");
        let jws = UnverifiedJws::parse(&jwt).unwrap();
        let kid = jws.header().kid().unwrap().to_owned();
        let verified = jws
            .verify(&self.org_key(&kid).await, &JwsPolicy::typed(&["vc+jwt"]))
            .unwrap();
        let claims = Value::Object(verified.claims().unwrap());
        assert_eq!(
            claims["id"],
            self.url(&format!("/v1/status-lists/{list_id}"))
        );
        let (purpose, list) = bitstring::from_credential(&claims).unwrap();
        assert_eq!(purpose, "revocation");
        assert_eq!(list.len(), 131_072);
        list
    }

    async fn token_list(&self, list_id: &str) -> TokenStatusList {
        let (headers, jwt) = self.status_list_jwt(list_id).await;
        assert_eq!(headers["content-type"], "application/statuslist+jwt");
        let jws = UnverifiedJws::parse(&jwt).unwrap();
        let kid = jws.header().kid().unwrap().to_owned();
        let verified = jws
            .verify(
                &self.org_key(&kid).await,
                &JwsPolicy::typed(&["statuslist+jwt"]),
            )
            .unwrap();
        let claims = verified.claims().unwrap();
        assert_eq!(
            claims["sub"],
            self.url(&format!("/v1/status-lists/{list_id}"))
        );
        assert!(claims["ttl"].as_u64().unwrap() > 0);
        assert!(claims["iat"].as_i64().is_some());
        TokenStatusList::from_claim(&claims["status_list"]).unwrap()
    }
}

fn problem_field(body: &Value) -> &str {
    body["field"].as_str().unwrap_or("<none>")
}

#[tokio::test]
async fn rejects_missing_wrong_and_out_of_scope_tokens() {
    let f = Fixture::new("auth").await;
    let body =
        json!({"type": "Diploma", "subject": subject(RecordType::Diploma), "format": "vc+jwt"});

    let none = f
        .http
        .post(f.url("/v1/credentials"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(none.headers()["content-type"], "application/problem+json");
    assert_eq!(none.headers()["www-authenticate"], "Bearer");

    let (id, _) = f.token.split_once('.').unwrap();
    for wrong in [
        "garbage".to_owned(),
        format!("{id}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        "ppk_unknownid.secret".to_owned(),
    ] {
        let r = f.post("/v1/credentials", &wrong, Body::Json(&body)).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "token {wrong}");
    }
    let audit = f.http.get(f.url("/v1/credentials")).send().await.unwrap();
    assert_eq!(audit.status(), StatusCode::UNAUTHORIZED);

    // A token for Diplomas only may not issue a training action.
    let diploma_only = admin::create_api_key(&f.data, "acme", &[RecordType::Diploma])
        .await
        .unwrap();
    let training = json!({"type": "TrainingAction", "subject": subject(RecordType::TrainingAction), "format": "vc+jwt"});
    let r = f
        .post(
            "/v1/credentials",
            diploma_only.as_str(),
            Body::Json(&training),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = f
        .post("/v1/credentials", diploma_only.as_str(), Body::Json(&body))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    f.server.stop().await;
}

#[tokio::test]
async fn input_errors_name_the_field() {
    let f = Fixture::new("schema").await;
    let mut bad = subject(RecordType::TrainingAction);
    bad["achievement"]["name"] = json!(42);
    let r = f
        .issue(&json!({"type": "TrainingAction", "subject": bad, "format": "vc+jwt"}))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let body: Value = r.json().await.unwrap();
    assert_eq!(problem_field(&body), "/subject/achievement/name", "{body}");

    let mut forbidden = subject(RecordType::TrainingAction);
    forbidden["birthDate"] = json!("2001-02-03");
    let r = f
        .issue(&json!({"type": "TrainingAction", "subject": forbidden, "format": "vc+jwt"}))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    assert_eq!(problem_field(&body), "/subject/birthDate", "{body}");

    let cases = [
        (json!({"type": "Passport", "subject": {}}), "/type"),
        (json!({"type": "Diploma"}), "/subject"),
        (
            json!({"type": "Diploma", "subject": subject(RecordType::Diploma), "format": "pdf"}),
            "/format",
        ),
        (
            json!({"type": "Diploma", "subject": subject(RecordType::Diploma), "validUntil": "tomorrow"}),
            "/validUntil",
        ),
        (
            json!({"type": "Diploma", "subject": subject(RecordType::Diploma), "holder": {"kty": "OKP", "crv": "Ed25519", "x": "AAAA", "d": "AAAA"}}),
            "/holder",
        ),
        (
            json!({"type": "Diploma", "subject": subject(RecordType::Diploma), "extra": 1}),
            "/extra",
        ),
    ];
    for (body, field) in cases {
        let r = f.issue(&body).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        let problem: Value = r.json().await.unwrap();
        assert_eq!(problem_field(&problem), field, "{problem}");
    }
    let truncated = Body::Raw("application/json", "{\"type\": ".into());
    let r = f.post("/v1/credentials", &f.token, truncated).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(
        f.audit().await.is_empty(),
        "nothing recorded for refused requests"
    );
    f.server.stop().await;
}

#[tokio::test]
async fn framework_errors_are_problems_too() {
    let f = Fixture::new("size").await;
    let mut subject = subject(RecordType::Diploma);
    subject["padding"] = json!("x".repeat(2 * 1024 * 1024));
    let r = f
        .issue(&json!({"type": "Diploma", "subject": subject}))
        .await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let r = f.http.get(f.url("/no/such/route")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let r = f.http.delete(f.url("/health")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    f.server.stop().await;
}

async fn issues_all_types_in(format: &str) {
    let f = Fixture::new(&format.replace('+', "-")).await;
    for record in RecordType::ALL {
        let body = f.issue_ok(record, format).await;
        let id = body["id"].as_str().unwrap();
        assert!(id.starts_with("urn:uuid:"));
        if format.starts_with("di-") {
            assert!(body["credential"].is_object(), "{format}: JSON credential");
            assert!(body["credential"]["proof"].is_object());
        } else {
            assert!(body["credential"].as_str().unwrap().contains('.'));
        }
        let entry = f.audit_entry(id).await;
        assert_eq!(entry["type"], record.name());
        assert_eq!(entry["format"], format);
        assert_eq!(entry["status"], "valid");
    }
    f.server.stop().await;
}

#[tokio::test]
async fn issues_every_type_as_vc_jwt() {
    issues_all_types_in("vc+jwt").await;
}

// Depends on the `vc+sd-jwt` format (issuer crate, being added in parallel).
#[tokio::test]
async fn issues_every_type_as_vc_sd_jwt() {
    issues_all_types_in("vc+sd-jwt").await;
}

// Depends on the `dc+sd-jwt` format (issuer crate, being added in parallel).
#[tokio::test]
async fn issues_every_type_as_dc_sd_jwt() {
    issues_all_types_in("dc+sd-jwt").await;
}

// Depends on Data Integrity eddsa-rdfc-2022 (issuer crate, being added in parallel).
#[tokio::test]
async fn issues_every_type_as_di_eddsa_rdfc_2022() {
    issues_all_types_in("di-eddsa-rdfc-2022").await;
}

// Depends on Data Integrity eddsa-jcs-2022 (issuer crate, being added in parallel).
#[tokio::test]
async fn issues_every_type_as_di_eddsa_jcs_2022() {
    issues_all_types_in("di-eddsa-jcs-2022").await;
}

#[tokio::test]
async fn vc_jwt_carries_status_and_verifies_with_did_key() {
    let f = Fixture::new("vcjwt").await;
    let holder =
        json!({"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"});
    let r = f
        .issue(
            &json!({"type": "Diploma", "subject": subject(RecordType::Diploma),
                       "format": "vc+jwt", "holder": holder, "validUntil": "2099-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let body: Value = r.json().await.unwrap();
    let jws = UnverifiedJws::parse(body["credential"].as_str().unwrap()).unwrap();
    let kid = jws.header().kid().unwrap().to_owned();
    let port = f.server.0.url().rsplit(':').next().unwrap().to_owned();
    assert_eq!(kid, format!("did:web:127.0.0.1%3A{port}:orgs:acme#key-1"));
    let claims = jws
        .verify(&f.org_key(&kid).await, &JwsPolicy::typed(&["vc+jwt"]))
        .unwrap()
        .claims()
        .unwrap();
    let issuer = claims["issuer"]
        .get("id")
        .unwrap_or(&claims["issuer"])
        .as_str()
        .unwrap();
    assert_eq!(issuer, format!("did:web:127.0.0.1%3A{port}:orgs:acme"));
    assert_eq!(claims["cnf"]["jwk"]["x"], holder["x"]);
    assert_eq!(claims["validUntil"], "2099-01-01T00:00:00Z");
    // Two entries: revocation and suspension, each in its own list.
    let statuses = claims["credentialStatus"].as_array().unwrap();
    assert_eq!(statuses.len(), 2);
    let (status, suspension) = (&statuses[0], &statuses[1]);
    assert_eq!(status["type"], "BitstringStatusListEntry");
    assert_eq!(status["statusPurpose"], "revocation");
    let entry = f.audit_entry(body["id"].as_str().unwrap()).await;
    assert_eq!(status["statusListCredential"], entry["statusList"]);
    assert_eq!(
        status["statusListIndex"],
        entry["statusListIndex"].as_u64().unwrap().to_string()
    );
    assert_eq!(suspension["type"], "BitstringStatusListEntry");
    assert_eq!(suspension["statusPurpose"], "suspension");
    assert_eq!(suspension["statusListCredential"], entry["suspensionList"]);
    assert_eq!(
        suspension["statusListIndex"],
        entry["suspensionListIndex"].as_u64().unwrap().to_string()
    );
    assert_ne!(entry["suspensionList"], entry["statusList"]);
    assert_eq!(entry["holderBound"], true);
    f.server.stop().await;
}

#[tokio::test]
async fn idempotent_retry_returns_the_same_credential() {
    let f = Fixture::new("idem").await;
    let body =
        json!({"type": "Diploma", "subject": subject(RecordType::Diploma), "format": "vc+jwt"});
    let send = |body: Value, key: &'static str| {
        f.http
            .post(f.url("/v1/credentials"))
            .bearer_auth(&f.token)
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
    };
    let first = send(body.clone(), "k-1").await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let second = send(body.clone(), "k-1").await.unwrap();
    assert_eq!(second.status(), StatusCode::CREATED);
    let second: Value = second.json().await.unwrap();
    assert_eq!(first, second, "a retry returns the same credential");
    assert_eq!(f.audit().await.len(), 1, "never a second credential");

    let mut other = body.clone();
    other["type"] = json!("Diploma");
    other["validUntil"] = json!("2099-01-01T00:00:00Z");
    let reused = send(other, "k-1").await.unwrap();
    assert_eq!(reused.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let fresh = send(body, "k-2").await.unwrap();
    let fresh: Value = fresh.json().await.unwrap();
    assert_ne!(fresh["id"], first["id"]);
    assert_eq!(f.audit().await.len(), 2);
    f.server.stop().await;
}

#[tokio::test]
async fn revocation_is_published_and_survives_restart() {
    let f = Fixture::new("revoke").await;
    let a = f.issue_ok(RecordType::Diploma, "vc+jwt").await;
    let b = f.issue_ok(RecordType::Internship, "vc+jwt").await;
    let a_id = a["id"].as_str().unwrap();
    let a_entry = f.audit_entry(a_id).await;
    let b_entry = f.audit_entry(b["id"].as_str().unwrap()).await;
    let list_id = a_entry["statusListId"].as_str().unwrap().to_owned();
    assert_eq!(b_entry["statusListId"], list_id.as_str());
    let a_idx = a_entry["statusListIndex"].as_u64().unwrap();
    let b_idx = b_entry["statusListIndex"].as_u64().unwrap();

    let (headers, _) = f.status_list_jwt(&list_id).await;
    let etag_before = headers["etag"].to_str().unwrap().to_owned();
    assert!(headers["cache-control"]
        .to_str()
        .unwrap()
        .contains("max-age="));
    assert!(!f.bitstring(&list_id).await.get(a_idx).unwrap());

    // Suspension flips a bit in the separate suspension list, never in this one.
    let r: Value = f.post_status(a_id, "suspend").await.json().await.unwrap();
    assert_eq!(r["status"], "suspended");
    assert_ne!(r["statusList"], a_entry["statusList"]);
    assert!(!f.bitstring(&list_id).await.get(a_idx).unwrap());

    let r = f.post_status(a_id, "revoke").await;
    assert_eq!(r.status(), StatusCode::OK);
    let r: Value = r.json().await.unwrap();
    assert_eq!(r["status"], "revoked");
    // The bare UUID works too, and revoking twice is harmless.
    let bare = a_id.strip_prefix("urn:uuid:").unwrap();
    assert_eq!(f.post_status(bare, "revoke").await.status(), StatusCode::OK);
    // Revocation is permanent.
    assert_eq!(
        f.post_status(a_id, "reinstate").await.status(),
        StatusCode::CONFLICT
    );

    let list = f.bitstring(&list_id).await;
    assert!(list.get(a_idx).unwrap(), "revoked bit set");
    assert!(!list.get(b_idx).unwrap(), "other bit untouched");
    assert_eq!(list.count_set(), 1);

    // Cache validation: the ETag changed; the new one gives 304.
    let (headers, _) = f.status_list_jwt(&list_id).await;
    let etag = headers["etag"].to_str().unwrap().to_owned();
    assert_ne!(etag, etag_before);
    let r = f
        .http
        .get(f.url(&format!("/v1/status-lists/{list_id}")))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    let r = f
        .http
        .get(f.url(&format!("/v1/status-lists/{list_id}")))
        .header("If-None-Match", &etag_before)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // Another organisation's token cannot touch it.
    let other = admin::create_api_key(&f.data, "other-org", &[])
        .await
        .unwrap();
    let path = format!("/v1/credentials/{}/revoke", b["id"].as_str().unwrap());
    let r = f.post(&path, other.as_str(), Body::Empty).await;
    assert!(matches!(
        r.status(),
        StatusCode::NOT_FOUND | StatusCode::FORBIDDEN
    ));
    let path = format!("/v1/credentials/{}/suspend", b["id"].as_str().unwrap());
    let r = f.post(&path, other.as_str(), Body::Empty).await;
    assert!(matches!(
        r.status(),
        StatusCode::NOT_FOUND | StatusCode::FORBIDDEN
    ));

    // Restart on the same data directory: the revocation is still there.
    let Fixture {
        data,
        server,
        token,
        http,
    } = f;
    server.stop().await;
    let f = Fixture {
        server: Running::start(&data).await,
        data,
        token,
        http,
    };
    let list = f.bitstring(&list_id).await;
    assert!(list.get(a_idx).unwrap(), "revocation survives a restart");
    assert!(!list.get(b_idx).unwrap());
    assert_eq!(f.audit_entry(a_id).await["status"], "revoked");
    f.server.stop().await;
}

// Depends on the `dc+sd-jwt` format (issuer crate, being added in parallel).
#[tokio::test]
async fn token_status_list_suspend_reinstate_revoke() {
    let f = Fixture::new("token").await;
    let c = f.issue_ok(RecordType::Habilitation, "dc+sd-jwt").await;
    let id = c["id"].as_str().unwrap();
    let entry = f.audit_entry(id).await;
    let list_id = entry["statusListId"].as_str().unwrap().to_owned();
    let idx = entry["statusListIndex"].as_u64().unwrap();
    assert_eq!(f.token_list(&list_id).await.get(idx).unwrap(), 0);
    assert_eq!(f.post_status(id, "suspend").await.status(), StatusCode::OK);
    assert_eq!(f.token_list(&list_id).await.get(idx).unwrap(), 2);
    assert_eq!(
        f.post_status(id, "reinstate").await.status(),
        StatusCode::OK
    );
    assert_eq!(f.token_list(&list_id).await.get(idx).unwrap(), 0);
    assert_eq!(f.post_status(id, "revoke").await.status(), StatusCode::OK);
    assert_eq!(f.token_list(&list_id).await.get(idx).unwrap(), 1);
    assert_eq!(
        f.post_status(id, "reinstate").await.status(),
        StatusCode::CONFLICT
    );
    let list = f.token_list(&list_id).await;
    assert_eq!(list.bits(), 2);
    f.server.stop().await;
}

#[tokio::test]
async fn concurrent_issuances_get_distinct_indexes() {
    let f = Fixture::new("concurrent").await;
    let body =
        json!({"type": "Diploma", "subject": subject(RecordType::Diploma), "format": "vc+jwt"});
    let mut ids = HashSet::new();
    for (status, body) in f.issue_concurrently(200, &body, None).await {
        assert_eq!(status, StatusCode::CREATED, "{body}");
        ids.insert(body["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids.len(), 200);
    let audit = f.audit().await;
    assert_eq!(audit.len(), 200, "every issuance recorded");
    let slots: HashSet<(String, u64)> = audit
        .iter()
        .map(|c| {
            (
                c["statusListId"].as_str().unwrap().to_owned(),
                c["statusListIndex"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(slots.len(), 200, "distinct status indexes");
    let lists: HashSet<&String> = slots.iter().map(|(l, _)| l).collect();
    for list in lists {
        assert_eq!(f.bitstring(list).await.count_set(), 0);
    }
    f.server.stop().await;
}

#[tokio::test]
async fn batch_reports_each_item() {
    let f = Fixture::new("batch").await;
    let good =
        json!({"type": "Diploma", "subject": subject(RecordType::Diploma), "format": "vc+jwt"});
    let bad =
        json!({"type": "Diploma", "subject": {"type": ["AchievementSubject"]}, "format": "vc+jwt"});
    let items = json!([good, bad, good]);
    let r = f
        .post("/v1/credentials/batch", &f.token, Body::Json(&items))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["issued"], 2);
    assert_eq!(body["failed"], 1);
    let results = body["results"].as_array().unwrap();
    assert_eq!(results[0]["item"], 1);
    assert!(results[0]["credential"].is_string());
    assert_eq!(results[1]["item"], 2);
    assert_eq!(results[1]["error"]["status"], 422);
    assert!(results[1]["error"]["field"]
        .as_str()
        .unwrap()
        .starts_with("/subject"));
    assert_eq!(results[2]["item"], 3);

    let jsonl = format!("{good}\nnot json\n\n{good}\n");
    let r = f
        .post(
            "/v1/credentials/batch",
            &f.token,
            Body::Raw("application/x-ndjson", jsonl),
        )
        .await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["issued"], 2);
    let items: Vec<u64> = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["item"].as_u64().unwrap())
        .collect();
    assert_eq!(items, [1, 2, 4], "line numbers");
    assert_eq!(body["results"][1]["error"]["status"], 400);
    assert_eq!(f.audit().await.len(), 4);

    // Batches may be larger than the 1 MiB limit of single requests.
    let big = format!("{good}\n{{\"padding\": \"{}\"}}\n", "x".repeat(1536 * 1024));
    let r = f
        .post(
            "/v1/credentials/batch",
            &f.token,
            Body::Raw("application/x-ndjson", big),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["issued"], 1);
    assert_eq!(body["failed"], 1);
    f.server.stop().await;
}

#[tokio::test]
async fn audit_trail_exports_csv_without_claim_values() {
    let f = Fixture::new("csv").await;
    let c = f.issue_ok(RecordType::TrainingAction, "vc+jwt").await;
    let r = f
        .http
        .get(f.url("/v1/credentials?format=csv"))
        .bearer_auth(&f.token)
        .send()
        .await
        .unwrap();
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = r.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].starts_with("id,type,format,subjectDigest"));
    assert!(lines[1].starts_with(c["id"].as_str().unwrap()));
    assert!(
        !csv.contains("Camille"),
        "no claim values in the audit trail"
    );
    // The database holds no claim values either.
    let db = std::fs::read(f.data.join("passeport.sqlite3")).unwrap();
    let wal = std::fs::read(f.data.join("passeport.sqlite3-wal")).unwrap_or_default();
    for bytes in [db, wal] {
        assert!(!String::from_utf8_lossy(&bytes).contains("Camille Laurent"));
    }
    f.server.stop().await;
}

#[tokio::test]
async fn openapi_lists_every_route() {
    let f = Fixture::new("openapi").await;
    let doc: Value = f
        .http
        .get(f.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/health", "get"),
        ("/openapi.json", "get"),
        ("/orgs/{org}/did.json", "get"),
        ("/.well-known/jwt-vc-issuer/orgs/{org}", "get"),
        ("/contexts/passeport-v1.jsonld", "get"),
        ("/schemas/v1/{file}", "get"),
        ("/vct/{slug}/v1", "get"),
        ("/v1/credentials", "post"),
        ("/v1/credentials", "get"),
        ("/v1/credentials/batch", "post"),
        ("/v1/credentials/{id}/revoke", "post"),
        ("/v1/credentials/{id}/suspend", "post"),
        ("/v1/credentials/{id}/reinstate", "post"),
        ("/v1/status-lists/{id}", "get"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} missing"
        );
        // Each documented route answers (not 404/405 from the router).
        let url = f.url(
            &path
                .replace("{org}", "acme")
                .replace("{file}", "diploma.schema.json")
                .replace("{slug}", "diploma")
                .replace("{id}", "nope"),
        );
        let r = if method == "get" {
            f.http.get(&url)
        } else {
            f.http.post(&url)
        }
        .send()
        .await
        .unwrap();
        assert_ne!(
            r.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        if r.status() == StatusCode::NOT_FOUND {
            assert_eq!(
                r.headers()["content-type"],
                "application/problem+json",
                "{method} {path}"
            );
        }
    }
    // Every documented operation is served (no stale documentation).
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            let url = f.url(
                &path
                    .replace("{org}", "acme")
                    .replace("{file}", "diploma.schema.json")
                    .replace("{slug}", "diploma")
                    .replace("{id}", "nope"),
            );
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let r = f.http.request(method.clone(), &url).send().await.unwrap();
            assert_ne!(
                r.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}"
            );
        }
    }
    f.server.stop().await;
}

#[tokio::test]
async fn did_documents_and_metadata_are_served() {
    let f = Fixture::new("did").await;
    let port = f.server.0.url().rsplit(':').next().unwrap().to_owned();
    let did = format!("did:web:127.0.0.1%3A{port}:orgs:acme");
    let doc = f
        .http
        .get(f.url("/orgs/acme/did.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(doc.status(), StatusCode::OK);
    let doc = DidDocument::from_json(&doc.bytes().await.unwrap()).unwrap();
    assert_eq!(doc.id, did);
    assert_eq!(
        passeport_core::did::web::document_url(&passeport_core::did::Did::parse(&did).unwrap())
            .unwrap(),
        f.url("/orgs/acme/did.json")
    );
    let key = doc.assertion_key(&format!("{did}#key-1")).unwrap();
    assert_eq!(key.jwk().crv, "Ed25519");

    // The key in the metadata is the key in the DID document.
    let meta: Value = f
        .http
        .get(f.url("/.well-known/jwt-vc-issuer/orgs/acme"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(meta["jwks"]["keys"][0]["x"], key.jwk().x.as_str());

    // A P-256 organisation.
    admin::create_api_key_with(&f.data, "p-org", &[], Some(KeyAlgorithm::P256), None)
        .await
        .unwrap();
    let doc = f
        .http
        .get(f.url("/orgs/p-org/did.json"))
        .send()
        .await
        .unwrap();
    let doc = DidDocument::from_json(&doc.bytes().await.unwrap()).unwrap();
    assert_eq!(doc.assertion_keys()[0].jwk().crv, "P-256");

    let missing = f
        .http
        .get(f.url("/orgs/nobody/did.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    for (path, kind) in [
        ("/contexts/passeport-v1.jsonld", "application/ld+json"),
        ("/schemas/v1/diploma.schema.json", "application/schema+json"),
        ("/schemas/v1/common.schema.json", "application/schema+json"),
        ("/vct/training-action/v1", "application/json"),
        ("/health", "application/json"),
    ] {
        let r = f.http.get(f.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(r.headers()["content-type"], kind, "{path}");
        let _: Value = r.json().await.unwrap();
    }
    let schema: Value = f
        .http
        .get(f.url("/schemas/v1/diploma.schema.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(schema["$id"], RecordType::Diploma.schema_id());
    let vct: Value = f
        .http
        .get(f.url("/vct/diploma/v1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(vct["vct"], RecordType::Diploma.vct());
    assert_eq!(
        f.http
            .get(f.url("/schemas/v1/nope.schema.json"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    f.server.stop().await;
}

#[tokio::test]
async fn encrypted_org_keys_need_the_passphrase() {
    let data = temp_data("sealed");
    let pass = || Some(zeroize::Zeroizing::new("correct horse battery".to_owned()));
    let token = admin::create_api_key_with(&data, "acme", &[], None, pass())
        .await
        .unwrap()
        .to_string();
    assert!(data.join("keys/acme.jwk.enc").exists());
    assert!(!data.join("keys/acme.jwk").exists(), "no key in clear");
    let http = reqwest::Client::new();
    let body =
        json!({"type": "Diploma", "subject": subject(RecordType::Diploma), "format": "vc+jwt"});

    for wrong in [Some(zeroize::Zeroizing::new("wrong".to_owned())), None] {
        let mut config = Config::new("127.0.0.1:0".parse().unwrap(), &data);
        config.key_passphrase = wrong;
        let refused = Server::bind(config).await;
        assert!(
            matches!(refused, Err(passeport_server::StartError::Keys(_))),
            "the service refuses to start without the right passphrase"
        );
    }
    let mut config = Config::new("127.0.0.1:0".parse().unwrap(), &data);
    config.key_passphrase = pass();
    let server = Server::bind(config).await.unwrap();
    let url = format!("{}/v1/credentials", server.public_url());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(server.run(async move {
        let _ = rx.await;
    }));
    let r = http
        .post(url)
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    tx.send(()).unwrap();
    handle.await.unwrap().unwrap();
}

#[tokio::test]
async fn concurrent_retries_with_one_idempotency_key_issue_once() {
    let f = Fixture::new("idem-race").await;
    let body =
        json!({"type": "Diploma", "subject": subject(RecordType::Diploma), "format": "vc+jwt"});
    let mut ids = HashSet::new();
    for (status, body) in f.issue_concurrently(20, &body, Some("same")).await {
        match status {
            StatusCode::CREATED => {
                ids.insert(body["id"].as_str().unwrap().to_owned());
            }
            StatusCode::CONFLICT => {}
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(ids.len(), 1, "every success is the same credential");
    assert_eq!(f.audit().await.len(), 1, "issued once");
    f.server.stop().await;
}
