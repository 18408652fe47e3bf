//! Securing a built credential in each format.

use crate::envelope::Envelope;
use crate::{IssueError, IssueRequest, Issuer};
use passeport_core::data_integrity::{self, Cryptosuite, ProofOptions};
use passeport_core::jose::{sign_compact, JwsHeaderParams};
use passeport_core::keys::PublicJwk;
use passeport_core::sd_jwt::{self, ClaimPathSegment, IssueOptions};
use serde_json::Value;
use std::fmt;
use std::str::FromStr;

/// A credential format (the names of the CLI's `--format` and the API's `"format"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Format {
    /// VCDM 2.0 secured with SD-JWT (`typ: vc+sd-jwt`). The default.
    #[default]
    VcSdJwt,
    /// SD-JWT VC (`typ: dc+sd-jwt`).
    DcSdJwt,
    /// VCDM 2.0 secured with JOSE (`typ: vc+jwt`).
    VcJwt,
    /// Data Integrity, cryptosuite `eddsa-rdfc-2022`.
    DiEddsaRdfc2022,
    /// Data Integrity, cryptosuite `eddsa-jcs-2022`.
    DiEddsaJcs2022,
}

impl Format {
    /// All formats.
    pub const ALL: [Self; 5] = [
        Self::VcSdJwt,
        Self::DcSdJwt,
        Self::VcJwt,
        Self::DiEddsaRdfc2022,
        Self::DiEddsaJcs2022,
    ];

    /// The contract name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VcSdJwt => "vc+sd-jwt",
            Self::DcSdJwt => "dc+sd-jwt",
            Self::VcJwt => "vc+jwt",
            Self::DiEddsaRdfc2022 => "di-eddsa-rdfc-2022",
            Self::DiEddsaJcs2022 => "di-eddsa-jcs-2022",
        }
    }

    /// Whether the credential is JSON (Data Integrity) rather than a compact string.
    pub fn is_json(self) -> bool {
        matches!(self, Self::DiEddsaRdfc2022 | Self::DiEddsaJcs2022)
    }

    /// Whether the format uses a W3C Bitstring Status List (else an IETF Token Status List).
    pub fn uses_bitstring_status(self) -> bool {
        !matches!(self, Self::DcSdJwt)
    }
}

/// A format name that is not one of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown format `{0}` (expected vc+sd-jwt, dc+sd-jwt, vc+jwt, di-eddsa-rdfc-2022 or di-eddsa-jcs-2022)")]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;
    fn from_str(s: &str) -> Result<Self, UnknownFormat> {
        Self::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| UnknownFormat(s.to_owned()))
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn header(issuer: &Issuer, typ: &str) -> JwsHeaderParams {
    let mut params = JwsHeaderParams::typed(typ);
    params.kid = issuer.kid.clone();
    params
}

fn cnf(request: &IssueRequest) -> Option<Value> {
    request
        .holder
        .as_ref()
        .map(|jwk| serde_json::json!({ "jwk": jwk.bare().to_value() }))
}

pub(crate) fn secure(
    issuer: &Issuer,
    request: &IssueRequest,
    envelope: Envelope<'_>,
    format: Format,
    now: i64,
) -> Result<String, IssueError> {
    match format {
        Format::VcJwt => {
            // The one format that signs the credential as is: serialized from the borrowed
            // request, with no copy of the subject.
            let cnf = cnf(request);
            let extra: Vec<(&str, &Value)> = cnf.iter().map(|cnf| ("cnf", cnf)).collect();
            let bytes = envelope.to_json_with(&extra)?;
            sign_compact(issuer.signer.as_ref(), &header(issuer, "vc+jwt"), &bytes)
                .map_err(|e| IssueError::Signing(e.to_string()))
        }
        Format::VcSdJwt => {
            let policy = passeport_core::schema::sd_policy(request.record_type)
                .map_err(|e| IssueError::Signing(e.to_string()))?;
            let selector = |path: &[ClaimPathSegment]| match path.split_first() {
                Some((ClaimPathSegment::Key(k), rest)) if k == "credentialSubject" => {
                    mode_of(policy.subject_mode_at(rest))
                }
                Some((ClaimPathSegment::Key(_), [])) => mode_of(policy.envelope_mode_at(path)),
                _ => false,
            };
            let members = envelope.members();
            let claims: Vec<(&str, &Value)> = members
                .iter()
                .map(|(name, value)| (*name, value.as_ref()))
                .collect();
            sd_issue(issuer, request, &claims, "vc+sd-jwt", &selector)
        }
        Format::DcSdJwt => {
            let policy = passeport_core::schema::sd_policy(request.record_type)
                .map_err(|e| IssueError::Signing(e.to_string()))?;
            let registered = sd_jwt_vc_registered(issuer, request, &envelope.id, now);
            let claims = sd_jwt_vc_claims(&registered, request)?;
            let selector = |path: &[ClaimPathSegment]| match path.first() {
                Some(ClaimPathSegment::Key(k)) if REGISTERED.contains(&k.as_str()) => false,
                Some(ClaimPathSegment::Key(k)) if k == "sub" => {
                    path.len() == 1 && mode_of(policy.subject_member_mode("id"))
                }
                _ => mode_of(policy.subject_mode_at(path)),
            };
            sd_issue(issuer, request, &claims, "dc+sd-jwt", &selector)
        }
        Format::DiEddsaRdfc2022 | Format::DiEddsaJcs2022 => data_integrity(
            issuer,
            request.holder.as_ref(),
            envelope.into_map(),
            format,
            now,
        ),
    }
}

