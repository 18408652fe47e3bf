//! # passeport-wallet
//!
//! The holder's wallet for career credentials: an embedded, encrypted store of verified
//! credentials, the holder key, selective-disclosure presentations, shared links, a probative
//! CV, holder notes, encrypted backups and a transaction log. Sync API, no async runtime: made
//! to be embedded in apps (a phone's keystore can hold the holder key, see
//! [`HolderKeyChoice::External`]).
//!
//! ## Security
//!
//! - Everything (credentials, holder key, notes, links, log, even record types and issuers) is
//!   sealed with XChaCha20-Poly1305 under a random data key; the data key is wrapped under a
//!   key derived from the passphrase with Argon2id, whose parameters are stored and can be
//!   raised ([`Wallet::change_passphrase`]). A store sees only random ids and ciphertext; each
//!   ciphertext is bound to its collection and id, so records cannot be swapped.
//! - A wrong passphrase is [`WalletError::WrongPassphrase`].
//! - Writes are atomic: one [`storage::Batch`] per operation, one SQLite transaction (WAL); the
//!   backup file is written to a temporary file, synced, then renamed.
//! - Imports are verified first by an [`ImportVerifier`]: the verifier crate's pipeline
//!   (`passeport_verifier::Verifier`, every check required, or [`PipelineImport`] with
//!   [`IssuerTrust::AuthenticOnly`] for a holder without a trust list). A credential bound
//!   (`cnf`) to another key than the holder's is refused too.
//!
//! ## Pieces
//!
//! | what | where |
//! | --- | --- |
//! | store | [`storage::Storage`] trait; [`storage::SqliteStore`] (default, sync `rusqlite`, WAL), [`storage::MemoryStore`] |
//! | holder key | made at [`Wallet::create`] (Ed25519 default) or held by the app ([`HolderKeyChoice::External`]) |
//! | import, browse | [`Wallet::import`], [`Wallet::credentials`] with a [`CredentialFilter`], [`CredentialRecord::disclosable`] |
//! | present | [`Wallet::present`]: SD-JWT + KB-JWT for one SD-JWT credential, `vp+jwt` for several |
//! | share | [`Wallet::share`] / [`Wallet::unshare`] over a [`LinkService`] (the HTTP client is the app's) |
//! | CV | [`Wallet::cv_html`]: sections by record type, FR/EN labels, proofs reduced to what is shown |
//! | notes | [`Wallet::add_note`]: self-declared, marked so in the CV |
//! | backup | [`Wallet::export`] + [`write_file_atomic`], [`Wallet::restore`] |
//! | log | [`Wallet::log`]: every import (and refusal), presentation, share |
//!
//! ## Not supported
//!
//! Presenting a subset of a `vc+jwt` or Data Integrity credential (those formats cannot hide
//! claims: they are shown whole, and [`Presentation::shown_whole`] says so).
//!
//! ## Example
//!
//! ```
//! use passeport_wallet::{CreateOptions, KdfParams, Wallet, storage::MemoryStore};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let options = CreateOptions { kdf: KdfParams::INSECURE_FOR_TESTS, ..CreateOptions::default() };
//! let wallet = Wallet::create(MemoryStore::new(), "correct horse", options)?;
//! let did = wallet.holder_did()?; // give this (or `holder_jwk()`) to issuers
//! assert!(did.as_str().starts_with("did:jwk:"));
//!
//! let store = wallet.into_store();
//! assert!(Wallet::open(store.clone(), "wrong").is_err());
//! let wallet = Wallet::open(store, "correct horse")?;
//! assert_eq!(wallet.log()?.len(), 1); // "created"
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

mod backup;
mod crypto;
mod cv;
mod import;
mod link;
mod present;
mod records;
pub mod storage;
mod wallet;

pub use backup::{write_file_atomic, MAX_BACKUP_BYTES};
pub use crypto::KdfParams;
pub use import::{
    ImportRejected, ImportVerifier, IssuerTrust, PipelineImport, VerifiedForImport,
    MAX_CREDENTIAL_BYTES,
};
pub use link::{LinkError, LinkService, PublishedLink};
pub use present::{
    build_presentation, PresentItem, Presentation, PresentationKind, VP_JWT_TYP, VP_LIFETIME_SECS,
};
pub use records::{
    CredentialFilter, CredentialFormat, CredentialRecord, HolderNote, LogAction, LogEntry,
    NoteKind, SharedLink,
};
pub use wallet::{CreateOptions, HolderKeyChoice, Selection, Wallet, DB_FILE};

use storage::StorageError;

/// What went wrong in the wallet.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WalletError {
    /// The passphrase does not open this wallet (or backup).
    #[error("wrong passphrase")]
    WrongPassphrase,
    /// Argon2 parameters outside the accepted range.
    #[error("key derivation parameters out of range: {0:?}")]
    BadKdfParams(KdfParams),
    /// There is no wallet there yet (`wallet init` first).
    #[error("no wallet in {0} (run `passeport wallet init`)")]
    NotInitialised(String),
    /// There is already a wallet there.
    #[error("a wallet already exists there")]
    AlreadyInitialised,
    /// The store's content is damaged or was altered.
    #[error("wallet data is damaged: {0}")]
    Corrupt(String),
    /// The store failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// Encryption failed.
    #[error("crypto: {0}")]
    Crypto(&'static str),
    /// The holder key could not be made or read.
    #[error("holder key: {0}")]
    HolderKey(String),
    /// The holder key is held outside the wallet: open with [`Wallet::open_with_signer`].
    #[error("the holder key is held outside the wallet: open it with the key's signer")]
    ExternalHolderKey,
    /// The signer given is not the holder key recorded at creation.
    #[error("the signer's key is not this wallet's holder key")]
    HolderKeyMismatch,
    /// The verifier refused the credential.
    #[error("credential refused: {0}")]
    Rejected(ImportRejected),
    /// The credential is already in the wallet.
    #[error("credential already imported as {id}")]
    AlreadyImported {
        /// Its id.
        id: String,
    },
    /// Input larger than allowed.
    #[error("input is {size} bytes, more than the {max} allowed")]
    TooLarge {
        /// Size seen.
        size: usize,
        /// Limit.
        max: usize,
    },
    /// No such record.
    #[error("no {what} with id {id}")]
    NotFound {
        /// `credential`, `link`, `note`.
        what: &'static str,
        /// The id asked for.
        id: String,
    },
    /// A `--disclose` pointer that names no claim of the credential's subject.
    #[error("credential {credential}: no claim at {pointer} in its subject")]
    UnknownClaim {
        /// The credential.
        credential: String,
        /// The JSON pointer.
        pointer: String,
    },
    /// No credential chosen.
    #[error("choose at least one credential to present")]
    NothingToPresent,
    /// Building the presentation failed.
    #[error("cannot present credential {credential}: {reason}")]
    Present {
        /// The credential (empty for the envelope).
        credential: String,
        /// Why.
        reason: String,
    },
    /// The link service failed.
    #[error(transparent)]
    Link(#[from] LinkError),
    /// The backup file is not usable.
    #[error("backup: {0}")]
    BadBackup(String),
    /// The CV template failed.
    #[error("CV rendering: {0}")]
    Template(String),
}
