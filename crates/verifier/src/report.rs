//! The verification report: per credential, per check, ok or not with a reason a person can read.

use serde::Serialize;
use serde_json::Value;
use std::borrow::Cow;

/// Names of the checks, as they appear in reports.
pub mod check {
    /// The artefact parses (structure, encoding, disclosures).
    pub const FORMAT: &str = "format";
    /// The issuer's signature (or proof) verifies.
    pub const SIGNATURE: &str = "signature";
    /// Where the issuer's key came from.
    pub const ISSUER_KEY: &str = "issuer_key";
    /// The issuer is trusted for this record type.
    pub const TRUST: &str = "trust";
    /// Validity window.
    pub const VALIDITY: &str = "validity";
    /// Revocation / suspension status.
    pub const STATUS: &str = "status";
    /// Holder binding: key binding JWT or presentation signature, audience, nonce, freshness.
    pub const HOLDER_BINDING: &str = "holder_binding";
    /// The disclosed claims fit the record type's schema.
    pub const SCHEMA: &str = "schema";
}

/// One check's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Which check ([`check`]).
    pub check: Cow<'static, str>,
    /// Whether it passed.
    pub ok: bool,
    /// Why, in words.
    pub detail: Cow<'static, str>,
}

impl Check {
    /// A passed check (`check` is one of the [`check`] names; a fixed `detail` is not copied).
    pub fn pass(check: &'static str, detail: impl Into<Cow<'static, str>>) -> Self {
        Self {
            check: Cow::Borrowed(check),
            ok: true,
            detail: detail.into(),
        }
    }

    /// A failed check.
    pub fn fail(check: &'static str, detail: impl Into<Cow<'static, str>>) -> Self {
        Self {
            check: Cow::Borrowed(check),
            ok: false,
            detail: detail.into(),
        }
    }
}

/// The verdict on one credential, for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every check passed.
    Verified,
    /// Revoked by its issuer.
    Revoked,
    /// Suspended by its issuer.
    Suspended,
    /// Outside its validity window.
    Expired,
    /// The issuer is not trusted for this record type.
    Untrusted,
    /// Signature or structure broken: altered after signing, or forged.
    Tampered,
    /// Presented to another verifier, replayed, or not by its holder.
    NotBound,
    /// Something else failed (see the checks).
    Invalid,
}

/// The report on one credential.
#[derive(Debug, Clone, Serialize)]
pub struct CredentialReport {
    /// `vc+sd-jwt`, `dc+sd-jwt`, `vc+jwt`, `di-eddsa-rdfc-2022`, …
    pub format: String,
    /// Issuer id.
    pub issuer: String,
    /// Issuer display name, when the credential gives one.
    #[serde(rename = "issuerName", skip_serializing_if = "Option::is_none")]
    pub issuer_name: Option<String>,
    /// Credential types (or `vct`).
    pub types: Vec<String>,
    /// The passport record type, when it is one.
    #[serde(rename = "recordType", skip_serializing_if = "Option::is_none")]
    pub record_type: Option<String>,
    /// The claims the verifier can see (the subject's disclosed claims).
    pub disclosed: Value,
    /// Every check, in order.
    pub checks: Vec<Check>,
    /// The verdict.
    pub verdict: Verdict,
    /// Every verified claim (the processed payload or the credential JSON), for a holder
    /// importing its own credential or a verifier that needs the envelope too: set by
    /// [`crate::Verifier::verify_issued`] and [`crate::Verifier::verify_keeping_claims`] only
    /// (the other calls leave it `None`, with no copy made). Not part of the report's JSON: a
    /// verifier sees `disclosed`.
    #[serde(skip)]
    pub verified_claims: Option<serde_json::Map<String, Value>>,
}

impl CredentialReport {
    pub(crate) fn new(format: &str) -> Self {
        Self {
            format: format.to_owned(),
            issuer: String::new(),
            issuer_name: None,
            types: Vec::new(),
            record_type: None,
            disclosed: Value::Object(serde_json::Map::new()),
            checks: Vec::new(),
            verdict: Verdict::Invalid,
            verified_claims: None,
        }
    }

    /// Whether every check passed (and there was at least one).
    pub fn is_valid(&self) -> bool {
        !self.checks.is_empty() && self.checks.iter().all(|c| c.ok)
    }

    pub(crate) fn push(&mut self, check: Check) {
        self.checks.push(check);
    }

    pub(crate) fn failed(&self, name: &str) -> bool {
        self.checks.iter().any(|c| c.check == name && !c.ok)
    }

    pub(crate) fn finish(&mut self) {
        self.verdict = if self.is_valid() {
            Verdict::Verified
        } else if self.failed(check::FORMAT) || self.failed(check::SIGNATURE) {
            Verdict::Tampered
        } else if let Some(status) = self
            .checks
            .iter()
            .find(|c| c.check == check::STATUS && !c.ok)
        {
            if status.detail.contains("suspended") {
                Verdict::Suspended
            } else if status.detail.contains("revoked") {
                Verdict::Revoked
            } else {
                Verdict::Invalid
            }
        } else if self.failed(check::VALIDITY) {
            Verdict::Expired
        } else if self.failed(check::TRUST) || self.failed(check::ISSUER_KEY) {
            Verdict::Untrusted
        } else if self.failed(check::HOLDER_BINDING) {
            Verdict::NotBound
        } else {
            Verdict::Invalid
        };
    }
}

/// The whole report (the JSON shape of `passeport verify`).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// True only if every credential's every check ran and passed, and nothing else failed.
    pub valid: bool,
    /// Failures that are not about one credential (unreadable input, presentation envelope).
    pub errors: Vec<String>,
    /// One entry per credential.
    pub credentials: Vec<CredentialReport>,
}

impl Report {
    pub(crate) fn from_parts(errors: Vec<String>, mut credentials: Vec<CredentialReport>) -> Self {
        for c in &mut credentials {
            c.finish();
        }
        let valid = errors.is_empty()
            && !credentials.is_empty()
            && credentials.iter().all(CredentialReport::is_valid);
        Self {
            valid,
            errors,
            credentials,
        }
    }

    /// A report for input that is not a credential at all.
    pub fn unreadable(reason: impl Into<String>) -> Self {
        Self {
            valid: false,
            errors: vec![reason.into()],
            credentials: Vec::new(),
        }
    }

    /// A one-line human summary.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        out.push_str(if self.valid { "VALID" } else { "INVALID" });
        for e in &self.errors {
            out.push_str(&format!("\n  error: {e}"));
        }
        for c in &self.credentials {
            out.push_str(&format!(
                "\n  {} from {} ({}): {:?}",
                c.record_type
                    .as_deref()
                    .unwrap_or(c.types.last().map_or("credential", String::as_str)),
                c.issuer_name.as_deref().unwrap_or(&c.issuer),
                c.format,
                c.verdict
            ));
            for check in c.checks.iter().filter(|c| !c.ok) {
                out.push_str(&format!("\n    ✗ {}: {}", check.check, check.detail));
            }
        }
        out
    }
}
