//! Where the verifier gets what the artefact does not carry: DID documents, status lists,
//! issuer metadata. Offline implementations answer only from what they were given.

#[cfg(feature = "http")]
mod http;

#[cfg(feature = "http")]
pub use http::HttpResolver;

use std::collections::HashMap;
use std::sync::RwLock;

/// Largest document fetched (DID document, metadata, status list), in bytes.
pub const MAX_FETCH_BYTES: usize = 4 << 20;

/// A fetch failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResolveError {
    /// Nothing known for this URL (offline, or not given).
    #[error("{0}: not available offline (no cached copy)")]
    NotAvailable(String),
    /// The network or server failed.
    #[error("{url}: {reason}")]
    Fetch {
        /// The URL.
        url: String,
        /// What failed.
        reason: String,
    },
    /// A URL we refuse to fetch (not https, private use…).
    #[error("refusing to fetch {0}: only https:// (or http://localhost) URLs are fetched")]
    Refused(String),
}

/// A fetched document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The body.
    pub body: Vec<u8>,
    /// Served from a cache rather than fetched now.
    pub from_cache: bool,
}

/// Fetches documents by URL.
pub trait Resolver: Send + Sync {
    /// Fetches `url` (a did:web document, a status list, issuer metadata).
    fn fetch(&self, url: &str) -> Result<Fetched, ResolveError>;
}

/// Answers only from documents it was given: for tests and fully offline use.
#[derive(Debug, Default)]
pub struct StaticResolver {
    documents: RwLock<HashMap<String, Vec<u8>>>,
}

impl StaticResolver {
    /// An empty resolver.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a document.
    pub fn insert(&self, url: impl Into<String>, body: impl Into<Vec<u8>>) {
        if let Ok(mut docs) = self.documents.write() {
            docs.insert(url.into(), body.into());
        }
    }
}

impl Resolver for StaticResolver {
    fn fetch(&self, url: &str) -> Result<Fetched, ResolveError> {
        self.documents
            .read()
            .ok()
            .and_then(|docs| docs.get(url).cloned())
            .map(|body| Fetched {
                body,
                from_cache: false,
            })
            .ok_or_else(|| ResolveError::NotAvailable(url.to_owned()))
    }
}
