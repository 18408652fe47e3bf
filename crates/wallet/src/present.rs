//! Presentations: the holder shows chosen claims of chosen credentials to one audience.
//!
//! - One SD-JWT credential: the SD-JWT with only the chosen disclosures, plus a KB-JWT
//!   (`aud`, `nonce`, `iat`, `sd_hash`) signed with the holder key.
//! - Several credentials, or a credential that is not an SD-JWT: a `vp+jwt` (VC-JOSE-COSE
//!   enveloping presentation) signed with the holder key, whose `verifiableCredential` holds
//!   each credential as an `EnvelopedVerifiableCredential` `data:` URL (SD-JWTs reduced to the
//!   chosen disclosures and key-bound to the same audience and nonce), or embedded as JSON for
//!   Data Integrity credentials.
//!
//! Claims are chosen by JSON pointer into the credential subject (`/awardingDate`,
//! `/achievement/alignment/0`). Choosing a claim inside a disclosable object discloses that
//! object. Credentials that are not SD-JWTs cannot hide anything: they are shown whole, and
//! [`Presentation::shown_whole`] says which.

use crate::import::subject_prefix;
use crate::records::CredentialRecord;
use crate::WalletError;
use passeport_core::jose::{sign_compact, JwsHeaderParams};
use passeport_core::keys::Signer;
use passeport_core::sd_jwt::{ClaimPath, ClaimPathSegment, UnverifiedSdJwt};
use serde_json::{json, Value};

/// The `typ` of an enveloping presentation.
pub const VP_JWT_TYP: &str = "vp+jwt";
/// How long a `vp+jwt` is valid after `iat`, seconds.
pub const VP_LIFETIME_SECS: i64 = 600;

/// What kind of presentation was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PresentationKind {
    /// An SD-JWT with a KB-JWT.
    SdJwtKb,
    /// A `vp+jwt` enveloping presentation.
    VpJwt,
}

/// A presentation, ready to send.
#[derive(Debug, Clone)]
pub struct Presentation {
    /// The compact presentation.
    pub text: String,
    /// Its kind.
    pub kind: PresentationKind,
    /// Ids of credentials shown whole because their format cannot hide claims.
    pub shown_whole: Vec<String>,
}

/// One credential to present and the claims of it to disclose.
#[derive(Debug, Clone)]
pub struct PresentItem<'a> {
    /// The credential.
    pub credential: &'a CredentialRecord,
    /// JSON pointers into its subject.
    pub disclose: Vec<String>,
}

