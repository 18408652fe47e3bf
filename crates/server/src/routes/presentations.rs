//! Shared presentations: a holder posts a presentation bound to this service
//! (`POST /v1/presentations`), gets a link and a delete token; an employer opens the link
//! (`GET /p/{id}`) and sees each record with its verdict, re-verified on every visit; the holder
//! deletes it (`DELETE /v1/presentations/{id}`).
//!
//! The service verifies with its own trust: each hosted organisation for the record types its
//! API keys may issue, plus the issuers of `serve --trust`. Its own status lists and DID
//! documents are answered in process ([`ServiceResolver`]), other URLs over HTTP.

use crate::error::ApiError;
use crate::state::{AppState, StartError};
use crate::store::PresentationRecord;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use passeport_core::jose::UnverifiedJws;
use passeport_core::keys::{PublicJwk, PublicKey};
use passeport_core::model::RecordType;
use passeport_verifier::resolve::{Fetched, HttpResolver, ResolveError, Resolver};
use passeport_verifier::{
    CredentialReport, Expectation, Report, TrustList, TrustedIssuer, Verdict, Verifier,
    VerifyOptions,
};
use rand::rngs::OsRng;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::sync::{Arc, OnceLock};
use subtle::ConstantTimeEq;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Largest presentation accepted, in bytes (the request body is limited by [`crate::MAX_BODY`]).
pub const MAX_PRESENTATION_BYTES: usize = 1000 * 1024;
/// Link lifetime when the holder gives none: 30 days.
pub const DEFAULT_EXPIRY_SECS: u64 = 30 * 24 * 3600;
/// Longest link lifetime: one year.
pub const MAX_EXPIRY_SECS: u64 = 365 * 24 * 3600;
/// Random bytes in a link id (base64url: 22 characters).
pub const LINK_ID_BYTES: usize = 16;
/// Random bytes in a delete token (base64url: 43 characters).
pub const DELETE_TOKEN_BYTES: usize = 32;
/// Largest trust list read at start, in bytes.
pub const MAX_TRUST_BYTES: u64 = 4 << 20;

/// The presentation routes.
pub fn router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(publish))
        .routes(routes!(delete))
        .routes(routes!(page))
}

/// Loads the `serve --trust` list: a file, or an `https://` (or local `http://`) URL fetched
/// once.
pub async fn load_trust(source: &str) -> Result<TrustList, StartError> {
    let bad = |reason: String| StartError::Trust(format!("--trust `{source}`: {reason}"));
    let bytes = if source.starts_with("https://") || source.starts_with("http://") {
        let url = source.to_owned();
        tokio::task::spawn_blocking(move || HttpResolver::new().fetch(&url))
            .await
            .map_err(|e| bad(e.to_string()))?
            .map_err(|e| bad(e.to_string()))?
            .body
    } else {
        let size = tokio::fs::metadata(source)
            .await
            .map_err(|e| bad(e.to_string()))?
            .len();
        if size > MAX_TRUST_BYTES {
            return Err(bad(format!("larger than {MAX_TRUST_BYTES} bytes")));
        }
        tokio::fs::read(source)
            .await
            .map_err(|e| bad(e.to_string()))?
    };
    TrustList::from_json(&bytes).map_err(|e| bad(e.to_string()))
}

// ---- resolving the service's own documents in process ----

fn http_resolver() -> Arc<HttpResolver> {
    static HTTP: OnceLock<Arc<HttpResolver>> = OnceLock::new();
    HTTP.get_or_init(|| Arc::new(HttpResolver::new())).clone()
}

/// Answers the service's own URLs (status lists, DID documents, issuer metadata) by calling its
/// routes in process, and any other URL over HTTP. Runs on a blocking thread (the verifier is
/// synchronous); `handle` drives the in-process calls.
pub struct ServiceResolver {
    prefixes: Vec<String>,
    router: axum::Router,
    handle: tokio::runtime::Handle,
    fallback: Arc<HttpResolver>,
}

impl std::fmt::Debug for ServiceResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceResolver")
            .field("prefixes", &self.prefixes)
            .finish_non_exhaustive()
    }
}

