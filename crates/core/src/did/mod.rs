//! Decentralized identifiers: `did:key` and `did:jwk` resolve offline here; `did:web` maps to the
//! URL of its document, which the caller fetches (core does no I/O) and parses with
//! [`DidDocument::from_json`].

pub mod jwk;
pub mod key;
pub mod web;

use crate::keys::{KeyError, PublicJwk, PublicKey};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// Longest DID or DID URL accepted.
pub const MAX_DID_LEN: usize = 4096;

/// Why a DID could not be parsed or resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DidError {
    /// Not `did:METHOD:ID`.
    #[error("`{0}` is not a DID")]
    Invalid(String),
    /// A method we cannot resolve here.
    #[error("DID method `{0}` is not supported offline")]
    UnsupportedMethod(String),
    /// The method-specific id does not decode.
    #[error("{method}: {reason}")]
    BadIdentifier {
        /// `key`, `jwk`, `web`.
        method: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// The key inside the DID is not usable.
    #[error("key in DID: {0}")]
    Key(#[from] KeyError),
    /// The DID document is malformed.
    #[error("DID document: {0}")]
    Document(String),
    /// No verification method matches.
    #[error("no verification method `{0}` for assertions in the DID document")]
    NoSuchMethod(String),
}

/// A syntactically valid DID (without path, query or fragment).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Did(String);

impl Did {
    /// Parses `did:METHOD:ID` (a DID URL's fragment, path or query are cut off).
    pub fn parse(text: &str) -> Result<Self, DidError> {
        if text.len() > MAX_DID_LEN {
            return Err(DidError::Invalid(format!(
                "{}… (too long)",
                &text.get(..32).unwrap_or("")
            )));
        }
        let base = text.split(['#', '?', '/']).next().unwrap_or_default();
        let mut parts = base.splitn(3, ':');
        let (Some("did"), Some(method), Some(id)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(DidError::Invalid(text.to_owned()));
        };
        let method_ok = !method.is_empty()
            && method
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        let id_ok = !id.is_empty()
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-_:%".contains(&b));
        if !method_ok || !id_ok || id.ends_with(':') {
            return Err(DidError::Invalid(text.to_owned()));
        }
        Ok(Self(base.to_owned()))
    }

    /// The DID as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The method name (`key`, `jwk`, `web`).
    pub fn method(&self) -> &str {
        self.0.split(':').nth(1).unwrap_or_default()
    }

    /// The method-specific identifier.
    pub fn method_id(&self) -> &str {
        self.0.splitn(3, ':').nth(2).unwrap_or_default()
    }
}

impl TryFrom<String> for Did {
    type Error = DidError;
    fn try_from(value: String) -> Result<Self, DidError> {
        Self::parse(&value)
    }
}

impl From<Did> for String {
    fn from(did: Did) -> String {
        did.0
    }
}

impl fmt::Display for Did {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Resolves DIDs to documents. The offline [`OfflineResolver`] does `did:key` and `did:jwk`;
/// network methods (`did:web`) plug in behind this trait at the edges (the verifier crate).
pub trait DidResolver: Send + Sync {
    /// The DID document of `did`.
    fn resolve(&self, did: &Did) -> Result<DidDocument, DidError>;
}

/// Resolves `did:key` and `did:jwk` from the identifier alone.
#[derive(Debug, Clone, Copy, Default)]
pub struct OfflineResolver;

impl DidResolver for OfflineResolver {
    fn resolve(&self, did: &Did) -> Result<DidDocument, DidError> {
        resolve_offline(did)
    }
}

/// Resolves a `did:key` or `did:jwk`.
pub fn resolve_offline(did: &Did) -> Result<DidDocument, DidError> {
    match did.method() {
        "key" => key::resolve(did),
        "jwk" => jwk::resolve(did),
        other => Err(DidError::UnsupportedMethod(other.to_owned())),
    }
}

/// A verification method of a DID document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationMethod {
    /// Its id (a DID URL, usually `DID#fragment`; may be relative `#fragment`).
    pub id: String,
    /// `Multikey`, `JsonWebKey`, `JsonWebKey2020`, `Ed25519VerificationKey2018/2020`…
    #[serde(rename = "type")]
    pub type_: String,
    /// The DID that controls it.
    pub controller: String,
    /// A JWK.
    #[serde(
        rename = "publicKeyJwk",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub public_key_jwk: Option<Value>,
    /// A multibase multicodec key (Multikey, Ed25519VerificationKey2020).
    #[serde(
        rename = "publicKeyMultibase",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub public_key_multibase: Option<String>,
    /// Legacy base58 raw key (Ed25519VerificationKey2018, P256Key2021).
    #[serde(
        rename = "publicKeyBase58",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub public_key_base58: Option<String>,
}

impl VerificationMethod {
    /// The public key it holds.
    pub fn public_key(&self) -> Result<PublicKey, DidError> {
        if let Some(jwk) = &self.public_key_jwk {
            let mut jwk = PublicJwk::from_value(jwk)?;
            jwk.kid = Some(self.id.clone());
            return Ok(PublicKey::from_jwk(&jwk)?);
        }
        if let Some(mb) = &self.public_key_multibase {
            let mut jwk = key::jwk_from_multikey(mb)?;
            jwk.kid = Some(self.id.clone());
            return Ok(PublicKey::from_jwk(&jwk)?);
        }
        if let Some(b58) = &self.public_key_base58 {
            let (_, raw) = multibase::decode(format!("z{b58}"))
                .map_err(|e| DidError::Document(format!("publicKeyBase58: {e}")))?;
            let mut jwk = match self.type_.as_str() {
                "Ed25519VerificationKey2018" => crate::keys::ed25519_public_jwk(&raw)?,
                "P256Key2021" | "EcdsaSecp256r1VerificationKey2019" => {
                    crate::keys::p256_public_jwk(&raw)?
                }
                other => {
                    return Err(DidError::Document(format!(
                        "publicKeyBase58 with type {other}"
                    )))
                }
            };
            jwk.kid = Some(self.id.clone());
            return Ok(PublicKey::from_jwk(&jwk)?);
        }
        Err(DidError::Document(format!(
            "verification method {} has no public key",
            self.id
        )))
    }
}

/// A verification relationship entry: a reference to a method, or a method embedded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MethodRef {
    /// A DID URL (absolute or `#fragment`).
    Reference(String),
    /// An embedded method.
    Embedded(VerificationMethod),
}

