//! The embedded default store: one SQLite file (WAL) under the data directory.
//!
//! Writes that must not interleave (status index allocation with the idempotency reservation,
//! status changes) run in a single transaction under an in-process write lock, so concurrent
//! requests never race on SQLite's lock upgrade; the primary key `(list_id, idx)` is the last
//! line of defence against reusing an index.

use super::{
    ApiKeyRecord, CredentialRecord, CredentialStore, ListKind, NewIssuance, OrgRecord, OrgStore,
    Reservation, StatusAllocation, StatusListRecord, StatusStore, StoreError, PURPOSE_REVOCATION,
    PURPOSE_SUSPENSION,
};
use async_trait::async_trait;
use rand::Rng;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};
use std::path::Path;
use std::time::Duration;
use tokio::sync::Mutex;

/// Tries at a random free index before the list is declared full.
const ALLOCATION_TRIES: usize = 64;
/// An idempotency reservation older than this (seconds) is taken over (its request died).
const STALE_RESERVATION: i64 = 300;
/// Idempotent responses are kept this long (seconds).
const IDEMPOTENCY_TTL: i64 = 24 * 3600;

/// SQLite storage.
#[derive(Debug)]
pub struct SqliteStore {
    pub(super) pool: SqlitePool,
    write: Mutex<()>,
}

type ListRow = (String, String, String, String, i64, i64, i64);
type CredentialRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    Option<i64>,
    i64,
    i64,
    Option<String>,
    Option<i64>,
    i64,
);

fn to_u64(value: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{what} is negative")))
}

fn to_i64(value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{value} does not fit i64")))
}

fn list_from_row(row: ListRow) -> Result<StatusListRecord, StoreError> {
    let (id, org, kind, purpose, size, bits, version) = row;
    Ok(StatusListRecord {
        kind: ListKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("list {id}: kind `{kind}`")))?,
        size: to_u64(size, "list size")?,
        bits: u8::try_from(bits).map_err(|_| StoreError::Corrupt("list bits".into()))?,
        id,
        org,
        purpose,
        version,
    })
}

fn credential_from_row(row: CredentialRow) -> Result<CredentialRecord, StoreError> {
    let (
        id,
        org,
        record_type,
        format,
        subject_digest,
        status_list,
        idx,
        issued_at,
        valid_until,
        holder,
        status,
        suspension_list,
        suspension_idx,
        suspended,
    ) = row;
    let suspension = match (suspension_list, suspension_idx) {
        (Some(list), Some(idx)) => Some((list, to_u64(idx, "suspension index")?)),
        (None, None) => None,
        _ => {
            return Err(StoreError::Corrupt(format!(
                "{id}: half a suspension entry"
            )))
        }
    };
    Ok(CredentialRecord {
        id,
        org,
        record_type,
        format,
        subject_digest,
        status_list,
        status_index: to_u64(idx, "status index")?,
        status: u8::try_from(status).map_err(|_| StoreError::Corrupt("status value".into()))?,
        suspended: suspended != 0,
        suspension,
        issued_at,
        valid_until,
        holder_bound: holder != 0,
    })
}

const LIST_COLUMNS: &str = "id, org, kind, purpose, size, bits, version";
const CREDENTIAL_SELECT: &str = "SELECT c.id, c.org, c.record_type, c.format, c.subject_digest, \
     c.status_list, c.status_idx, c.issued_at, c.valid_until, c.holder_bound, \
     COALESCE(e.status, 0), c.suspension_list, c.suspension_idx, COALESCE(s.status, 0) \
     FROM credentials c \
     LEFT JOIN status_entries e ON e.list_id = c.status_list AND e.idx = c.status_idx \
     LEFT JOIN status_entries s ON s.list_id = c.suspension_list AND s.idx = c.suspension_idx";