impl ServiceResolver {
    /// A resolver for `state`'s URLs; call from a blocking thread of the runtime `handle`.
    pub fn new(state: Arc<AppState>, handle: tokio::runtime::Handle) -> Self {
        let (router, _) = OpenApiRouter::new()
            .merge(super::meta::router())
            .merge(super::status::router())
            .split_for_parts();
        Self {
            prefixes: vec![
                state.public_url.clone(),
                format!("https://{}", state.did_host),
            ],
            router: router.with_state(state),
            handle,
            fallback: http_resolver(),
        }
    }

    fn local(&self, url: &str, path: &str) -> Result<Fetched, ResolveError> {
        use tower::ServiceExt as _;
        let failed = |reason: String| ResolveError::Fetch {
            url: url.to_owned(),
            reason,
        };
        let request = axum::http::Request::get(path)
            .body(axum::body::Body::empty())
            .map_err(|e| failed(e.to_string()))?;
        let router = self.router.clone();
        let body = self.handle.block_on(async move {
            let response = router
                .oneshot(request)
                .await
                .map_err(|e| failed(e.to_string()))?;
            if response.status() != StatusCode::OK {
                return Err(failed(format!("answered {}", response.status())));
            }
            axum::body::to_bytes(
                response.into_body(),
                passeport_verifier::resolve::MAX_FETCH_BYTES,
            )
            .await
            .map_err(|e| failed(e.to_string()))
        })?;
        Ok(Fetched {
            body: body.to_vec(),
            from_cache: false,
        })
    }
}

impl Resolver for ServiceResolver {
    fn fetch(&self, url: &str) -> Result<Fetched, ResolveError> {
        for prefix in &self.prefixes {
            if let Some(path) = url.strip_prefix(prefix.as_str()) {
                if path.starts_with('/') {
                    return self.local(url, path);
                }
            }
        }
        self.fallback.fetch(url)
    }
}

/// The service's trust: each hosted organisation (its did:web, its key) for the record types its
/// API keys may issue, plus `serve --trust`.
async fn service_trust(state: &AppState) -> Result<TrustList, ApiError> {
    let mut trust = state.trust.clone();
    for (org, types) in state.store.issuable_types().await? {
        if types.is_empty() {
            continue;
        }
        let signer = state.org_signer(&org).await?;
        let jwk: PublicJwk = signer.signer.public_jwk().bare();
        let key = PublicKey::from_jwk(&jwk).map_err(|e| ApiError::Internal(e.to_string()))?;
        trust.add_issuer(TrustedIssuer {
            id: signer.did.as_str().to_owned(),
            name: Some(org),
            keys: vec![key],
            types,
        });
    }
    Ok(trust)
}

/// Verifies `text` as a presentation meant for this service, on a blocking thread.
async fn verify(
    state: &Arc<AppState>,
    trust: TrustList,
    text: String,
    nonce: Option<String>,
    options: VerifyOptions,
) -> Result<Report, ApiError> {
    // Made on the blocking thread: the HTTP fallback (reqwest blocking) may not be built or
    // dropped in async context.
    let handle = tokio::runtime::Handle::current();
    let state = state.clone();
    let clock = state.clock.clone();
    let expect = Expectation {
        audience: Some(state.public_url.clone()),
        nonce,
    };
    tokio::task::spawn_blocking(move || {
        let resolver = ServiceResolver::new(state, handle);
        Verifier::new(trust, Arc::new(resolver))
            .with_clock(clock)
            .with_options(options)
            .verify_with(&text, &expect)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("verifier task: {e}")))
}

// ---- reading a presentation's binding (unverified: only to know what to expect) ----

