//! The wallet: an encrypted [`Storage`] plus the holder key, and everything the holder does.

use crate::backup;
use crate::crypto::{KdfParams, KeyHeader, SecretBytes};
use crate::import::{self, ImportRejected, ImportVerifier, MAX_CREDENTIAL_BYTES};
use crate::link::{LinkService, PublishedLink};
use crate::present::{build_presentation, PresentItem, Presentation};
use crate::records::{
    CredentialFilter, CredentialRecord, HolderNote, LogAction, LogEntry, NoteKind, SharedLink,
};
use crate::storage::{Batch, Collection, SqliteStore, Storage};
use crate::WalletError;
use passeport_core::clock::{Clock, SystemClock};
use passeport_core::did::Did;
use passeport_core::keys::{KeyAlgorithm, PublicJwk, SecretKey, Signer};
use rand::RngCore as _;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::Arc;
use zeroize::Zeroizing;

/// File name of the SQLite store inside a wallet directory.
pub const DB_FILE: &str = "wallet.db";
/// Format name in the store header.
const STORE_FORMAT: &str = "passeport-wallet";
/// Version of the store layout.
const STORE_VERSION: u32 = 1;
/// Id of the holder key record.
const HOLDER_KEY_ID: &str = "holder";
/// Longest note title / text accepted (bytes).
const MAX_NOTE_BYTES: usize = 64 << 10;

/// The clear header of a store: the format, and how to unwrap the data key.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StoreHeader {
    format: String,
    version: u32,
    key: KeyHeader,
}

/// The holder key record (sealed).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
enum HolderKeyRecord {
    /// The private JWK, JSON text.
    Local { private_jwk: String },
    /// Held elsewhere (a keystore): only the public JWK is kept.
    External { public_jwk: serde_json::Value },
}

/// Where the holder key comes from at [`Wallet::create`].
#[derive(Clone)]
#[non_exhaustive]
pub enum HolderKeyChoice {
    /// A fresh key made and kept (encrypted) by the wallet.
    Generate(KeyAlgorithm),
    /// A key held elsewhere (a phone's keystore, an HSM): the wallet keeps only its public JWK
    /// and the app hands the signer to [`Wallet::open_with_signer`].
    External(Arc<dyn Signer>),
}

impl std::fmt::Debug for HolderKeyChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Generate(alg) => f.debug_tuple("Generate").field(alg).finish(),
            Self::External(s) => f.debug_tuple("External").field(s.public_jwk()).finish(),
        }
    }
}

/// Options of [`Wallet::create`].
#[derive(Debug, Clone)]
pub struct CreateOptions {
    /// Argon2id costs.
    pub kdf: KdfParams,
    /// The holder key.
    pub holder_key: HolderKeyChoice,
}

impl Default for CreateOptions {
    fn default() -> Self {
        Self {
            kdf: KdfParams::RECOMMENDED,
            holder_key: HolderKeyChoice::Generate(KeyAlgorithm::Ed25519),
        }
    }
}

/// One credential and the claims of it to show, by wallet id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// The credential's wallet id.
    pub credential_id: String,
    /// JSON pointers into its subject.
    pub disclose: Vec<String>,
}

/// The holder's wallet over a store `S`.
pub struct Wallet<S: Storage = SqliteStore> {
    store: S,
    header: StoreHeader,
    data_key: SecretBytes,
    holder: Arc<dyn Signer>,
    clock: Arc<dyn Clock>,
}

impl<S: Storage> std::fmt::Debug for Wallet<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wallet")
            .field("holder", self.holder.public_jwk())
            .finish_non_exhaustive()
    }
}

