//! Keys: Ed25519 (ed25519-dalek) and P-256 (josekit), as JSON Web Keys.
//!
//! A [`SecretKey`] signs; a [`PublicKey`] verifies. Both are built from JWKs made by any standard
//! library (RFC 7517, RFC 8037 for Ed25519). Secret material is zeroized on drop and never appears
//! in `Debug` output. Signing goes through the [`Signer`] trait so that a key can live in an HSM,
//! a KMS or a phone's keystore instead of memory.

mod ed25519;
mod jwk;
mod p256;

pub use self::ed25519::Ed25519SecretKey;
pub use self::jwk::{PrivateJwk, PublicJwk};
pub use self::p256::P256SecretKey;

use std::fmt;
use std::sync::Arc;

/// The kind of key: which curve, hence which signature algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyAlgorithm {
    /// Ed25519 (`OKP`/`Ed25519`), signing with JWS `EdDSA`.
    Ed25519,
    /// NIST P-256 (`EC`/`P-256`), signing with JWS `ES256`.
    P256,
}

impl KeyAlgorithm {
    /// The JWS algorithm this key signs with.
    pub fn jws_algorithm(self) -> Algorithm {
        match self {
            Self::Ed25519 => Algorithm::EdDsa,
            Self::P256 => Algorithm::Es256,
        }
    }
}

impl std::str::FromStr for KeyAlgorithm {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, KeyError> {
        match s.to_ascii_lowercase().as_str() {
            "ed25519" | "eddsa" => Ok(Self::Ed25519),
            "p256" | "p-256" | "es256" => Ok(Self::P256),
            _ => Err(KeyError::UnsupportedKey(format!(
                "key algorithm `{s}` (expected ed25519 or p256)"
            ))),
        }
    }
}

/// A JWS signature algorithm we sign and verify with. Anything else (`none`, `HS256`, RSA…) is
/// refused before any cryptography runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// `EdDSA` with Ed25519 (RFC 8037); `Ed25519` (fully specified, RFC 9864) is read as the same.
    EdDsa,
    /// `ES256`: ECDSA on P-256 with SHA-256 (RFC 7518 §3.4).
    Es256,
}

impl Algorithm {
    /// The `alg` header value we write.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EdDsa => "EdDSA",
            Self::Es256 => "ES256",
        }
    }

    /// Reads an `alg` header value; `None` for anything not on the allow-list.
    pub fn from_jws_name(name: &str) -> Option<Self> {
        match name {
            "EdDSA" | "Ed25519" => Some(Self::EdDsa),
            "ES256" => Some(Self::Es256),
            _ => None,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a key could not be read, made or used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The JWK is not valid JSON or misses a required member.
    #[error("invalid JWK: {0}")]
    InvalidJwk(String),
    /// A key type or curve we do not support.
    #[error("unsupported key: {0}")]
    UnsupportedKey(String),
    /// A private key was required but the JWK has no `d`.
    #[error("the JWK is a public key (no `d`): a private key is required here")]
    NotPrivate,
    /// The private and public parts of a JWK do not belong together.
    #[error("the JWK's `d` does not match its public part")]
    Mismatch,
    /// Key generation failed in the crypto library.
    #[error("key generation failed: {0}")]
    Generation(String),
}

/// Signing failed (for an HSM or KMS: unreachable, refused…).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("signing failed: {0}")]
pub struct SignError(pub String);

/// Anything that signs: an in-memory [`SecretKey`], or a key held in an HSM, KMS or keystore.
///
/// Dyn-safe and fallible; hold signers as `Arc<dyn Signer>`.
pub trait Signer: Send + Sync {
    /// The JWS algorithm of the signatures this signer makes.
    fn algorithm(&self) -> Algorithm;
    /// The public key, as a JWK (with `kid` when the signer has one).
    fn public_jwk(&self) -> &PublicJwk;
    /// Signs a message, returning the JWS-format signature (raw `r||s` for ES256).
    fn try_sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError>;
}

impl<T: Signer + ?Sized> Signer for Arc<T> {
    fn algorithm(&self) -> Algorithm {
        (**self).algorithm()
    }
    fn public_jwk(&self) -> &PublicJwk {
        (**self).public_jwk()
    }
    fn try_sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        (**self).try_sign(message)
    }
}

/// A private key in memory. Zeroized on drop; its `Debug` shows only the public key.
pub enum SecretKey {
    /// An Ed25519 key.
    Ed25519(Ed25519SecretKey),
    /// A P-256 key.
    P256(P256SecretKey),
}

impl SecretKey {
    /// Makes a fresh random key.
    pub fn generate(alg: KeyAlgorithm) -> Result<Self, KeyError> {
        Ok(match alg {
            KeyAlgorithm::Ed25519 => Self::Ed25519(Ed25519SecretKey::generate()),
            KeyAlgorithm::P256 => Self::P256(P256SecretKey::generate()?),
        })
    }

    /// Reads a private JWK (`OKP`/`Ed25519` or `EC`/`P-256`, with `d`).
    pub fn from_jwk(jwk: &PrivateJwk) -> Result<Self, KeyError> {
        match (jwk.public().kty.as_str(), jwk.public().crv.as_str()) {
            ("OKP", "Ed25519") => Ok(Self::Ed25519(Ed25519SecretKey::from_jwk(jwk)?)),
            ("EC", "P-256") => Ok(Self::P256(P256SecretKey::from_jwk(jwk)?)),
            (kty, crv) => Err(KeyError::UnsupportedKey(format!("kty {kty}, crv {crv}"))),
        }
    }