/// The audience and nonce a presentation claims, read without verifying: the KB-JWT of an
/// SD-JWT, or the payload of a `vp+jwt`. The verifier then checks them with the signature.
fn claimed_binding(text: &str) -> Result<(Vec<String>, Option<String>), ApiError> {
    let field = "/presentation";
    let jwt = match text.rsplit_once('~') {
        Some((_, "")) => {
            return Err(ApiError::invalid(
                field,
                "an SD-JWT without key binding (KB-JWT): the presentation must be bound to this service",
            ))
        }
        Some((_, kb)) => kb,
        None => text,
    };
    let claims = UnverifiedJws::parse(jwt)
        .and_then(|jws| jws.insecure_claims())
        .map_err(|e| {
            ApiError::invalid(
                field,
                format!("not an SD-JWT with key binding nor a vp+jwt presentation: {e}"),
            )
        })?;
    let audience = match claims.get("aud") {
        Some(Value::String(a)) => vec![a.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    let nonce = claims
        .get("nonce")
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok((audience, nonce))
}

// ---- POST /v1/presentations ----

/// A presentation to share.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishBody {
    /// The presentation: an SD-JWT with KB-JWT, or a `vp+jwt`, whose audience is this
    /// service's public URL.
    pub presentation: String,
    /// Link lifetime: seconds, or a duration (`90m`, `24h`, `7d`); default 30 days, at most a
    /// year.
    #[serde(rename = "expiresIn", default)]
    #[schema(value_type = Option<Object>)]
    pub expires_in: Option<Value>,
}

/// A shared link.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublishedBody {
    /// Link id.
    pub id: String,
    /// The link to give the employer (`{public URL}/p/{id}`).
    pub url: String,
    /// The secret that deletes the link (shown once; only its hash is kept).
    #[serde(rename = "deleteToken")]
    pub delete_token: String,
    /// When the link expires (RFC 3339).
    #[serde(rename = "expiresAt")]
    pub expires_at: String,
}

/// Parses `expiresIn`: a number of seconds or `N[smhd]`.
pub fn parse_expiry(value: Option<&Value>) -> Result<u64, ApiError> {
    let field = "/expiresIn";
    let secs = match value {
        None | Some(Value::Null) => return Ok(DEFAULT_EXPIRY_SECS),
        Some(Value::Number(n)) => n.as_u64().ok_or_else(|| {
            ApiError::invalid(field, "must be a positive whole number of seconds")
        })?,
        Some(Value::String(text)) => {
            let text = text.trim();
            let (digits, unit) = match text.char_indices().last() {
                Some((i, c)) if c.is_ascii_alphabetic() => (text.get(..i).unwrap_or(""), c),
                _ => (text, 's'),
            };
            let n: u64 = digits.parse().map_err(|_| {
                ApiError::invalid(
                    field,
                    format!("`{text}`: expected seconds or N followed by s, m, h or d"),
                )
            })?;
            let scale = match unit {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                'd' => 86_400,
                _ => {
                    return Err(ApiError::invalid(
                        field,
                        format!("`{text}`: unit must be s, m, h or d"),
                    ))
                }
            };
            n.checked_mul(scale)
                .ok_or_else(|| ApiError::invalid(field, format!("`{text}` is too large")))?
        }
        Some(_) => {
            return Err(ApiError::invalid(
                field,
                "must be seconds (number) or a duration string",
            ))
        }
    };
    if secs == 0 {
        return Err(ApiError::invalid(field, "must be more than 0"));
    }
    if secs > MAX_EXPIRY_SECS {
        return Err(ApiError::invalid(
            field,
            format!("at most {MAX_EXPIRY_SECS} seconds (one year)"),
        ));
    }
    Ok(secs)
}

fn random_b64(len: usize) -> String {
    let mut bytes = vec![0u8; len];
    OsRng.fill_bytes(&mut bytes);
    passeport_core::b64::encode(bytes)
}

/// Why a verified-at-post presentation is refused: broken, or not bound to its holder.
fn refusal(report: &Report) -> Option<String> {
    if let Some(error) = report.errors.first() {
        return Some(error.clone());
    }
    if report.credentials.is_empty() {
        return Some("no credential in the presentation".to_owned());
    }
    report
        .credentials
        .iter()
        .enumerate()
        .find(|(_, c)| matches!(c.verdict, Verdict::Tampered | Verdict::NotBound))
        .map(|(i, c)| {
            let failed: Vec<String> = c
                .checks
                .iter()
                .filter(|k| !k.ok)
                .map(|k| format!("{}: {}", k.check, k.detail))
                .collect();
            format!("credential {i}: {}", failed.join("; "))
        })
}

