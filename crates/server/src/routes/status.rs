//! Published status lists: `GET /v1/status-lists/{id}`, a `vc+jwt` BitstringStatusListCredential
//! or a `statuslist+jwt` Token Status List, signed by the owning organisation, with cache headers.

use super::typed;
use crate::error::ApiError;
use crate::state::{AppState, SignedList};
use crate::store::{ListKind, StatusListRecord};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use passeport_core::clock::format_rfc3339;
use passeport_core::jose::{sign_compact, JwsHeaderParams};
use passeport_core::status::bitstring::BitstringStatusList;
use passeport_core::status::token::TokenStatusList;
use serde_json::json;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// How long clients may cache a list (seconds); also the Token Status List `ttl`.
pub const LIST_MAX_AGE: u64 = 300;

/// The status list routes.
pub fn router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new().routes(routes!(status_list))
}

fn media_type(kind: ListKind) -> &'static str {
    match kind {
        ListKind::Bitstring => "application/vc+jwt",
        ListKind::Token => passeport_core::status::token::MEDIA_TYPE,
    }
}

/// Signs the current state of a list.
pub(crate) async fn sign_list(
    state: &AppState,
    list: &StatusListRecord,
) -> Result<String, ApiError> {
    let signer = state.org_signer(&list.org).await?;
    let entries = state.store.status_entries(&list.id).await?;
    let url = state.status_list_url(&list.id);
    let now = state.clock.now();
    let internal = |e: passeport_core::status::StatusError| ApiError::Internal(e.to_string());
    let (typ, payload) = match list.kind {
        ListKind::Bitstring => {
            let mut bits = BitstringStatusList::new(list.size).map_err(internal)?;
            for (index, status) in entries {
                bits.set(index, status != 0).map_err(internal)?;
            }
            let payload = json!({
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "id": url,
                "type": ["VerifiableCredential", "BitstringStatusListCredential"],
                "issuer": signer.did.as_str(),
                "validFrom": format_rfc3339(now),
                "credentialSubject": {
                    "id": format!("{url}#list"),
                    "type": "BitstringStatusList",
                    "statusPurpose": list.purpose,
                    "encodedList": bits.encode().map_err(internal)?,
                },
            });
            ("vc+jwt", payload)
        }
        ListKind::Token => {
            let mut values = TokenStatusList::new(list.bits, list.size).map_err(internal)?;
            for (index, status) in entries {
                values.set(index, status).map_err(internal)?;
            }
            let payload = json!({
                "sub": url,
                "iss": signer.did.as_str(),
                "iat": now,
                "ttl": LIST_MAX_AGE,
                "status_list": values.to_claim().map_err(internal)?,
            });
            ("statuslist+jwt", payload)
        }
    };
    let mut header = JwsHeaderParams::typed(typ);
    header.kid = Some(signer.kid.clone());
    let bytes = serde_json::to_vec(&payload).map_err(|e| ApiError::Internal(e.to_string()))?;
    sign_compact(signer.signer.as_ref(), &header, &bytes)
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// A status list, as a signed JWT (`vc+jwt` Bitstring Status List credential for VCDM
/// credentials, `statuslist+jwt` for SD-JWT VC).
#[utoipa::path(get, path = "/v1/status-lists/{id}", tag = "status",
    params(("id" = String, Path, description = "Status list id")),
    responses(
        (status = 200, description = "The signed status list", body = String, content_type = "application/vc+jwt"),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 404, description = "No such list", content_type = "application/problem+json")))]
async fn status_list(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let list = state
        .store
        .status_list(&id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("status list `{id}`")))?;
    let etag = format!("W/\"{}-{}\"", list.id, list.version);
    let cache_headers = |response: &mut Response| -> Result<(), ApiError> {
        let h = response.headers_mut();
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_str(&format!("public, max-age={LIST_MAX_AGE}"))
                .map_err(|e| ApiError::Internal(e.to_string()))?,
        );
        h.insert(
            header::ETAG,
            HeaderValue::from_str(&etag).map_err(|e| ApiError::Internal(e.to_string()))?,
        );
        Ok(())
    };
    let not_modified = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',').map(str::trim).any(|tag| {
                tag == "*" || tag == etag || tag.strip_prefix("W/") == etag.strip_prefix("W/")
            })
        });
    if not_modified {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        cache_headers(&mut response)?;
        return Ok(response);
    }
    let cached = state
        .signed_lists
        .read()
        .ok()
        .and_then(|c| c.get(&list.id).cloned())
        .filter(|c| c.version == list.version);
    let token = match cached {
        Some(c) => c.token,
        None => {
            let token: Arc<str> = sign_list(&state, &list).await?.into();
            if let Ok(mut cache) = state.signed_lists.write() {
                cache.insert(
                    list.id.clone(),
                    SignedList {
                        version: list.version,
                        token: token.clone(),
                    },
                );
            }
            token
        }
    };
    let mut response = typed(media_type(list.kind), token.to_string());
    cache_headers(&mut response)?;
    Ok(response)
}
