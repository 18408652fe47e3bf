//! HTTP(S) fetching with reqwest, a cache that follows `Cache-Control: max-age` and `ETag`, and an
//! offline mode that answers from the cache only (and says so).

use super::{Fetched, ResolveError, Resolver, MAX_FETCH_BYTES};
use std::collections::HashMap;
use std::io::Read as _;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Entry {
    body: Vec<u8>,
    etag: Option<String>,
    fresh_until: u64,
}

/// Fetches over HTTP(S), caching in memory and optionally on disk.
#[derive(Debug)]
pub struct HttpResolver {
    /// Made on the first fetch that needs the network: building it loads the system's TLS
    /// roots, which an offline or all-cached run never needs.
    client: OnceLock<Result<reqwest::blocking::Client, String>>,
    memory: Mutex<HashMap<String, Entry>>,
    disk: Option<PathBuf>,
    offline: bool,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn max_age(headers: &reqwest::header::HeaderMap) -> u64 {
    headers
        .get(reqwest::header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',').find_map(|d| {
                d.trim()
                    .strip_prefix("max-age=")
                    .and_then(|n| n.parse().ok())
            })
        })
        .unwrap_or(0)
}

impl Default for HttpResolver {
    fn default() -> Self {
        Self::new()
    }
}

impl HttpResolver {
    /// A resolver with a 10 s timeout and no disk cache.
    ///
    /// The HTTP client is made on the first fetch that needs the network, and an error making
    /// it is that fetch's error.
    pub fn new() -> Self {
        Self {
            client: OnceLock::new(),
            memory: Mutex::new(HashMap::new()),
            disk: None,
            offline: false,
        }
    }

    fn client(&self) -> Result<&reqwest::blocking::Client, String> {
        self.client
            .get_or_init(|| {
                reqwest::blocking::Client::builder()
                    .timeout(Duration::from_secs(10))
                    .redirect(reqwest::redirect::Policy::limited(3))
                    .user_agent(concat!("passeport-verifier/", env!("CARGO_PKG_VERSION")))
                    .build()
                    .map_err(|e| format!("cannot make an HTTP client: {e}"))
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Keeps fetched documents in `dir` too, for `--offline` later.
    #[must_use]
    pub fn with_disk_cache(mut self, dir: PathBuf) -> Self {
        self.disk = Some(dir);
        self
    }

    /// Never touches the network: answers from the cache (even stale), or fails.
    #[must_use]
    pub fn offline(mut self) -> Self {
        self.offline = true;
        self
    }

    fn disk_path(&self, url: &str) -> Option<PathBuf> {
        use sha2::Digest as _;
        let name = passeport_core::b64::encode(sha2::Sha256::digest(url.as_bytes()));
        self.disk.as_ref().map(|d| d.join(format!("{name}.json")))
    }

    fn cached(&self, url: &str) -> Option<Entry> {
        if let Some(e) = self.memory.lock().ok().and_then(|m| m.get(url).cloned()) {
            return Some(e);
        }
        let path = self.disk_path(url)?;
        let bytes = std::fs::read(path).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    fn store(&self, url: &str, entry: Entry) {
        if let Some(path) = self.disk_path(url) {
            if let Ok(bytes) = serde_json::to_vec(&entry) {
                let tmp = path.with_extension("tmp");
                if let Some(dir) = path.parent() {
                    let _ = std::fs::create_dir_all(dir);
                }
                if std::fs::write(&tmp, bytes).is_ok() {
                    let _ = std::fs::rename(tmp, path);
                }
            }
        }
        if let Ok(mut m) = self.memory.lock() {
            m.insert(url.to_owned(), entry);
        }
    }
}

fn allowed(url: &str) -> bool {
    url.starts_with("https://")
        || url.starts_with("http://localhost")
        || url.starts_with("http://127.0.0.1")
        || url.starts_with("http://[::1]")
}

impl Resolver for HttpResolver {
    fn fetch(&self, url: &str) -> Result<Fetched, ResolveError> {
        if !allowed(url) {
            return Err(ResolveError::Refused(url.to_owned()));
        }
        let cached = self.cached(url);
        if self.offline {
            return cached
                .map(|e| Fetched {
                    body: e.body,
                    from_cache: true,
                })
                .ok_or_else(|| ResolveError::NotAvailable(url.to_owned()));
        }
        if let Some(entry) = &cached {
            if entry.fresh_until > now() {
                return Ok(Fetched {
                    body: entry.body.clone(),
                    from_cache: true,
                });
            }
        }
        let fail = |reason: String| ResolveError::Fetch {
            url: url.to_owned(),
            reason,
        };
        let mut request = self.client().map_err(fail)?.get(url);
        if let Some(etag) = cached.as_ref().and_then(|e| e.etag.clone()) {
            request = request.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        let response = request.send().map_err(|e| fail(e.to_string()))?;
        let status = response.status();
        let fresh_until = now() + max_age(response.headers());
        let etag = response
            .headers()
            .get(reqwest::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if status == reqwest::StatusCode::NOT_MODIFIED {
            if let Some(mut entry) = cached {
                entry.fresh_until = fresh_until;
                let body = entry.body.clone();
                self.store(url, entry);
                return Ok(Fetched {
                    body,
                    from_cache: true,
                });
            }
        }
        if !status.is_success() {
            return Err(fail(format!("HTTP {status}")));
        }
        let mut body = Vec::new();
        response
            .take(MAX_FETCH_BYTES as u64 + 1)
            .read_to_end(&mut body)
            .map_err(|e| fail(e.to_string()))?;
        if body.len() > MAX_FETCH_BYTES {
            return Err(fail(format!("larger than {MAX_FETCH_BYTES} bytes")));
        }
        self.store(
            url,
            Entry {
                body: body.clone(),
                etag,
                fresh_until,
            },
        );
        Ok(Fetched {
            body,
            from_cache: false,
        })
    }
}
