//! Service configuration.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use zeroize::Zeroizing;

/// The environment variable holding the passphrase that encrypts organisation keys at rest.
pub const KEY_PASSPHRASE_ENV: &str = "PASSEPORT_KEY_PASSPHRASE";

/// How the service runs (`passeport serve` flags).
#[derive(Clone)]
pub struct Config {
    /// Address to listen on (`127.0.0.1:0` picks a free port).
    pub listen: SocketAddr,
    /// Data directory: SQLite database and key files (created on first start).
    pub data_dir: PathBuf,
    /// Public base URL (no trailing `/`); default `http://{bound address}`.
    pub public_url: Option<String>,
    /// Trust list (file or URL) for the verifier side (`GET /p/{id}`).
    pub trust: Option<String>,
    /// Passphrase encrypting organisation keys at rest (argon2id + XChaCha20-Poly1305).
    pub key_passphrase: Option<Zeroizing<String>>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("public_url", &self.public_url)
            .field("trust", &self.trust)
            .field("key_passphrase", &self.key_passphrase.as_ref().map(|_| "…"))
            .finish()
    }
}

impl Config {
    /// A configuration with defaults; the key passphrase is read from [`KEY_PASSPHRASE_ENV`].
    pub fn new(listen: SocketAddr, data_dir: impl Into<PathBuf>) -> Self {
        Self {
            listen,
            data_dir: data_dir.into(),
            public_url: None,
            trust: None,
            key_passphrase: passphrase_from_env(),
        }
    }
}

/// The key passphrase from the environment, if set and not empty.
pub fn passphrase_from_env() -> Option<Zeroizing<String>> {
    std::env::var(KEY_PASSPHRASE_ENV)
        .ok()
        .filter(|p| !p.is_empty())
        .map(Zeroizing::new)
}
