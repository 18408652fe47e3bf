//! Organisation signing keys at rest: one private JWK file per organisation under
//! `DATA/keys/`, mode 0600, optionally encrypted with a passphrase (argon2id →
//! XChaCha20-Poly1305, the organisation name as associated data).

use argon2::{Algorithm as Argon2Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use passeport_core::keys::{KeyAlgorithm, SecretKey};
use rand::RngCore;
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// Argon2id memory cost (KiB), iterations and lanes (OWASP's minimum recommendation).
const ARGON2_M_KIB: u32 = 19_456;
const ARGON2_T: u32 = 2;
const ARGON2_P: u32 = 1;
/// Largest key file read.
const MAX_KEY_FILE: u64 = 64 * 1024;

/// Why a key could not be stored or loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyStoreError {
    /// Reading or writing a key file failed.
    #[error("key file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The key file is encrypted and no passphrase was given.
    #[error("key file {0} is encrypted: set PASSEPORT_KEY_PASSPHRASE")]
    PassphraseRequired(PathBuf),
    /// Decryption failed: wrong passphrase or a tampered file.
    #[error("key file {0}: wrong passphrase or corrupted file")]
    Decrypt(PathBuf),
    /// The file is not a key we can read.
    #[error("key file {path}: {reason}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Key generation or encryption failed.
    #[error("key operation failed: {0}")]
    Crypto(String),
}

/// The key files of a data directory.
pub struct KeyStore {
    dir: PathBuf,
    passphrase: Option<Zeroizing<String>>,
}

impl std::fmt::Debug for KeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyStore")
            .field("dir", &self.dir)
            .field("encrypted", &self.passphrase.is_some())
            .finish()
    }
}

impl KeyStore {
    /// The key store in `DATA/keys` (created, mode 0700, when missing).
    pub fn open(
        data_dir: &Path,
        passphrase: Option<Zeroizing<String>>,
    ) -> Result<Self, KeyStoreError> {
        let dir = data_dir.join("keys");
        create_private_dir(&dir)?;
        Ok(Self { dir, passphrase })
    }

    fn plain_path(&self, org: &str) -> PathBuf {
        self.dir.join(format!("{org}.jwk"))
    }

    fn sealed_path(&self, org: &str) -> PathBuf {
        self.dir.join(format!("{org}.jwk.enc"))
    }

    /// Whether the organisation has a key file.
    pub fn exists(&self, org: &str) -> bool {
        self.plain_path(org).exists() || self.sealed_path(org).exists()
    }

    /// Makes and stores a new key for `org` (encrypted when a passphrase is set).
    pub fn create(&self, org: &str, alg: KeyAlgorithm) -> Result<SecretKey, KeyStoreError> {
        let key = SecretKey::generate(alg).map_err(|e| KeyStoreError::Crypto(e.to_string()))?;
        let jwk = key.to_private_jwk().to_json_pretty();
        match &self.passphrase {
            Some(passphrase) => {
                let sealed = seal(passphrase, org, jwk.as_bytes())?;
                write_private(&self.sealed_path(org), sealed.to_string().as_bytes())?;
            }
            None => write_private(&self.plain_path(org), jwk.as_bytes())?,
        }
        Ok(key)
    }

    /// Loads the key of `org`.
    pub fn load(&self, org: &str) -> Result<SecretKey, KeyStoreError> {
        let sealed = self.sealed_path(org);
        let (path, text) = if sealed.exists() {
            let passphrase = self
                .passphrase
                .as_ref()
                .ok_or_else(|| KeyStoreError::PassphraseRequired(sealed.clone()))?;
            let envelope = read_limited(&sealed)?;
            let value: Value =
                serde_json::from_slice(&envelope).map_err(|e| KeyStoreError::Malformed {
                    path: sealed.clone(),
                    reason: e.to_string(),
                })?;
            let plain = open_sealed(passphrase, org, &value, &sealed)?;
            (sealed, plain)
        } else {
            let path = self.plain_path(org);
            let bytes = Zeroizing::new(read_limited(&path)?);
            (path, bytes)
        };
        let text = std::str::from_utf8(&text).map_err(|_| KeyStoreError::Malformed {
            path: path.clone(),
            reason: "not UTF-8".into(),
        })?;
        SecretKey::from_jwk_json(text).map_err(|e| KeyStoreError::Malformed {
            path,
            reason: e.to_string(),
        })
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> KeyStoreError + '_ {
    move |source| KeyStoreError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Creates a directory readable only by its owner.
pub(crate) fn create_private_dir(dir: &Path) -> Result<(), KeyStoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(io(dir))
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir).map_err(io(dir))
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), KeyStoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io(path))?;
    file.write_all(bytes).map_err(io(path))?;
    file.sync_all().map_err(io(path))
}

fn read_limited(path: &Path) -> Result<Vec<u8>, KeyStoreError> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(io(path))?;
    let mut out = Vec::new();
    file.take(MAX_KEY_FILE + 1)
        .read_to_end(&mut out)
        .map_err(io(path))?;
    if out.len() as u64 > MAX_KEY_FILE {
        return Err(KeyStoreError::Malformed {
            path: path.to_owned(),
            reason: "file too large".into(),
        });
    }
    Ok(out)
}

