use super::SchemaError;
use serde_json::Value;
use std::collections::HashMap;

/// How a claim may be disclosed (the values of SD-JWT VC type metadata `sd`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SdMode {
    /// Always visible: never a disclosure.
    Never,
    /// Always selectively disclosable.
    Always,
    /// The issuer's choice. Passport issuers choose to make it disclosable (holder privacy).
    Allowed,
}

impl SdMode {
    fn parse(text: &str) -> Option<Self> {
        match text {
            "never" => Some(Self::Never),
            "always" => Some(Self::Always),
            "allowed" => Some(Self::Allowed),
            _ => None,
        }
    }

    /// Whether the claim becomes a disclosure when we issue.
    pub fn is_disclosable(self) -> bool {
        !matches!(self, Self::Never)
    }

    /// The type-metadata spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Never => "never",
            Self::Always => "always",
            Self::Allowed => "allowed",
        }
    }
}

/// One step of a claim path: an object member, or any element of an array.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathSegment {
    /// Object member.
    Key(String),
    /// Every element of an array (`null` in type-metadata paths).
    AnyIndex,
}

/// One rule: the claim at `path` (relative to the subject; envelope rules relative to the
/// credential) has `mode`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdRule {
    /// Path of the claim.
    pub path: Vec<PathSegment>,
    /// Its policy.
    pub mode: SdMode,
}

/// The selective-disclosure policy of one record type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SdPolicy {
    subject: Vec<SdRule>,
    envelope: Vec<SdRule>,
}

impl SdPolicy {
    /// Rules for subject claims (paths relative to `credentialSubject`).
    pub fn subject_rules(&self) -> &[SdRule] {
        &self.subject
    }

    /// Rules for credential envelope members (`awardedDate`, `evidence`…).
    pub fn envelope_rules(&self) -> &[SdRule] {
        &self.envelope
    }

    /// The mode of a subject claim; `None` when the schema says nothing (treat as never).
    pub fn subject_mode(&self, path: &[PathSegment]) -> Option<SdMode> {
        find(&self.subject, path)
    }

    /// The mode of an envelope member.
    pub fn envelope_mode(&self, path: &[PathSegment]) -> Option<SdMode> {
        find(&self.envelope, path)
    }

    /// The mode of the top-level subject claim `name` (`subject_mode(&[Key(name)])`, without
    /// building the path).
    pub fn subject_member_mode(&self, name: &str) -> Option<SdMode> {
        self.subject
            .iter()
            .find(|r| matches!(r.path.as_slice(), [PathSegment::Key(key)] if key == name))
            .map(|r| r.mode)
    }
}

fn find(rules: &[SdRule], path: &[PathSegment]) -> Option<SdMode> {
    rules.iter().find(|r| r.path == path).map(|r| r.mode)
}

impl SdPolicy {
    /// The mode of the subject claim at a concrete claim path (array indexes match any index),
    /// without building a policy path.
    pub fn subject_mode_at(&self, path: &[crate::sd_jwt::ClaimPathSegment]) -> Option<SdMode> {
        find_concrete(&self.subject, path)
    }

    /// The mode of the envelope member at a concrete claim path.
    pub fn envelope_mode_at(&self, path: &[crate::sd_jwt::ClaimPathSegment]) -> Option<SdMode> {
        find_concrete(&self.envelope, path)
    }
}

fn find_concrete(rules: &[SdRule], path: &[crate::sd_jwt::ClaimPathSegment]) -> Option<SdMode> {
    use crate::sd_jwt::ClaimPathSegment as Concrete;
    // Compared from the last segment: rules share their first segments, not their last.
    let matches = |rule: &[PathSegment]| {
        rule.len() == path.len()
            && rule
                .iter()
                .rev()
                .zip(path.iter().rev())
                .all(|pair| match pair {
                    (PathSegment::Key(a), Concrete::Key(b)) => a == b,
                    (PathSegment::AnyIndex, Concrete::Index(_)) => true,
                    _ => false,
                })
    };
    rules.iter().find(|r| matches(&r.path)).map(|r| r.mode)
}

