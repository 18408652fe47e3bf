//! Import: the verifier checks a credential, the wallet keeps what it learnt.
//!
//! The wallet does not verify credentials itself: an [`ImportVerifier`] does (the verifier
//! crate's pipeline, wired by the app or the CLI), so there is one copy of the checks. The
//! wallet then reads the verified claims into a [`CredentialRecord`].

use crate::records::{CredentialFormat, CredentialRecord};
use crate::WalletError;
use passeport_core::model::RecordType;
use passeport_core::sd_jwt::{ClaimPathSegment, UnverifiedSdJwt};
use serde_json::{Map, Value};

/// Largest credential accepted for import (1 MiB).
pub const MAX_CREDENTIAL_BYTES: usize = 1 << 20;

/// A credential the verifier accepted: its format and every claim it carries (for SD-JWT,
/// the payload with all disclosures applied; for the VCDM forms, the credential JSON).
#[derive(Debug, Clone)]
pub struct VerifiedForImport {
    /// The claims, as verified.
    pub claims: Map<String, Value>,
}

/// Why the verifier refused a credential: every failed check, in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", reasons.join("; "))]
pub struct ImportRejected {
    /// Each failed check.
    pub reasons: Vec<String>,
}

impl ImportRejected {
    /// A rejection with one reason.
    pub fn because(reason: impl Into<String>) -> Self {
        Self {
            reasons: vec![reason.into()],
        }
    }
}

/// Verifies a credential as issued (signature, trust, validity, status) before the wallet
/// stores it. Implemented over the verifier crate's pipeline; tests may plug a stub.
pub trait ImportVerifier {
    /// Checks `credential` (compact JOSE / SD-JWT string, or Data Integrity JSON).
    fn verify_for_import(&self, credential: &str) -> Result<VerifiedForImport, ImportRejected>;
}

/// The verifier crate's pipeline, checking a credential as issued (signature, issuer key,
/// trust for its record type, validity, status, schema): every check must pass.
impl ImportVerifier for passeport_verifier::Verifier {
    fn verify_for_import(&self, credential: &str) -> Result<VerifiedForImport, ImportRejected> {
        PipelineImport {
            verifier: self,
            issuer_trust: IssuerTrust::TrustList,
        }
        .verify_for_import(credential)
    }
}

/// What the wallet asks of a credential's issuer at import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum IssuerTrust {
    /// The issuer must be in the verifier's trust list for the record type.
    #[default]
    TrustList,
    /// Any issuer whose key the verifier resolved (from its DID or a given key) and whose
    /// signature, validity, status and schema checks pass; only the `trust` check may fail.
    /// A holder keeps what its issuers gave it; whom to trust is the employer's decision.
    AuthenticOnly,
}

/// The verifier crate's pipeline with an [`IssuerTrust`] policy.
#[derive(Debug)]
pub struct PipelineImport<'a> {
    /// The verifier.
    pub verifier: &'a passeport_verifier::Verifier,
    /// What is asked of the issuer.
    pub issuer_trust: IssuerTrust,
}

impl ImportVerifier for PipelineImport<'_> {
    fn verify_for_import(&self, credential: &str) -> Result<VerifiedForImport, ImportRejected> {
        use passeport_verifier::report::check;
        let report = match self.verifier.verify_issued(credential) {
            Ok(report) => {
                return match report.verified_claims {
                    Some(claims) => Ok(VerifiedForImport { claims }),
                    None => Err(ImportRejected::because(
                        "the verifier did not hand back the verified claims",
                    )),
                }
            }
            Err(report) => report,
        };
        let mut reasons = report.errors.clone();
        let mut only_trust_failed = report.errors.is_empty() && report.credentials.len() == 1;
        for c in &report.credentials {
            for failed in c.checks.iter().filter(|check| !check.ok) {
                if failed.check != check::TRUST {
                    only_trust_failed = false;
                }
                reasons.push(format!("{}: {}", failed.check, failed.detail));
            }
        }
        if self.issuer_trust == IssuerTrust::AuthenticOnly && only_trust_failed {
            let authentic = report.credentials.first().and_then(|c| {
                let passed = |name: &str| c.checks.iter().any(|k| k.check == name && k.ok);
                (passed(check::SIGNATURE) && passed(check::ISSUER_KEY))
                    .then(|| c.verified_claims.clone())
                    .flatten()
            });
            if let Some(claims) = authentic {
                return Ok(VerifiedForImport { claims });
            }
        }
        if reasons.is_empty() {
            reasons.push(if report.valid {
                "the verifier did not hand back the verified claims (one credential expected)"
                    .into()
            } else {
                report.summary()
            });
        }
        Err(ImportRejected { reasons })
    }
}

/// Names reserved by JWT / SD-JWT VC that are not part of an SD-JWT VC's subject.
const DC_RESERVED: [&str; 11] = [
    "iss",
    "sub",
    "iat",
    "nbf",
    "exp",
    "cnf",
    "vct",
    "vct#integrity",
    "status",
    "jti",
    "_sd_alg",
];

