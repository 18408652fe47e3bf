//! Bearer API keys: `ppk_{id}.{secret}`, stored as the id and SHA-256 of the secret, compared in
//! constant time. One organisation and a list of record types per key.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use passeport_core::model::RecordType;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// Prefix of every API key (lets secret scanners recognise leaked keys).
pub const TOKEN_PREFIX: &str = "ppk_";
/// Longest `Authorization` value examined.
const MAX_TOKEN_LEN: usize = 256;

/// A freshly made token: the text to hand out once, and what to store.
#[derive(Debug)]
pub(crate) struct NewToken {
    pub(crate) id: String,
    pub(crate) secret_hash: Vec<u8>,
    pub(crate) text: zeroize::Zeroizing<String>,
}

/// Makes a random token (96-bit id, 256-bit secret).
pub(crate) fn new_token() -> NewToken {
    let mut id = [0u8; 12];
    let mut secret = zeroize::Zeroizing::new([0u8; 32]);
    rand::rngs::OsRng.fill_bytes(&mut id);
    rand::rngs::OsRng.fill_bytes(secret.as_mut());
    let id = passeport_core::b64::encode(id);
    let secret = zeroize::Zeroizing::new(passeport_core::b64::encode(secret.as_ref()));
    NewToken {
        secret_hash: Sha256::digest(secret.as_bytes()).to_vec(),
        text: zeroize::Zeroizing::new(format!("{TOKEN_PREFIX}{id}.{}", secret.as_str())),
        id,
    }
}

/// The caller, authenticated by its bearer token.
#[derive(Debug, Clone)]
pub struct OrgAuth {
    /// The organisation the token acts for.
    pub org: String,
    /// The record types it may issue.
    pub types: Vec<RecordType>,
}

impl OrgAuth {
    /// 403 unless the token may issue `record`.
    pub fn require_type(&self, record: RecordType) -> Result<(), ApiError> {
        if self.types.contains(&record) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "this token may not issue {} records",
                record.name()
            )))
        }
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    if value.len() > MAX_TOKEN_LEN {
        return None;
    }
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

impl FromRequestParts<Arc<AppState>> for OrgAuth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or(ApiError::Unauthorized)?;
        let (id, secret) = token
            .strip_prefix(TOKEN_PREFIX)
            .and_then(|t| t.split_once('.'))
            .ok_or(ApiError::Unauthorized)?;
        let presented: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
        let record = state.store.api_key(id).await?;
        // Compare against a dummy hash when the id is unknown, so both paths do the same work.
        let (stored, record) = match record {
            Some(r) => (r.secret_hash.clone(), Some(r)),
            None => (vec![0u8; 32], None),
        };
        let matches: bool = presented.as_slice().ct_eq(stored.as_slice()).into();
        let record = record.filter(|_| matches).ok_or(ApiError::Unauthorized)?;
        let types = record
            .types
            .iter()
            .filter_map(|t| t.parse::<RecordType>().ok())
            .collect();
        tracing::Span::current().record("org", record.org.as_str());
        Ok(Self {
            org: record.org,
            types,
        })
    }
}