    /// Reads a private JWK from JSON text.
    pub fn from_jwk_json(text: &str) -> Result<Self, KeyError> {
        Self::from_jwk(&PrivateJwk::from_json(text)?)
    }

    /// The key kind.
    pub fn key_algorithm(&self) -> KeyAlgorithm {
        match self {
            Self::Ed25519(_) => KeyAlgorithm::Ed25519,
            Self::P256(_) => KeyAlgorithm::P256,
        }
    }

    /// The private JWK (with `d`), for writing to a protected file. Handle with care.
    pub fn to_private_jwk(&self) -> PrivateJwk {
        match self {
            Self::Ed25519(k) => k.to_private_jwk(),
            Self::P256(k) => k.to_private_jwk(),
        }
    }

    /// The matching verification key.
    pub fn public_key(&self) -> PublicKey {
        match self {
            Self::Ed25519(k) => PublicKey::Ed25519 {
                key: k.verifying_key(),
                jwk: Arc::new(k.public_jwk().clone()),
            },
            Self::P256(k) => PublicKey::P256 {
                jwk: Arc::new(k.public_jwk().clone()),
                verifier: k.verifier(),
            },
        }
    }
}

impl Signer for SecretKey {
    fn algorithm(&self) -> Algorithm {
        self.key_algorithm().jws_algorithm()
    }
    fn public_jwk(&self) -> &PublicJwk {
        match self {
            Self::Ed25519(k) => k.public_jwk(),
            Self::P256(k) => k.public_jwk(),
        }
    }
    fn try_sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        match self {
            Self::Ed25519(k) => Ok(k.sign(message).to_vec()),
            Self::P256(k) => k.sign(message),
        }
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ed25519(k) => k.fmt(f),
            Self::P256(k) => k.fmt(f),
        }
    }
}

/// A public key that verifies signatures. The algorithm comes from the key, never from a token.
#[derive(Clone)]
pub enum PublicKey {
    /// Ed25519, verified strictly (the checks of `verify_strict`: small-order keys, small-order
    /// `R` and non-canonical `S` fail).
    Ed25519 {
        /// The parsed point.
        key: ed25519_dalek::VerifyingKey,
        /// The JWK it came from (shared: a key is cloned for every candidate it stands for).
        jwk: Arc<PublicJwk>,
    },
    /// P-256 (ES256), verified by josekit (OpenSSL).
    P256 {
        /// The JWK (point validated on parse).
        jwk: Arc<PublicJwk>,
        /// The parsed verifier, built once.
        verifier: Arc<josekit::jws::alg::ecdsa::EcdsaJwsVerifier>,
    },
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PublicKey").field(self.jwk()).finish()
    }
}

impl PartialEq for PublicKey {
    /// The same key: the same RFC 7638 required members (what the thumbprint hashes).
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (self.jwk(), other.jwk());
        a.kty == b.kty && a.crv == b.crv && a.x == b.x && a.y == b.y
    }
}

impl Eq for PublicKey {}

impl PublicKey {
    /// Reads a public JWK (private members, if any, are ignored).
    pub fn from_jwk(jwk: &PublicJwk) -> Result<Self, KeyError> {
        Self::from_owned_jwk(jwk.clone())
    }

    /// [`Self::from_jwk`] of a JWK given by value (no copy of it).
    pub fn from_owned_jwk(jwk: PublicJwk) -> Result<Self, KeyError> {
        match (jwk.kty.as_str(), jwk.crv.as_str()) {
            ("OKP", "Ed25519") => Ok(Self::Ed25519 {
                key: ed25519::verifying_key_from_jwk(&jwk)?,
                jwk: Arc::new(jwk),
            }),
            ("EC", "P-256") => Ok(Self::P256 {
                verifier: p256::verifier_from_jwk(&jwk)?,
                jwk: Arc::new(jwk),
            }),
            (kty, crv) => Err(KeyError::UnsupportedKey(format!("kty {kty}, crv {crv}"))),
        }
    }

    /// Reads a public JWK from a JSON value.
    pub fn from_jwk_value(value: &serde_json::Value) -> Result<Self, KeyError> {
        Self::from_owned_jwk(PublicJwk::from_value(value)?)
    }

    /// The key's JWK.
    pub fn jwk(&self) -> &PublicJwk {
        match self {
            Self::Ed25519 { jwk, .. } | Self::P256 { jwk, .. } => jwk,
        }
    }

    /// The only JWS algorithm this key verifies.
    pub fn algorithm(&self) -> Algorithm {
        match self {
            Self::Ed25519 { .. } => Algorithm::EdDsa,
            Self::P256 { .. } => Algorithm::Es256,
        }
    }

    /// Checks a JWS-format signature over `message`. `false` for any failure, on purpose opaque.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            Self::Ed25519 { key, .. } => {
                let Ok(sig) = ed25519_dalek::Signature::from_slice(signature) else {
                    return false;
                };
                ed25519::verify(key, message, &sig)
            }
            Self::P256 { verifier, .. } => p256::verify(verifier, message, signature),
        }
    }
}

pub(crate) use self::ed25519::public_jwk_from_bytes as ed25519_public_jwk;
pub(crate) use self::p256::{compress as p256_compress, public_jwk_from_sec1 as p256_public_jwk};
