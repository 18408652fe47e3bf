//! Issuing (`POST /v1/credentials`, `/batch`), the audit trail (`GET /v1/credentials`) and status
//! changes (`/revoke`, `/suspend`, `/reinstate`).

use super::typed;
use crate::auth::OrgAuth;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{
    CredentialRecord, ListKind, NewIssuance, Reservation, StatusAllocation, StatusListRecord,
};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use passeport_core::keys::PublicJwk;
use passeport_core::model::{RecordType, StatusEntry};
use passeport_core::status::token::{INVALID, SUSPENDED, VALID};
use passeport_issuer::{Format, IssueError, IssueRequest, StatusClaims, TokenStatusRef};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Entries per status list (the Bitstring Status List minimum, for herd privacy).
pub const LIST_SIZE: u64 = passeport_core::status::bitstring::DEFAULT_LIST_LEN;
/// Largest batch body.
pub const MAX_BATCH_BODY: usize = 32 * 1024 * 1024;
/// Longest a batch request may take.
pub const BATCH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(600);
/// Batch items signed at once.
const BATCH_PARALLELISM: usize = 4;
/// Most items in one batch.
pub const MAX_BATCH_ITEMS: usize = 10_000;
/// Longest `Idempotency-Key`.
const MAX_IDEMPOTENCY_KEY: usize = 255;

/// The credential routes.
pub fn router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(issue, list))
        .routes(routes!(revoke))
        .routes(routes!(suspend))
        .routes(routes!(reinstate))
        .layer(super::timeout(crate::REQUEST_TIMEOUT))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(issue_batch))
                .layer(DefaultBodyLimit::max(MAX_BATCH_BODY))
                .layer(super::timeout(BATCH_TIMEOUT)),
        )
}

/// A credential to issue.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)] // documents the body; parsed by hand to name failing fields
pub struct IssueBody {
    /// Record type: `Diploma`, `ProfessionalCertification`, `TrainingAction`, `EmploymentRecord`,
    /// `Internship` or `Habilitation`.
    #[serde(rename = "type")]
    pub type_: String,
    /// The record's subject, validated against the type's JSON Schema.
    #[schema(value_type = Object)]
    pub subject: Value,
    /// `vc+sd-jwt` (default), `dc+sd-jwt`, `vc+jwt`, `di-eddsa-rdfc-2022`, `di-eddsa-jcs-2022`.
    pub format: Option<String>,
    /// The holder's public JWK, to bind the credential to.
    #[schema(value_type = Option<Object>)]
    pub holder: Option<Value>,
    /// End of validity (RFC 3339).
    #[serde(rename = "validUntil")]
    pub valid_until: Option<String>,
}

/// An issued credential.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedBody {
    /// The credential id (`urn:uuid:…`).
    pub id: String,
    /// A compact string (JOSE, SD-JWT) or a JSON object (Data Integrity).
    #[schema(value_type = Object)]
    pub credential: Value,
}

/// A credential's status after a change.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusBody {
    /// The credential id.
    pub id: String,
    /// `valid`, `revoked` or `suspended`.
    pub status: String,
    /// The status list URL: the list whose entry changed (for a VCDM credential's
    /// `/suspend` and `/reinstate`, its `suspension`-purpose list).
    #[serde(rename = "statusList")]
    pub status_list: String,
    /// The index in it.
    #[serde(rename = "statusListIndex")]
    pub status_list_index: u64,
}

/// A parsed, scope-checked issuance item.
struct Item {
    record_type: RecordType,
    subject: Value,
    format: Format,
    holder: Option<PublicJwk>,
    valid_until: Option<i64>,
}