/// Signs the credential `document` with a Data Integrity proof (`format` is one of the two
/// suites), binding it to `holder` through the subject's id.
pub(crate) fn data_integrity(
    issuer: &Issuer,
    holder: Option<&PublicJwk>,
    mut document: serde_json::Map<String, Value>,
    format: Format,
    now: i64,
) -> Result<String, IssueError> {
    let cryptosuite = match format {
        Format::DiEddsaRdfc2022 => Cryptosuite::EddsaRdfc2022,
        Format::DiEddsaJcs2022 => Cryptosuite::EddsaJcs2022,
        other => {
            return Err(IssueError::Signing(format!(
                "{other} is not a Data Integrity format"
            )))
        }
    };
    if issuer.signer.algorithm() != passeport_core::keys::Algorithm::EdDsa {
        return Err(IssueError::WrongKeyForFormat {
            format,
            needed: "Ed25519",
        });
    }
    let verification_method = issuer.kid.clone().ok_or_else(|| {
        IssueError::Signing(
            "Data Integrity needs a verification method id (a DID issuer or with_kid)".into(),
        )
    })?;
    let options = ProofOptions {
        cryptosuite,
        verification_method,
        created: now,
        expires: None,
    };
    // Holder binding travels in the subject's id: the holder's did:jwk.
    if let (Some(holder), Some(Value::Object(subject))) =
        (holder, document.get_mut("credentialSubject"))
    {
        if !subject.contains_key("id") {
            if let Ok(did) = passeport_core::did::jwk::did_jwk(holder) {
                subject.insert("id".into(), did.to_string().into());
            }
        }
    }
    let signed = data_integrity::sign_owned(document, issuer.signer.as_ref(), &options)
        .map_err(|e| IssueError::Signing(e.to_string()))?;
    // Compact: what is stored, served and written to batch lines as is. Pretty printing (and,
    // in a batch, compacting back) was 7 % of an eddsa-jcs-2022 issue.
    Ok(passeport_core::json::object_to_compact_string(&signed))
}

/// SD-JWT VC registered claims: never selectively disclosable.
const REGISTERED: [&str; 9] = [
    "iss",
    "iat",
    "nbf",
    "exp",
    "vct",
    "cnf",
    "status",
    "vct#integrity",
    "jti",
];

fn mode_of(mode: Option<passeport_core::schema::SdMode>) -> bool {
    mode.is_some_and(passeport_core::schema::SdMode::is_disclosable)
}

fn sd_issue(
    issuer: &Issuer,
    request: &IssueRequest,
    claims: &[(&str, &Value)],
    typ: &str,
    selector: &dyn Fn(&[ClaimPathSegment]) -> bool,
) -> Result<String, IssueError> {
    let options = IssueOptions {
        decoys_per_object: 0,
        holder_key: request.holder.as_ref().map(PublicJwk::bare),
    };
    sd_jwt::issue_borrowed_compact(
        issuer.signer.as_ref(),
        &header(issuer, typ),
        claims,
        selector,
        &options,
    )
    .map_err(|e| IssueError::Signing(e.to_string()))
}