/// Shares a presentation as a link. It must be bound to this service (audience = its public
/// URL) and verify cryptographically; a revoked or untrusted record is accepted and shown so.
#[utoipa::path(post, path = "/v1/presentations", tag = "presentations",
    request_body = PublishBody,
    responses(
        (status = 201, description = "The link and its delete token", body = PublishedBody),
        (status = 400, description = "Malformed JSON", content_type = "application/problem+json"),
        (status = 413, description = "Body too large", content_type = "application/problem+json"),
        (status = 422, description = "Not bound to this service, or does not verify (`detail` says why)", content_type = "application/problem+json")))]
async fn publish(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> Result<(StatusCode, Json<PublishedBody>), ApiError> {
    let value = passeport_core::json::parse_strict(&body).map_err(|e| ApiError::BadRequest {
        detail: format!("body: {e}"),
    })?;
    let body: PublishBody = serde_json::from_value(value).map_err(|e| ApiError::BadRequest {
        detail: format!("body: {e}"),
    })?;
    let expires_in = parse_expiry(body.expires_in.as_ref())?;
    let text = body.presentation.trim().to_owned();
    if text.len() > MAX_PRESENTATION_BYTES {
        return Err(ApiError::invalid(
            "/presentation",
            format!("larger than {MAX_PRESENTATION_BYTES} bytes"),
        ));
    }
    let (audience, nonce) = claimed_binding(&text)?;
    if !audience.iter().any(|a| a == &state.public_url) {
        return Err(ApiError::invalid(
            "/presentation",
            format!(
                "the presentation's audience is {} but must be this service, `{}`",
                if audience.is_empty() {
                    "missing".to_owned()
                } else {
                    format!("`{}`", audience.join("`, `"))
                },
                state.public_url
            ),
        ));
    }
    let trust = service_trust(&state).await?;
    let report = verify(&state, trust, text.clone(), nonce, VerifyOptions::default()).await?;
    if let Some(why) = refusal(&report) {
        return Err(ApiError::invalid(
            "/presentation",
            format!("does not verify: {why}"),
        ));
    }
    let now = state.clock.now();
    let expires_at = now.saturating_add(i64::try_from(expires_in).unwrap_or(i64::MAX));
    let id = random_b64(LINK_ID_BYTES);
    let delete_token = random_b64(DELETE_TOKEN_BYTES);
    state
        .store
        .insert_presentation(&PresentationRecord {
            id: id.clone(),
            presentation: text,
            delete_token_hash: Sha256::digest(delete_token.as_bytes()).to_vec(),
            created_at: now,
            expires_at,
            deleted_at: None,
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(PublishedBody {
            url: format!("{}/p/{id}", state.public_url),
            id,
            delete_token,
            expires_at: passeport_core::clock::format_rfc3339(expires_at),
        }),
    ))
}

// ---- DELETE /v1/presentations/{id} ----

/// Deletes a shared link with its delete token; the link answers 410 afterwards.
#[utoipa::path(delete, path = "/v1/presentations/{id}", tag = "presentations",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Link id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No delete token", content_type = "application/problem+json"),
        (status = 403, description = "Wrong delete token", content_type = "application/problem+json"),
        (status = 404, description = "No such link", content_type = "application/problem+json"),
        (status = 410, description = "Already deleted", content_type = "application/problem+json")))]
async fn delete(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(ApiError::Unauthorized)?;
    let record = state
        .store
        .presentation(&id)
        .await?
        .ok_or_else(|| ApiError::NotFound("this link".into()))?;
    let presented: [u8; 32] = Sha256::digest(token.as_bytes()).into();
    let matches: bool = presented
        .as_slice()
        .ct_eq(record.delete_token_hash.as_slice())
        .into();
    if !matches {
        return Err(ApiError::Forbidden(
            "this delete token does not delete this link".into(),
        ));
    }
    if record.deleted_at.is_some()
        || !state
            .store
            .delete_presentation(&id, state.clock.now())
            .await?
    {
        return Err(ApiError::Gone("this link".into()));
    }
    Ok(StatusCode::NO_CONTENT)
}

// ---- GET /p/{id} ----

/// Page options.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PageQuery {
    /// `fr` (default) or `en`; else `Accept-Language` decides.
    pub lang: Option<String>,
}

