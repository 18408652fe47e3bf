//! The default store: one SQLite file (`wallet.db`), WAL journal, one transaction per batch.
//!
//! Why SQLite through `rusqlite` (sync) rather than `sqlx` (async): a wallet is embedded in
//! apps, often on a phone, where a blocking call on the app's own thread is the norm and an
//! async runtime is a burden. `rusqlite` 0.32 shares `libsqlite3-sys` 0.30 with `sqlx` 0.8, so
//! the workspace links one SQLite.

use super::{Batch, Collection, Storage, StorageError};
use rusqlite::{params, Connection, OptionalExtension as _, TransactionBehavior};
use std::path::{Path, PathBuf};

/// Called before each step of a commit with the step number; an `Err` aborts the transaction
/// there, as a crash would. For crash-safety tests.
pub type WriteHook = Box<dyn FnMut(usize) -> Result<(), StorageError> + Send>;

/// Sealed records in a SQLite database file.
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
    hook: Option<WriteHook>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`, with WAL journaling and full sync.
    pub fn open(path: &Path) -> Result<Self, StorageError> {
        let err = |source| StorageError::Sqlite {
            path: path.display().to_string(),
            source,
        };
        let conn = Connection::open(path).map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(err)?;
        conn.pragma_update(None, "secure_delete", "ON")
            .map_err(err)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS header (k INTEGER PRIMARY KEY CHECK (k = 0), v BLOB NOT NULL);
             CREATE TABLE IF NOT EXISTS record (
                 collection TEXT NOT NULL, id TEXT NOT NULL, v BLOB NOT NULL,
                 PRIMARY KEY (collection, id)) WITHOUT ROWID;",
        )
        .map_err(err)?;
        restrict_permissions(path);
        Ok(Self {
            conn,
            path: path.to_owned(),
            hook: None,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Installs a hook run before each write step (see [`WriteHook`]). For tests.
    pub fn set_write_hook(&mut self, hook: Option<WriteHook>) {
        self.hook = hook;
    }

    fn err(&self, source: rusqlite::Error) -> StorageError {
        StorageError::Sqlite {
            path: self.path.display().to_string(),
            source,
        }
    }
}

#[cfg(unix)]
fn restrict_permissions(path: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    // Best effort: the content is encrypted anyway.
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
}

#[cfg(not(unix))]
fn restrict_permissions(_path: &Path) {}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Storage for SqliteStore {
    fn header(&self) -> Result<Option<Vec<u8>>, StorageError> {
        self.conn
            .query_row("SELECT v FROM header WHERE k = 0", [], |row| row.get(0))
            .optional()
            .map_err(|e| self.err(e))
    }

    fn get(&self, collection: Collection, id: &str) -> Result<Option<Vec<u8>>, StorageError> {
        self.conn
            .query_row(
                "SELECT v FROM record WHERE collection = ?1 AND id = ?2",
                params![collection.as_str(), id],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    fn list(&self, collection: Collection) -> Result<Vec<(String, Vec<u8>)>, StorageError> {
        let mut statement = self
            .conn
            .prepare("SELECT id, v FROM record WHERE collection = ?1")
            .map_err(|e| self.err(e))?;
        let rows = statement
            .query_map(params![collection.as_str()], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    fn commit(&mut self, batch: Batch) -> Result<(), StorageError> {
        let path = self.path.display().to_string();
        let err = |source| StorageError::Sqlite {
            path: path.clone(),
            source,
        };
        let mut hook = self.hook.take();
        let result = (|| {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(err)?;
            let mut step = 0usize;
            let mut before = |step: &mut usize| -> Result<(), StorageError> {
                if let Some(hook) = hook.as_mut() {
                    hook(*step)?;
                }
                *step += 1;
                Ok(())
            };
            if let Some(header) = &batch.header {
                before(&mut step)?;
                tx.execute(
                    "INSERT OR REPLACE INTO header (k, v) VALUES (0, ?1)",
                    params![header],
                )
                .map_err(err)?;
            }
            for (collection, id) in &batch.deletes {
                before(&mut step)?;
                tx.execute(
                    "DELETE FROM record WHERE collection = ?1 AND id = ?2",
                    params![collection.as_str(), id],
                )
                .map_err(err)?;
            }
            for (collection, id, value) in &batch.puts {
                before(&mut step)?;
                tx.execute(
                    "INSERT OR REPLACE INTO record (collection, id, v) VALUES (?1, ?2, ?3)",
                    params![collection.as_str(), id, value],
                )
                .map_err(err)?;
            }
            before(&mut step)?;
            // Dropping `tx` on any early return above rolls the whole batch back.
            tx.commit().map_err(err)
        })();
        self.hook = hook;
        result
    }
}