fn parse_item(value: &Value, auth: &OrgAuth) -> Result<Item, ApiError> {
    let obj = value
        .as_object()
        .ok_or_else(|| ApiError::invalid("", "the request body must be a JSON object"))?;
    if let Some(unknown) = obj.keys().find(|k| {
        !matches!(
            k.as_str(),
            "type" | "subject" | "format" | "holder" | "validUntil"
        )
    }) {
        return Err(ApiError::invalid(format!("/{unknown}"), "unknown member"));
    }
    let record_type: RecordType = obj
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::invalid("/type", "required, a record type name"))?
        .parse::<RecordType>()
        .map_err(|e| ApiError::invalid("/type", e.to_string()))?;
    auth.require_type(record_type)?;
    let subject = obj
        .get("subject")
        .filter(|s| s.is_object())
        .cloned()
        .ok_or_else(|| ApiError::invalid("/subject", "required, a JSON object"))?;
    let format = match obj.get("format") {
        None | Some(Value::Null) => Format::default(),
        Some(Value::String(f)) => f
            .parse::<Format>()
            .map_err(|e| ApiError::invalid("/format", e.to_string()))?,
        Some(_) => return Err(ApiError::invalid("/format", "must be a string")),
    };
    let holder = match obj.get("holder") {
        None | Some(Value::Null) => None,
        Some(jwk) => {
            if jwk.get("d").is_some() {
                return Err(ApiError::invalid(
                    "/holder",
                    "must be a public JWK (it carries a private key `d`)",
                ));
            }
            let parsed = PublicJwk::from_value(jwk)
                .map_err(|e| ApiError::invalid("/holder", e.to_string()))?;
            passeport_core::keys::PublicKey::from_jwk(&parsed)
                .map_err(|e| ApiError::invalid("/holder", e.to_string()))?;
            Some(parsed)
        }
    };
    let valid_until = match obj.get("validUntil") {
        None | Some(Value::Null) => None,
        Some(Value::String(t)) => Some(
            passeport_core::clock::parse_rfc3339(t)
                .ok_or_else(|| ApiError::invalid("/validUntil", "must be an RFC 3339 date-time"))?,
        ),
        Some(_) => return Err(ApiError::invalid("/validUntil", "must be a string")),
    };
    passeport_core::schema::validate_subject(record_type, &subject).map_err(schema_error)?;
    Ok(Item {
        record_type,
        subject,
        format,
        holder,
        valid_until,
    })
}

fn schema_error(e: passeport_core::schema::SchemaError) -> ApiError {
    match e.pointer() {
        Some(pointer) => ApiError::invalid(format!("/subject{pointer}"), e.to_string()),
        None => ApiError::Internal(e.to_string()),
    }
}

fn issue_error(e: IssueError) -> ApiError {
    match e {
        IssueError::Schema { source, .. } => schema_error(source),
        IssueError::SubjectNotObject => ApiError::invalid("/subject", "must be a JSON object"),
        e @ IssueError::BadValidity { .. } => ApiError::invalid("/validUntil", e.to_string()),
        e @ (IssueError::WrongKeyForFormat { .. } | IssueError::Unsupported(_)) => {
            ApiError::invalid("/format", e.to_string())
        }
        other => ApiError::Internal(other.to_string()),
    }
}

fn bitstring_entry(state: &AppState, list: &StatusListRecord, index: u64) -> StatusEntry {
    let url = state.status_list_url(&list.id);
    StatusEntry {
        id: Some(format!("{url}#{index}")),
        type_: "BitstringStatusListEntry".into(),
        status_purpose: list.purpose.clone(),
        status_list_index: index.to_string(),
        status_list_credential: url,
    }
}

fn status_claims(state: &AppState, allocation: &StatusAllocation) -> StatusClaims {
    let (list, index) = (&allocation.list, allocation.index);
    match list.kind {
        ListKind::Bitstring => StatusClaims {
            bitstring: Some(bitstring_entry(state, list, index)),
            bitstring_suspension: allocation
                .suspension
                .as_ref()
                .map(|s| bitstring_entry(state, &s.list, s.index)),
            token: None,
        },
        ListKind::Token => StatusClaims {
            bitstring: None,
            bitstring_suspension: None,
            token: Some(TokenStatusRef {
                uri: state.status_list_url(&list.id),
                idx: index,
            }),
        },
    }
}