/// Page language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// French (default).
    Fr,
    /// English.
    En,
}

impl Lang {
    fn code(self) -> &'static str {
        match self {
            Self::Fr => "fr",
            Self::En => "en",
        }
    }

    /// `?lang=` first, then the first `fr`/`en` of `Accept-Language`, else French.
    fn choose(query: Option<&str>, headers: &HeaderMap) -> Self {
        let pick = |tag: &str| {
            let tag = tag.trim().to_ascii_lowercase();
            if tag.starts_with("en") {
                Some(Self::En)
            } else if tag.starts_with("fr") {
                Some(Self::Fr)
            } else {
                None
            }
        };
        if let Some(lang) = query.and_then(pick) {
            return lang;
        }
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.split(',')
                    .find_map(|part| pick(part.split(';').next().unwrap_or("")))
            })
            .unwrap_or(Self::Fr)
    }
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            let v = v.to_ascii_lowercase();
            v.contains("application/json") && !v.contains("text/html")
        })
}

/// The employer's page: the shared records, each re-verified now, as a readable CV (HTML) or,
/// with `Accept: application/json`, the verification report of `passeport verify`.
#[utoipa::path(get, path = "/p/{id}", tag = "presentations",
    params(("id" = String, Path, description = "Link id"), PageQuery),
    responses(
        (status = 200, description = "The records and their verdicts", content_type = "text/html"),
        (status = 200, description = "The verification report", body = Object, content_type = "application/json"),
        (status = 404, description = "No such link", content_type = "application/problem+json"),
        (status = 410, description = "Deleted or expired", content_type = "application/problem+json")))]
async fn page(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let lang = Lang::choose(query.lang.as_deref(), &headers);
    let record = state
        .store
        .presentation(&id)
        .await?
        .ok_or_else(|| ApiError::NotFound("this link".into()))?;
    if record.deleted_at.is_some() {
        return Err(ApiError::Gone("this link (deleted by its holder)".into()));
    }
    let now = state.clock.now();
    if now >= record.expires_at {
        return Err(ApiError::Gone("this link (expired)".into()));
    }
    let nonce = claimed_binding(&record.presentation)
        .map(|(_, nonce)| nonce)
        .unwrap_or_default();
    // The key binding was fresh when posted; the link's own lifetime bounds it now.
    let options = VerifyOptions {
        max_presentation_age_secs: i64::try_from(MAX_EXPIRY_SECS)
            .unwrap_or(i64::MAX)
            .saturating_add(3600),
        ..VerifyOptions::default()
    };
    let trust = service_trust(&state).await?;
    let report = verify(
        &state,
        trust.clone(),
        record.presentation.clone(),
        nonce,
        options,
    )
    .await?;
    let mut response = if wants_json(&headers) {
        Json(&report).into_response()
    } else {
        let html = render(&report, &trust, lang, &record)?;
        let mut response = super::typed("text/html; charset=utf-8", html);
        response.headers_mut().insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(lang.code()),
        );
        response
    };
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::VARY,
        HeaderValue::from_static("Accept, Accept-Language"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        "x-robots-tag",
        HeaderValue::from_static("noindex, nofollow"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
    );
    Ok(response)
}

// ---- rendering ----

const TEMPLATE: &str = include_str!("../../templates/presentation.html");

fn environment() -> &'static minijinja::Environment<'static> {
    static ENV: OnceLock<minijinja::Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = minijinja::Environment::new();
        // `.html`: every value is HTML-escaped.
        if let Err(e) = env.add_template("presentation.html", TEMPLATE) {
            tracing::error!(error = %e, "presentation template");
        }
        env
    })
}

