//! Shared state of the handlers: storage, organisation signers, configuration.

use crate::config::Config;
use crate::error::ApiError;
use crate::keystore::KeyStore;
use crate::store::sqlite::SqliteStore;
use crate::store::{OrgRecord, Store, StoreError};
use passeport_core::clock::{Clock, SystemClock};
use passeport_core::did::Did;
use passeport_core::keys::{SecretKey, Signer};
use passeport_issuer::Issuer;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, RwLock};

/// The SQLite file name under the data directory.
pub const DATABASE_FILE: &str = "passeport.sqlite3";

/// An organisation's signing identity.
pub struct OrgSigner {
    /// The organisation id.
    pub org: String,
    /// Its `did:web`.
    pub did: Did,
    /// The verification method id (`{did}#key-1`).
    pub kid: String,
    /// The signing key.
    pub signer: Arc<dyn Signer>,
    /// An issuer signing as the DID.
    pub issuer: Arc<Issuer>,
}

impl std::fmt::Debug for OrgSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrgSigner")
            .field("org", &self.org)
            .field("did", &self.did)
            .field("key", self.signer.public_jwk())
            .finish_non_exhaustive()
    }
}

/// Cached signed status list: the list version it was made from, and the token.
#[derive(Debug, Clone)]
pub(crate) struct SignedList {
    pub(crate) version: i64,
    pub(crate) token: Arc<str>,
}

/// What every handler can reach.
pub struct AppState {
    /// Storage.
    pub store: Arc<dyn Store>,
    /// Organisation keys at rest.
    pub keys: KeyStore,
    /// Public base URL (no trailing `/`).
    pub public_url: String,
    /// The did:web host part (`127.0.0.1:8080`, `passeport.example`).
    pub did_host: String,
    /// The configuration it was made from.
    pub config: Config,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Issuers trusted by `serve --trust` (besides the hosted organisations), read at start.
    pub trust: passeport_verifier::TrustList,
    signers: RwLock<HashMap<String, Arc<OrgSigner>>>,
    pub(crate) signed_lists: RwLock<HashMap<String, SignedList>>,
    sqlite: Option<Arc<SqliteStore>>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("public_url", &self.public_url)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// Storage failed to open.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The key store failed to open.
    #[error(transparent)]
    Keys(#[from] crate::keystore::KeyStoreError),
    /// The public URL is not usable.
    #[error("public URL `{0}`: must be http(s)://HOST[:PORT] without path")]
    PublicUrl(String),
    /// The `--trust` list cannot be read or parsed.
    #[error("{0}")]
    Trust(String),
    /// Binding or serving failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// The did:web host of a public URL (`http://127.0.0.1:8080` → `127.0.0.1:8080`).
pub fn did_host(public_url: &str) -> Result<String, StartError> {
    let bad = || StartError::PublicUrl(public_url.to_owned());
    let rest = public_url
        .strip_prefix("https://")
        .or_else(|| public_url.strip_prefix("http://"))
        .ok_or_else(bad)?;
    let host = rest.trim_end_matches('/');
    if host.is_empty() || host.contains(['/', '@', '?', '#', ' ']) {
        return Err(bad());
    }
    Ok(host.to_owned())
}

/// Opens the SQLite store of a data directory (creating the directory, mode 0700).
pub async fn open_sqlite(data_dir: &Path) -> Result<SqliteStore, StartError> {
    crate::keystore::create_private_dir(data_dir)?;
    Ok(SqliteStore::open(&data_dir.join(DATABASE_FILE)).await?)
}

impl AppState {
    /// Opens the embedded store and keys under `config.data_dir`, serving as `public_url`.
    pub async fn open(config: Config, public_url: &str) -> Result<Self, StartError> {
        let store = Arc::new(open_sqlite(&config.data_dir).await?);
        let keys = KeyStore::open(&config.data_dir, config.key_passphrase.clone())?;
        let mut state = Self::with_store(store.clone(), keys, config, public_url)?;
        state.sqlite = Some(store);
        if let Some(source) = &state.config.trust {
            state.trust = crate::routes::presentations::load_trust(source).await?;
        }
        // Fail at start, not at the first request, when a key cannot be read (wrong passphrase).
        for org in state.store.orgs().await? {
            state.keys.load(&org.id)?;
        }
        Ok(state)
    }

    /// A state over any store (tests, other backends).
    pub fn with_store(
        store: Arc<dyn Store>,
        keys: KeyStore,
        config: Config,
        public_url: &str,
    ) -> Result<Self, StartError> {
        let public_url = public_url.trim_end_matches('/').to_owned();
        Ok(Self {
            store,
            keys,
            did_host: did_host(&public_url)?,
            public_url,
            config,
            clock: Arc::new(SystemClock),
            trust: passeport_verifier::TrustList::new(),
            signers: RwLock::new(HashMap::new()),
            signed_lists: RwLock::new(HashMap::new()),
            sqlite: None,
        })
    }

    /// Closes storage (after the server stopped).
    pub async fn close(&self) {
        if let Some(sqlite) = &self.sqlite {
            sqlite.close().await;
        }
    }

    /// The `did:web` of an organisation.
    pub fn org_did(&self, org: &str) -> Result<Did, ApiError> {
        passeport_core::did::web::did_web(&self.did_host, &["orgs", org])
            .map_err(|e| ApiError::Internal(format!("did:web for {org}: {e}")))
    }

    /// The URL of a status list.
    pub fn status_list_url(&self, list_id: &str) -> String {
        format!("{}/v1/status-lists/{list_id}", self.public_url)
    }

    /// The organisation's signer (loaded from its key file on first use); 404 for an unknown org.
    pub async fn org_signer(&self, org: &str) -> Result<Arc<OrgSigner>, ApiError> {
        if let Ok(cache) = self.signers.read() {
            if let Some(signer) = cache.get(org) {
                return Ok(signer.clone());
            }
        }
        let record: OrgRecord = self
            .store
            .org(org)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("organisation `{org}`")))?;
        let key: SecretKey = self.keys.load(&record.id)?;
        let did = self.org_did(&record.id)?;
        let kid = format!("{did}#key-1");
        let signer: Arc<dyn Signer> = Arc::new(key);
        let issuer = Issuer::new(signer.clone(), did.as_str())
            .map_err(|e| ApiError::Internal(e.to_string()))?
            .with_kid(kid.clone())
            .with_clock(self.clock.clone());
        let org_signer = Arc::new(OrgSigner {
            org: record.id.clone(),
            did,
            kid,
            signer,
            issuer: Arc::new(issuer),
        });
        if let Ok(mut cache) = self.signers.write() {
            cache.insert(record.id, org_signer.clone());
        }
        Ok(org_signer)
    }
}
