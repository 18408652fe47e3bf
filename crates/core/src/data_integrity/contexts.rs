//! JSON-LD contexts known offline. Verification never fetches a context: a URL that is not in the
//! set is an [`UnknownContext`](super::DataIntegrityError::UnknownContext) error naming it.

use super::DataIntegrityError;
use json_ld_types::{IriBuf, LoadError, RemoteDocument};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Re-exported names from the JSON-LD stack, kept in one place.
mod json_ld_types {
    pub use ssi_json_ld::json_ld::iref::{Iri, IriBuf};
    pub use ssi_json_ld::json_ld::{Context, LoadError, Loader, RemoteDocument};
}

/// A JSON-LD active context, the result of processing a document's `@context`.
pub(crate) type ProcessedContext = json_ld_types::Context;

/// Most processed `@context` values a [`ContextSet`] remembers (then it forgets them all).
const MAX_CACHED_CONTEXTS: usize = 64;

/// Longest `@context` value (serialized) whose processing is remembered.
const MAX_CACHED_CONTEXT_KEY: usize = 16 * 1024;

/// Processed contexts, keyed by the serialized `@context` value they came from.
type ProcessedCache = Mutex<HashMap<String, Arc<ProcessedContext>>>;

/// Largest context document accepted through [`ContextSet::with`].
pub const MAX_CONTEXT_BYTES: usize = 256 * 1024;

/// The contexts shipped with passeport: (URL, JSON text). See `assets/contexts/SOURCES.md`.
const EMBEDDED: &[(&str, &str)] = &[
    (
        "https://www.w3.org/ns/credentials/v2",
        include_str!("../../assets/contexts/credentials-v2.jsonld"),
    ),
    (
        "https://www.w3.org/2018/credentials/v1",
        include_str!("../../assets/contexts/credentials-v1.jsonld"),
    ),
    (
        "https://www.w3.org/ns/credentials/examples/v2",
        include_str!("../../assets/contexts/credentials-examples-v2.jsonld"),
    ),
    (
        "https://www.w3.org/2018/credentials/examples/v1",
        include_str!("../../assets/contexts/credentials-examples-v1.jsonld"),
    ),
    (
        "https://w3id.org/security/data-integrity/v2",
        include_str!("../../assets/contexts/data-integrity-v2.jsonld"),
    ),
    (
        "https://w3id.org/security/multikey/v1",
        include_str!("../../assets/contexts/multikey-v1.jsonld"),
    ),
    (
        "https://www.w3.org/ns/credentials/status/v1",
        include_str!("../../assets/contexts/status-list-v1.jsonld"),
    ),
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
        include_str!("../../assets/contexts/ob-v3p0-context-3.0.0.json"),
    ),
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
        include_str!("../../assets/contexts/ob-v3p0-context-3.0.1.json"),
    ),
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
        include_str!("../../assets/contexts/ob-v3p0-context-3.0.2.json"),
    ),
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        include_str!("../../assets/contexts/ob-v3p0-context-3.0.3.json"),
    ),
    (
        "https://w3id.org/citizenship/v4rc1",
        include_str!("../../assets/contexts/citizenship-v4rc1.jsonld"),
    ),
    (
        crate::model::PASSEPORT_CONTEXT,
        include_str!("../../assets/contexts/passeport-v1.jsonld"),
    ),
];

/// A set of JSON-LD context documents, by URL, used instead of the network.
///
/// [`ContextSet::embedded`] holds VCDM 2.0 (and 1.1), Data Integrity v2, Multikey v1, Bitstring
/// Status List v1, Open Badges 3.0.0 to 3.0.3, the W3C credentials examples contexts, Citizenship
/// v4rc1 and passeport v1. Add others with [`ContextSet::with`].
///
/// A set remembers the active context each `@context` value it has processed (at most 64 of
/// them), so that signing and verifying many credentials with the same
/// contexts processes them once.
pub struct ContextSet {
    documents: HashMap<String, RemoteDocument>,
    /// The same documents as `serde_json` values, for the fast path.
    raw: HashMap<String, Arc<serde_json::Value>>,
    processed: Arc<ProcessedCache>,
    fast: Arc<super::fast::Cache>,
}

impl Clone for ContextSet {
    fn clone(&self) -> Self {
        // A clone may be given other documents by `with`: it starts with its own cache.
        ContextSet {
            documents: self.documents.clone(),
            raw: self.raw.clone(),
            processed: Arc::default(),
            fast: Arc::default(),
        }
    }
}

impl std::fmt::Debug for ContextSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut urls: Vec<&String> = self.documents.keys().collect();
        urls.sort();
        f.debug_struct("ContextSet").field("urls", &urls).finish()
    }
}