fn random_id() -> String {
    let mut bytes = [0u8; 10];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn aad(collection: Collection, id: &str) -> Vec<u8> {
    format!("passeport-wallet/v1/{}/{id}", collection.as_str()).into_bytes()
}

impl Wallet<SqliteStore> {
    /// Creates a wallet in directory `dir` (made if needed, mode 0700 on Unix).
    pub fn create_in(
        dir: &Path,
        passphrase: &str,
        options: CreateOptions,
    ) -> Result<Self, WalletError> {
        Self::create(open_dir(dir)?, passphrase, options)
    }

    /// Opens the wallet in directory `dir`.
    pub fn open_in(dir: &Path, passphrase: &str) -> Result<Self, WalletError> {
        let path = dir.join(DB_FILE);
        if !path.exists() {
            return Err(WalletError::NotInitialised(dir.display().to_string()));
        }
        Self::open(open_dir(dir)?, passphrase)
    }

    /// Rebuilds a wallet from a backup in a new directory `dir`.
    pub fn restore_in(dir: &Path, backup: &[u8], passphrase: &str) -> Result<Self, WalletError> {
        Self::restore(open_dir(dir)?, backup, passphrase)
    }
}

fn open_dir(dir: &Path) -> Result<SqliteStore, WalletError> {
    let io = |source| WalletError::Io {
        path: dir.display().to_string(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io)?;
    }
    Ok(SqliteStore::open(&dir.join(DB_FILE))?)
}

impl<S: Storage> Wallet<S> {
    /// Initialises an empty store: a random data key wrapped under the passphrase, and the
    /// holder key. Fails with [`WalletError::AlreadyInitialised`] on a store that has a wallet.
    pub fn create(store: S, passphrase: &str, options: CreateOptions) -> Result<Self, WalletError> {
        if store.header()?.is_some() {
            return Err(WalletError::AlreadyInitialised);
        }
        let data_key = SecretBytes::random();
        let header = StoreHeader {
            format: STORE_FORMAT.into(),
            version: STORE_VERSION,
            key: KeyHeader::wrap(passphrase, options.kdf, &data_key)?,
        };
        let (holder, record): (Arc<dyn Signer>, HolderKeyRecord) = match options.holder_key {
            HolderKeyChoice::Generate(alg) => {
                let key =
                    SecretKey::generate(alg).map_err(|e| WalletError::HolderKey(e.to_string()))?;
                let jwk = key.to_private_jwk().to_json_pretty();
                (
                    Arc::new(key),
                    HolderKeyRecord::Local {
                        private_jwk: jwk.to_string(),
                    },
                )
            }
            HolderKeyChoice::External(signer) => {
                let public_jwk = signer.public_jwk().to_value();
                (signer, HolderKeyRecord::External { public_jwk })
            }
        };
        let mut wallet = Self {
            store,
            header,
            data_key,
            holder,
            clock: Arc::new(SystemClock),
        };
        let mut batch = Batch {
            header: Some(header_bytes(&wallet.header)?),
            ..Batch::default()
        };
        let sealed_key = {
            let plain = Zeroizing::new(serde_json::to_vec(&record).map_err(json_err)?);
            drop(record);
            wallet.seal(Collection::HolderKey, HOLDER_KEY_ID, &plain)?
        };
        batch
            .puts
            .push((Collection::HolderKey, HOLDER_KEY_ID.into(), sealed_key));
        wallet.push_log(&mut batch, LogAction::Created)?;
        wallet.store.commit(batch)?;
        Ok(wallet)
    }

    /// Opens a wallet whose holder key it keeps. [`WalletError::WrongPassphrase`] when the
    /// passphrase does not unwrap the data key.
    pub fn open(store: S, passphrase: &str) -> Result<Self, WalletError> {
        let (header, data_key) = unlock(&store, passphrase)?;
        let record: HolderKeyRecord =
            read(&store, &data_key, Collection::HolderKey, HOLDER_KEY_ID)?
                .ok_or_else(|| WalletError::Corrupt("the holder key is missing".into()))?;
        let holder: Arc<dyn Signer> = match record {
            HolderKeyRecord::Local { private_jwk } => {
                let private_jwk = Zeroizing::new(private_jwk);
                Arc::new(
                    SecretKey::from_jwk_json(&private_jwk)
                        .map_err(|e| WalletError::HolderKey(e.to_string()))?,
                )
            }
            HolderKeyRecord::External { .. } => return Err(WalletError::ExternalHolderKey),
        };
        Ok(Self {
            store,
            header,
            data_key,
            holder,
            clock: Arc::new(SystemClock),
        })
    }

    /// Opens a wallet whose holder key is held elsewhere, given that key's signer; the signer's
    /// public key must be the one recorded at creation.
    pub fn open_with_signer(
        store: S,
        passphrase: &str,
        signer: Arc<dyn Signer>,
    ) -> Result<Self, WalletError> {
        let (header, data_key) = unlock(&store, passphrase)?;
        let record: HolderKeyRecord =
            read(&store, &data_key, Collection::HolderKey, HOLDER_KEY_ID)?
                .ok_or_else(|| WalletError::Corrupt("the holder key is missing".into()))?;
        let expected = match record {
            HolderKeyRecord::External { public_jwk } => PublicJwk::from_value(&public_jwk)
                .map_err(|e| WalletError::HolderKey(e.to_string()))?,
            HolderKeyRecord::Local { private_jwk } => {
                let private_jwk = Zeroizing::new(private_jwk);
                let key = SecretKey::from_jwk_json(&private_jwk)
                    .map_err(|e| WalletError::HolderKey(e.to_string()))?;
                key.public_jwk().clone()
            }
        };
        if expected.thumbprint() != signer.public_jwk().thumbprint() {
            return Err(WalletError::HolderKeyMismatch);
        }
        Ok(Self {
            store,
            header,
            data_key,
            holder: signer,
            clock: Arc::new(SystemClock),
        })
    }

    /// Uses `clock` for timestamps (`iat`, log entries) instead of the system clock.
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The store, for an app that wants it back.
    pub fn into_store(self) -> S {
        self.store
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The store, mutably (to install a write hook in tests).
    pub fn store_mut(&mut self) -> &mut S {
        &mut self.store
    }

    /// The Argon2id parameters the passphrase is stretched with.
    pub fn kdf_params(&self) -> KdfParams {
        self.header.key.params
    }

    /// The holder's public JWK, for issuers to bind credentials to.
    pub fn holder_jwk(&self) -> &PublicJwk {
        self.holder.public_jwk()
    }

    /// The holder's `did:jwk`.
    pub fn holder_did(&self) -> Result<Did, WalletError> {
        passeport_core::did::jwk::did_jwk(self.holder.public_jwk())
            .map_err(|e| WalletError::HolderKey(e.to_string()))
    }

    /// The holder's signer.
    pub fn holder_signer(&self) -> Arc<dyn Signer> {
        Arc::clone(&self.holder)
    }

    /// Re-wraps the data key under a new passphrase and/or stronger Argon2 costs. Records are
    /// not re-encrypted (they are sealed under the data key, which does not change).
    pub fn change_passphrase(
        &mut self,
        new_passphrase: &str,
        kdf: KdfParams,
    ) -> Result<(), WalletError> {
        let header = StoreHeader {
            format: STORE_FORMAT.into(),
            version: STORE_VERSION,
            key: KeyHeader::wrap(new_passphrase, kdf, &self.data_key)?,
        };
        let mut batch = Batch {
            header: Some(header_bytes(&header)?),
            ..Batch::default()
        };
        self.push_log(&mut batch, LogAction::Rekey)?;
        self.store.commit(batch)?;
        self.header = header;
        Ok(())
    }

    // ---- credentials ----

    /// Verifies `credential` with `verifier` and stores it. A refused credential is not
    /// stored ([`WalletError::Rejected`] says why) and the refusal is logged.
    pub fn import(
        &mut self,
        credential: &str,
        verifier: &dyn ImportVerifier,
    ) -> Result<CredentialRecord, WalletError> {
        if credential.len() > MAX_CREDENTIAL_BYTES {
            return Err(WalletError::TooLarge {
                size: credential.len(),
                max: MAX_CREDENTIAL_BYTES,
            });
        }
        let verified = match verifier.verify_for_import(credential) {
            Ok(verified) => verified,
            Err(rejected) => return Err(self.refuse(rejected)?),
        };
        if let Some(cnf) = verified.claims.get("cnf").and_then(|c| c.get("jwk")) {
            let bound = PublicJwk::from_value(cnf).map(|j| j.thumbprint()).ok();
            if bound.as_deref() != Some(self.holder.public_jwk().thumbprint().as_str()) {
                return Err(self.refuse(ImportRejected::because(
                    "holder_binding: the credential is bound (cnf) to another key than this wallet's holder key",
                ))?);
            }
        }
        let trimmed = credential.trim();
        if let Some(existing) = self
            .all::<CredentialRecord>(Collection::Credential)?
            .into_iter()
            .find(|c| c.credential == trimmed)
        {
            return Err(WalletError::AlreadyImported { id: existing.id });
        }
        let format = import::detect_format(credential)?;
        let record =
            import::to_record(random_id(), credential, format, verified, self.clock.now())?;
        let mut batch = Batch::default();
        self.push(&mut batch, Collection::Credential, &record.id, &record)?;
        self.push_log(
            &mut batch,
            LogAction::Import {
                credential: record.id.clone(),
                issuer: record.issuer.clone(),
            },
        )?;
        self.store.commit(batch)?;
        Ok(record)
    }

    fn refuse(&mut self, rejected: ImportRejected) -> Result<WalletError, WalletError> {
        let mut batch = Batch::default();
        self.push_log(
            &mut batch,
            LogAction::ImportRefused {
                reason: rejected.to_string(),
            },
        )?;
        self.store.commit(batch)?;
        Ok(WalletError::Rejected(rejected))
    }

    /// The credentials `filter` accepts, oldest first (by `validFrom`, then import time).
    pub fn credentials(
        &self,
        filter: &CredentialFilter,
    ) -> Result<Vec<CredentialRecord>, WalletError> {
        let mut records: Vec<CredentialRecord> = self
            .all::<CredentialRecord>(Collection::Credential)?
            .into_iter()
            .filter(|c| filter.matches(c))
            .collect();
        records.sort_by(|a, b| {
            (&a.valid_from, a.imported_at, &a.id).cmp(&(&b.valid_from, b.imported_at, &b.id))
        });
        Ok(records)
    }

    /// One credential.
    pub fn credential(&self, id: &str) -> Result<CredentialRecord, WalletError> {
        self.get(Collection::Credential, id)?
            .ok_or_else(|| WalletError::NotFound {
                what: "credential",
                id: id.to_owned(),
            })
    }

    /// Removes a credential.
    pub fn remove_credential(&mut self, id: &str) -> Result<(), WalletError> {
        self.credential(id)?;
        let mut batch = Batch::default();
        batch.deletes.push((Collection::Credential, id.to_owned()));
        self.push_log(
            &mut batch,
            LogAction::Remove {
                credential: id.to_owned(),
            },
        )?;
        self.store.commit(batch)?;
        Ok(())
    }

    // ---- presenting ----

    fn presentation(
        &self,
        selections: &[Selection],
        audience: &str,
        nonce: &str,
    ) -> Result<Presentation, WalletError> {
        let records = selections
            .iter()
            .map(|s| self.credential(&s.credential_id))
            .collect::<Result<Vec<_>, _>>()?;
        let items: Vec<PresentItem<'_>> = records
            .iter()
            .zip(selections)
            .map(|(credential, s)| PresentItem {
                credential,
                disclose: s.disclose.clone(),
            })
            .collect();
        build_presentation(
            &items,
            self.holder.as_ref(),
            audience,
            nonce,
            self.clock.now(),
        )
    }

    /// Presents the chosen claims of the chosen credentials to `audience`, bound to `nonce`,
    /// and logs it.
    pub fn present(
        &mut self,
        selections: &[Selection],
        audience: &str,
        nonce: &str,
    ) -> Result<Presentation, WalletError> {
        let presentation = self.presentation(selections, audience, nonce)?;
        let mut batch = Batch::default();
        self.push_log(
            &mut batch,
            LogAction::Present {
                credentials: selections.iter().map(|s| s.credential_id.clone()).collect(),
                audience: audience.to_owned(),
                disclosed: selections
                    .iter()
                    .map(|s| (s.credential_id.clone(), s.disclose.clone()))
                    .collect(),
            },
        )?;
        self.store.commit(batch)?;
        Ok(presentation)
    }

    /// Shares a presentation as a link on a passeport service: the presentation's audience is
    /// the service's public URL; the link and its delete token are kept, and the share logged.
    pub fn share(
        &mut self,
        selections: &[Selection],
        service: &dyn LinkService,
        expires_in_secs: Option<u64>,
    ) -> Result<SharedLink, WalletError> {
        let audience = service.audience().to_owned();
        let presentation = self.presentation(selections, &audience, &random_id())?;
        let PublishedLink {
            id,
            url,
            delete_token,
        } = service.publish(&presentation.text, expires_in_secs)?;
        let now = self.clock.now();
        let link = SharedLink {
            id: id.clone(),
            url: url.clone(),
            server: audience,
            delete_token,
            credential_ids: selections.iter().map(|s| s.credential_id.clone()).collect(),
            disclosed: selections
                .iter()
                .map(|s| (s.credential_id.clone(), s.disclose.clone()))
                .collect(),
            created_at: now,
            expires_at: expires_in_secs
                .and_then(|s| i64::try_from(s).ok())
                .map(|s| now.saturating_add(s)),
            deleted_at: None,
        };
        let mut batch = Batch::default();
        self.push(&mut batch, Collection::Link, &id, &link)?;
        self.push_log(
            &mut batch,
            LogAction::Share {
                url,
                credentials: link.credential_ids.clone(),
            },
        )?;
        self.store.commit(batch)?;
        Ok(link)
    }

    /// The links shared so far (deleted ones included, marked), newest first.
    pub fn links(&self) -> Result<Vec<SharedLink>, WalletError> {
        let mut links = self.all::<SharedLink>(Collection::Link)?;
        links.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
        Ok(links)
    }

    /// Deletes a shared link on its service (with its delete token) and marks it deleted.
    pub fn unshare(
        &mut self,
        link_id: &str,
        service: &dyn LinkService,
    ) -> Result<SharedLink, WalletError> {
        let mut link: SharedLink =
            self.get(Collection::Link, link_id)?
                .ok_or_else(|| WalletError::NotFound {
                    what: "link",
                    id: link_id.to_owned(),
                })?;
        service.delete(&link.id, &link.delete_token)?;
        link.deleted_at = Some(self.clock.now());
        let mut batch = Batch::default();
        self.push(&mut batch, Collection::Link, link_id, &link)?;
        self.push_log(
            &mut batch,
            LogAction::Unshare {
                url: link.url.clone(),
            },
        )?;
        self.store.commit(batch)?;
        Ok(link)
    }

    // ---- notes ----

    /// Adds a self-declared note (never shown as verified).
    pub fn add_note(
        &mut self,
        kind: NoteKind,
        title: &str,
        text: &str,
    ) -> Result<HolderNote, WalletError> {
        let size = title.len().saturating_add(text.len());
        if size > MAX_NOTE_BYTES {
            return Err(WalletError::TooLarge {
                size,
                max: MAX_NOTE_BYTES,
            });
        }
        let note = HolderNote {
            id: random_id(),
            kind,
            title: title.to_owned(),
            text: text.to_owned(),
            created_at: self.clock.now(),
        };
        let mut batch = Batch::default();
        self.push(&mut batch, Collection::Note, &note.id, &note)?;
        self.push_log(
            &mut batch,
            LogAction::Note {
                note: note.id.clone(),
            },
        )?;
        self.store.commit(batch)?;
        Ok(note)
    }

    /// The holder's notes, oldest first.
    pub fn notes(&self) -> Result<Vec<HolderNote>, WalletError> {
        let mut notes = self.all::<HolderNote>(Collection::Note)?;
        notes.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(notes)
    }

    // ---- log ----

    /// The transaction log, oldest first.
    pub fn log(&self) -> Result<Vec<LogEntry>, WalletError> {
        let mut entries = self.all::<LogEntry>(Collection::Log)?;
        entries.sort_by_key(|e| (e.at, e.seq));
        Ok(entries)
    }

    // ---- CV ----

    /// The probative CV as one HTML document: the chosen credentials (all when `ids` is empty)
    /// by section, and the holder's notes marked self-declared.
    pub fn cv_html(&self, ids: &[String]) -> Result<String, WalletError> {
        let credentials = if ids.is_empty() {
            self.credentials(&CredentialFilter::default())?
        } else {
            ids.iter()
                .map(|id| self.credential(id))
                .collect::<Result<_, _>>()?
        };
        let links = self.links()?;
        crate::cv::render(&credentials, &self.notes()?, &links, self.clock.now())
    }

    // ---- backup ----

    /// One encrypted backup of everything (a fresh salt and key under `passphrase`).
    pub fn export(&mut self, passphrase: &str) -> Result<Vec<u8>, WalletError> {
        let mut records = Vec::new();
        for collection in Collection::ALL {
            for (id, sealed) in self.store.list(collection)? {
                let plain = self
                    .data_key
                    .open(&sealed, &aad(collection, &id))
                    .ok_or_else(|| corrupt_record(collection, &id))?;
                records.push((collection, id, plain));
            }
        }
        let bytes = backup::seal(&records, passphrase, self.header.key.params)?;
        let mut batch = Batch::default();
        self.push_log(&mut batch, LogAction::Export)?;
        self.store.commit(batch)?;
        Ok(bytes)
    }

    /// Rebuilds a wallet in an empty `store` from a backup made by [`Self::export`]: new data
    /// key, every record re-sealed, in one atomic batch.
    pub fn restore(mut store: S, backup: &[u8], passphrase: &str) -> Result<Self, WalletError> {
        if store.header()?.is_some() {
            return Err(WalletError::AlreadyInitialised);
        }
        let (params, records) = backup::open(backup, passphrase)?;
        let data_key = SecretBytes::random();
        let header = StoreHeader {
            format: STORE_FORMAT.into(),
            version: STORE_VERSION,
            key: KeyHeader::wrap(passphrase, params, &data_key)?,
        };
        let mut batch = Batch {
            header: Some(header_bytes(&header)?),
            ..Batch::default()
        };
        for (collection, id, plain) in &records {
            let sealed = data_key.seal(plain, &aad(*collection, id))?;
            batch.puts.push((*collection, id.clone(), sealed));
        }
        store.commit(batch)?;
        let mut wallet = Self::open(store, passphrase)?;
        let mut batch = Batch::default();
        wallet.push_log(&mut batch, LogAction::Restore)?;
        wallet.store.commit(batch)?;
        Ok(wallet)
    }

    // ---- sealed records ----

    fn seal(&self, collection: Collection, id: &str, plain: &[u8]) -> Result<Vec<u8>, WalletError> {
        self.data_key.seal(plain, &aad(collection, id))
    }

    fn push<T: Serialize>(
        &self,
        batch: &mut Batch,
        collection: Collection,
        id: &str,
        value: &T,
    ) -> Result<(), WalletError> {
        let plain = Zeroizing::new(serde_json::to_vec(value).map_err(json_err)?);
        let sealed = self.seal(collection, id, &plain)?;
        batch.puts.push((collection, id.to_owned(), sealed));
        Ok(())
    }

    fn push_log(&self, batch: &mut Batch, action: LogAction) -> Result<(), WalletError> {
        let seq = u64::try_from(self.store.list(Collection::Log)?.len()).unwrap_or(u64::MAX);
        let entry = LogEntry {
            at: self.clock.now(),
            seq,
            action,
        };
        self.push(batch, Collection::Log, &random_id(), &entry)
    }

    fn get<T: DeserializeOwned>(
        &self,
        collection: Collection,
        id: &str,
    ) -> Result<Option<T>, WalletError> {
        read(&self.store, &self.data_key, collection, id)
    }

    fn all<T: DeserializeOwned>(&self, collection: Collection) -> Result<Vec<T>, WalletError> {
        self.store
            .list(collection)?
            .into_iter()
            .map(|(id, sealed)| decode(&self.data_key, collection, &id, &sealed))
            .collect()
    }
}

fn unlock<S: Storage>(
    store: &S,
    passphrase: &str,
) -> Result<(StoreHeader, SecretBytes), WalletError> {
    let bytes = store
        .header()?
        .ok_or(WalletError::NotInitialised("store".into()))?;
    let header: StoreHeader = serde_json::from_slice(&bytes)
        .map_err(|e| WalletError::Corrupt(format!("store header: {e}")))?;
    if header.format != STORE_FORMAT || header.version != STORE_VERSION {
        return Err(WalletError::Corrupt(format!(
            "store header: format {} version {} (expected {STORE_FORMAT} {STORE_VERSION})",
            header.format, header.version
        )));
    }
    let key = header.key.unwrap_key(passphrase)?;
    Ok((header, key))
}

fn header_bytes(header: &StoreHeader) -> Result<Vec<u8>, WalletError> {
    serde_json::to_vec(header).map_err(json_err)
}

fn read<S: Storage, T: DeserializeOwned>(
    store: &S,
    key: &SecretBytes,
    collection: Collection,
    id: &str,
) -> Result<Option<T>, WalletError> {
    store
        .get(collection, id)?
        .map(|sealed| decode(key, collection, id, &sealed))
        .transpose()
}

fn decode<T: DeserializeOwned>(
    key: &SecretBytes,
    collection: Collection,
    id: &str,
    sealed: &[u8],
) -> Result<T, WalletError> {
    let plain = key
        .open(sealed, &aad(collection, id))
        .ok_or_else(|| corrupt_record(collection, id))?;
    serde_json::from_slice(&plain)
        .map_err(|e| WalletError::Corrupt(format!("{} {id}: {e}", collection.as_str())))
}

fn corrupt_record(collection: Collection, id: &str) -> WalletError {
    WalletError::Corrupt(format!(
        "{} {id} does not decrypt (altered or moved)",
        collection.as_str()
    ))
}

fn json_err(e: serde_json::Error) -> WalletError {
    WalletError::Corrupt(format!("encoding: {e}"))
}
