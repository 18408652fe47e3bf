//! Encryption at rest: Argon2id turns the passphrase into a key-encryption key, which wraps a
//! random data key; the data key seals every record with XChaCha20-Poly1305.
//!
//! Wrapping (rather than deriving the data key directly) lets the passphrase or the Argon2
//! parameters change without re-encrypting every record.

use crate::WalletError;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore as _;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

/// Bytes of an XChaCha20 nonce.
const NONCE_LEN: usize = 24;
/// Bytes of a key.
const KEY_LEN: usize = 32;
/// Bytes of an Argon2 salt.
const SALT_LEN: usize = 16;
/// Weakest Argon2 memory cost accepted from a file (KiB), so a tampered header cannot make
/// the key derivation trivial.
const MIN_MEMORY_KIB: u32 = 8;
/// Strongest memory cost accepted from a file (4 GiB), so a tampered header cannot exhaust memory.
const MAX_MEMORY_KIB: u32 = 4 << 20;
/// Most Argon2 passes accepted from a file.
const MAX_TIME_COST: u32 = 64;
/// Most Argon2 lanes accepted from a file.
const MAX_PARALLELISM: u32 = 16;

/// Argon2id cost parameters, stored with the wallet so they can be raised later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory cost, KiB.
    pub memory_kib: u32,
    /// Number of passes.
    pub time_cost: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl KdfParams {
    /// The OWASP-recommended minimum for Argon2id (19 MiB, 2 passes, 1 lane).
    pub const RECOMMENDED: Self = Self {
        memory_kib: 19 * 1024,
        time_cost: 2,
        parallelism: 1,
    };

    /// Cheap parameters for tests only: a wallet made with them is easy to brute-force.
    pub const INSECURE_FOR_TESTS: Self = Self {
        memory_kib: MIN_MEMORY_KIB,
        time_cost: 1,
        parallelism: 1,
    };

    fn check(self) -> Result<Self, WalletError> {
        let ok = (MIN_MEMORY_KIB..=MAX_MEMORY_KIB).contains(&self.memory_kib)
            && (1..=MAX_TIME_COST).contains(&self.time_cost)
            && (1..=MAX_PARALLELISM).contains(&self.parallelism);
        if ok {
            Ok(self)
        } else {
            Err(WalletError::BadKdfParams(self))
        }
    }
}

impl Default for KdfParams {
    fn default() -> Self {
        Self::RECOMMENDED
    }
}

/// The clear header of an encrypted container: how to get from the passphrase to the data key.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct KeyHeader {
    /// `argon2id`.
    pub kdf: String,
    /// Argon2 costs.
    pub params: KdfParams,
    /// Salt, base64url.
    pub salt: String,
    /// The data key sealed under the passphrase key, base64url (`nonce || ciphertext`).
    pub wrapped_key: String,
}

/// A 256-bit secret key, wiped on drop, never printed.
pub(crate) struct SecretBytes(Zeroizing<[u8; KEY_LEN]>);

impl SecretBytes {
    pub(crate) fn random() -> Self {
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        rand::rngs::OsRng.fill_bytes(key.as_mut());
        Self(key)
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(self.0.as_ref().into())
    }

    /// Seals `plaintext`, bound to `aad` (where it lives), as `nonce || ciphertext`.
    pub(crate) fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, WalletError> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .cipher()
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .map_err(|_| WalletError::Crypto("encryption failed"))?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Opens what [`Self::seal`] made with the same `aad`; `None` when the key is wrong or the
    /// bytes were altered or moved.
    pub(crate) fn open(&self, sealed: &[u8], aad: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let (nonce, ciphertext) = sealed.split_at_checked(NONCE_LEN)?;
        let nonce: [u8; NONCE_LEN] = nonce.try_into().ok()?;
        self.cipher()
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: ciphertext,
                    aad,
                },
            )
            .ok()
            .map(Zeroizing::new)
    }
}

