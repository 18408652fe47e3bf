//! The backup file: everything, sealed once under the passphrase (fresh salt and key), so the
//! file says nothing but its format and key-derivation parameters.
//!
//! ```text
//! {"format": "passeport-wallet-backup", "version": 1,
//!  "key": {"kdf": "argon2id", "params": {…}, "salt": "…", "wrappedKey": "…"},
//!  "data": "<base64url(nonce || XChaCha20-Poly1305(records))>"}
//! ```

use crate::crypto::{KdfParams, KeyHeader, SecretBytes};
use crate::storage::Collection;
use crate::WalletError;
use serde::{Deserialize, Serialize};
use std::io::Write as _;
use std::path::Path;
use zeroize::Zeroizing;

const BACKUP_FORMAT: &str = "passeport-wallet-backup";
const BACKUP_VERSION: u32 = 1;
const BACKUP_AAD: &[u8] = b"passeport-wallet/v1/backup";
/// Largest backup file read (256 MiB).
pub const MAX_BACKUP_BYTES: usize = 256 << 20;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BackupFile {
    format: String,
    version: u32,
    key: KeyHeader,
    data: String,
}

#[derive(Serialize, Deserialize)]
struct BackupRecord {
    collection: String,
    id: String,
    /// The record's plaintext (JSON), base64url.
    value: String,
}

/// Decrypted records: `(collection, id, plaintext)`.
pub(crate) type PlainRecords = Vec<(Collection, String, Zeroizing<Vec<u8>>)>;

pub(crate) fn seal(
    records: &PlainRecords,
    passphrase: &str,
    params: KdfParams,
) -> Result<Vec<u8>, WalletError> {
    let list: Vec<BackupRecord> = records
        .iter()
        .map(|(collection, id, plain)| BackupRecord {
            collection: collection.as_str().to_owned(),
            id: id.clone(),
            value: passeport_core::b64::encode(plain.as_slice()),
        })
        .collect();
    let payload = Zeroizing::new(
        serde_json::to_vec(&list).map_err(|e| WalletError::BadBackup(e.to_string()))?,
    );
    let key = SecretBytes::random();
    let header = KeyHeader::wrap(passphrase, params, &key)?;
    let data = key.seal(&payload, BACKUP_AAD)?;
    serde_json::to_vec_pretty(&BackupFile {
        format: BACKUP_FORMAT.into(),
        version: BACKUP_VERSION,
        key: header,
        data: passeport_core::b64::encode(data),
    })
    .map_err(|e| WalletError::BadBackup(e.to_string()))
}

pub(crate) fn open(
    bytes: &[u8],
    passphrase: &str,
) -> Result<(KdfParams, PlainRecords), WalletError> {
    if bytes.len() > MAX_BACKUP_BYTES {
        return Err(WalletError::TooLarge {
            size: bytes.len(),
            max: MAX_BACKUP_BYTES,
        });
    }
    let file: BackupFile = serde_json::from_slice(bytes)
        .map_err(|e| WalletError::BadBackup(format!("not a wallet backup: {e}")))?;
    if file.format != BACKUP_FORMAT || file.version != BACKUP_VERSION {
        return Err(WalletError::BadBackup(format!(
            "format {} version {} (expected {BACKUP_FORMAT} {BACKUP_VERSION})",
            file.format, file.version
        )));
    }
    let key = file.key.unwrap_key(passphrase)?;
    let data = passeport_core::b64::decode(&file.data)
        .map_err(|_| WalletError::BadBackup("data is not base64url".into()))?;
    let payload = key
        .open(&data, BACKUP_AAD)
        .ok_or_else(|| WalletError::BadBackup("the data does not decrypt (altered)".into()))?;
    let list: Vec<BackupRecord> =
        serde_json::from_slice(&payload).map_err(|e| WalletError::BadBackup(e.to_string()))?;
    let mut records = Vec::with_capacity(list.len());
    for record in list {
        let collection = Collection::ALL
            .into_iter()
            .find(|c| c.as_str() == record.collection)
            .ok_or_else(|| {
                WalletError::BadBackup(format!("unknown collection {}", record.collection))
            })?;
        let value = Zeroizing::new(passeport_core::b64::decode(&record.value).map_err(|_| {
            WalletError::BadBackup(format!("record {} is not base64url", record.id))
        })?);
        records.push((collection, record.id, value));
    }
    Ok((file.key.params, records))
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, synced, then
/// renamed over `path` (and the directory synced), so a crash leaves the old file or the new
/// one, never half of one. Mode 0600 on Unix. A symbolic link is followed; a path that names a
/// device, a FIFO or a directory is refused.
pub fn write_file_atomic(path: &Path, bytes: &[u8]) -> Result<(), WalletError> {
    let io = |source| WalletError::Io {
        path: path.display().to_string(),
        source,
    };
    // A link is followed (the file it points to is replaced, the link stays); a device, a FIFO
    // or a directory is refused rather than replaced by a file.
    let resolved;
    let path = match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() => {
            return Err(io(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a regular file (this is written only to a file)",
            )));
        }
        Ok(_) if path.is_symlink() => {
            resolved = std::fs::canonicalize(path).map_err(io)?;
            resolved.as_path()
        }
        _ => path,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "backup".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = std::fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
}
