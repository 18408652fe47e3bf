//! Key Binding JWT (RFC 9901 §4.3): the holder's proof of possession of the `cnf` key, bound
//! to one verifier (`aud`), one request (`nonce`), one time (`iat`) and one presentation
//! (`sd_hash`).

use super::{JwtPart, SdJwtError, UnverifiedSdJwt};
use crate::jose::{self, JwsHeaderParams, JwsPolicy, UnverifiedJws};
use crate::keys::{PublicKey, Signer};
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

/// The `typ` of a KB-JWT.
pub const KB_JWT_TYP: &str = "kb+jwt";

/// What a verified KB-JWT said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyBindingInfo {
    /// `aud`: the verifier it was made for (equal to the expected one).
    pub audience: String,
    /// `nonce` (equal to the expected one).
    pub nonce: String,
    /// `iat`, in Unix seconds.
    pub iat: i64,
}

/// `sd_hash`: base64url(SHA-256(ASCII of the presentation up to and including the last `~`)).
pub fn sd_hash(presentation_without_kb: &str) -> String {
    crate::b64::encode(Sha256::digest(presentation_without_kb.as_bytes()))
}

/// Appends a KB-JWT to a presentation (`<JWT>~<D…>~`, as [`UnverifiedSdJwt::select`] makes):
/// header `typ: kb+jwt` and the holder key's `alg`; payload `iat`, `aud`, `nonce`, `sd_hash`.
pub fn add_key_binding(
    presentation_without_kb: &str,
    holder: &dyn Signer,
    audience: &str,
    nonce: &str,
    iat: i64,
) -> Result<String, SdJwtError> {
    if !presentation_without_kb.ends_with('~') {
        return Err(SdJwtError::Malformed(
            "a presentation to bind must end with `~` (no KB-JWT yet)",
        ));
    }
    let parsed = UnverifiedSdJwt::parse(presentation_without_kb)?;
    if parsed.has_key_binding() {
        return Err(SdJwtError::UnexpectedKeyBinding);
    }
    bind(
        presentation_without_kb.to_owned(),
        holder,
        audience,
        nonce,
        iat,
    )
}

/// Appends the KB-JWT to `presentation`, which the caller knows to be a well-formed SD-JWT
/// ending with `~` (made by [`UnverifiedSdJwt::select`]).
pub(crate) fn bind(
    mut presentation: String,
    holder: &dyn Signer,
    audience: &str,
    nonce: &str,
    iat: i64,
) -> Result<String, SdJwtError> {
    let mut payload = Map::new();
    payload.insert("iat".into(), iat.into());
    payload.insert("aud".into(), audience.into());
    payload.insert("nonce".into(), nonce.into());
    payload.insert("sd_hash".into(), sd_hash(&presentation).into());
    let payload = serde_json::to_vec(&Value::Object(payload))
        .map_err(|e| SdJwtError::Issue(e.to_string()))?;
    let kb = jose::sign_compact(holder, &JwsHeaderParams::typed(KB_JWT_TYP), &payload).map_err(
        |source| SdJwtError::Jws {
            part: JwtPart::KeyBinding,
            source,
        },
    )?;
    presentation.push_str(&kb);
    Ok(presentation)
}

/// What the verifier expects of a KB-JWT.
pub(crate) struct KbCheck<'a> {
    pub audience: &'a str,
    pub nonce: &'a str,
    pub max_age_secs: i64,
    pub leeway_secs: i64,
    pub now: i64,
}

/// Verifies a KB-JWT against the `cnf` key and the verifier's expectations (RFC 9901 §7.3).
pub(crate) fn verify_kb(
    kb: UnverifiedJws,
    presented: &str,
    holder_key: &PublicKey,
    check: &KbCheck<'_>,
) -> Result<KeyBindingInfo, SdJwtError> {
    let verified = kb
        .verify(holder_key, &JwsPolicy::typed(&[KB_JWT_TYP]))
        .map_err(|source| SdJwtError::Jws {
            part: JwtPart::KeyBinding,
            source,
        })?;
    let mut claims = verified.claims().map_err(|source| SdJwtError::Jws {
        part: JwtPart::KeyBinding,
        source,
    })?;
    let iat = match claims.get("iat") {
        Some(value) => numeric_date(value).ok_or(SdJwtError::KbClaim {
            claim: "iat",
            expected: "number",
        })?,
        None => {
            return Err(SdJwtError::KbClaim {
                claim: "iat",
                expected: "number",
            })
        }
    };
    let not_a_string = |claim: &'static str| SdJwtError::KbClaim {
        claim,
        expected: "string",
    };
    // Moved out of the claims, which are not needed after: no copies.
    let mut string = |claim: &'static str| -> Result<String, SdJwtError> {
        match claims.swap_remove(claim) {
            Some(Value::String(text)) => Ok(text),
            _ => Err(not_a_string(claim)),
        }
    };
    let audience = string("aud")?;
    let nonce = string("nonce")?;
    let hash = string("sd_hash")?;
    if audience != check.audience {
        return Err(SdJwtError::KbAudienceMismatch {
            expected: check.audience.to_owned(),
            found: audience,
        });
    }
    if nonce != check.nonce {
        return Err(SdJwtError::KbNonceMismatch);
    }
    let age = check.now.saturating_sub(iat);
    if age < -check.leeway_secs {
        return Err(SdJwtError::KbInFuture {
            ahead: iat.saturating_sub(check.now),
        });
    }
    if age > check.max_age_secs.saturating_add(check.leeway_secs) {
        return Err(SdJwtError::KbStale {
            age,
            max_age: check.max_age_secs,
        });
    }
    let digest = Sha256::digest(presented.as_bytes()).into();
    if hash.as_bytes() != crate::b64::encode_digest(&digest) {
        return Err(SdJwtError::SdHashMismatch);
    }
    Ok(KeyBindingInfo {
        audience,
        nonce,
        iat,
    })
}

/// A JWT NumericDate (RFC 7519 §2): seconds, possibly with a fraction (floored).
pub(crate) fn numeric_date(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && f.abs() < 1e15)
                .map(|f| f.floor() as i64)
        }),
        _ => None,
    }
}
