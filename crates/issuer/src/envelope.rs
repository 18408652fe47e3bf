//! The VCDM 2.0 / Open Badges 3.0 envelope of a passport record (see `shared/domain/README.md`).

use crate::{IssueError, IssueRequest, Issuer};
use passeport_core::clock::format_rfc3339;
use passeport_core::model::{RecordType, OB_V3_CONTEXT, PASSEPORT_CONTEXT, VC_V2_CONTEXT};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::borrow::Cow;

/// SHA-256 of the subject's JCS form, base64url.
pub(crate) fn subject_digest(subject: &Value) -> String {
    let canonical = passeport_core::jcs::to_vec(subject);
    passeport_core::b64::encode(Sha256::digest(canonical))
}

/// A random (version 4) UUID from the thread's CSPRNG, as for disclosure salts: `Uuid::new_v4`
/// would make a `getrandom` system call for every credential.
fn random_uuid() -> uuid::Uuid {
    use rand::Rng as _;
    uuid::Builder::from_random_bytes(rand::thread_rng().gen()).into_uuid()
}

/// The issuer object of credentials: the profile, its `id`, and `type: ["Profile"]` unless the
/// profile says otherwise. Made once per [`Issuer`], not per credential.
pub(crate) fn issuer_object(id: &str, profile: &Map<String, Value>) -> Value {
    let mut object = profile.clone();
    object.insert("id".into(), id.into());
    object
        .entry("type")
        .or_insert_with(|| Value::Array(vec!["Profile".into()]));
    Value::Object(object)
}

/// The members every credential of one record type has the same, as JSON values built once per
/// process (they were built, then dropped, for every credential).
struct Fixed {
    context: Value,
    types: Value,
    schemas: Value,
}

impl Fixed {
    /// Those of `record` (`None` only for a record type missing from [`RecordType::ALL`]: the
    /// caller then builds them).
    fn of(record: RecordType) -> Option<&'static Fixed> {
        static ALL: std::sync::OnceLock<Vec<(RecordType, Fixed)>> = std::sync::OnceLock::new();
        let strings = |items: [&str; 3]| Value::Array(items.map(Value::from).into());
        ALL.get_or_init(|| {
            RecordType::ALL
                .iter()
                .map(|&record| {
                    let fixed = Fixed {
                        context: strings(Envelope::context()),
                        types: strings(Envelope::types_of(record)),
                        schemas: schemas_value(Envelope::schemas_of(record)),
                    };
                    (record, fixed)
                })
                .collect()
        })
        .iter()
        .find(|(r, _)| *r == record)
        .map(|(_, fixed)| fixed)
    }
}

/// `credentialSchema` as JSON.
fn schemas_value(schemas: [SchemaRef; 2]) -> Value {
    Value::Array(
        schemas
            .map(|schema| {
                let mut entry = Map::new();
                entry.insert("id".into(), schema.id.into_owned().into());
                entry.insert("type".into(), schema.kind.into());
                Value::Object(entry)
            })
            .into(),
    )
}

/// An unsigned credential that borrows the request's subject: serialized as is for `vc+jwt`,
/// turned into a map ([`Envelope::into_map`]) by the formats that rewrite it.
pub(crate) struct Envelope<'a> {
    /// The credential id.
    pub(crate) id: String,
    record: RecordType,
    issuer: &'a Value,
    valid_from: String,
    valid_until: Option<String>,
    name: Value,
    awarded: Option<&'a Value>,
    subject: &'a Map<String, Value>,
    /// The same subject, as the request's value.
    subject_value: &'a Value,
    status: Vec<Value>,
}

/// One entry of `credentialSchema`: its `id` and `type`.
struct SchemaRef {
    id: Cow<'static, str>,
    kind: &'static str,
}

const OB_SCHEMA: &str =
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json";

impl<'a> Envelope<'a> {
    /// Validates the request and builds the envelope, valid from `now`.
    pub(crate) fn build(
        issuer: &'a Issuer,
        request: &'a IssueRequest,
        now: i64,
    ) -> Result<Self, IssueError> {
        let record = request.record_type;
        let Value::Object(subject) = &request.subject else {
            return Err(IssueError::SubjectNotObject);
        };
        passeport_core::schema::validate_subject(record, &request.subject)
            .map_err(|source| IssueError::Schema { record, source })?;
        let valid_from = format_rfc3339(now);
        let valid_until = match request.valid_until {
            Some(until) if until <= now => {
                return Err(IssueError::BadValidity {
                    from: valid_from,
                    until: format_rfc3339(until),
                })
            }
            Some(until) => Some(format_rfc3339(until)),
            None => None,
        };
        let id = request
            .credential_id
            .clone()
            .unwrap_or_else(|| format!("urn:uuid:{}", random_uuid()));
        let name = subject
            .get("achievement")
            .and_then(|a| a.get("name"))
            .cloned()
            .unwrap_or_else(|| record.label_en().into());
        let status = [
            &request.status.bitstring,
            &request.status.bitstring_suspension,
        ]
        .into_iter()
        .flatten()
        .map(|entry| serde_json::to_value(entry).map_err(|e| IssueError::Signing(e.to_string())))
        .collect::<Result<Vec<Value>, IssueError>>()?;
        Ok(Self {
            id,
            record,
            issuer: &issuer.issuer_object,
            valid_from,
            valid_until,
            name,
            awarded: subject.get("awardingDate"),
            subject,
            subject_value: &request.subject,
            status,
        })
    }