/// Issues one item; the audit record is durable before this returns.
async fn issue_one(
    state: &Arc<AppState>,
    org: &str,
    item: Item,
    idempotency: Option<(String, String)>,
) -> Result<Value, ApiError> {
    let signer = state.org_signer(org).await?;
    let credential_id = format!("urn:uuid:{}", uuid::Uuid::new_v4());
    let kind = if item.format.uses_bitstring_status() {
        ListKind::Bitstring
    } else {
        ListKind::Token
    };
    let reservation = state
        .store
        .begin_issuance(&NewIssuance {
            org: org.to_owned(),
            credential_id: credential_id.clone(),
            kind,
            list_size: LIST_SIZE,
            // VCDM credentials get a second, `suspension`-purpose entry.
            suspension: kind == ListKind::Bitstring,
            idempotency: idempotency.clone(),
            now: state.clock.now(),
        })
        .await?;
    let allocation = match reservation {
        Reservation::Allocated(a) => a,
        Reservation::Replay(body) => {
            return serde_json::from_str(&body).map_err(|e| ApiError::Internal(e.to_string()))
        }
        Reservation::InProgress => {
            return Err(ApiError::Conflict(
                "a request with this Idempotency-Key is still in progress".into(),
            ))
        }
        Reservation::Mismatch => {
            return Err(ApiError::invalid(
                "Idempotency-Key",
                "this key was already used with a different request body",
            ))
        }
    };
    let holder_bound = item.holder.is_some();
    let request = IssueRequest {
        record_type: item.record_type,
        subject: item.subject,
        holder: item.holder,
        valid_until: item.valid_until,
        credential_id: Some(credential_id.clone()),
        status: status_claims(state, &allocation),
    };
    let issuer = signer.issuer.clone();
    let format = item.format;
    let signed = tokio::task::spawn_blocking(move || {
        let subject_digest = request.subject_digest();
        let issued = issuer.issue_owned(request, format)?;
        Ok((issued, subject_digest))
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))
    .and_then(|r| r.map_err(issue_error));
    let (issued, subject_digest) = match signed {
        Ok(issued) => issued,
        Err(e) => {
            if let Some((key, _)) = &idempotency {
                state.store.abandon_issuance(org, key).await?;
            }
            return Err(e);
        }
    };
    let credential = if format.is_json() {
        serde_json::from_str(&issued.credential).map_err(|e| ApiError::Internal(e.to_string()))?
    } else {
        Value::String(issued.credential)
    };
    let body = json!({ "id": issued.id, "credential": credential });
    let body_text = body.to_string();
    state
        .store
        .complete_issuance(
            &CredentialRecord {
                id: issued.id.clone(),
                org: org.to_owned(),
                record_type: issued.record_type.name().to_owned(),
                format: format.as_str().to_owned(),
                subject_digest,
                status_list: allocation.list.id.clone(),
                status_index: allocation.index,
                status: 0,
                suspension: allocation
                    .suspension
                    .as_ref()
                    .map(|s| (s.list.id.clone(), s.index)),
                suspended: false,
                issued_at: issued.issued_at,
                valid_until: item.valid_until,
                holder_bound,
            },
            idempotency
                .as_ref()
                .map(|(key, _)| (key.as_str(), body_text.as_str())),
        )
        .await?;
    tracing::info!(org, id = %issued.id, record = issued.record_type.name(), %format, "credential issued");
    Ok(body)
}

fn idempotency_key(
    headers: &HeaderMap,
    body: &Value,
) -> Result<Option<(String, String)>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= MAX_IDEMPOTENCY_KEY)
        .ok_or_else(|| ApiError::invalid("Idempotency-Key", "1 to 255 visible ASCII characters"))?;
    let canonical = passeport_core::jcs::to_vec(body);
    let hash = passeport_core::b64::encode(Sha256::digest(&canonical));
    Ok(Some((key.to_owned(), hash)))
}

fn parse_body(bytes: &[u8]) -> Result<Value, ApiError> {
    passeport_core::json::parse_strict(bytes).map_err(|e| ApiError::BadRequest {
        detail: format!("the body is not acceptable JSON: {e}"),
    })
}

/// Issues a credential.
#[utoipa::path(post, path = "/v1/credentials", tag = "credentials",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key and body returns the same credential")),
    request_body = IssueBody,
    responses(
        (status = 201, description = "Issued", body = IssuedBody),
        (status = 401, description = "No valid bearer token", content_type = "application/problem+json"),
        (status = 403, description = "The token may not issue this type", content_type = "application/problem+json"),
        (status = 409, description = "Same Idempotency-Key in progress", content_type = "application/problem+json"),
        (status = 422, description = "A field does not fit (`field` names it)", content_type = "application/problem+json")))]
async fn issue(
    State(state): State<Arc<AppState>>,
    auth: OrgAuth,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let value = parse_body(&body)?;
    let idempotency = idempotency_key(&headers, &value)?;
    let item = parse_item(&value, &auth)?;
    let issued = issue_one(&state, &auth.org, item, idempotency).await?;
    Ok((StatusCode::CREATED, Json(issued)).into_response())
}

