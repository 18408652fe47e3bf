//! Shared presentations: the links holders post (`POST /v1/presentations`) and employers open
//! (`GET /p/{id}`). Only a SHA-256 of each link's delete token is stored.

use super::sqlite::SqliteStore;
use super::StoreError;
use async_trait::async_trait;

/// One shared presentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresentationRecord {
    /// The link id (base64url of 16 random bytes or more).
    pub id: String,
    /// The compact presentation, as posted.
    pub presentation: String,
    /// SHA-256 of the delete token.
    pub delete_token_hash: Vec<u8>,
    /// Created at (Unix seconds).
    pub created_at: i64,
    /// Expires at (Unix seconds).
    pub expires_at: i64,
    /// Deleted at (Unix seconds), once its holder deleted it.
    pub deleted_at: Option<i64>,
}

/// Shared presentations, and what the service's own verifier needs to trust its organisations.
#[async_trait]
pub trait PresentationStore: Send + Sync {
    /// Stores a new shared presentation (its id is fresh).
    async fn insert_presentation(&self, record: &PresentationRecord) -> Result<(), StoreError>;
    /// A shared presentation by id (deleted and expired ones included).
    async fn presentation(&self, id: &str) -> Result<Option<PresentationRecord>, StoreError>;
    /// Marks a presentation deleted and forgets its content; false when it was not there or
    /// already deleted.
    async fn delete_presentation(&self, id: &str, now: i64) -> Result<bool, StoreError>;
    /// For every organisation with API keys: the record type names its keys may issue
    /// (`(org, types)`), so the service trusts each organisation for those types only.
    async fn issuable_types(&self) -> Result<Vec<(String, Vec<String>)>, StoreError>;
}

type PresentationRow = (String, String, Vec<u8>, i64, i64, Option<i64>);

#[async_trait]
impl PresentationStore for SqliteStore {
    async fn insert_presentation(&self, record: &PresentationRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO presentations (id, presentation, delete_token_hash, created_at, \
             expires_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&record.id)
        .bind(&record.presentation)
        .bind(&record.delete_token_hash)
        .bind(record.created_at)
        .bind(record.expires_at)
        .bind(record.deleted_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn presentation(&self, id: &str) -> Result<Option<PresentationRecord>, StoreError> {
        let row: Option<PresentationRow> = sqlx::query_as(
            "SELECT id, presentation, delete_token_hash, created_at, expires_at, deleted_at \
             FROM presentations WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(
            |(id, presentation, delete_token_hash, created_at, expires_at, deleted_at)| {
                PresentationRecord {
                    id,
                    presentation,
                    delete_token_hash,
                    created_at,
                    expires_at,
                    deleted_at,
                }
            },
        ))
    }

    async fn delete_presentation(&self, id: &str, now: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE presentations SET deleted_at = ?, presentation = '' \
             WHERE id = ? AND deleted_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn issuable_types(&self) -> Result<Vec<(String, Vec<String>)>, StoreError> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT org, types FROM api_keys ORDER BY org, id")
                .fetch_all(&self.pool)
                .await?;
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for (org, types) in rows {
            let names = types
                .split(',')
                .filter(|t| !t.is_empty())
                .map(str::to_owned);
            match out.last_mut() {
                Some((last, all)) if *last == org => {
                    for name in names {
                        if !all.contains(&name) {
                            all.push(name);
                        }
                    }
                }
                _ => out.push((org, names.collect())),
            }
        }
        Ok(out)
    }
}