    fn context() -> [&'static str; 3] {
        [VC_V2_CONTEXT, OB_V3_CONTEXT, PASSEPORT_CONTEXT]
    }

    fn types(&self) -> [&'static str; 3] {
        Self::types_of(self.record)
    }

    fn types_of(record: RecordType) -> [&'static str; 3] {
        [
            "VerifiableCredential",
            "OpenBadgeCredential",
            record.credential_type(),
        ]
    }

    fn schemas(&self) -> [SchemaRef; 2] {
        Self::schemas_of(self.record)
    }

    fn schemas_of(record: RecordType) -> [SchemaRef; 2] {
        [
            SchemaRef {
                id: Cow::Borrowed(OB_SCHEMA),
                kind: "1EdTechJsonSchemaValidator2019",
            },
            SchemaRef {
                id: Cow::Owned(record.schema_id()),
                kind: "JsonSchema",
            },
        ]
    }

    /// One status entry is a single object; revocation + suspension are an array of both.
    fn status(&self) -> Option<StatusRef<'_>> {
        match self.status.as_slice() {
            [] => None,
            [only] => Some(StatusRef::One(only)),
            all => Some(StatusRef::All(all)),
        }
    }

    /// The credential's members in the order they are serialized: what the request and the
    /// issuer hold borrowed (the subject, the issuer object), the rest made here.
    pub(crate) fn members(&self) -> Vec<(&'static str, Cow<'_, Value>)> {
        let strings = |items: [&str; 3]| Cow::Owned(Value::Array(items.map(Value::from).into()));
        let fixed = Fixed::of(self.record);
        let mut vc = Vec::with_capacity(12);
        vc.push((
            "@context",
            fixed.map_or_else(|| strings(Self::context()), |f| Cow::Borrowed(&f.context)),
        ));
        vc.push(("id", Cow::Owned(self.id.as_str().into())));
        vc.push((
            "type",
            fixed.map_or_else(|| strings(self.types()), |f| Cow::Borrowed(&f.types)),
        ));
        vc.push(("issuer", Cow::Borrowed(self.issuer)));
        vc.push(("validFrom", Cow::Owned(self.valid_from.as_str().into())));
        if let Some(until) = &self.valid_until {
            vc.push(("validUntil", Cow::Owned(until.as_str().into())));
        }
        vc.push(("name", Cow::Borrowed(&self.name)));
        if let Some(awarded) = self.awarded {
            vc.push(("awardedDate", Cow::Borrowed(awarded)));
        }
        vc.push(("credentialSubject", Cow::Borrowed(self.subject_value)));
        vc.push((
            "credentialSchema",
            fixed.map_or_else(
                || Cow::Owned(schemas_value(self.schemas())),
                |f| Cow::Borrowed(&f.schemas),
            ),
        ));
        match self.status.as_slice() {
            [] => {}
            [only] => vc.push(("credentialStatus", Cow::Borrowed(only))),
            all => vc.push(("credentialStatus", Cow::Owned(Value::Array(all.to_vec())))),
        }
        vc
    }

    /// The credential as a JSON object, in the order it is serialized (the subject copied).
    pub(crate) fn into_map(self) -> Map<String, Value> {
        self.members()
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value.into_owned()))
            .collect()
    }

    /// [`Self::into_map`] with `null` in place of the subject, copying none of it: the caller
    /// who owns the subject puts it there.
    pub(crate) fn into_map_without_subject(self) -> Map<String, Value> {
        self.members()
            .into_iter()
            .map(|(name, value)| {
                let value = if name == "credentialSubject" {
                    Value::Null
                } else {
                    value.into_owned()
                };
                (name.to_owned(), value)
            })
            .collect()
    }

    /// The credential with `extra` claims after it (`cnf` for `vc+jwt`), as compact JSON
    /// bytes: what `serde_json` writes for [`Self::members`] (tested), with strings that need
    /// no escaping copied in one piece.
    pub(crate) fn to_json_with(&self, extra: &[(&str, &Value)]) -> Result<Vec<u8>, IssueError> {
        use passeport_core::json::{
            write_compact as value, write_compact_member as member, write_compact_str as text,
        };
        let strings = |out: &mut String, items: &[&str]| {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                text(out, item);
            }
            out.push(']');
        };
        let mut out = String::with_capacity(4096);
        let first = &mut true;
        out.push('{');
        member(&mut out, first, "@context");
        strings(&mut out, &Self::context());
        member(&mut out, first, "id");
        text(&mut out, &self.id);
        member(&mut out, first, "type");
        strings(&mut out, &self.types());
        member(&mut out, first, "issuer");
        value(&mut out, self.issuer);
        member(&mut out, first, "validFrom");
        text(&mut out, &self.valid_from);
        if let Some(until) = &self.valid_until {
            member(&mut out, first, "validUntil");
            text(&mut out, until);
        }
        member(&mut out, first, "name");
        value(&mut out, &self.name);
        if let Some(awarded) = self.awarded {
            member(&mut out, first, "awardedDate");
            value(&mut out, awarded);
        }
        member(&mut out, first, "credentialSubject");
        passeport_core::json::write_compact_object(&mut out, self.subject);
        member(&mut out, first, "credentialSchema");
        out.push('[');
        for (i, schema) in self.schemas().iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let first = &mut true;
            out.push('{');
            member(&mut out, first, "id");
            text(&mut out, &schema.id);
            member(&mut out, first, "type");
            text(&mut out, schema.kind);
            out.push('}');
        }
        out.push(']');
        match self.status() {
            None => {}
            Some(StatusRef::One(entry)) => {
                member(&mut out, first, "credentialStatus");
                value(&mut out, entry);
            }
            Some(StatusRef::All(entries)) => {
                member(&mut out, first, "credentialStatus");
                out.push('[');
                for (i, entry) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    value(&mut out, entry);
                }
                out.push(']');
            }
        }
        for (name, extra) in extra {
            member(&mut out, first, name);
            value(&mut out, extra);
        }
        out.push('}');
        Ok(out.into_bytes())
    }
}