type Docs<'a> = HashMap<&'a str, &'a Value>;

/// Resolves a `$ref` relative to the document `base` (ids of our schema set only).
fn resolve<'a>(docs: &Docs<'a>, base: &str, reference: &str) -> Option<(String, &'a Value)> {
    let (doc_part, fragment) = reference.split_once('#').unwrap_or((reference, ""));
    let doc_id = if doc_part.is_empty() {
        base.to_owned()
    } else if doc_part.starts_with("https://") {
        doc_part.to_owned()
    } else {
        let dir = base.rsplit_once('/').map_or("", |(d, _)| d);
        format!("{dir}/{doc_part}")
    };
    let mut node = *docs.get(doc_id.as_str())?;
    for token in fragment.split('/').filter(|t| !t.is_empty()) {
        node = node.get(token.replace("~1", "/").replace("~0", "~"))?;
    }
    Some((doc_id, node))
}

struct Walker<'a, 'd> {
    docs: &'d Docs<'a>,
    rules: Vec<SdRule>,
}

impl Walker<'_, '_> {
    /// Collects the rules found under `schema` (a schema for the value at `path`).
    fn walk(&mut self, base: &str, schema: &Value, path: &[PathSegment], depth: usize) {
        if depth > 12 || path.len() > 6 {
            return;
        }
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            if let Some((doc, target)) = resolve(self.docs, base, reference) {
                self.walk(&doc, target, path, depth + 1);
            }
        }
        for combinator in ["allOf", "anyOf", "oneOf"] {
            if let Some(Value::Array(parts)) = schema.get(combinator) {
                for part in parts {
                    self.walk(base, part, path, depth + 1);
                }
            }
        }
        if let Some(Value::Object(props)) = schema.get("properties") {
            for (name, prop) in props {
                let mut here = path.to_vec();
                here.push(PathSegment::Key(name.clone()));
                if let Some(mode) = prop
                    .get("x-sd")
                    .and_then(Value::as_str)
                    .and_then(SdMode::parse)
                {
                    self.push(here.clone(), mode);
                }
                if let Some(mode) = prop
                    .get("x-sd-items")
                    .and_then(Value::as_str)
                    .and_then(SdMode::parse)
                {
                    let mut items = here.clone();
                    items.push(PathSegment::AnyIndex);
                    self.push(items, mode);
                }
                self.walk(base, prop, &here, depth + 1);
            }
        }
        if let Some(items) = schema.get("items") {
            let mut here = path.to_vec();
            here.push(PathSegment::AnyIndex);
            self.walk(base, items, &here, depth + 1);
        }
    }

    fn push(&mut self, path: Vec<PathSegment>, mode: SdMode) {
        if !self.rules.iter().any(|r| r.path == path) {
            self.rules.push(SdRule { path, mode });
        }
    }
}

pub(super) fn extract(docs: &Docs<'_>, schema_id: &str) -> Result<SdPolicy, SchemaError> {
    let missing = || SchemaError::Internal(format!("{schema_id}: no credentialSubject definition"));
    let (_, subject) = resolve(docs, schema_id, "#/$defs/credentialSubject").ok_or_else(missing)?;
    let mut walker = Walker {
        docs,
        rules: Vec::new(),
    };
    walker.walk(schema_id, subject, &[], 0);
    let subject_rules = walker.rules;
    let (common_id, envelope) = resolve(
        docs,
        schema_id,
        "common.schema.json#/$defs/CredentialEnvelope",
    )
    .ok_or_else(missing)?;
    let mut walker = Walker {
        docs,
        rules: Vec::new(),
    };
    // Only the envelope's own members: the subject is covered above.
    if let Some(Value::Object(props)) = envelope.get("properties") {
        for (name, prop) in props {
            if let Some(mode) = prop
                .get("x-sd")
                .and_then(Value::as_str)
                .and_then(SdMode::parse)
            {
                walker.push(vec![PathSegment::Key(name.clone())], mode);
            }
        }
    }
    let _ = common_id;
    Ok(SdPolicy {
        subject: subject_rules,
        envelope: walker.rules,
    })
}
