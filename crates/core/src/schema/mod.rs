//! JSON Schema validation of passport records, and their selective-disclosure policy.
//!
//! The schemas of `shared/domain/schemas/` are embedded and compiled once (offline: no reference
//! is ever fetched). Subjects are validated against `<type>.schema.json#/$defs/credentialSubject`;
//! errors name the failing field by JSON pointer. The `x-sd` annotations (`never`, `always`,
//! `allowed`) are read from the same schemas into an [`SdPolicy`], so the policy is never re-typed.

mod policy;

pub use policy::{PathSegment, SdMode, SdPolicy, SdRule};

use crate::model::RecordType;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::OnceLock;

/// The `$id` of the shared definitions.
pub const COMMON_SCHEMA_ID: &str = "https://passeport.example/schemas/v1/common.schema.json";

const COMMON: &str = include_str!("../../assets/schemas/common.schema.json");

fn schema_text(record: RecordType) -> &'static str {
    match record {
        RecordType::Diploma => include_str!("../../assets/schemas/diploma.schema.json"),
        RecordType::ProfessionalCertification => {
            include_str!("../../assets/schemas/professional-certification.schema.json")
        }
        RecordType::TrainingAction => {
            include_str!("../../assets/schemas/training-action.schema.json")
        }
        RecordType::EmploymentRecord => {
            include_str!("../../assets/schemas/employment-record.schema.json")
        }
        RecordType::Internship => include_str!("../../assets/schemas/internship.schema.json"),
        RecordType::Habilitation => include_str!("../../assets/schemas/habilitation.schema.json"),
    }
}

/// The SD-JWT VC type metadata published at the type's `vct` URL.
pub fn type_metadata(record: RecordType) -> &'static str {
    match record {
        RecordType::Diploma => include_str!("../../assets/type-metadata/diploma.json"),
        RecordType::ProfessionalCertification => {
            include_str!("../../assets/type-metadata/professional-certification.json")
        }
        RecordType::TrainingAction => {
            include_str!("../../assets/type-metadata/training-action.json")
        }
        RecordType::EmploymentRecord => {
            include_str!("../../assets/type-metadata/employment-record.json")
        }
        RecordType::Internship => include_str!("../../assets/type-metadata/internship.json"),
        RecordType::Habilitation => include_str!("../../assets/type-metadata/habilitation.json"),
    }
}

/// The JSON Schema document of a record type (for serving at its `$id`).
pub fn schema_document(record: RecordType) -> &'static str {
    schema_text(record)
}

/// The shared definitions document.
pub fn common_schema_document() -> &'static str {
    COMMON
}

/// Fields that must never be in a passport record, whatever the schema says.
pub const FORBIDDEN_FIELDS: [&str; 9] = [
    "birthDate",
    "dateOfBirth",
    "birthdate",
    "nationalId",
    "nationalIdentityNumber",
    "nir",
    "NIR",
    "salary",
    "gratification",
];

/// Why a record does not fit its schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SchemaError {
    /// The data violates the schema at `pointer`.
    #[error("field `{pointer}`: {message}")]
    Invalid {
        /// JSON pointer of the failing field (`/achievement/name`; empty for the root).
        pointer: String,
        /// What is wrong.
        message: String,
    },
    /// A field that never belongs in a passport record (birth date, national id, salary…).
    #[error("field `{pointer}` is never allowed in a passport record (personal data that no record may carry)")]
    Forbidden {
        /// JSON pointer of the field.
        pointer: String,
    },
    /// The embedded schemas failed to compile (a build defect, not a user error).
    #[error("schema set failed to load: {0}")]
    Internal(String),
}

impl SchemaError {
    /// The JSON pointer of the failing field, if any.
    pub fn pointer(&self) -> Option<&str> {
        match self {
            Self::Invalid { pointer, .. } | Self::Forbidden { pointer } => Some(pointer),
            Self::Internal(_) => None,
        }
    }
}

struct Compiled {
    subject: HashMap<RecordType, jsonschema::Validator>,
    credential: HashMap<RecordType, jsonschema::Validator>,
    policies: HashMap<RecordType, SdPolicy>,
}

fn compiled() -> Result<&'static Compiled, SchemaError> {
    static COMPILED: OnceLock<Result<Compiled, SchemaError>> = OnceLock::new();
    COMPILED.get_or_init(compile).as_ref().map_err(Clone::clone)
}

fn parse(text: &str) -> Result<Value, SchemaError> {
    serde_json::from_str(text).map_err(|e| SchemaError::Internal(e.to_string()))
}