/// Builds a presentation of `items` for `audience` and `nonce`, at `iat`, signed by `holder`.
pub fn build_presentation(
    items: &[PresentItem<'_>],
    holder: &dyn Signer,
    audience: &str,
    nonce: &str,
    iat: i64,
) -> Result<Presentation, WalletError> {
    for item in items {
        for pointer in &item.disclose {
            if !pointer.starts_with('/') || item.credential.subject.pointer(pointer).is_none() {
                return Err(WalletError::UnknownClaim {
                    credential: item.credential.id.clone(),
                    pointer: pointer.clone(),
                });
            }
        }
    }
    match items {
        [] => Err(WalletError::NothingToPresent),
        [only] if only.credential.format.is_sd_jwt() => Ok(Presentation {
            text: key_bound(only, holder, audience, nonce, iat)?,
            kind: PresentationKind::SdJwtKb,
            shown_whole: Vec::new(),
        }),
        _ => enveloping(items, holder, audience, nonce, iat),
    }
}

/// The SD-JWT reduced to the chosen disclosures, with a KB-JWT.
fn key_bound(
    item: &PresentItem<'_>,
    holder: &dyn Signer,
    audience: &str,
    nonce: &str,
    iat: i64,
) -> Result<String, WalletError> {
    reduce_with(item.credential, &item.disclose, |parsed, keep| {
        parsed.present(keep, holder, audience, nonce, iat)
    })
}

/// An SD-JWT credential reduced to the disclosures of `pointers` (into the subject), without
/// key binding (`<JWT>~<D…>~`). Choosing a claim inside a disclosable object discloses that
/// object; choosing an object discloses what is inside it.
pub(crate) fn reduce(
    record: &CredentialRecord,
    pointers: &[String],
) -> Result<String, WalletError> {
    reduce_with(record, pointers, |parsed, keep| parsed.select(keep))
}

/// Parses the record's SD-JWT and hands it to `then` with the selector for `pointers` (see
/// [`reduce`]).
fn reduce_with(
    record: &CredentialRecord,
    pointers: &[String],
    then: impl FnOnce(
        &UnverifiedSdJwt,
        &dyn Fn(&[ClaimPathSegment]) -> bool,
    ) -> Result<String, passeport_core::sd_jwt::SdJwtError>,
) -> Result<String, WalletError> {
    let sd_err = |e: passeport_core::sd_jwt::SdJwtError| WalletError::Present {
        credential: record.id.clone(),
        reason: e.to_string(),
    };
    let parsed = UnverifiedSdJwt::parse(&record.credential).map_err(sd_err)?;
    let prefix = ClaimPath::from(subject_prefix(record.format)).to_string();
    let targets: Vec<String> = pointers.iter().map(|p| format!("{prefix}{p}")).collect();
    let keep = |segments: &[ClaimPathSegment]| {
        let path = ClaimPath::from(segments.to_vec()).to_string();
        targets.iter().any(|t| {
            // The claim itself, a claim inside it, or the disclosable object containing it.
            path == *t || path.starts_with(&format!("{t}/")) || t.starts_with(&format!("{path}/"))
        })
    };
    then(&parsed, &keep).map_err(sd_err)
}

fn enveloping(
    items: &[PresentItem<'_>],
    holder: &dyn Signer,
    audience: &str,
    nonce: &str,
    iat: i64,
) -> Result<Presentation, WalletError> {
    let mut credentials = Vec::with_capacity(items.len());
    let mut shown_whole = Vec::new();
    for item in items {
        let record = item.credential;
        let entry = match record.format.media_type() {
            Some(media_type) => {
                let text = if record.format.is_sd_jwt() {
                    key_bound(item, holder, audience, nonce, iat)?
                } else {
                    shown_whole.push(record.id.clone());
                    record.credential.clone()
                };
                json!({
                    "@context": [passeport_core::model::VC_V2_CONTEXT],
                    "id": format!("data:{media_type},{text}"),
                    "type": "EnvelopedVerifiableCredential",
                })
            }
            None => {
                shown_whole.push(record.id.clone());
                passeport_core::json::parse_strict(record.credential.as_bytes()).map_err(|e| {
                    WalletError::Present {
                        credential: record.id.clone(),
                        reason: e.to_string(),
                    }
                })?
            }
        };
        credentials.push(entry);
    }
    let holder_did = passeport_core::did::jwk::did_jwk(holder.public_jwk())
        .map_err(|e| WalletError::HolderKey(e.to_string()))?;
    let payload = json!({
        "@context": [passeport_core::model::VC_V2_CONTEXT],
        "type": ["VerifiablePresentation"],
        "holder": holder_did.as_str(),
        "verifiableCredential": Value::Array(credentials),
        "iss": holder_did.as_str(),
        "aud": audience,
        "nonce": nonce,
        "iat": iat,
        "exp": iat.saturating_add(VP_LIFETIME_SECS),
    });
    let bytes = serde_json::to_vec(&payload).map_err(|e| WalletError::Present {
        credential: String::new(),
        reason: e.to_string(),
    })?;
    let header = JwsHeaderParams::typed(VP_JWT_TYP).with_kid(format!("{}#0", holder_did.as_str()));
    let text = sign_compact(holder, &header, &bytes).map_err(|e| WalletError::Present {
        credential: String::new(),
        reason: e.to_string(),
    })?;
    Ok(Presentation {
        text,
        kind: PresentationKind::VpJwt,
        shown_whole,
    })
}