/// Per-item batch outcome.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchItem {
    /// Item number (1-based; the line number for JSONL).
    pub item: usize,
    /// The credential id, when issued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The credential, when issued.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub credential: Option<Value>,
    /// The problem, when not.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub error: Option<Value>,
}

/// Batch results.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchBody {
    /// Issued count.
    pub issued: usize,
    /// Failed count.
    pub failed: usize,
    /// One entry per item, in order.
    pub results: Vec<BatchItem>,
}

/// A batch item being issued, or refused before issuing.
enum Pending {
    Task(tokio::task::JoinHandle<Result<Value, ApiError>>),
    Failed(ApiError),
}

/// One batch item: its number and its parsed JSON (or why it is not JSON).
type BatchInput = (usize, Result<Value, ApiError>);

fn batch_items(headers: &HeaderMap, body: &[u8]) -> Result<Vec<BatchInput>, ApiError> {
    let is_jsonl = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.contains("ndjson") || ct.contains("jsonl"))
        || body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'[');
    let mut items = Vec::new();
    if is_jsonl {
        for (n, line) in body.split(|b| *b == b'\n').enumerate() {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            items.push((n + 1, parse_body(line)));
            if items.len() > MAX_BATCH_ITEMS {
                break;
            }
        }
    } else {
        let values: Vec<Value> =
            serde_json::from_slice(body).map_err(|e| ApiError::BadRequest {
                detail: format!("the body is not a JSON array: {e}"),
            })?;
        items = values
            .into_iter()
            .enumerate()
            .map(|(n, v)| (n + 1, Ok(v)))
            .collect();
    }
    if items.len() > MAX_BATCH_ITEMS {
        return Err(ApiError::invalid(
            "",
            format!("at most {MAX_BATCH_ITEMS} items per batch"),
        ));
    }
    Ok(items)
}

/// Issues a whole class at once: a JSON array or JSONL of issuance bodies. A bad item does not
/// stop the others.
#[utoipa::path(post, path = "/v1/credentials/batch", tag = "credentials",
    security(("bearer" = [])),
    request_body(content = Vec<IssueBody>, description = "JSON array, or JSONL (`application/x-ndjson`)"),
    responses(
        (status = 200, description = "Per-item results", body = BatchBody),
        (status = 401, description = "No valid bearer token", content_type = "application/problem+json")))]
async fn issue_batch(
    State(state): State<Arc<AppState>>,
    auth: OrgAuth,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<BatchBody>, ApiError> {
    let items = batch_items(&headers, &body)?;
    let mut results = Vec::with_capacity(items.len());
    let (mut issued, mut failed) = (0, 0);
    let mut outcomes = Vec::with_capacity(items.len());
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        // A few items at a time: signing runs in parallel, storage serialises its writes.
        let mut running = Vec::with_capacity(BATCH_PARALLELISM);
        for (n, value) in items.by_ref().take(BATCH_PARALLELISM) {
            match value.and_then(|v| parse_item(&v, &auth)) {
                Ok(item) => {
                    let state = state.clone();
                    let org = auth.org.clone();
                    let task =
                        tokio::spawn(async move { issue_one(&state, &org, item, None).await });
                    running.push((n, Pending::Task(task)));
                }
                Err(e) => running.push((n, Pending::Failed(e))),
            }
        }
        for (n, pending) in running {
            let outcome = match pending {
                Pending::Task(task) => task
                    .await
                    .unwrap_or_else(|e| Err(ApiError::Internal(e.to_string()))),
                Pending::Failed(e) => Err(e),
            };
            outcomes.push((n, outcome));
        }
    }
    for (n, outcome) in outcomes {
        match outcome {
            Ok(mut body) => {
                issued += 1;
                results.push(BatchItem {
                    item: n,
                    id: body.get("id").and_then(Value::as_str).map(str::to_owned),
                    credential: body.get_mut("credential").map(Value::take),
                    error: None,
                });
            }
            Err(e) => {
                failed += 1;
                if let ApiError::Internal(reason) = &e {
                    tracing::error!(item = n, %reason, "batch item failed");
                }
                results.push(BatchItem {
                    item: n,
                    id: None,
                    credential: None,
                    error: Some(e.problem()),
                });
            }
        }
    }
    Ok(Json(BatchBody {
        issued,
        failed,
        results,
    }))
}