fn compile() -> Result<Compiled, SchemaError> {
    let internal = |e: &dyn std::fmt::Display| SchemaError::Internal(e.to_string());
    let common = parse(COMMON)?;
    let mut documents = vec![(COMMON_SCHEMA_ID.to_owned(), common.clone())];
    for record in RecordType::ALL {
        documents.push((record.schema_id(), parse(schema_text(record))?));
    }
    let mut builder = jsonschema::Registry::new();
    for (id, doc) in &documents {
        builder = builder
            .add(
                id.as_str(),
                jsonschema::Resource::from_contents(doc.clone()),
            )
            .map_err(|e| internal(&e))?;
    }
    let registry = builder.prepare().map_err(|e| internal(&e))?;
    let build = |reference: String| {
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .with_registry(&registry)
            .build(&serde_json::json!({ "$ref": reference }))
            .map_err(|e| internal(&e))
    };
    let mut subject = HashMap::new();
    let mut credential = HashMap::new();
    let mut policies = HashMap::new();
    let by_id: HashMap<&str, &Value> = documents.iter().map(|(id, d)| (id.as_str(), d)).collect();
    for record in RecordType::ALL {
        let id = record.schema_id();
        subject.insert(record, build(format!("{id}#/$defs/credentialSubject"))?);
        credential.insert(record, build(id.clone())?);
        policies.insert(record, policy::extract(&by_id, &id)?);
    }
    Ok(Compiled {
        subject,
        credential,
        policies,
    })
}

/// The deepest error `validator` reports on `instance` among those `keep` accepts: the deepest
/// names the field, where `unevaluatedProperties` at the root would only say "something extra".
fn first_error(
    validator: &jsonschema::Validator,
    instance: &Value,
    keep: &dyn Fn(&jsonschema::ValidationError<'_>) -> bool,
) -> Result<(), SchemaError> {
    if let Some(pointer) = forbidden_field(instance) {
        return Err(SchemaError::Forbidden { pointer });
    }
    // The common case, valid, without building any error.
    if validator.is_valid(instance) {
        return Ok(());
    }
    let best = validator
        .iter_errors(instance)
        .filter(|e| keep(e))
        .max_by_key(|e| e.instance_path().as_str().matches('/').count());
    match best {
        None => Ok(()),
        Some(error) => Err(SchemaError::Invalid {
            pointer: error.instance_path().as_str().to_owned(),
            message: error.to_string(),
        }),
    }
}

fn subject_validator(record: RecordType) -> Result<&'static jsonschema::Validator, SchemaError> {
    compiled()?
        .subject
        .get(&record)
        .ok_or_else(|| SchemaError::Internal(format!("no schema for {record}")))
}

/// Whether `name` is one of [`FORBIDDEN_FIELDS`]: a `match`, which compiles to a dispatch on
/// the length and first bytes rather than nine comparisons per member name.
fn is_forbidden(name: &str) -> bool {
    let forbidden = matches!(
        name,
        "birthDate"
            | "dateOfBirth"
            | "birthdate"
            | "nationalId"
            | "nationalIdentityNumber"
            | "nir"
            | "NIR"
            | "salary"
            | "gratification"
    );
    debug_assert_eq!(forbidden, FORBIDDEN_FIELDS.contains(&name));
    forbidden
}

/// The JSON pointer of the first forbidden member name, at any depth. The common case, none,
/// is a plain scan; the path is followed only once one is known to be there.
fn forbidden_field(value: &Value) -> Option<String> {
    fn any(value: &Value, depth: usize) -> bool {
        if depth > crate::json::MAX_DEPTH {
            return false;
        }
        match value {
            Value::Object(map) => map
                .iter()
                .any(|(k, v)| is_forbidden(k) || any(v, depth + 1)),
            Value::Array(items) => items.iter().any(|v| any(v, depth + 1)),
            _ => false,
        }
    }
    if !any(value, 0) {
        return None;
    }
    // Found: follow the first branch that holds one, writing the pointer on the way down.
    let mut pointer = String::new();
    let mut node = value;
    let mut depth = 0;
    loop {
        depth += 1;
        match node {
            Value::Object(map) => {
                let (k, v) = map.iter().find(|(k, v)| is_forbidden(k) || any(v, depth))?;
                pointer.push('/');
                pointer.push_str(&k.replace('~', "~0").replace('/', "~1"));
                if is_forbidden(k) {
                    return Some(pointer);
                }
                node = v;
            }
            Value::Array(items) => {
                let (i, v) = items.iter().enumerate().find(|(_, v)| any(v, depth))?;
                pointer.push('/');
                pointer.push_str(&i.to_string());
                node = v;
            }
            _ => return None,
        }
    }
}