/// A DID document (the parts a verifier needs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DidDocument {
    /// JSON-LD contexts.
    #[serde(rename = "@context", default, skip_serializing_if = "Vec::is_empty")]
    pub context: Vec<Value>,
    /// The DID.
    pub id: String,
    /// Declared verification methods.
    #[serde(rename = "verificationMethod", default)]
    pub verification_method: Vec<VerificationMethod>,
    /// Methods usable to authenticate as the DID (holder binding).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authentication: Vec<MethodRef>,
    /// Methods usable to issue (assert) credentials.
    #[serde(
        rename = "assertionMethod",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub assertion_method: Vec<MethodRef>,
    /// Capability delegation.
    #[serde(
        rename = "capabilityDelegation",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub capability_delegation: Vec<MethodRef>,
    /// Capability invocation.
    #[serde(
        rename = "capabilityInvocation",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub capability_invocation: Vec<MethodRef>,
}

impl DidDocument {
    /// Parses a document fetched from elsewhere (did:web), strictly and with size limits.
    pub fn from_json(bytes: &[u8]) -> Result<Self, DidError> {
        let value =
            crate::json::parse_strict(bytes).map_err(|e| DidError::Document(e.to_string()))?;
        serde_json::from_value(value).map_err(|e| DidError::Document(e.to_string()))
    }

    fn absolute(&self, id: &str) -> String {
        if id.starts_with('#') {
            format!("{}{id}", self.id)
        } else {
            id.to_owned()
        }
    }

    /// The assertion (issuing) keys: each `assertionMethod` resolved to a key.
    pub fn assertion_keys(&self) -> Vec<PublicKey> {
        self.relationship_keys(&self.assertion_method)
    }

    /// The authentication keys (for holder binding).
    pub fn authentication_keys(&self) -> Vec<PublicKey> {
        self.relationship_keys(&self.authentication)
    }

    fn relationship_keys(&self, refs: &[MethodRef]) -> Vec<PublicKey> {
        refs.iter()
            .filter_map(|r| self.method_of(r))
            .filter_map(|m| m.public_key().ok())
            .collect()
    }

    fn method_of<'a>(&'a self, r: &'a MethodRef) -> Option<&'a VerificationMethod> {
        match r {
            MethodRef::Embedded(m) => Some(m),
            MethodRef::Reference(id) => {
                let id = self.absolute(id);
                self.verification_method
                    .iter()
                    .find(|m| self.absolute(&m.id) == id)
            }
        }
    }

    /// The assertion key a DID URL or `kid` designates (`did:…#frag`, or `#frag`), checked to be
    /// listed under `assertionMethod` and controlled by this DID.
    pub fn assertion_key(&self, method_id: &str) -> Result<PublicKey, DidError> {
        let wanted = self.absolute(method_id);
        self.assertion_method
            .iter()
            .filter_map(|r| self.method_of(r))
            .find(|m| self.absolute(&m.id) == wanted)
            .filter(|m| m.controller == self.id)
            .ok_or_else(|| DidError::NoSuchMethod(method_id.to_owned()))?
            .public_key()
    }
}
