//! Securing a built credential in each format.

use crate::{IssueError, IssueRequest, Issuer};
use passeport_core::jose::{sign_compact, JwsHeaderParams};
use serde_json::{Map, Value};
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
    credential: &Map<String, Value>,
    format: Format,
    _now: i64,
) -> Result<String, IssueError> {
    match format {
        Format::VcJwt => {
            let mut payload = credential.clone();
            if let Some(cnf) = cnf(request) {
                payload.insert("cnf".into(), cnf);
            }
            let bytes =
                serde_json::to_vec(&payload).map_err(|e| IssueError::Signing(e.to_string()))?;
            sign_compact(issuer.signer.as_ref(), &header(issuer, "vc+jwt"), &bytes)
                .map_err(|e| IssueError::Signing(e.to_string()))
        }
        other => Err(IssueError::Unsupported(other)),
    }
}