impl SqliteStore {
    /// Opens (creating when missing) `path` and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(30))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Self {
            pool,
            write: Mutex::new(()),
        })
    }

    /// Closes the pool (waits for connections to be returned).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn open_list(
        tx: &mut Transaction<'_, Sqlite>,
        new: &NewIssuance,
        kind: ListKind,
        purpose: &str,
    ) -> Result<StatusListRecord, StoreError> {
        let query = format!(
            "SELECT {LIST_COLUMNS} FROM status_lists \
             WHERE org = ? AND kind = ? AND purpose = ? AND full = 0 \
             ORDER BY created_at, id LIMIT 1"
        );
        let row: Option<ListRow> = sqlx::query_as(&query)
            .bind(&new.org)
            .bind(kind.as_str())
            .bind(purpose)
            .fetch_optional(&mut **tx)
            .await?;
        if let Some(row) = row {
            return list_from_row(row);
        }
        let bits = match kind {
            ListKind::Bitstring => 1u8,
            ListKind::Token => 2u8,
        };
        let list = StatusListRecord {
            id: uuid::Uuid::new_v4().simple().to_string(),
            org: new.org.clone(),
            kind,
            purpose: purpose.to_owned(),
            size: new.list_size,
            bits,
            version: 0,
        };
        sqlx::query(
            "INSERT INTO status_lists (id, org, kind, purpose, size, bits, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&list.id)
        .bind(&list.org)
        .bind(list.kind.as_str())
        .bind(&list.purpose)
        .bind(to_i64(list.size)?)
        .bind(i64::from(list.bits))
        .bind(new.now)
        .execute(&mut **tx)
        .await?;
        Ok(list)
    }

    /// The credential's status entry (revocation bitstring or token list) and, when asked
    /// for, its suspension entry, in the same transaction.
    async fn allocate(
        tx: &mut Transaction<'_, Sqlite>,
        new: &NewIssuance,
    ) -> Result<StatusAllocation, StoreError> {
        let purpose = match new.kind {
            ListKind::Bitstring => PURPOSE_REVOCATION,
            ListKind::Token => "status",
        };
        let mut allocation = Self::allocate_in(tx, new, new.kind, purpose).await?;
        if new.suspension {
            let suspension =
                Self::allocate_in(tx, new, ListKind::Bitstring, PURPOSE_SUSPENSION).await?;
            allocation.suspension = Some(Box::new(suspension));
        }
        Ok(allocation)
    }

    /// A fresh random index in an open list of `kind` and `purpose` (a new list when none).
    async fn allocate_in(
        tx: &mut Transaction<'_, Sqlite>,
        new: &NewIssuance,
        kind: ListKind,
        purpose: &str,
    ) -> Result<StatusAllocation, StoreError> {
        // A list is closed at 7/8 full, so random probing stays cheap.
        for _ in 0..4 {
            let list = Self::open_list(tx, new, kind, purpose).await?;
            for _ in 0..ALLOCATION_TRIES {
                let index = rand::thread_rng().gen_range(0..list.size);
                let inserted = sqlx::query(
                    "INSERT OR IGNORE INTO status_entries (list_id, idx, credential_id) \
                     VALUES (?, ?, ?)",
                )
                .bind(&list.id)
                .bind(to_i64(index)?)
                .bind(&new.credential_id)
                .execute(&mut **tx)
                .await?
                .rows_affected();
                if inserted == 1 {
                    let threshold = to_i64(list.size - list.size / 8)?;
                    sqlx::query(
                        "UPDATE status_lists SET used = used + 1, full = (used + 1 >= ?) \
                         WHERE id = ?",
                    )
                    .bind(threshold)
                    .bind(&list.id)
                    .execute(&mut **tx)
                    .await?;
                    return Ok(StatusAllocation {
                        list,
                        index,
                        suspension: None,
                    });
                }
            }
            sqlx::query("UPDATE status_lists SET full = 1 WHERE id = ?")
                .bind(&list.id)
                .execute(&mut **tx)
                .await?;
        }
        Err(StoreError::Allocation(new.org.clone()))
    }
}