/// Words of the page, per language.
fn words(lang: Lang) -> Value {
    let (fr, en) = (lang == Lang::Fr, lang == Lang::En);
    let t = |f: &str, e: &str| Value::String(if en && !fr { e } else { f }.to_owned());
    serde_json::json!({
        "title": t("Parcours partagé", "Shared career record"),
        "intro": t(
            "Ces enregistrements ont été présentés par leur titulaire et vérifiés à l'instant auprès de leurs émetteurs.",
            "These records were presented by their holder and verified just now against their issuers."),
        "all_valid": t("Tous les enregistrements sont vérifiés.", "Every record is verified."),
        "not_all_valid": t("Attention : au moins un enregistrement n'est pas vérifié.", "Warning: at least one record is not verified."),
        "errors": t("Problèmes de la présentation", "Problems with the presentation"),
        "issuer": t("Émetteur", "Issuer"),
        "type": t("Type", "Type"),
        "format": t("Format", "Format"),
        "verdict": t("Verdict", "Verdict"),
        "disclosed": t("Informations communiquées", "Disclosed information"),
        "nothing_disclosed": t("Aucune information communiquée.", "Nothing disclosed."),
        "checks": t("Contrôles", "Checks"),
        "check": t("Contrôle", "Check"),
        "result": t("Résultat", "Result"),
        "detail": t("Détail", "Detail"),
        "ok": t("réussi", "passed"),
        "failed": t("échoué", "failed"),
        "expires": t("Lien valable jusqu'au", "Link valid until"),
        "checked_at": t("Vérifié le", "Verified on"),
        "other_lang": t("English version", "Version française"),
        "other_lang_code": t("en", "fr"),
        "other_lang_tag": t("en", "fr"),
        "none": t("aucun", "none"),
    })
}

/// The verdict in words (never only a colour).
pub fn verdict_text(verdict: Verdict, lang: Lang) -> &'static str {
    match (verdict, lang) {
        (Verdict::Verified, Lang::Fr) => "vérifié",
        (Verdict::Verified, Lang::En) => "verified",
        (Verdict::Revoked, Lang::Fr) => "révoqué par l'émetteur",
        (Verdict::Revoked, Lang::En) => "revoked by the issuer",
        (Verdict::Suspended, Lang::Fr) => "suspendu par l'émetteur",
        (Verdict::Suspended, Lang::En) => "suspended by the issuer",
        (Verdict::Expired, Lang::Fr) => "expiré (hors de sa période de validité)",
        (Verdict::Expired, Lang::En) => "expired (outside its validity period)",
        (Verdict::Untrusted, Lang::Fr) => "émetteur non reconnu pour ce type d'enregistrement",
        (Verdict::Untrusted, Lang::En) => "issuer not trusted for this type of record",
        (Verdict::Tampered, Lang::Fr) => "falsifié ou altéré (signature invalide)",
        (Verdict::Tampered, Lang::En) => "tampered with (invalid signature)",
        (Verdict::NotBound, Lang::Fr) => "non lié à son titulaire",
        (Verdict::NotBound, Lang::En) => "not bound to its holder",
        (_, Lang::Fr) => "non valide",
        (_, Lang::En) => "not valid",
    }
}

fn verdict_slug(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Verified => "verified",
        Verdict::Revoked => "revoked",
        Verdict::Suspended => "suspended",
        Verdict::Expired => "expired",
        Verdict::Untrusted => "untrusted",
        Verdict::Tampered => "tampered",
        Verdict::NotBound => "not-bound",
        _ => "invalid",
    }
}

fn check_label(name: &str, lang: Lang) -> String {
    use passeport_verifier::report::check;
    let (fr, en) = match name {
        check::FORMAT => ("Format", "Format"),
        check::SIGNATURE => ("Signature de l'émetteur", "Issuer signature"),
        check::ISSUER_KEY => ("Clé de l'émetteur", "Issuer key"),
        check::TRUST => ("Confiance dans l'émetteur", "Issuer trust"),
        check::VALIDITY => ("Période de validité", "Validity period"),
        check::STATUS => ("Révocation", "Revocation status"),
        check::HOLDER_BINDING => ("Lien avec le titulaire", "Holder binding"),
        check::SCHEMA => ("Conformité au schéma", "Schema"),
        other => (other, other),
    };
    match lang {
        Lang::Fr => fr.to_owned(),
        Lang::En => en.to_owned(),
    }
}

/// Keys that only machines read.
const SKIPPED_KEYS: &[&str] = &["@context", "type", "id"];
/// Deepest nesting flattened; deeper values are shown as JSON.
const MAX_DEPTH: usize = 6;
/// Most rows shown per record.
const MAX_ROWS: usize = 500;