impl std::fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBytes(..)")
    }
}

/// Derives the key-encryption key from the passphrase.
fn derive(passphrase: &str, salt: &[u8], params: KdfParams) -> Result<SecretBytes, WalletError> {
    let params = params.check()?;
    let argon = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(
            params.memory_kib,
            params.time_cost,
            params.parallelism,
            Some(KEY_LEN),
        )
        .map_err(|_| WalletError::BadKdfParams(params))?,
    );
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    argon
        .hash_password_into(passphrase.as_bytes(), salt, key.as_mut())
        .map_err(|_| WalletError::BadKdfParams(params))?;
    Ok(SecretBytes(key))
}

const WRAP_AAD: &[u8] = b"passeport-wallet/v1/data-key";

impl KeyHeader {
    /// Wraps `data_key` under a fresh salt and the passphrase.
    pub(crate) fn wrap(
        passphrase: &str,
        params: KdfParams,
        data_key: &SecretBytes,
    ) -> Result<Self, WalletError> {
        let mut salt = [0u8; SALT_LEN];
        rand::rngs::OsRng.fill_bytes(&mut salt);
        let kek = derive(passphrase, &salt, params)?;
        let wrapped = kek.seal(data_key.0.as_ref(), WRAP_AAD)?;
        Ok(Self {
            kdf: "argon2id".into(),
            params,
            salt: passeport_core::b64::encode(salt),
            wrapped_key: passeport_core::b64::encode(wrapped),
        })
    }

    /// Recovers the data key; [`WalletError::WrongPassphrase`] when the passphrase is wrong.
    pub(crate) fn unwrap_key(&self, passphrase: &str) -> Result<SecretBytes, WalletError> {
        if self.kdf != "argon2id" {
            return Err(WalletError::Corrupt(format!(
                "unknown key derivation `{}`",
                self.kdf
            )));
        }
        let salt = passeport_core::b64::decode(&self.salt)
            .map_err(|_| WalletError::Corrupt("salt is not base64url".into()))?;
        let wrapped = passeport_core::b64::decode(&self.wrapped_key)
            .map_err(|_| WalletError::Corrupt("wrapped key is not base64url".into()))?;
        let kek = derive(passphrase, &salt, self.params)?;
        let mut opened = kek
            .open(&wrapped, WRAP_AAD)
            .ok_or(WalletError::WrongPassphrase)?;
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        if opened.len() != KEY_LEN {
            opened.zeroize();
            return Err(WalletError::Corrupt(
                "wrapped key has the wrong size".into(),
            ));
        }
        key.copy_from_slice(&opened);
        Ok(SecretBytes(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_binds_ciphertext_to_its_place() {
        let key = SecretBytes::random();
        let sealed = key.seal(b"hello", b"cred/1").unwrap();
        assert_eq!(&key.open(&sealed, b"cred/1").unwrap()[..], b"hello");
        assert!(key.open(&sealed, b"cred/2").is_none());
        let mut flipped = sealed.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert!(key.open(&flipped, b"cred/1").is_none());
    }

    #[test]
    fn wrong_passphrase_is_reported_as_such() {
        let key = SecretBytes::random();
        let header = KeyHeader::wrap("right", KdfParams::INSECURE_FOR_TESTS, &key).unwrap();
        assert!(header.unwrap_key("right").is_ok());
        assert!(matches!(
            header.unwrap_key("wrong"),
            Err(WalletError::WrongPassphrase)
        ));
    }

    #[test]
    fn rejects_tampered_kdf_params_that_exhaust_memory() {
        let key = SecretBytes::random();
        let mut header = KeyHeader::wrap("pw", KdfParams::INSECURE_FOR_TESTS, &key).unwrap();
        header.params.memory_kib = u32::MAX;
        assert!(matches!(
            header.unwrap_key("pw"),
            Err(WalletError::BadKdfParams(_))
        ));
    }
}
