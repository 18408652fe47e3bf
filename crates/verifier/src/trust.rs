//! Trust lists: which issuers an employer (or a sector body) trusts, for which record types.
//!
//! Format (`shared/CONTRACT.md`):
//! `{"issuers": [{"id": "did:…|https://…", "name": "…", "keys": [JWK…], "types": ["Diploma", …]}]}`.

use crate::VerifyError;
use passeport_core::keys::{PublicJwk, PublicKey};
use passeport_core::model::RecordType;
use serde::Deserialize;

/// Most issuers in one trust list.
pub const MAX_TRUSTED_ISSUERS: usize = 10_000;

/// One trusted issuer.
#[derive(Debug, Clone)]
pub struct TrustedIssuer {
    /// Issuer id (DID or URL), compared exactly.
    pub id: String,
    /// Display name.
    pub name: Option<String>,
    /// Keys; empty means "resolve the issuer's DID".
    pub keys: Vec<PublicKey>,
    /// What it is trusted for: record type names (`Diploma`), credential types or `vct` values;
    /// `*` for everything.
    pub types: Vec<String>,
}

impl TrustedIssuer {
    /// Whether this issuer is trusted for a credential with these types / record type.
    pub fn trusted_for(&self, record: Option<RecordType>, types: &[String]) -> bool {
        self.types.iter().any(|t| {
            t == "*"
                || record
                    .is_some_and(|r| t == r.name() || t == r.credential_type() || *t == r.vct())
                || types.iter().any(|ct| ct == t)
        })
    }
}

/// A trust list, plus keys trusted directly (`--issuer-key`: any issuer, any type).
#[derive(Debug, Clone, Default)]
pub struct TrustList {
    issuers: Vec<TrustedIssuer>,
    direct_keys: Vec<PublicKey>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawList {
    issuers: Vec<RawIssuer>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIssuer {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    keys: Vec<serde_json::Value>,
    types: Vec<String>,
}

impl TrustList {
    /// An empty list: nothing is trusted.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses a trust list document.
    pub fn from_json(bytes: &[u8]) -> Result<Self, VerifyError> {
        let bad = |reason: String| VerifyError::TrustList(reason);
        let value = passeport_core::json::parse_strict(bytes).map_err(|e| bad(e.to_string()))?;
        let raw: RawList = serde_json::from_value(value).map_err(|e| bad(e.to_string()))?;
        if raw.issuers.len() > MAX_TRUSTED_ISSUERS {
            return Err(bad(format!("more than {MAX_TRUSTED_ISSUERS} issuers")));
        }
        let mut list = Self::new();
        for (i, issuer) in raw.issuers.into_iter().enumerate() {
            if issuer.id.is_empty() {
                return Err(bad(format!("issuers[{i}]: empty id")));
            }
            let mut keys = Vec::new();
            for (k, jwk) in issuer.keys.iter().enumerate() {
                let key = PublicJwk::from_value(jwk)
                    .and_then(|j| PublicKey::from_jwk(&j))
                    .map_err(|e| bad(format!("issuers[{i}].keys[{k}]: {e}")))?;
                keys.push(key);
            }
            list.issuers.push(TrustedIssuer {
                id: issuer.id,
                name: issuer.name,
                keys,
                types: issuer.types,
            });
        }
        Ok(list)
    }

    /// Adds an issuer.
    pub fn add_issuer(&mut self, issuer: TrustedIssuer) {
        self.issuers.push(issuer);
    }

    /// Trusts a key directly, for any issuer and any type (`--issuer-key`).
    pub fn add_direct_key(&mut self, key: PublicKey) {
        self.direct_keys.push(key);
    }

    /// Merges another list into this one.
    pub fn extend(&mut self, other: TrustList) {
        self.issuers.extend(other.issuers);
        self.direct_keys.extend(other.direct_keys);
    }

    /// The entries for an issuer id.
    pub fn issuer(&self, id: &str) -> Option<&TrustedIssuer> {
        self.issuers.iter().find(|i| i.id == id)
    }

    /// Keys trusted directly.
    pub fn direct_keys(&self) -> &[PublicKey] {
        &self.direct_keys
    }

    /// All issuers.
    pub fn issuers(&self) -> &[TrustedIssuer] {
        &self.issuers
    }
}