/// Flattens disclosed claims to `(label, value)` rows: nested keys joined with ` › `, list
/// items numbered from 1, lists of plain values joined with `, `.
pub fn flatten(value: &Value) -> Vec<(String, String)> {
    let mut rows = Vec::new();
    flatten_into(&mut rows, "", value, 0);
    rows
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Null => Some(String::new()),
        _ => None,
    }
}

fn flatten_into(rows: &mut Vec<(String, String)>, label: &str, value: &Value, depth: usize) {
    if rows.len() >= MAX_ROWS {
        return;
    }
    let join = |key: &str| {
        if label.is_empty() {
            key.to_owned()
        } else {
            format!("{label} › {key}")
        }
    };
    if let Some(text) = scalar(value) {
        rows.push((label.to_owned(), text));
        return;
    }
    if depth >= MAX_DEPTH {
        rows.push((label.to_owned(), value.to_string()));
        return;
    }
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                if SKIPPED_KEYS.contains(&key.as_str()) {
                    continue;
                }
                flatten_into(rows, &join(key), item, depth + 1);
            }
        }
        Value::Array(items) => {
            if let Some(plain) = items.iter().map(scalar).collect::<Option<Vec<_>>>() {
                rows.push((label.to_owned(), plain.join(", ")));
            } else if let [only] = items.as_slice() {
                flatten_into(rows, label, only, depth + 1);
            } else {
                for (i, item) in items.iter().enumerate() {
                    flatten_into(rows, &join(&(i + 1).to_string()), item, depth + 1);
                }
            }
        }
        _ => {}
    }
}

fn headline(disclosed: &Value) -> Option<String> {
    ["/achievement/name", "/name", "/title", "/role"]
        .iter()
        .find_map(|p| disclosed.pointer(p).and_then(Value::as_str))
        .map(str::to_owned)
}

fn record_view(c: &CredentialReport, trust: &TrustList, lang: Lang) -> Value {
    let record = c
        .record_type
        .as_deref()
        .and_then(|r| r.parse::<RecordType>().ok());
    let type_label = match (record, lang) {
        (Some(r), Lang::Fr) => format!("{} ({})", r.label_fr(), r.label_en()),
        (Some(r), Lang::En) => format!("{} ({})", r.label_en(), r.label_fr()),
        (None, _) => c.types.join(", "),
    };
    let rows: Vec<Value> = flatten(&c.disclosed)
        .into_iter()
        .map(|(k, v)| serde_json::json!({"key": k, "value": v}))
        .collect();
    let checks: Vec<Value> = c
        .checks
        .iter()
        .map(|k| {
            serde_json::json!({
                "name": check_label(&k.check, lang),
                "ok": k.ok,
                "detail": k.detail,
            })
        })
        .collect();
    serde_json::json!({
        "headline": headline(&c.disclosed).unwrap_or_else(|| type_label.clone()),
        "type_label": type_label,
        // The credential's own issuer name, else the name this service trusts it under.
        "issuer_name": c
            .issuer_name
            .clone()
            .or_else(|| trust.issuer(&c.issuer).and_then(|i| i.name.clone()))
            .unwrap_or_else(|| c.issuer.clone()),
        "issuer": c.issuer,
        "format": c.format,
        "verdict": verdict_text(c.verdict, lang),
        "verdict_slug": verdict_slug(c.verdict),
        "verified": c.verdict == Verdict::Verified,
        "rows": rows,
        "checks": checks,
    })
}

