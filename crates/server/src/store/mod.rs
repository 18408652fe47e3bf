//! Storage behind traits, one per area, so a PostgreSQL backend can follow without touching the
//! handlers. The embedded default is [`sqlite::SqliteStore`].

pub mod presentations;
pub mod sqlite;

use async_trait::async_trait;

/// A storage failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database said no.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// Schema migration failed.
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored value is not what it should be.
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    /// No free status index could be found.
    #[error("could not allocate a status index in list {0}")]
    Allocation(String),
}

/// An issuing organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgRecord {
    /// Its id (`acme`), the last segment of its `did:web`.
    pub id: String,
    /// Key algorithm name (`ed25519`, `p256`).
    pub key_alg: String,
    /// Created at (Unix seconds).
    pub created_at: i64,
}

/// A stored API key (only the hash of its secret).
#[derive(Debug, Clone)]
pub struct ApiKeyRecord {
    /// The public part of the token (`ppk_{id}.…`).
    pub id: String,
    /// The organisation it acts for.
    pub org: String,
    /// SHA-256 of the secret part.
    pub secret_hash: Vec<u8>,
    /// Record type names it may issue.
    pub types: Vec<String>,
    /// Created at.
    pub created_at: i64,
}

/// The kind of status list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListKind {
    /// W3C Bitstring Status List (VCDM formats), purpose `revocation` or `suspension`, 1 bit.
    Bitstring,
    /// IETF Token Status List (SD-JWT VC), 2 bits (valid, invalid, suspended).
    Token,
}

impl ListKind {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bitstring => "bitstring",
            Self::Token => "token",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "bitstring" => Some(Self::Bitstring),
            "token" => Some(Self::Token),
            _ => None,
        }
    }
}

/// A status list's description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusListRecord {
    /// Its id (in its URL).
    pub id: String,
    /// Owner.
    pub org: String,
    /// Kind.
    pub kind: ListKind,
    /// `revocation` or `suspension` (bitstring), `status` (token).
    pub purpose: String,
    /// Entries.
    pub size: u64,
    /// Bits per entry.
    pub bits: u8,
    /// Bumped on every change.
    pub version: i64,
}

/// A status entry given to a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusAllocation {
    /// The list.
    pub list: StatusListRecord,
    /// The index in it.
    pub index: u64,
    /// The second entry, in a `suspension`-purpose bitstring list, when one was asked for.
    pub suspension: Option<Box<StatusAllocation>>,
}

/// `statusPurpose` of a revocation bitstring list.
pub const PURPOSE_REVOCATION: &str = "revocation";
/// `statusPurpose` of a suspension bitstring list.
pub const PURPOSE_SUSPENSION: &str = "suspension";

/// What to reserve before signing.
#[derive(Debug, Clone)]
pub struct NewIssuance {
    /// Issuing organisation.
    pub org: String,
    /// The credential id that will be signed.
    pub credential_id: String,
    /// Which list kind.
    pub kind: ListKind,
    /// Entries per new list.
    pub list_size: u64,
    /// Also allocate an entry in a `suspension`-purpose bitstring list (VCDM formats).
    pub suspension: bool,
    /// `Idempotency-Key` and the request's hash.
    pub idempotency: Option<(String, String)>,
    /// Now (Unix seconds).
    pub now: i64,
}

/// The answer to [`CredentialStore::begin_issuance`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reservation {
    /// Go ahead and sign with this status entry.
    Allocated(StatusAllocation),
    /// The same request was already answered: its stored response body.
    Replay(String),
    /// The same key is being processed by another request.
    InProgress,
    /// The key was used with a different request body.
    Mismatch,
}

/// One issued credential in the audit trail (never claim values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialRecord {
    /// `urn:uuid:…`.
    pub id: String,
    /// Issuing organisation.
    pub org: String,
    /// Record type name.
    pub record_type: String,
    /// Format name.
    pub format: String,
    /// SHA-256 of the subject's JCS form.
    pub subject_digest: String,
    /// Status list id.
    pub status_list: String,
    /// Index in it.
    pub status_index: u64,
    /// Current status value (0 valid; bitstring 1 revoked; token 1 invalid, 2 suspended).
    pub status: u8,
    /// The `suspension`-purpose bitstring list and index (VCDM credentials issued with one).
    pub suspension: Option<(String, u64)>,
    /// Whether the suspension bit is set (always `false` without a suspension entry).
    pub suspended: bool,
    /// Issued at.
    pub issued_at: i64,
    /// End of validity.
    pub valid_until: Option<i64>,
    /// Bound to a holder key.
    pub holder_bound: bool,
}

/// Organisations and their API keys.
#[async_trait]
pub trait OrgStore: Send + Sync {
    /// The organisation, if known.
    async fn org(&self, id: &str) -> Result<Option<OrgRecord>, StoreError>;
    /// Every organisation.
    async fn orgs(&self) -> Result<Vec<OrgRecord>, StoreError>;
    /// Adds an organisation (no-op when it exists).
    async fn insert_org(&self, org: &OrgRecord) -> Result<(), StoreError>;
    /// Stores an API key.
    async fn insert_api_key(&self, key: &ApiKeyRecord) -> Result<(), StoreError>;
    /// An API key by its public id.
    async fn api_key(&self, id: &str) -> Result<Option<ApiKeyRecord>, StoreError>;
}

/// Issued credentials, their status entries and idempotency.
#[async_trait]
pub trait CredentialStore: Send + Sync {
    /// In one transaction: honours the idempotency key (replay, conflict or reserve) and
    /// allocates a fresh random status index. Never hands out an index twice.
    async fn begin_issuance(&self, new: &NewIssuance) -> Result<Reservation, StoreError>;
    /// Records the signed credential (and the idempotent response), durably.
    async fn complete_issuance(
        &self,
        record: &CredentialRecord,
        idempotency: Option<(&str, &str)>,
    ) -> Result<(), StoreError>;
    /// Releases an idempotency reservation after a failure (the status index stays used).
    async fn abandon_issuance(&self, org: &str, idempotency_key: &str) -> Result<(), StoreError>;
    /// One credential of an organisation.
    async fn credential(&self, org: &str, id: &str)
        -> Result<Option<CredentialRecord>, StoreError>;
    /// The organisation's audit trail, oldest first.
    async fn credentials(&self, org: &str) -> Result<Vec<CredentialRecord>, StoreError>;
    /// Sets a credential's status value in list `list_id` (bumping that list's version);
    /// returns the list.
    async fn set_status(
        &self,
        credential_id: &str,
        list_id: &str,
        status: u8,
    ) -> Result<StatusListRecord, StoreError>;
}

/// Published status lists.
#[async_trait]
pub trait StatusStore: Send + Sync {
    /// A list by id.
    async fn status_list(&self, id: &str) -> Result<Option<StatusListRecord>, StoreError>;
    /// The non-zero entries of a list: `(index, status)`.
    async fn status_entries(&self, id: &str) -> Result<Vec<(u64, u8)>, StoreError>;
}

pub use presentations::{PresentationRecord, PresentationStore};

/// Everything the service stores.
pub trait Store: OrgStore + CredentialStore + StatusStore + PresentationStore {}

impl<T: OrgStore + CredentialStore + StatusStore + PresentationStore> Store for T {}