/// Audit export options.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ListQuery {
    /// `json` (default) or `csv` (also chosen by `Accept: text/csv`).
    pub format: Option<String>,
}

fn status_name(kind: ListKind, status: u8) -> &'static str {
    match (kind, status) {
        (_, 0) => "valid",
        (ListKind::Token, SUSPENDED) => "suspended",
        _ => "revoked",
    }
}

/// A credential's status: revocation wins over a (VCDM) suspension bit.
fn record_status_name(record: &CredentialRecord) -> &'static str {
    match status_name(kind_of_format(&record.format), record.status) {
        "valid" if record.suspended => "suspended",
        name => name,
    }
}

fn kind_of_format(format: &str) -> ListKind {
    match format.parse::<Format>() {
        Ok(f) if !f.uses_bitstring_status() => ListKind::Token,
        _ => ListKind::Bitstring,
    }
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// The organisation's audit trail: every credential it issued (no claim values).
#[utoipa::path(get, path = "/v1/credentials", tag = "credentials",
    security(("bearer" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "Audit trail (JSON, or CSV with `?format=csv`)", body = Object),
        (status = 401, description = "No valid bearer token", content_type = "application/problem+json")))]
async fn list(
    State(state): State<Arc<AppState>>,
    auth: OrgAuth,
    headers: HeaderMap,
    Query(query): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let records = state.store.credentials(&auth.org).await?;
    let wants_csv = match query.format.as_deref() {
        Some("csv") => true,
        Some("json") | None => headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/csv")),
        Some(other) => {
            return Err(ApiError::invalid(
                "format",
                format!("`{other}`: expected json or csv"),
            ))
        }
    };
    if wants_csv {
        let mut out = String::from(
            "id,type,format,subjectDigest,statusList,statusListIndex,status,issuedAt,validUntil,holderBound\n",
        );
        for r in &records {
            let row = [
                r.id.clone(),
                r.record_type.clone(),
                r.format.clone(),
                r.subject_digest.clone(),
                state.status_list_url(&r.status_list),
                r.status_index.to_string(),
                record_status_name(r).to_owned(),
                passeport_core::clock::format_rfc3339(r.issued_at),
                r.valid_until
                    .map(passeport_core::clock::format_rfc3339)
                    .unwrap_or_default(),
                r.holder_bound.to_string(),
            ];
            let row: Vec<String> = row.iter().map(|f| csv_field(f)).collect();
            out.push_str(&row.join(","));
            out.push('\n');
        }
        return Ok(typed("text/csv; charset=utf-8", out));
    }
    let credentials: Vec<Value> = records
        .iter()
        .map(|r| {
            let mut entry = Map::new();
            entry.insert("id".into(), r.id.clone().into());
            entry.insert("type".into(), r.record_type.clone().into());
            entry.insert("format".into(), r.format.clone().into());
            entry.insert("subjectDigest".into(), r.subject_digest.clone().into());
            entry.insert("statusListId".into(), r.status_list.clone().into());
            entry.insert(
                "statusList".into(),
                state.status_list_url(&r.status_list).into(),
            );
            entry.insert("statusListIndex".into(), r.status_index.into());
            if let Some((list, index)) = &r.suspension {
                entry.insert("suspensionListId".into(), list.clone().into());
                entry.insert("suspensionList".into(), state.status_list_url(list).into());
                entry.insert("suspensionListIndex".into(), (*index).into());
            }
            entry.insert("status".into(), record_status_name(r).into());
            entry.insert(
                "issuedAt".into(),
                passeport_core::clock::format_rfc3339(r.issued_at).into(),
            );
            if let Some(until) = r.valid_until {
                entry.insert(
                    "validUntil".into(),
                    passeport_core::clock::format_rfc3339(until).into(),
                );
            }
            entry.insert("holderBound".into(), r.holder_bound.into());
            Value::Object(entry)
        })
        .collect();
    Ok(Json(json!({ "org": auth.org, "credentials": credentials })).into_response())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    Revoke,
    Suspend,
    Reinstate,
}

