//! VCDM 2.0 (<https://www.w3.org/TR/vc-data-model-2.0/>) types.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The VCDM 2.0 base context.
pub const VC_V2_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";
/// The Open Badges 3.0.3 context.
pub const OB_V3_CONTEXT: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
/// The passport extension context.
pub const PASSEPORT_CONTEXT: &str = "https://passeport.example/contexts/passeport-v1.jsonld";

/// One value or several (JSON-LD allows both for most properties).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    /// A single value.
    One(T),
    /// An array.
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    /// Iterates over the value(s).
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        match self {
            Self::One(one) => std::slice::from_ref(one).iter(),
            Self::Many(many) => many.iter(),
        }
    }
}

/// The issuer: a URL/DID, or an object with an `id` (an Open Badges `Profile`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Issuer {
    /// Just the id.
    Id(String),
    /// A profile object; `id` is required.
    Profile(Map<String, Value>),
}

impl Issuer {
    /// The issuer's id (DID or URL).
    pub fn id(&self) -> Option<&str> {
        match self {
            Self::Id(id) => Some(id),
            Self::Profile(p) => p.get("id").and_then(Value::as_str),
        }
    }

    /// The issuer's display name, if the profile has one.
    pub fn name(&self) -> Option<&str> {
        match self {
            Self::Id(_) => None,
            Self::Profile(p) => p.get("name").and_then(Value::as_str),
        }
    }
}

/// A status entry (`BitstringStatusListEntry`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusEntry {
    /// `LIST_URL#INDEX`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `BitstringStatusListEntry`.
    #[serde(rename = "type")]
    pub type_: String,
    /// `revocation`, `suspension`, …
    #[serde(rename = "statusPurpose")]
    pub status_purpose: String,
    /// The index in the list, as a decimal string.
    #[serde(rename = "statusListIndex")]
    pub status_list_index: String,
    /// URL of the status list credential.
    #[serde(rename = "statusListCredential")]
    pub status_list_credential: String,
}

/// A VCDM 2.0 credential. Unknown members are kept in `extra` so nothing is dropped on the way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Credential {
    /// `@context`: VCDM 2.0 first.
    #[serde(rename = "@context")]
    pub context: Vec<Value>,
    /// Optional id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `type`, including `VerifiableCredential`.
    #[serde(rename = "type")]
    pub type_: OneOrMany<String>,
    /// Issuer.
    pub issuer: Issuer,
    /// Start of validity (RFC 3339).
    #[serde(rename = "validFrom", default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    /// End of validity (RFC 3339).
    #[serde(
        rename = "validUntil",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub valid_until: Option<String>,
    /// The subject(s).
    #[serde(rename = "credentialSubject")]
    pub credential_subject: OneOrMany<Map<String, Value>>,
    /// Status entries.
    #[serde(
        rename = "credentialStatus",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub credential_status: Option<OneOrMany<Value>>,
    /// Schemas the credential conforms to.
    #[serde(
        rename = "credentialSchema",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub credential_schema: Option<OneOrMany<Value>>,
    /// Evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Value>,
    /// Everything else (`name`, `awardedDate`, `proof`…).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Credential {
    /// The `type` values.
    pub fn types(&self) -> Vec<&str> {
        self.type_.iter().map(String::as_str).collect()
    }

    /// Checks the VCDM 2.0 basics: the v2 context first, `VerifiableCredential` in `type`, an
    /// issuer id, at least one subject.
    pub fn check_basics(&self) -> Result<(), String> {
        if self.context.first().and_then(Value::as_str) != Some(VC_V2_CONTEXT) {
            return Err(format!("the first @context must be {VC_V2_CONTEXT}"));
        }
        if !self.types().contains(&"VerifiableCredential") {
            return Err("`type` must include VerifiableCredential".into());
        }
        if self.issuer.id().is_none_or(str::is_empty) {
            return Err("the issuer has no id".into());
        }
        if let OneOrMany::Many(subjects) = &self.credential_subject {
            if subjects.is_empty() {
                return Err("credentialSubject is empty".into());
            }
        }
        Ok(())
    }
}

/// A VCDM 2.0 presentation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Presentation {
    /// `@context`.
    #[serde(rename = "@context")]
    pub context: Vec<Value>,
    /// Optional id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `type`, including `VerifiablePresentation`.
    #[serde(rename = "type")]
    pub type_: OneOrMany<String>,
    /// The holder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
    /// The credentials (enveloped or embedded).
    #[serde(rename = "verifiableCredential", default)]
    pub verifiable_credential: Vec<Value>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