/// The `credentialStatus` of a credential: one entry, or several.
enum StatusRef<'a> {
    One(&'a Value),
    All(&'a [Value]),
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use passeport_core::keys::{KeyAlgorithm, SecretKey};
    use passeport_core::model::StatusEntry;
    use std::path::PathBuf;
    use std::sync::Arc;

    fn entry(purpose: &str) -> StatusEntry {
        StatusEntry {
            id: Some(format!("https://issuer.example/status/{purpose}#7")),
            type_: "BitstringStatusListEntry".into(),
            status_purpose: purpose.into(),
            status_list_index: "7".into(),
            status_list_credential: format!("https://issuer.example/status/{purpose}"),
        }
    }

    /// Credential ids are RFC 9562 version 4 UUIDs (variant 10), never twice the same.
    #[test]
    fn credential_ids_are_random_version_4_uuids() {
        let ids: std::collections::HashSet<uuid::Uuid> = (0..1000).map(|_| random_uuid()).collect();
        assert_eq!(ids.len(), 1000);
        for id in ids {
            assert_eq!(id.get_version(), Some(uuid::Version::Random));
            assert_eq!(id.get_variant(), uuid::Variant::RFC4122);
        }
    }

    /// `vc+jwt` serializes the borrowed envelope; the other formats rewrite its map: both must
    /// be the same credential, byte for byte, for every sample and status shape.
    #[test]
    fn serialized_envelope_and_its_map_are_the_same_bytes() {
        let key = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
        let mut profile = Map::new();
        profile.insert("name".into(), "Université de Lyon".into());
        let issuer = Issuer::new(Arc::new(key), "https://issuer.example")
            .unwrap()
            .with_profile(profile);
        let samples =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/domain/samples");
        let index: Value =
            serde_json::from_slice(&std::fs::read(samples.join("index.json")).unwrap()).unwrap();
        let records = index["records"].as_array().unwrap();
        assert_eq!(records.len(), 19);
        for record in records {
            let file = record["subjectFile"].as_str().unwrap();
            let subject: Value =
                serde_json::from_slice(&std::fs::read(samples.join(file)).unwrap()).unwrap();
            let record_type: RecordType = record["cliType"].as_str().unwrap().parse().unwrap();
            let mut request = IssueRequest::new(record_type, subject);
            request.valid_until = Some(2_000_000_000);
            for statuses in 0..3 {
                request.status.bitstring = (statuses > 0).then(|| entry("revocation"));
                request.status.bitstring_suspension = (statuses > 1).then(|| entry("suspension"));
                let envelope = Envelope::build(&issuer, &request, 1_767_225_600).unwrap();
                let bytes = envelope.to_json_with(&[]).unwrap();
                let members: Map<String, Value> = envelope
                    .members()
                    .into_iter()
                    .map(|(name, value)| (name.to_owned(), value.into_owned()))
                    .collect();
                assert_eq!(bytes, serde_json::to_vec(&members).unwrap(), "{file}");
                let map = envelope.into_map();
                assert_eq!(bytes, serde_json::to_vec(&map).unwrap(), "{file}");
                assert_eq!(map["credentialSubject"], request.subject, "{file}");
                assert_eq!(map["issuer"]["type"], serde_json::json!(["Profile"]));
                match statuses {
                    0 => assert!(!map.contains_key("credentialStatus")),
                    1 => assert_eq!(map["credentialStatus"]["statusPurpose"], "revocation"),
                    _ => assert_eq!(map["credentialStatus"][1]["statusPurpose"], "suspension"),
                }
            }
        }
    }
}