async fn change_status(
    state: &AppState,
    auth: &OrgAuth,
    id: &str,
    change: Change,
) -> Result<Json<StatusBody>, ApiError> {
    let id = if id.starts_with("urn:uuid:") {
        id.to_owned()
    } else {
        format!("urn:uuid:{id}")
    };
    // Another organisation's credential is simply not found.
    let record = state
        .store
        .credential(&auth.org, &id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("credential `{id}`")))?;
    let kind = kind_of_format(&record.format);
    let revoked = match kind {
        ListKind::Bitstring => record.status != 0,
        ListKind::Token => record.status == INVALID,
    };
    if revoked && change != Change::Revoke {
        return Err(ApiError::Conflict(format!(
            "credential `{id}` is revoked, which is permanent"
        )));
    }
    // (list, index, current value, new value) of the entry to change.
    let (list, index, current, target) = match (change, kind) {
        (Change::Revoke, ListKind::Bitstring) => (
            record.status_list.as_str(),
            record.status_index,
            record.status,
            1,
        ),
        (Change::Revoke, ListKind::Token) => (
            record.status_list.as_str(),
            record.status_index,
            record.status,
            INVALID,
        ),
        (Change::Suspend, ListKind::Token) => (
            record.status_list.as_str(),
            record.status_index,
            record.status,
            SUSPENDED,
        ),
        (Change::Reinstate, ListKind::Token) => (
            record.status_list.as_str(),
            record.status_index,
            record.status,
            VALID,
        ),
        (Change::Suspend | Change::Reinstate, ListKind::Bitstring) => {
            let Some((list, index)) = &record.suspension else {
                return Err(ApiError::Conflict(format!(
                    "credential `{id}` ({}) was issued with a revocation entry only; it cannot be suspended",
                    record.format
                )));
            };
            let target = u8::from(change == Change::Suspend);
            (list.as_str(), *index, u8::from(record.suspended), target)
        }
    };
    if target != current {
        state.store.set_status(&record.id, list, target).await?;
    }
    let status = match (kind, change) {
        (ListKind::Token, _) => status_name(kind, target),
        (ListKind::Bitstring, Change::Revoke) => "revoked",
        (ListKind::Bitstring, _) if target == 1 => "suspended",
        (ListKind::Bitstring, _) => "valid",
    };
    if target != current {
        tracing::info!(org = %auth.org, %id, status, "status changed");
    }
    Ok(Json(StatusBody {
        id: record.id.clone(),
        status: status.to_owned(),
        status_list: state.status_list_url(list),
        status_list_index: index,
    }))
}

/// Revokes a credential, permanently (its status list entry flips, durably).
#[utoipa::path(post, path = "/v1/credentials/{id}/revoke", tag = "credentials",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Credential id (`urn:uuid:…` or the bare UUID)")),
    responses(
        (status = 200, description = "Revoked", body = StatusBody),
        (status = 401, description = "No valid bearer token", content_type = "application/problem+json"),
        (status = 404, description = "Not a credential of this organisation", content_type = "application/problem+json")))]
async fn revoke(
    State(state): State<Arc<AppState>>,
    auth: OrgAuth,
    Path(id): Path<String>,
) -> Result<Json<StatusBody>, ApiError> {
    change_status(&state, &auth, &id, Change::Revoke).await
}

/// Suspends a credential (SD-JWT VC: Token Status List value 2; VCDM formats: the bit of its
/// `suspension`-purpose Bitstring Status List entry).
#[utoipa::path(post, path = "/v1/credentials/{id}/suspend", tag = "credentials",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Credential id")),
    responses(
        (status = 200, description = "Suspended", body = StatusBody),
        (status = 404, description = "Not a credential of this organisation", content_type = "application/problem+json"),
        (status = 409, description = "Revoked, or no suspension entry", content_type = "application/problem+json")))]
async fn suspend(
    State(state): State<Arc<AppState>>,
    auth: OrgAuth,
    Path(id): Path<String>,
) -> Result<Json<StatusBody>, ApiError> {
    change_status(&state, &auth, &id, Change::Suspend).await
}

/// Lifts a suspension (a revocation is never lifted).
#[utoipa::path(post, path = "/v1/credentials/{id}/reinstate", tag = "credentials",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Credential id")),
    responses(
        (status = 200, description = "Valid again", body = StatusBody),
        (status = 404, description = "Not a credential of this organisation", content_type = "application/problem+json"),
        (status = 409, description = "Revoked (permanent)", content_type = "application/problem+json")))]
async fn reinstate(
    State(state): State<Arc<AppState>>,
    auth: OrgAuth,
    Path(id): Path<String>,
) -> Result<Json<StatusBody>, ApiError> {
    change_status(&state, &auth, &id, Change::Reinstate).await
}
