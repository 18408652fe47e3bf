//! Administration: API keys (and the organisations they create).

use crate::auth::new_token;
use crate::keystore::KeyStore;
use crate::state::{open_sqlite, StartError};
use crate::store::{ApiKeyRecord, OrgRecord, OrgStore};
use passeport_core::keys::KeyAlgorithm;
use passeport_core::model::RecordType;
use std::path::Path;
use zeroize::Zeroizing;

/// Why an admin command failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdminError {
    /// The organisation id is not usable in a `did:web` path.
    #[error("organisation `{0}`: use 1 to 63 lowercase letters, digits and `-`")]
    BadOrg(String),
    /// The organisation exists with another key algorithm.
    #[error("organisation `{org}` already has an {existing} key")]
    AlgorithmMismatch {
        /// The organisation.
        org: String,
        /// Its key algorithm.
        existing: String,
    },
    /// Opening the data directory failed.
    #[error(transparent)]
    Start(#[from] StartError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// Key storage failed.
    #[error(transparent)]
    Keys(#[from] crate::keystore::KeyStoreError),
}

/// Whether `org` is a valid organisation id (a did:web path segment).
pub fn valid_org(org: &str) -> bool {
    !org.is_empty()
        && org.len() <= 63
        && !org.starts_with('-')
        && org
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn alg_name(alg: KeyAlgorithm) -> &'static str {
    match alg {
        KeyAlgorithm::Ed25519 => "ed25519",
        KeyAlgorithm::P256 => "p256",
    }
}

/// Makes a bearer token for `org` (an Ed25519 organisation key is made when the org is new),
/// scoped to `types` (all six when empty). Returns the token, to print once.
pub async fn create_api_key(
    data_dir: &Path,
    org: &str,
    types: &[RecordType],
) -> Result<Zeroizing<String>, AdminError> {
    create_api_key_with(
        data_dir,
        org,
        types,
        None,
        crate::config::passphrase_from_env(),
    )
    .await
}

/// As [`create_api_key`], choosing the key algorithm of a new organisation (`None`: Ed25519,
/// or whatever the existing organisation has) and the passphrase protecting its key file
/// (`None`: a plain mode-0600 file).
pub async fn create_api_key_with(
    data_dir: &Path,
    org: &str,
    types: &[RecordType],
    alg: Option<KeyAlgorithm>,
    key_passphrase: Option<Zeroizing<String>>,
) -> Result<Zeroizing<String>, AdminError> {
    if !valid_org(org) {
        return Err(AdminError::BadOrg(org.to_owned()));
    }
    let store = open_sqlite(data_dir).await?;
    let keys = KeyStore::open(data_dir, key_passphrase)?;
    let now = passeport_core::clock::Clock::now(&passeport_core::clock::SystemClock);
    match store.org(org).await? {
        Some(existing) => {
            if let Some(alg) = alg {
                if existing.key_alg != alg_name(alg) {
                    return Err(AdminError::AlgorithmMismatch {
                        org: org.to_owned(),
                        existing: existing.key_alg,
                    });
                }
            }
            // Fail now, not at the first request, if the key cannot be read.
            keys.load(org)?;
        }
        None => {
            // A key left by an interrupted earlier run is kept, never replaced.
            let alg = if keys.exists(org) {
                keys.load(org)?.key_algorithm()
            } else {
                let alg = alg.unwrap_or(KeyAlgorithm::Ed25519);
                keys.create(org, alg)?;
                alg
            };
            store
                .insert_org(&OrgRecord {
                    id: org.to_owned(),
                    key_alg: alg_name(alg).to_owned(),
                    created_at: now,
                })
                .await?;
        }
    }
    let types: Vec<RecordType> = if types.is_empty() {
        RecordType::ALL.to_vec()
    } else {
        types.to_vec()
    };
    let token = new_token();
    store
        .insert_api_key(&ApiKeyRecord {
            id: token.id.clone(),
            org: org.to_owned(),
            secret_hash: token.secret_hash.clone(),
            types: types.iter().map(|t| t.name().to_owned()).collect(),
            created_at: now,
        })
        .await?;
    store.close().await;
    Ok(token.text)
}
