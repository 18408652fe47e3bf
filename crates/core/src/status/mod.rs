//! Status lists: W3C Bitstring Status List ([`bitstring`]) for VCDM credentials and the IETF
//! Token Status List ([`token`]) for SD-JWT VC. Pure encoding and decoding, no I/O: the service
//! publishes lists, the verifier fetches them and reads one entry with these types.
//!
//! Both decoders stop at [`MAX_DECODED_BYTES`] of decompressed data, so a compression bomb fails
//! with [`StatusError::TooLarge`] instead of exhausting memory.

pub mod bitstring;
pub mod token;

use std::io::Read;

/// Largest decompressed status list accepted (4 MiB: 32 Mi one-bit entries).
pub const MAX_DECODED_BYTES: usize = 4 * 1024 * 1024;

/// Why a status list could not be decoded or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StatusError {
    /// `encodedList` does not carry the multibase base64url prefix `u`.
    #[error("encodedList must start with the multibase prefix `u` (base64url)")]
    NotMultibase,
    /// The base64url text is malformed.
    #[error("{field}: not base64url")]
    Base64 {
        /// Which field (`encodedList`, `lst`).
        field: &'static str,
    },
    /// The compressed data is malformed.
    #[error("{field}: decompression failed: {reason}")]
    Decompress {
        /// Which field.
        field: &'static str,
        /// What the decompressor said.
        reason: String,
    },
    /// The decompressed list is larger than the limit (a compression bomb, or a list too big).
    #[error("{field}: decompressed list exceeds {limit} bytes")]
    TooLarge {
        /// Which field.
        field: &'static str,
        /// The limit in bytes.
        limit: usize,
    },
    /// The index is past the end of the list.
    #[error("status index {index} is out of range (the list has {len} entries)")]
    IndexOutOfRange {
        /// The index asked for.
        index: u64,
        /// Entries in the list.
        len: u64,
    },
    /// The Token Status List `bits` is not 1, 2, 4 or 8.
    #[error("status_list.bits must be 1, 2, 4 or 8, not {0}")]
    BadBits(u64),
    /// A status value does not fit in the list's bits per entry.
    #[error("status value {value} does not fit in {bits} bit(s)")]
    ValueTooLarge {
        /// The value.
        value: u8,
        /// Bits per entry.
        bits: u8,
    },
    /// A list of zero entries, or one too big to make.
    #[error("a status list must have between 1 and {max} entries, not {len}")]
    BadLength {
        /// Requested entries.
        len: u64,
        /// Maximum entries.
        max: u64,
    },
    /// Compression failed (writing to memory; should not happen).
    #[error("compression failed: {0}")]
    Compress(String),
    /// A status list document lacks a member or has it with a wrong type.
    #[error("status list document: {0}")]
    Document(String),
}

/// Reads all of `reader`, failing once more than `limit` bytes come out.
fn read_limited(
    reader: impl Read,
    limit: usize,
    field: &'static str,
) -> Result<Vec<u8>, StatusError> {
    let mut out = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    reader
        .take(cap)
        .read_to_end(&mut out)
        .map_err(|e| StatusError::Decompress {
            field,
            reason: e.to_string(),
        })?;
    if out.len() > limit {
        return Err(StatusError::TooLarge { field, limit });
    }
    Ok(out)
}