#[async_trait]
impl OrgStore for SqliteStore {
    async fn org(&self, id: &str) -> Result<Option<OrgRecord>, StoreError> {
        let row: Option<(String, String, i64)> =
            sqlx::query_as("SELECT id, key_alg, created_at FROM orgs WHERE id = ?")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(id, key_alg, created_at)| OrgRecord {
            id,
            key_alg,
            created_at,
        }))
    }

    async fn orgs(&self) -> Result<Vec<OrgRecord>, StoreError> {
        let rows: Vec<(String, String, i64)> =
            sqlx::query_as("SELECT id, key_alg, created_at FROM orgs ORDER BY id")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(id, key_alg, created_at)| OrgRecord {
                id,
                key_alg,
                created_at,
            })
            .collect())
    }

    async fn insert_org(&self, org: &OrgRecord) -> Result<(), StoreError> {
        let _guard = self.write.lock().await;
        sqlx::query("INSERT OR IGNORE INTO orgs (id, key_alg, created_at) VALUES (?, ?, ?)")
            .bind(&org.id)
            .bind(&org.key_alg)
            .bind(org.created_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn insert_api_key(&self, key: &ApiKeyRecord) -> Result<(), StoreError> {
        let _guard = self.write.lock().await;
        sqlx::query(
            "INSERT INTO api_keys (id, org, secret_hash, types, created_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&key.id)
        .bind(&key.org)
        .bind(&key.secret_hash)
        .bind(key.types.join(","))
        .bind(key.created_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn api_key(&self, id: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
        let row: Option<(String, String, Vec<u8>, String, i64)> = sqlx::query_as(
            "SELECT id, org, secret_hash, types, created_at FROM api_keys WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(
            row.map(|(id, org, secret_hash, types, created_at)| ApiKeyRecord {
                id,
                org,
                secret_hash,
                types: types
                    .split(',')
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned)
                    .collect(),
                created_at,
            }),
        )
    }
}

#[async_trait]
impl CredentialStore for SqliteStore {
    async fn begin_issuance(&self, new: &NewIssuance) -> Result<Reservation, StoreError> {
        let _guard = self.write.lock().await;
        let mut tx = self.pool.begin().await?;
        if let Some((key, hash)) = &new.idempotency {
            sqlx::query("DELETE FROM idempotency WHERE created_at < ?")
                .bind(new.now - IDEMPOTENCY_TTL)
                .execute(&mut *tx)
                .await?;
            let row: Option<(String, Option<String>, i64)> = sqlx::query_as(
                "SELECT request_hash, response, created_at FROM idempotency \
                 WHERE org = ? AND key = ?",
            )
            .bind(&new.org)
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
            match row {
                Some((stored, _, _)) if stored != *hash => return Ok(Reservation::Mismatch),
                Some((_, Some(response), _)) => return Ok(Reservation::Replay(response)),
                Some((_, None, created)) if created > new.now - STALE_RESERVATION => {
                    return Ok(Reservation::InProgress)
                }
                Some(_) => {
                    sqlx::query("UPDATE idempotency SET created_at = ? WHERE org = ? AND key = ?")
                        .bind(new.now)
                        .bind(&new.org)
                        .bind(key)
                        .execute(&mut *tx)
                        .await?;
                }
                None => {
                    sqlx::query(
                        "INSERT INTO idempotency (org, key, request_hash, created_at) \
                         VALUES (?, ?, ?, ?)",
                    )
                    .bind(&new.org)
                    .bind(key)
                    .bind(hash)
                    .bind(new.now)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        let allocation = Self::allocate(&mut tx, new).await?;
        tx.commit().await?;
        Ok(Reservation::Allocated(allocation))
    }

    async fn complete_issuance(
        &self,
        record: &CredentialRecord,
        idempotency: Option<(&str, &str)>,
    ) -> Result<(), StoreError> {
        let _guard = self.write.lock().await;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO credentials (id, org, record_type, format, subject_digest, status_list, \
             status_idx, issued_at, valid_until, holder_bound, suspension_list, suspension_idx) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&record.id)
        .bind(&record.org)
        .bind(&record.record_type)
        .bind(&record.format)
        .bind(&record.subject_digest)
        .bind(&record.status_list)
        .bind(to_i64(record.status_index)?)
        .bind(record.issued_at)
        .bind(record.valid_until)
        .bind(i64::from(record.holder_bound))
        .bind(record.suspension.as_ref().map(|(list, _)| list.as_str()))
        .bind(
            record
                .suspension
                .as_ref()
                .map(|(_, idx)| to_i64(*idx))
                .transpose()?,
        )
        .execute(&mut *tx)
        .await?;
        if let Some((key, response)) = idempotency {
            sqlx::query(
                "UPDATE idempotency SET response = ?, credential_id = ? WHERE org = ? AND key = ?",
            )
            .bind(response)
            .bind(&record.id)
            .bind(&record.org)
            .bind(key)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn abandon_issuance(&self, org: &str, idempotency_key: &str) -> Result<(), StoreError> {
        let _guard = self.write.lock().await;
        sqlx::query("DELETE FROM idempotency WHERE org = ? AND key = ? AND response IS NULL")
            .bind(org)
            .bind(idempotency_key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn credential(
        &self,
        org: &str,
        id: &str,
    ) -> Result<Option<CredentialRecord>, StoreError> {
        let query = format!("{CREDENTIAL_SELECT} WHERE c.org = ? AND c.id = ?");
        let row: Option<CredentialRow> = sqlx::query_as(&query)
            .bind(org)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(credential_from_row).transpose()
    }

    async fn credentials(&self, org: &str) -> Result<Vec<CredentialRecord>, StoreError> {
        let query = format!("{CREDENTIAL_SELECT} WHERE c.org = ? ORDER BY c.issued_at, c.id");
        let rows: Vec<CredentialRow> = sqlx::query_as(&query)
            .bind(org)
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(credential_from_row).collect()
    }

    async fn set_status(
        &self,
        credential_id: &str,
        list_id: &str,
        status: u8,
    ) -> Result<StatusListRecord, StoreError> {
        let _guard = self.write.lock().await;
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query(
            "UPDATE status_entries SET status = ? WHERE credential_id = ? AND list_id = ?",
        )
        .bind(i64::from(status))
        .bind(credential_id)
        .bind(list_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated != 1 {
            return Err(StoreError::Corrupt(format!(
                "{credential_id} has no status entry in list {list_id}"
            )));
        }
        sqlx::query("UPDATE status_lists SET version = version + 1 WHERE id = ?")
            .bind(list_id)
            .execute(&mut *tx)
            .await?;
        let query = format!("SELECT {LIST_COLUMNS} FROM status_lists WHERE id = ?");
        let row: ListRow = sqlx::query_as(&query)
            .bind(list_id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        list_from_row(row)
    }
}

#[async_trait]
impl StatusStore for SqliteStore {
    async fn status_list(&self, id: &str) -> Result<Option<StatusListRecord>, StoreError> {
        let query = format!("SELECT {LIST_COLUMNS} FROM status_lists WHERE id = ?");
        let row: Option<ListRow> = sqlx::query_as(&query)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(list_from_row).transpose()
    }

    async fn status_entries(&self, id: &str) -> Result<Vec<(u64, u8)>, StoreError> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT idx, status FROM status_entries WHERE list_id = ? AND status != 0",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(idx, status)| {
                Ok((
                    to_u64(idx, "status index")?,
                    u8::try_from(status).map_err(|_| StoreError::Corrupt("status value".into()))?,
                ))
            })
            .collect()
    }
}
