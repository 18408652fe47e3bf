//! P-256 keys (`EC`/`P-256`, ES256) on josekit (OpenSSL underneath).
//!
//! OpenSSL clears the private scalar when the key is freed (`EC_KEY_free` uses `BN_clear_free`);
//! our own copy of `d` sits in a zeroizing buffer.

use super::{KeyError, PrivateJwk, PublicJwk, SignError};
use josekit::jwk::Jwk;
use josekit::jws::alg::ecdsa::{EcdsaJwsSigner, EcdsaJwsVerifier};
use josekit::jws::{JwsSigner as _, JwsVerifier as _, ES256};
use std::fmt;
use std::sync::Arc;

/// A P-256 private key. `Debug` shows only the public key.
pub struct P256SecretKey {
    signer: EcdsaJwsSigner,
    verifier: Arc<EcdsaJwsVerifier>,
    jwk: PrivateJwk,
}

impl P256SecretKey {
    /// A fresh random key.
    pub fn generate() -> Result<Self, KeyError> {
        let pair = ES256
            .generate_key_pair()
            .map_err(|e| KeyError::Generation(e.to_string()))?;
        let value = serde_json::Value::Object(pair.to_jwk_key_pair().into());
        let jwk = PrivateJwk::from_value(&value)?;
        Self::from_jwk(&jwk)
    }

    /// Reads a private `EC`/`P-256` JWK; OpenSSL checks that `d`, `x` and `y` belong together.
    pub fn from_jwk(jwk: &PrivateJwk) -> Result<Self, KeyError> {
        let mut map = josekit_map(jwk.public());
        map.insert("d".into(), jwk.d().into());
        let josekit_jwk =
            Jwk::from_map(map).map_err(|e| KeyError::InvalidJwk(format!("P-256 key: {e}")))?;
        let signer = ES256
            .signer_from_jwk(&josekit_jwk)
            .map_err(|_| KeyError::Mismatch)?;
        let verifier = verifier_from_jwk(jwk.public())?;
        let mut public = jwk.public().bare();
        public.kid.clone_from(&jwk.public().kid);
        Ok(Self {
            signer,
            verifier,
            jwk: PrivateJwk::new(public, jwk.d().to_owned()),
        })
    }

    /// The public JWK.
    pub fn public_jwk(&self) -> &PublicJwk {
        self.jwk.public()
    }

    /// The private JWK.
    pub fn to_private_jwk(&self) -> PrivateJwk {
        self.jwk.clone()
    }

    pub(crate) fn verifier(&self) -> Arc<EcdsaJwsVerifier> {
        Arc::clone(&self.verifier)
    }

    /// Signs with ES256; the signature is JWS-format `r||s` (64 bytes).
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        self.signer
            .sign(message)
            .map_err(|e| SignError(e.to_string()))
    }
}

impl fmt::Debug for P256SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("P256SecretKey")
            .field("public", self.jwk.public())
            .finish_non_exhaustive()
    }
}

fn josekit_map(jwk: &PublicJwk) -> serde_json::Map<String, serde_json::Value> {
    let mut map = serde_json::Map::new();
    map.insert("kty".into(), "EC".into());
    map.insert("crv".into(), "P-256".into());
    map.insert("x".into(), jwk.x.clone().into());
    if let Some(y) = &jwk.y {
        map.insert("y".into(), y.clone().into());
    }
    map
}

/// Builds an ES256 verifier, refusing points that are not on the curve.
pub(crate) fn verifier_from_jwk(jwk: &PublicJwk) -> Result<Arc<EcdsaJwsVerifier>, KeyError> {
    for (name, value) in [("x", Some(&jwk.x)), ("y", jwk.y.as_ref())] {
        let bytes = value
            .ok_or_else(|| KeyError::InvalidJwk(format!("member `{name}` is missing")))
            .and_then(|v| {
                crate::b64::decode(v).map_err(|e| KeyError::InvalidJwk(format!("`{name}`: {e}")))
            })?;
        if bytes.len() != 32 {
            return Err(KeyError::InvalidJwk(format!(
                "P-256 `{name}` must be 32 bytes, not {}",
                bytes.len()
            )));
        }
    }
    let josekit_jwk = Jwk::from_map(josekit_map(jwk))
        .map_err(|e| KeyError::InvalidJwk(format!("P-256 key: {e}")))?;
    ES256
        .verifier_from_jwk(&josekit_jwk)
        .map(Arc::new)
        .map_err(|e| KeyError::InvalidJwk(format!("not a valid P-256 public key: {e}")))
}

/// Verifies an ES256 signature (`r||s`).
pub(crate) fn verify(verifier: &EcdsaJwsVerifier, message: &[u8], signature: &[u8]) -> bool {
    signature.len() == 64 && verifier.verify(message, signature).is_ok()
}

/// SEC1 compressed form (33 bytes) of a P-256 public JWK, as did:key uses.
pub(crate) fn compress(jwk: &PublicJwk) -> Result<Vec<u8>, KeyError> {
    let x = crate::b64::decode(&jwk.x).map_err(|e| KeyError::InvalidJwk(format!("`x`: {e}")))?;
    let y = jwk
        .y
        .as_deref()
        .ok_or_else(|| KeyError::InvalidJwk("member `y` is missing".into()))
        .and_then(|y| {
            crate::b64::decode(y).map_err(|e| KeyError::InvalidJwk(format!("`y`: {e}")))
        })?;
    let (Some(last), 32, 32) = (y.last(), x.len(), y.len()) else {
        return Err(KeyError::InvalidJwk(
            "P-256 coordinates must be 32 bytes".into(),
        ));
    };
    let mut out = Vec::with_capacity(33);
    out.push(if last & 1 == 1 { 0x03 } else { 0x02 });
    out.extend_from_slice(&x);
    Ok(out)
}

/// The public JWK of a SEC1 (compressed or not) P-256 point, checked to be on the curve.
pub(crate) fn public_jwk_from_sec1(bytes: &[u8]) -> Result<PublicJwk, KeyError> {
    use p256::elliptic_curve::sec1::{FromEncodedPoint, ToEncodedPoint};
    let encoded = p256::EncodedPoint::from_bytes(bytes)
        .map_err(|_| KeyError::InvalidJwk("not a SEC1 P-256 point".into()))?;
    let point = Option::<p256::AffinePoint>::from(p256::AffinePoint::from_encoded_point(&encoded))
        .ok_or_else(|| KeyError::InvalidJwk("not a point on P-256".into()))?;
    let full = point.to_encoded_point(false);
    let (Some(x), Some(y)) = (full.x(), full.y()) else {
        return Err(KeyError::InvalidJwk("the point at infinity".into()));
    };
    Ok(PublicJwk {
        kty: "EC".into(),
        crv: "P-256".into(),
        x: crate::b64::encode(x),
        y: Some(crate::b64::encode(y)),
        kid: None,
        alg: None,
        use_: None,
    })
}