/// Works out the format of a credential from its shape and header (untrusted: only used to
/// pick how to read what the verifier already accepted).
pub(crate) fn detect_format(text: &str) -> Result<CredentialFormat, WalletError> {
    let text = text.trim();
    if text.starts_with('{') {
        return Ok(CredentialFormat::DataIntegrity);
    }
    if text.contains('~') {
        let parsed = UnverifiedSdJwt::parse(text)
            .map_err(|e| WalletError::Rejected(ImportRejected::because(e.to_string())))?;
        return Ok(match parsed.issuer_header().typ() {
            Some("dc+sd-jwt") => CredentialFormat::DcSdJwt,
            _ if is_dc(&parsed) => CredentialFormat::DcSdJwt,
            _ => CredentialFormat::VcSdJwt,
        });
    }
    Ok(CredentialFormat::VcJwt)
}

fn is_dc(parsed: &UnverifiedSdJwt) -> bool {
    parsed
        .insecure_claims()
        .map(|c| c.contains_key("vct") && !c.contains_key("credentialSubject"))
        .unwrap_or(false)
}

/// Builds the stored record from a verified credential.
pub(crate) fn to_record(
    id: String,
    text: &str,
    format: CredentialFormat,
    verified: VerifiedForImport,
    now: i64,
) -> Result<CredentialRecord, WalletError> {
    let claims = verified.claims;
    let (issuer, issuer_name, types, subject, valid_from, valid_until) = match format {
        CredentialFormat::DcSdJwt => {
            let issuer = string(&claims, "iss").unwrap_or_default();
            let types = string(&claims, "vct").into_iter().collect();
            let subject: Map<String, Value> = claims
                .iter()
                .filter(|(k, _)| !DC_RESERVED.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let time = |name: &str| {
                claims
                    .get(name)
                    .and_then(Value::as_i64)
                    .map(passeport_core::clock::format_rfc3339)
            };
            (
                issuer,
                None,
                types,
                Value::Object(subject),
                time("iat"),
                time("exp"),
            )
        }
        _ => {
            let (issuer, issuer_name) = match claims.get("issuer") {
                Some(Value::String(s)) => (s.clone(), None),
                Some(Value::Object(profile)) => (
                    string(profile, "id").unwrap_or_default(),
                    string(profile, "name"),
                ),
                _ => (string(&claims, "iss").unwrap_or_default(), None),
            };
            let types = match claims.get("type") {
                Some(Value::Array(items)) => items
                    .iter()
                    .filter_map(|t| t.as_str().map(str::to_owned))
                    .collect(),
                Some(Value::String(s)) => vec![s.clone()],
                _ => Vec::new(),
            };
            let subject = match claims.get("credentialSubject") {
                Some(Value::Array(items)) => items.first().cloned().unwrap_or(Value::Null),
                Some(other) => other.clone(),
                None => Value::Null,
            };
            (
                issuer,
                issuer_name,
                types,
                subject,
                string(&claims, "validFrom"),
                string(&claims, "validUntil"),
            )
        }
    };
    if !subject.is_object() {
        return Err(WalletError::Rejected(ImportRejected::because(
            "the credential has no subject object",
        )));
    }
    let record_type = RecordType::from_types(types.iter().map(String::as_str));
    let mut disclosable = disclosable_pointers(text, format)?;
    disclosable.retain(|p| subject.pointer(p).is_some());
    Ok(CredentialRecord {
        id,
        format,
        credential: text.trim().to_owned(),
        issuer,
        issuer_name,
        types,
        record_type,
        subject,
        disclosable,
        valid_from,
        valid_until,
        imported_at: now,
    })
}

fn string(map: &Map<String, Value>, key: &str) -> Option<String> {
    map.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// The payload path prefix of the subject in a format.
pub(crate) fn subject_prefix(format: CredentialFormat) -> Vec<ClaimPathSegment> {
    match format {
        CredentialFormat::DcSdJwt => Vec::new(),
        _ => vec![ClaimPathSegment::key("credentialSubject")],
    }
}

/// JSON pointers (into the subject) of the selectively disclosable claims.
fn disclosable_pointers(text: &str, format: CredentialFormat) -> Result<Vec<String>, WalletError> {
    if !format.is_sd_jwt() {
        return Ok(Vec::new());
    }
    let parsed = UnverifiedSdJwt::parse(text)
        .map_err(|e| WalletError::Rejected(ImportRejected::because(e.to_string())))?;
    let paths = parsed
        .disclosable_paths()
        .map_err(|e| WalletError::Rejected(ImportRejected::because(e.to_string())))?;
    let prefix = subject_prefix(format);
    Ok(paths
        .iter()
        .filter_map(|path| {
            let rest = path.segments().strip_prefix(prefix.as_slice())?;
            if rest.is_empty() {
                return None;
            }
            Some(passeport_core::sd_jwt::ClaimPath::from(rest.to_vec()).to_string())
        })
        .collect())
}
