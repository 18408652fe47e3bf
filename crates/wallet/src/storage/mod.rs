//! Where the wallet's sealed records live: a trait, so an app can bring its own (a phone's
//! database, a cloud blob), with SQLite ([`SqliteStore`]) as the default and [`MemoryStore`]
//! for tests.
//!
//! A store only ever sees opaque random ids and ciphertext, plus one clear header (the
//! Argon2 parameters, salt and wrapped data key). It must apply a [`Batch`] atomically: after a
//! crash, either the whole batch is there or none of it.

mod memory;
mod sqlite;

pub use self::memory::MemoryStore;
pub use self::sqlite::{SqliteStore, WriteHook};

/// Which kind of record: the only thing a store knows about a record besides its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Collection {
    /// The holder's key.
    HolderKey,
    /// Imported credentials.
    Credential,
    /// The holder's own (self-declared) notes.
    Note,
    /// Shared links.
    Link,
    /// The transaction log.
    Log,
}

impl Collection {
    /// Every collection.
    pub const ALL: [Self; 5] = [
        Self::HolderKey,
        Self::Credential,
        Self::Note,
        Self::Link,
        Self::Log,
    ];

    /// Its stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HolderKey => "key",
            Self::Credential => "credential",
            Self::Note => "note",
            Self::Link => "link",
            Self::Log => "log",
        }
    }
}

/// A set of writes applied all together or not at all.
#[derive(Debug, Default, Clone)]
pub struct Batch {
    /// A new clear header, if it changes.
    pub header: Option<Vec<u8>>,
    /// Records to insert or replace.
    pub puts: Vec<(Collection, String, Vec<u8>)>,
    /// Records to remove.
    pub deletes: Vec<(Collection, String)>,
}

impl Batch {
    /// Whether the batch writes nothing.
    pub fn is_empty(&self) -> bool {
        self.header.is_none() && self.puts.is_empty() && self.deletes.is_empty()
    }
}

/// A store failed (I/O, database, an injected fault).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// The SQLite database said no.
    #[error("wallet database {path}: {source}")]
    Sqlite {
        /// The database file.
        path: String,
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// A write hook stopped the write (crash simulation).
    #[error("write interrupted at step {step}")]
    Interrupted {
        /// The step that failed.
        step: usize,
    },
    /// A store of another kind failed (an app's own backend).
    #[error("storage backend: {0}")]
    Backend(String),
}

/// A place to keep sealed records. Implementations must make [`Storage::commit`] atomic.
pub trait Storage: Send {
    /// The clear header, `None` for a store that was never initialised.
    fn header(&self) -> Result<Option<Vec<u8>>, StorageError>;
    /// One record.
    fn get(&self, collection: Collection, id: &str) -> Result<Option<Vec<u8>>, StorageError>;
    /// Every record of a collection, as `(id, sealed bytes)`, in no particular order.
    fn list(&self, collection: Collection) -> Result<Vec<(String, Vec<u8>)>, StorageError>;
    /// Applies the batch atomically.
    fn commit(&mut self, batch: Batch) -> Result<(), StorageError>;
}

impl<S: Storage + ?Sized> Storage for Box<S> {
    fn header(&self) -> Result<Option<Vec<u8>>, StorageError> {
        (**self).header()
    }
    fn get(&self, collection: Collection, id: &str) -> Result<Option<Vec<u8>>, StorageError> {
        (**self).get(collection, id)
    }
    fn list(&self, collection: Collection) -> Result<Vec<(String, Vec<u8>)>, StorageError> {
        (**self).list(collection)
    }
    fn commit(&mut self, batch: Batch) -> Result<(), StorageError> {
        (**self).commit(batch)
    }
}