/// Validates subject data (`credentialSubject`) against its record type's schema.
pub fn validate_subject(record: RecordType, subject: &Value) -> Result<(), SchemaError> {
    first_error(subject_validator(record)?, subject, &|_| true)
}

/// Validates a whole (unsigned) credential against its record type's schema.
pub fn validate_credential(record: RecordType, credential: &Value) -> Result<(), SchemaError> {
    let compiled = compiled()?;
    let validator = compiled
        .credential
        .get(&record)
        .ok_or_else(|| SchemaError::Internal(format!("no schema for {record}")))?;
    first_error(validator, credential, &|_| true)
}

/// Validates the claims a holder disclosed: every disclosed claim must fit the schema, but claims
/// the holder kept hidden may be missing. A `required`, `minItems` or `contains` failure is
/// excused only where the policy lets the missing claim (or the array's elements) be a
/// disclosure, and an `anyOf` failure only when one of its alternatives fails for such reasons
/// alone: a claim that is never a disclosure was never issued if it is missing, and a disclosed
/// value outside an `anyOf`'s alternatives (an unknown `identityType`, a misspelt `type`) is
/// wrong whatever was hidden.
pub fn validate_disclosed_subject(record: RecordType, subject: &Value) -> Result<(), SchemaError> {
    use jsonschema::error::ValidationErrorKind as Kind;
    let validator = subject_validator(record)?;
    // Root-level `unevaluatedProperties` is reported by name here: the schema's own report is
    // confused by the hidden claims (a failed `anyOf` marks every property unevaluated).
    let policy = sd_policy(record)?;
    if let Some(map) = subject.as_object() {
        if let Some(unknown) = map.keys().find(|k| policy.subject_member_mode(k).is_none()) {
            return Err(SchemaError::Invalid {
                pointer: format!("/{unknown}"),
                message: format!("`{unknown}` is not a claim of the {record} schema"),
            });
        }
    }
    first_error(validator, subject, &|e| {
        let root_unevaluated = matches!(e.kind(), Kind::UnevaluatedProperties { .. })
            && e.instance_path().as_str().is_empty();
        !root_unevaluated && !hidden_claims_explain(e, subject, policy)
    })
}

/// Whether claims the holder may have hidden explain `error` (see
/// [`validate_disclosed_subject`]).
fn hidden_claims_explain(
    error: &jsonschema::ValidationError<'_>,
    subject: &Value,
    policy: &SdPolicy,
) -> bool {
    use jsonschema::error::ValidationErrorKind as Kind;
    let disclosable = |mut path: Vec<PathSegment>, last: PathSegment| {
        path.push(last);
        policy
            .subject_mode(&path)
            .is_some_and(SdMode::is_disclosable)
    };
    let at = || policy_path(subject, error.instance_path().as_str());
    match error.kind() {
        Kind::Required { property } => match (property.as_str(), at()) {
            (Some(name), Some(path)) => disclosable(path, PathSegment::Key(name.to_owned())),
            _ => false,
        },
        Kind::MinItems { .. } | Kind::Contains => {
            at().is_some_and(|path| disclosable(path, PathSegment::AnyIndex))
        }
        Kind::AnyOf { context } | Kind::OneOfNotValid { context } => context.iter().any(|branch| {
            branch
                .iter()
                .all(|e| hidden_claims_explain(e, subject, policy))
        }),
        _ => false,
    }
}

/// The policy path (array indexes as [`PathSegment::AnyIndex`]) of the value at the JSON
/// pointer `pointer` in `subject`; `None` if no value is there.
fn policy_path(subject: &Value, pointer: &str) -> Option<Vec<PathSegment>> {
    let mut path = Vec::new();
    let mut here = subject;
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        here = match here {
            Value::Array(items) => {
                path.push(PathSegment::AnyIndex);
                items.get(token.parse::<usize>().ok()?)?
            }
            Value::Object(map) => {
                let next = map.get(&token)?;
                path.push(PathSegment::Key(token));
                next
            }
            _ => return None,
        };
    }
    Some(path)
}

/// The selective-disclosure policy of a record type, read from the schema's `x-sd` annotations.
pub fn sd_policy(record: RecordType) -> Result<&'static SdPolicy, SchemaError> {
    compiled()?
        .policies
        .get(&record)
        .ok_or_else(|| SchemaError::Internal(format!("no policy for {record}")))
}

#[cfg(test)]
mod tests;
