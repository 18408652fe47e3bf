//! The VCDM 2.0 / Open Badges 3.0 envelope of a passport record (see `shared/domain/README.md`).

use crate::{IssueError, IssueRequest, Issuer};
use passeport_core::clock::format_rfc3339;
use passeport_core::model::{OB_V3_CONTEXT, PASSEPORT_CONTEXT, VC_V2_CONTEXT};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

/// SHA-256 of the subject's JCS form, base64url.
pub(crate) fn subject_digest(subject: &Value) -> String {
    let canonical = passeport_core::jcs::to_vec(subject);
    passeport_core::b64::encode(Sha256::digest(canonical))
}

pub(crate) fn build(
    issuer: &Issuer,
    request: &IssueRequest,
    now: i64,
) -> Result<(String, Map<String, Value>), IssueError> {
    let record = request.record_type;
    let Value::Object(subject) = &request.subject else {
        return Err(IssueError::SubjectNotObject);
    };
    passeport_core::schema::validate_subject(record, &request.subject)
        .map_err(|source| IssueError::Schema { record, source })?;
    let valid_from = format_rfc3339(now);
    if let Some(until) = request.valid_until {
        if until <= now {
            return Err(IssueError::BadValidity {
                from: valid_from,
                until: format_rfc3339(until),
            });
        }
    }
    let id = request
        .credential_id
        .clone()
        .unwrap_or_else(|| format!("urn:uuid:{}", uuid::Uuid::new_v4()));

    let mut profile = issuer.profile.clone();
    profile.insert("id".into(), issuer.id.clone().into());
    profile.entry("type").or_insert_with(|| json!(["Profile"]));

    let mut vc = Map::new();
    vc.insert(
        "@context".into(),
        json!([VC_V2_CONTEXT, OB_V3_CONTEXT, PASSEPORT_CONTEXT]),
    );
    vc.insert("id".into(), id.clone().into());
    vc.insert(
        "type".into(),
        json!([
            "VerifiableCredential",
            "OpenBadgeCredential",
            record.credential_type()
        ]),
    );
    vc.insert("issuer".into(), Value::Object(profile));
    vc.insert("validFrom".into(), valid_from.into());
    if let Some(until) = request.valid_until {
        vc.insert("validUntil".into(), format_rfc3339(until).into());
    }
    let name = subject
        .get("achievement")
        .and_then(|a| a.get("name"))
        .cloned()
        .unwrap_or_else(|| record.label_en().into());
    vc.insert("name".into(), name);
    if let Some(awarded) = subject.get("awardingDate") {
        vc.insert("awardedDate".into(), awarded.clone());
    }
    vc.insert("credentialSubject".into(), Value::Object(subject.clone()));
    vc.insert(
        "credentialSchema".into(),
        json!([
            {
                "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
                "type": "1EdTechJsonSchemaValidator2019"
            },
            { "id": record.schema_id(), "type": "JsonSchema" }
        ]),
    );
    let mut entries = [
        &request.status.bitstring,
        &request.status.bitstring_suspension,
    ]
    .into_iter()
    .flatten()
    .map(|entry| serde_json::to_value(entry).map_err(|e| IssueError::Signing(e.to_string())))
    .collect::<Result<Vec<Value>, IssueError>>()?;
    // One entry is a single object; revocation + suspension are an array of both.
    if entries.len() > 1 {
        vc.insert("credentialStatus".into(), Value::Array(entries));
    } else if let Some(only) = entries.pop() {
        vc.insert("credentialStatus".into(), only);
    }
    Ok((id, vc))
}
