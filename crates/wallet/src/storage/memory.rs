//! An in-memory store, for tests and for apps that persist the export blob themselves.

use super::{Batch, Collection, Storage, StorageError};
use std::collections::BTreeMap;

/// Records in a map; gone when dropped. Batches are atomic trivially (applied in one step).
#[derive(Debug, Default, Clone)]
pub struct MemoryStore {
    header: Option<Vec<u8>>,
    records: BTreeMap<(Collection, String), Vec<u8>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every stored byte (header and records), for tests that look for leaks.
    pub fn raw_bytes(&self) -> Vec<u8> {
        let mut out = self.header.clone().unwrap_or_default();
        for ((collection, id), value) in &self.records {
            out.extend_from_slice(collection.as_str().as_bytes());
            out.extend_from_slice(id.as_bytes());
            out.extend_from_slice(value);
        }
        out
    }
}

impl Storage for MemoryStore {
    fn header(&self) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.header.clone())
    }

    fn get(&self, collection: Collection, id: &str) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.records.get(&(collection, id.to_owned())).cloned())
    }

    fn list(&self, collection: Collection) -> Result<Vec<(String, Vec<u8>)>, StorageError> {
        Ok(self
            .records
            .iter()
            .filter(|((c, _), _)| *c == collection)
            .map(|((_, id), value)| (id.clone(), value.clone()))
            .collect())
    }

    fn commit(&mut self, batch: Batch) -> Result<(), StorageError> {
        if let Some(header) = batch.header {
            self.header = Some(header);
        }
        for (collection, id) in batch.deletes {
            self.records.remove(&(collection, id));
        }
        for (collection, id, value) in batch.puts {
            self.records.insert((collection, id), value);
        }
        Ok(())
    }
}