fn derive_key(passphrase: &str, salt: &[u8]) -> Result<Zeroizing<[u8; 32]>, KeyStoreError> {
    let params = Params::new(ARGON2_M_KIB, ARGON2_T, ARGON2_P, Some(32))
        .map_err(|e| KeyStoreError::Crypto(e.to_string()))?;
    let argon = Argon2::new(Argon2Algorithm::Argon2id, Version::V0x13, params);
    let mut key = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(passphrase.as_bytes(), salt, key.as_mut())
        .map_err(|e| KeyStoreError::Crypto(e.to_string()))?;
    Ok(key)
}

fn seal(passphrase: &str, org: &str, plain: &[u8]) -> Result<Value, KeyStoreError> {
    let mut salt = [0u8; 16];
    let mut nonce = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let key = derive_key(passphrase, &salt)?;
    let cipher = XChaCha20Poly1305::new(key.as_ref().into());
    let ciphertext = cipher
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: plain,
                aad: org.as_bytes(),
            },
        )
        .map_err(|e| KeyStoreError::Crypto(e.to_string()))?;
    Ok(json!({
        "kdf": "argon2id",
        "m": ARGON2_M_KIB, "t": ARGON2_T, "p": ARGON2_P,
        "salt": passeport_core::b64::encode(salt),
        "cipher": "XChaCha20-Poly1305",
        "nonce": passeport_core::b64::encode(nonce),
        "ciphertext": passeport_core::b64::encode(ciphertext),
    }))
}

fn open_sealed(
    passphrase: &str,
    org: &str,
    envelope: &Value,
    path: &Path,
) -> Result<Zeroizing<Vec<u8>>, KeyStoreError> {
    let field = |name: &str| -> Result<Vec<u8>, KeyStoreError> {
        envelope
            .get(name)
            .and_then(Value::as_str)
            .and_then(|t| passeport_core::b64::decode(t).ok())
            .ok_or_else(|| KeyStoreError::Malformed {
                path: path.to_owned(),
                reason: format!("`{name}` missing or not base64url"),
            })
    };
    let salt = field("salt")?;
    let nonce = field("nonce")?;
    let ciphertext = field("ciphertext")?;
    let nonce: [u8; 24] = nonce.try_into().map_err(|_| KeyStoreError::Malformed {
        path: path.to_owned(),
        reason: "nonce must be 24 bytes".into(),
    })?;
    let key = derive_key(passphrase, &salt)?;
    let cipher = XChaCha20Poly1305::new(key.as_ref().into());
    cipher
        .decrypt(
            &XNonce::from(nonce),
            Payload {
                msg: &ciphertext,
                aad: org.as_bytes(),
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| KeyStoreError::Decrypt(path.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use passeport_core::keys::Signer;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("passeport-ks-{name}-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn plain_key_file_is_private_and_loads() {
        let dir = temp_dir("plain");
        let store = KeyStore::open(&dir, None).unwrap();
        let key = store.create("acme", KeyAlgorithm::P256).unwrap();
        let loaded = store.load("acme").unwrap();
        assert_eq!(key.public_jwk(), loaded.public_jwk());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("keys/acme.jwk"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(
            store.create("acme", KeyAlgorithm::Ed25519).is_err(),
            "never overwrites a key"
        );
    }

    #[test]
    fn sealed_key_needs_the_right_passphrase() {
        let dir = temp_dir("sealed");
        let store = KeyStore::open(&dir, Some(Zeroizing::new("correct horse".into()))).unwrap();
        let key = store.create("acme", KeyAlgorithm::Ed25519).unwrap();
        let text = std::fs::read_to_string(dir.join("keys/acme.jwk.enc")).unwrap();
        let d = key.to_private_jwk();
        let d_value = d.to_json_pretty();
        let d_member: Value = serde_json::from_str(&d_value).unwrap();
        assert!(
            !text.contains(d_member["d"].as_str().unwrap()),
            "no private key in clear"
        );
        assert_eq!(store.load("acme").unwrap().public_jwk(), key.public_jwk());

        let wrong = KeyStore::open(&dir, Some(Zeroizing::new("wrong".into()))).unwrap();
        assert!(matches!(wrong.load("acme"), Err(KeyStoreError::Decrypt(_))));
        let none = KeyStore::open(&dir, None).unwrap();
        assert!(matches!(
            none.load("acme"),
            Err(KeyStoreError::PassphraseRequired(_))
        ));
    }

    #[test]
    fn rejects_sealed_key_moved_to_another_org() {
        let dir = temp_dir("moved");
        let pass = Some(Zeroizing::new("pw".to_owned()));
        let store = KeyStore::open(&dir, pass).unwrap();
        store.create("acme", KeyAlgorithm::Ed25519).unwrap();
        std::fs::copy(dir.join("keys/acme.jwk.enc"), dir.join("keys/evil.jwk.enc")).unwrap();
        assert!(matches!(store.load("evil"), Err(KeyStoreError::Decrypt(_))));
    }
}