/// The SD-JWT VC registered claims of a credential, in payload order.
fn sd_jwt_vc_registered(
    issuer: &Issuer,
    request: &IssueRequest,
    id: &str,
    now: i64,
) -> Vec<(&'static str, Value)> {
    let mut claims = vec![("iss", issuer.id.as_str().into()), ("iat", now.into())];
    if let Some(until) = request.valid_until {
        claims.push(("exp", until.into()));
    }
    claims.push(("vct", request.record_type.vct().into()));
    claims.push(("jti", id.into()));
    if let Some(token) = &request.status.token {
        claims.push((
            "status",
            serde_json::json!({ "status_list": { "idx": token.idx, "uri": token.uri } }),
        ));
    }
    claims
}

/// The SD-JWT VC payload: the registered claims, then the subject's claims at the top level
/// (`id` becomes `sub`), as the type metadata describes. The subject is borrowed.
fn sd_jwt_vc_claims<'a>(
    registered: &'a [(&'static str, Value)],
    request: &'a IssueRequest,
) -> Result<Vec<(&'a str, &'a Value)>, IssueError> {
    let mut claims: Vec<(&str, &Value)> = registered.iter().map(|(k, v)| (*k, v)).collect();
    if let Value::Object(subject) = &request.subject {
        for (name, value) in subject {
            let name = if name == "id" { "sub" } else { name.as_str() };
            if REGISTERED.contains(&name) {
                return Err(IssueError::Signing(format!(
                    "subject claim `{name}` collides with an SD-JWT VC registered claim"
                )));
            }
            claims.push((name, value));
        }
    }
    Ok(claims)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use passeport_core::keys::{KeyAlgorithm, SecretKey, Signer as _};
    use passeport_core::model::RecordType;
    use serde_json::Map;
    use std::sync::Arc;

    /// `issue_owned` moves the subject where `issue` copies it: the credentials must be the
    /// same, byte for byte, in every format that signs deterministically, holder bound or not.
    #[test]
    fn issuing_an_owned_request_gives_the_same_credential() {
        let key = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
        let did = passeport_core::did::key::did_key(key.public_jwk()).unwrap();
        let clock = Arc::new(passeport_core::clock::FixedClock(1_767_225_600));
        let issuer = Issuer::new(Arc::new(key), &did.to_string())
            .unwrap()
            .with_clock(clock);
        let holder = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
        let samples = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/vectors/domain/samples/camille-laurent");
        for (record, file) in [
            (RecordType::Diploma, "01-diploma-bts-sio.subject.json"),
            (
                RecordType::EmploymentRecord,
                "05-employment-numerica-cdi.subject.json",
            ),
        ] {
            let subject: Value =
                serde_json::from_slice(&std::fs::read(samples.join(file)).unwrap()).unwrap();
            for bound in [false, true] {
                let mut request = IssueRequest::new(record, subject.clone());
                request.credential_id =
                    Some("urn:uuid:5f7a4c52-7a0e-4b43-9d3c-0d6f1b2e9a10".into());
                request.holder = bound.then(|| holder.public_jwk().clone());
                for format in [
                    Format::DiEddsaJcs2022,
                    Format::DiEddsaRdfc2022,
                    Format::VcJwt,
                ] {
                    let borrowed = issuer.issue(&request, format).unwrap();
                    let owned = issuer.issue_owned(request.clone(), format).unwrap();
                    assert_eq!(borrowed.credential, owned.credential, "{file} {format}");
                    assert_eq!(borrowed.id, owned.id);
                    assert_eq!(borrowed.issued_at, owned.issued_at);
                }
            }
        }
    }

    /// A Data Integrity credential comes as serde_json's compact text, on one line (the CLI
    /// batch writes it into its output line as is), and verifies.
    #[test]
    fn data_integrity_credentials_are_compact_json() {
        let key = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
        let did = passeport_core::did::key::did_key(key.public_jwk()).unwrap();
        let issuer = Issuer::new(Arc::new(key), &did.to_string()).unwrap();
        let samples = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(
            "../../tests/vectors/domain/samples/camille-laurent/01-diploma-bts-sio.subject.json",
        );
        let subject: Value = serde_json::from_slice(&std::fs::read(samples).unwrap()).unwrap();
        let request = IssueRequest::new(RecordType::Diploma, subject);
        for format in [Format::DiEddsaJcs2022, Format::DiEddsaRdfc2022] {
            let text = issuer.issue(&request, format).unwrap().credential;
            assert!(!text.contains('\n'), "{format:?}");
            let document: Map<String, Value> = serde_json::from_str(&text).unwrap();
            assert_eq!(text, serde_json::to_string(&document).unwrap());
            let clock = passeport_core::clock::SystemClock;
            data_integrity::verify(&document, &data_integrity::resolve_offline, &clock).unwrap();
        }
    }
}