impl ContextSet {
    /// The contexts shipped with passeport (parsed once per process).
    pub fn embedded() -> &'static ContextSet {
        static SET: OnceLock<ContextSet> = OnceLock::new();
        SET.get_or_init(|| {
            let mut set = ContextSet {
                documents: HashMap::new(),
                raw: HashMap::new(),
                processed: Arc::default(),
                fast: Arc::default(),
            };
            for (url, text) in EMBEDDED {
                // The embedded files are checked by the test `embedded_contexts_parse`; a broken
                // one is left out (and then reported as unknown) rather than panicking.
                if let Ok((doc, raw)) = parse_document(url, text) {
                    set.documents.insert((*url).to_owned(), doc);
                    set.raw.insert((*url).to_owned(), Arc::new(raw));
                }
            }
            set
        })
    }

    /// Adds (or replaces) the context document served at `url`.
    pub fn with(mut self, url: &str, json: &str) -> Result<Self, DataIntegrityError> {
        if json.len() > MAX_CONTEXT_BYTES {
            return Err(DataIntegrityError::BadContextDocument {
                url: url.to_owned(),
                reason: format!("larger than {MAX_CONTEXT_BYTES} bytes"),
            });
        }
        let (doc, raw) = parse_document(url, json)?;
        self.documents.insert(url.to_owned(), doc);
        self.raw.insert(url.to_owned(), Arc::new(raw));
        // What was processed with the old documents may no longer hold.
        self.processed = Arc::default();
        self.fast = Arc::default();
        Ok(self)
    }

    /// The URLs this set answers for.
    pub fn urls(&self) -> impl Iterator<Item = &str> {
        self.documents.keys().map(String::as_str)
    }

    /// Whether `url` is known.
    pub fn contains(&self, url: &str) -> bool {
        self.documents.contains_key(url)
    }

    /// A loader for one run of the JSON-LD algorithms, remembering the first unknown URL asked.
    pub(crate) fn loader(&self) -> RecordingLoader<'_> {
        RecordingLoader {
            set: self,
            missing: Mutex::new(None),
        }
    }
}

impl ContextSet {
    /// The context document served at `url`, as JSON.
    pub(crate) fn raw_document(&self, url: &str) -> Option<&serde_json::Value> {
        self.raw.get(url).map(Arc::as_ref)
    }

    /// The fast path's processed contexts.
    pub(crate) fn fast_cache(&self) -> &super::fast::Cache {
        &self.fast
    }

    /// The active context remembered for the serialized `@context` value `key`, if any.
    pub(crate) fn cached(&self, key: &str) -> Option<Arc<ProcessedContext>> {
        self.processed.lock().ok()?.get(key).cloned()
    }

    /// Remembers the active context processed from the serialized `@context` value `key`.
    pub(crate) fn remember(&self, key: &str, context: Arc<ProcessedContext>) {
        if key.len() > MAX_CACHED_CONTEXT_KEY {
            return;
        }
        if let Ok(mut cache) = self.processed.lock() {
            if cache.len() >= MAX_CACHED_CONTEXTS {
                cache.clear();
            }
            cache.insert(key.to_owned(), context);
        }
    }
}

fn parse_document(
    url: &str,
    text: &str,
) -> Result<(RemoteDocument, serde_json::Value), DataIntegrityError> {
    let bad = |reason: String| DataIntegrityError::BadContextDocument {
        url: url.to_owned(),
        reason,
    };
    let iri = IriBuf::new(url.to_owned()).map_err(|_| bad("not an absolute IRI".into()))?;
    let value: serde_json::Value =
        crate::json::parse_strict_str(text).map_err(|e| bad(e.to_string()))?;
    let syntax = super::rdfc::to_json_syntax(&value).map_err(bad)?;
    let document = RemoteDocument::new(
        Some(iri),
        Some(
            "application/ld+json"
                .parse()
                .map_err(|_| bad("mime".into()))?,
        ),
        syntax,
    );
    Ok((document, value))
}

/// The context `url` is not in the [`ContextSet`].
#[derive(Debug, thiserror::Error)]
#[error("unknown JSON-LD context {0} (contexts are never fetched)")]
pub(crate) struct NotEmbedded(String);

/// A [`json_ld_types::Loader`] answering from a [`ContextSet`] only.
pub(crate) struct RecordingLoader<'a> {
    set: &'a ContextSet,
    missing: Mutex<Option<String>>,
}

impl RecordingLoader<'_> {
    /// The first URL asked for that the set does not hold.
    pub(crate) fn missing(&self) -> Option<String> {
        self.missing.lock().ok().and_then(|m| m.clone())
    }
}

impl json_ld_types::Loader for RecordingLoader<'_> {
    async fn load(&self, url: &json_ld_types::Iri) -> Result<RemoteDocument, LoadError> {
        match self.set.documents.get(url.as_str()) {
            Some(doc) => Ok(doc.clone()),
            None => {
                if let Ok(mut missing) = self.missing.lock() {
                    missing.get_or_insert_with(|| url.as_str().to_owned());
                }
                Err(LoadError::new(
                    url.to_owned(),
                    NotEmbedded(url.as_str().to_owned()),
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_contexts_parse() {
        for (url, text) in EMBEDDED {
            parse_document(url, text).unwrap();
        }
        assert_eq!(ContextSet::embedded().urls().count(), EMBEDDED.len());
    }
}