/// The page's HTML (every value escaped by the template engine).
fn render(
    report: &Report,
    trust: &TrustList,
    lang: Lang,
    record: &PresentationRecord,
) -> Result<String, ApiError> {
    let records: Vec<Value> = report
        .credentials
        .iter()
        .map(|c| record_view(c, trust, lang))
        .collect();
    let mut context = Map::new();
    context.insert("lang".into(), lang.code().into());
    context.insert("t".into(), words(lang));
    context.insert("valid".into(), report.valid.into());
    context.insert("errors".into(), report.errors.clone().into());
    context.insert("records".into(), records.into());
    context.insert(
        "expires_at".into(),
        passeport_core::clock::format_rfc3339(record.expires_at).into(),
    );
    environment()
        .get_template("presentation.html")
        .and_then(|t| t.render(Value::Object(context)))
        .map_err(|e| ApiError::Internal(format!("presentation page: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn expiry_accepts_seconds_and_durations_within_a_year() {
        assert_eq!(parse_expiry(None).unwrap(), DEFAULT_EXPIRY_SECS);
        assert_eq!(parse_expiry(Some(&json!(3600))).unwrap(), 3600);
        assert_eq!(parse_expiry(Some(&json!("90m"))).unwrap(), 5400);
        assert_eq!(parse_expiry(Some(&json!("24h"))).unwrap(), 86_400);
        assert_eq!(parse_expiry(Some(&json!("7d"))).unwrap(), 604_800);
        assert_eq!(parse_expiry(Some(&json!("120"))).unwrap(), 120);
        assert_eq!(parse_expiry(Some(&json!("365d"))).unwrap(), MAX_EXPIRY_SECS);
        for bad in [
            json!(0),
            json!(-1),
            json!(1.5),
            json!("366d"),
            json!("7w"),
            json!("d"),
            json!(""),
            json!("99999999999999999999d"),
            json!(true),
        ] {
            assert!(parse_expiry(Some(&bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn nested_claims_flatten_to_readable_rows() {
        let rows = flatten(&json!({
            "type": ["AchievementSubject"],
            "achievement": {"name": "BTS", "nsfCodes": ["326t", "326r"], "nqfLevel": 5},
            "legalEmployer": {"name": "Numérica", "otherIdentifier": [{"identifier": "0067"}]},
            "result": [{"status": "Completed"}, {"status": "Passed"}],
        }));
        let rows: Vec<(&str, &str)> = rows.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert!(rows.contains(&("achievement › name", "BTS")));
        assert!(rows.contains(&("achievement › nsfCodes", "326t, 326r")));
        assert!(rows.contains(&("achievement › nqfLevel", "5")));
        assert!(rows.contains(&("legalEmployer › otherIdentifier › identifier", "0067")));
        assert!(rows.contains(&("result › 2 › status", "Passed")));
        assert!(!rows.iter().any(|(k, _)| k.starts_with("type")));
    }

    #[test]
    fn flattening_a_deep_or_wide_value_is_bounded() {
        let mut deep = json!("bottom");
        for _ in 0..1000 {
            deep = json!({ "a": deep });
        }
        let rows = flatten(&deep);
        assert_eq!(rows.len(), 1);
        let wide = Value::Array((0..10_000).map(|i| json!({ "i": i })).collect());
        assert_eq!(flatten(&json!({ "w": wide })).len(), MAX_ROWS);
    }

    #[test]
    fn sd_jwt_without_key_binding_is_refused_before_verifying() {
        let error =
            claimed_binding("eyJhbGciOiJFZERTQSJ9.e30.c2ln~WyJzIiwibiIsInYiXQ~").unwrap_err();
        assert_eq!(error.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(error.to_string().contains("key binding"));
        assert!(claimed_binding("not a presentation").is_err());
    }

    #[test]
    fn binding_claims_are_read_from_the_kb_jwt() {
        let b64 = |v: Value| passeport_core::b64::encode(v.to_string());
        let kb = format!(
            "{}.{}.c2ln",
            b64(json!({"alg": "EdDSA", "typ": "kb+jwt"})),
            b64(json!({"aud": ["https://a.example", "https://b.example"], "nonce": "n1"}))
        );
        let (aud, nonce) = claimed_binding(&format!("x.y.z~d1~{kb}")).unwrap();
        assert_eq!(aud, ["https://a.example", "https://b.example"]);
        assert_eq!(nonce.as_deref(), Some("n1"));
    }

    #[test]
    fn every_verdict_has_words_in_both_languages() {
        for verdict in [
            Verdict::Verified,
            Verdict::Revoked,
            Verdict::Suspended,
            Verdict::Expired,
            Verdict::Untrusted,
            Verdict::Tampered,
            Verdict::NotBound,
            Verdict::Invalid,
        ] {
            assert_ne!(
                verdict_text(verdict, Lang::Fr),
                verdict_text(verdict, Lang::En)
            );
        }
    }
}
