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

/// What [`Credential`]'s deserialization and [`Credential::check_basics`] accept, checked on
/// the JSON object in place (no typed copy of the credential): `@context` an array whose first
/// entry is the VCDM 2.0 context, `type` a string or strings with `VerifiableCredential`, an
/// issuer (a non-empty id, or a profile object with one), string `id` / `validFrom` /
/// `validUntil` when present, and `credentialSubject` an object or a non-empty array of objects.
pub fn check_credential_shape(vc: &Map<String, Value>) -> Result<(), String> {
    let optional_string = |name: &str| match vc.get(name) {
        None | Some(Value::Null) | Some(Value::String(_)) => Ok(()),
        Some(_) => Err(format!("`{name}` must be a string")),
    };
    let context = match vc.get("@context") {
        Some(Value::Array(context)) => context,
        Some(_) => return Err("`@context` must be an array".into()),
        None => return Err("missing field `@context`".into()),
    };
    let types: Vec<&str> = match vc.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts
            .iter()
            .map(|t| t.as_str().ok_or("`type` must hold strings"))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("`type` must be a string or an array of strings".into()),
        None => return Err("missing field `type`".into()),
    };
    let issuer = match vc.get("issuer") {
        Some(Value::String(id)) => Some(id.as_str()),
        Some(Value::Object(profile)) => profile.get("id").and_then(Value::as_str),
        Some(_) => return Err("`issuer` must be an id or a profile object".into()),
        None => return Err("missing field `issuer`".into()),
    };
    optional_string("id")?;
    optional_string("validFrom")?;
    optional_string("validUntil")?;
    match vc.get("credentialSubject") {
        Some(Value::Object(_)) => {}
        Some(Value::Array(subjects)) if subjects.iter().all(Value::is_object) => {
            if subjects.is_empty() {
                return Err("credentialSubject is empty".into());
            }
        }
        Some(_) => return Err("`credentialSubject` must be an object or objects".into()),
        None => return Err("missing field `credentialSubject`".into()),
    }
    if context.first().and_then(Value::as_str) != Some(VC_V2_CONTEXT) {
        return Err(format!("the first @context must be {VC_V2_CONTEXT}"));
    }
    if !types.contains(&"VerifiableCredential") {
        return Err("`type` must include VerifiableCredential".into());
    }
    if issuer.is_none_or(str::is_empty) {
        return Err("the issuer has no id".into());
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn typed(vc: &Map<String, Value>) -> Result<(), String> {
        Credential::deserialize(vc)
            .map_err(|e| e.to_string())
            .and_then(|c| c.check_basics())
    }

    /// The in-place check accepts and refuses exactly what the typed path does, on every domain
    /// sample and on each of its members removed or replaced by a value of every JSON kind.
    #[test]
    fn shape_check_agrees_with_typed_deserialization() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/vectors/domain/samples");
        let mut samples = Vec::new();
        for person in std::fs::read_dir(root).unwrap() {
            let person = person.unwrap().path();
            if !person.is_dir() {
                continue;
            }
            for file in std::fs::read_dir(person).unwrap() {
                let path = file.unwrap().path();
                if path.to_string_lossy().ends_with(".credential.json") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    samples.push(serde_json::from_str::<Map<String, Value>>(&text).unwrap());
                }
            }
        }
        assert!(samples.len() >= 6, "{} samples", samples.len());
        let replacements = [
            json!(null),
            json!(7),
            json!("text"),
            json!([]),
            json!({}),
            json!([1]),
            json!([{}]),
            json!(["VerifiableCredential"]),
            json!([VC_V2_CONTEXT]),
            json!({"id": ""}),
        ];
        let mut cases = 0;
        for sample in &samples {
            assert_eq!(check_credential_shape(sample), Ok(()));
            assert_eq!(typed(sample), Ok(()));
            for key in sample.keys() {
                let mut removed = sample.clone();
                removed.remove(key);
                assert_eq!(
                    check_credential_shape(&removed).is_ok(),
                    typed(&removed).is_ok(),
                    "without {key}"
                );
                for value in &replacements {
                    let mut changed = sample.clone();
                    changed.insert(key.clone(), value.clone());
                    assert_eq!(
                        check_credential_shape(&changed).is_ok(),
                        typed(&changed).is_ok(),
                        "{key}: {value}"
                    );
                    cases += 1;
                }
            }
        }
        assert!(cases > 100, "{cases} cases");
    }
}
