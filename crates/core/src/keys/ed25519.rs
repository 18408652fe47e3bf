//! Ed25519 keys (RFC 8037 `OKP`/`Ed25519`) on ed25519-dalek.

use super::{KeyError, PrivateJwk, PublicJwk};
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use std::fmt;
use zeroize::Zeroizing;

/// An Ed25519 private key. ed25519-dalek zeroizes the seed on drop; `Debug` shows the public key.
pub struct Ed25519SecretKey {
    key: Box<SigningKey>,
    public: PublicJwk,
}

impl Ed25519SecretKey {
    /// A fresh key from the operating system's random generator.
    pub fn generate() -> Self {
        Self::from_signing_key(SigningKey::generate(&mut rand::rngs::OsRng))
    }

    /// A key from its 32-byte seed (RFC 8032 private key).
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self::from_signing_key(SigningKey::from_bytes(seed))
    }

    fn from_signing_key(key: SigningKey) -> Self {
        let public = public_jwk_of(&key.verifying_key());
        Self {
            key: Box::new(key),
            public,
        }
    }

    /// Reads a private `OKP`/`Ed25519` JWK; `x`, when given, must match `d`.
    pub fn from_jwk(jwk: &PrivateJwk) -> Result<Self, KeyError> {
        let d = Zeroizing::new(
            crate::b64::decode(jwk.d())
                .map_err(|e| KeyError::InvalidJwk(format!("member `d`: {e}")))?,
        );
        let seed: Zeroizing<[u8; 32]> = Zeroizing::new(
            d.as_slice()
                .try_into()
                .map_err(|_| KeyError::InvalidJwk("Ed25519 `d` must be 32 bytes".into()))?,
        );
        let mut key = Self::from_signing_key(SigningKey::from_bytes(&seed));
        if key.public.x != jwk.public().x {
            return Err(KeyError::Mismatch);
        }
        key.public.kid.clone_from(&jwk.public().kid);
        Ok(key)
    }

    /// The public JWK.
    pub fn public_jwk(&self) -> &PublicJwk {
        &self.public
    }

    /// The verifying key.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// The private JWK.
    pub fn to_private_jwk(&self) -> PrivateJwk {
        let seed = Zeroizing::new(self.key.to_bytes());
        PrivateJwk::new(self.public.clone(), crate::b64::encode(seed.as_slice()))
    }

    /// Signs a message (deterministic, RFC 8032).
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }
}

impl fmt::Debug for Ed25519SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ed25519SecretKey")
            .field("public", &self.public.x)
            .finish_non_exhaustive()
    }
}

fn public_jwk_of(key: &VerifyingKey) -> PublicJwk {
    PublicJwk {
        kty: "OKP".into(),
        crv: "Ed25519".into(),
        x: crate::b64::encode(key.as_bytes()),
        y: None,
        kid: None,
        alg: None,
        use_: None,
    }
}

/// The public JWK of raw Ed25519 public key bytes.
pub(crate) fn public_jwk_from_bytes(bytes: &[u8]) -> Result<PublicJwk, KeyError> {
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|_| KeyError::InvalidJwk("an Ed25519 public key is 32 bytes".into()))?;
    let key = VerifyingKey::from_bytes(&bytes)
        .map_err(|_| KeyError::InvalidJwk("not a valid Ed25519 point".into()))?;
    Ok(public_jwk_of(&key))
}

/// Parses the point of an `OKP`/`Ed25519` JWK; weak (small-order) keys are refused.
pub(crate) fn verifying_key_from_jwk(jwk: &PublicJwk) -> Result<VerifyingKey, KeyError> {
    let x = crate::b64::decode(&jwk.x).map_err(|e| KeyError::InvalidJwk(format!("`x`: {e}")))?;
    let bytes: [u8; 32] = x
        .as_slice()
        .try_into()
        .map_err(|_| KeyError::InvalidJwk("Ed25519 `x` must be 32 bytes".into()))?;
    let key = VerifyingKey::from_bytes(&bytes)
        .map_err(|_| KeyError::InvalidJwk("`x` is not a valid Ed25519 point".into()))?;
    if key.is_weak() {
        return Err(KeyError::InvalidJwk(
            "`x` is a small-order Ed25519 point".into(),
        ));
    }
    Ok(key)
}
