//! W3C Bitstring Status List v1.0: one bit per credential, bit 0 the most significant bit of the
//! first byte; `encodedList` is the multibase (`u`, base64url without padding) form of the GZIP of
//! the bitstring.

use super::{read_limited, StatusError, MAX_DECODED_BYTES};
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use serde_json::Value;
use std::io::Write;

/// Entries in a list the service publishes (the spec's minimum, 16 KiB of bits, for herd privacy).
pub const DEFAULT_LIST_LEN: u64 = 131_072;

/// A bitstring status list (one bit per entry).
#[derive(Clone, PartialEq, Eq)]
pub struct BitstringStatusList {
    bytes: Vec<u8>,
}

impl std::fmt::Debug for BitstringStatusList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BitstringStatusList")
            .field("len", &self.len())
            .field("set", &self.count_set())
            .finish()
    }
}

impl BitstringStatusList {
    /// A list of `len` entries, all 0 (`len` rounded up to whole bytes).
    pub fn new(len: u64) -> Result<Self, StatusError> {
        let max = (MAX_DECODED_BYTES as u64) * 8;
        if len == 0 || len > max {
            return Err(StatusError::BadLength { len, max });
        }
        let bytes =
            usize::try_from(len.div_ceil(8)).map_err(|_| StatusError::BadLength { len, max })?;
        Ok(Self {
            bytes: vec![0; bytes],
        })
    }

    /// A list over raw bitstring bytes (already decompressed).
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self { bytes }
    }

    /// Number of entries.
    pub fn len(&self) -> u64 {
        self.bytes.len() as u64 * 8
    }

    /// Whether the list has no entries.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    fn locate(&self, index: u64) -> Result<(usize, u8), StatusError> {
        let out = || StatusError::IndexOutOfRange {
            index,
            len: self.len(),
        };
        let byte = usize::try_from(index / 8).map_err(|_| out())?;
        if byte >= self.bytes.len() {
            return Err(out());
        }
        // Bit 0 is the most significant bit of byte 0.
        Ok((byte, 0x80 >> (index % 8)))
    }

    /// The bit at `index` (`true`: the status purpose applies, e.g. revoked).
    pub fn get(&self, index: u64) -> Result<bool, StatusError> {
        let (byte, mask) = self.locate(index)?;
        Ok(self.bytes.get(byte).is_some_and(|b| b & mask != 0))
    }

    /// Sets or clears the bit at `index`.
    pub fn set(&mut self, index: u64, value: bool) -> Result<(), StatusError> {
        let (byte, mask) = self.locate(index)?;
        if let Some(b) = self.bytes.get_mut(byte) {
            if value {
                *b |= mask;
            } else {
                *b &= !mask;
            }
        }
        Ok(())
    }

    /// How many bits are set.
    pub fn count_set(&self) -> u64 {
        self.bytes.iter().map(|b| u64::from(b.count_ones())).sum()
    }

    /// The `encodedList`: `u` + base64url(GZIP(bitstring)).
    pub fn encode(&self) -> Result<String, StatusError> {
        let mut gz = GzEncoder::new(Vec::new(), Compression::best());
        gz.write_all(&self.bytes)
            .map_err(|e| StatusError::Compress(e.to_string()))?;
        let compressed = gz
            .finish()
            .map_err(|e| StatusError::Compress(e.to_string()))?;
        Ok(format!("u{}", crate::b64::encode(compressed)))
    }

    /// The raw bitstring bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// Decodes an `encodedList` (multibase `u` base64url of GZIP), refusing more than
/// [`MAX_DECODED_BYTES`] of decompressed data.
pub fn decode_encoded_list(encoded: &str) -> Result<BitstringStatusList, StatusError> {
    let field = "encodedList";
    let text = encoded.strip_prefix('u').ok_or(StatusError::NotMultibase)?;
    // Some encoders pad; base64url without padding is the spec's form.
    let text = text.trim_end_matches('=');
    let compressed = crate::b64::decode(text).map_err(|_| StatusError::Base64 { field })?;
    let bytes = read_limited(
        GzDecoder::new(compressed.as_slice()),
        MAX_DECODED_BYTES,
        field,
    )?;
    Ok(BitstringStatusList { bytes })
}

/// The `statusPurpose` and decoded list of a `BitstringStatusListCredential`'s subject
/// (the payload of a `vc+jwt` status list, or a Data Integrity one).
pub fn from_credential(credential: &Value) -> Result<(String, BitstringStatusList), StatusError> {
    let subject = credential
        .get("credentialSubject")
        .ok_or_else(|| StatusError::Document("no credentialSubject".into()))?;
    let subject = match subject {
        Value::Array(items) if items.len() == 1 => items.first().unwrap_or(subject),
        other => other,
    };
    if subject.get("type").and_then(Value::as_str) != Some("BitstringStatusList") {
        return Err(StatusError::Document(
            "credentialSubject.type must be BitstringStatusList".into(),
        ));
    }
    let purpose = subject
        .get("statusPurpose")
        .and_then(Value::as_str)
        .ok_or_else(|| StatusError::Document("credentialSubject.statusPurpose missing".into()))?;
    let encoded = subject
        .get("encodedList")
        .and_then(Value::as_str)
        .ok_or_else(|| StatusError::Document("credentialSubject.encodedList missing".into()))?;
    Ok((purpose.to_owned(), decode_encoded_list(encoded)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;

    fn vector(name: &str) -> Value {
        let path = format!(
            "{}/../../tests/vectors/bitstring-status-list/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
    }

    #[test]
    fn decodes_spec_example_all_zero() {
        let v = vector("encodedList-decoded.json");
        let list = decode_encoded_list(v["encodedList"].as_str().unwrap()).unwrap();
        assert_eq!(
            list.as_bytes().len() as u64,
            v["decompressed_bytes"].as_u64().unwrap()
        );
        assert_eq!(list.len(), v["bits"].as_u64().unwrap());
        assert_eq!(list.count_set(), 0);
        assert!(!list.get(94_567).unwrap());
    }

    #[test]
    fn decodes_digitalbazaar_set_bits() {
        let v = vector("generated-digitalbazaar-set-bits.json");
        let list = decode_encoded_list(v["encodedList"].as_str().unwrap()).unwrap();
        assert_eq!(list.len(), v["length"].as_u64().unwrap());
        let set: Vec<u64> = v["set"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i.as_u64().unwrap())
            .collect();
        for i in 0..list.len() {
            assert_eq!(list.get(i).unwrap(), set.contains(&i), "bit {i}");
        }
    }

    #[test]
    fn decodes_spec_status_list_credential() {
        let v = vector("example-3-example-bitstringstatuslistcredential.json");
        let (purpose, list) = from_credential(&v).unwrap();
        assert_eq!(purpose, "revocation");
        assert_eq!(list.len(), DEFAULT_LIST_LEN);
    }

    #[test]
    fn round_trips_and_matches_digitalbazaar_bits() {
        let v = vector("generated-digitalbazaar-set-bits.json");
        let mut list = BitstringStatusList::new(DEFAULT_LIST_LEN).unwrap();
        for i in v["set"].as_array().unwrap() {
            list.set(i.as_u64().unwrap(), true).unwrap();
        }
        let theirs = decode_encoded_list(v["encodedList"].as_str().unwrap()).unwrap();
        let ours = decode_encoded_list(&list.encode().unwrap()).unwrap();
        assert_eq!(ours, theirs);
        assert!(list.encode().unwrap().starts_with("uH4sI"));
        list.set(7, false).unwrap();
        assert!(!list.get(7).unwrap());
        assert!(list.get(8).unwrap());
    }

    #[test]
    fn rejects_out_of_range_index() {
        let list = BitstringStatusList::new(16).unwrap();
        assert_eq!(
            list.get(16),
            Err(StatusError::IndexOutOfRange { index: 16, len: 16 })
        );
        assert!(list.get(u64::MAX).is_err());
    }

    #[test]
    fn rejects_gzip_bomb() {
        let mut gz = GzEncoder::new(Vec::new(), Compression::best());
        gz.write_all(&vec![0u8; MAX_DECODED_BYTES + 1]).unwrap();
        let bomb = format!("u{}", crate::b64::encode(gz.finish().unwrap()));
        assert!(bomb.len() < 20_000);
        assert!(matches!(
            decode_encoded_list(&bomb),
            Err(StatusError::TooLarge { .. })
        ));
    }

    #[test]
    fn rejects_missing_multibase_prefix_and_garbage() {
        assert_eq!(
            decode_encoded_list("H4sIAAAA"),
            Err(StatusError::NotMultibase)
        );
        assert!(matches!(
            decode_encoded_list("u!!!"),
            Err(StatusError::Base64 { .. })
        ));
        assert!(matches!(
            decode_encoded_list("uAAAA"),
            Err(StatusError::Decompress { .. })
        ));
    }

    proptest::proptest! {
        #[test]
        fn encode_decode_round_trips(set in proptest::collection::btree_set(0u64..DEFAULT_LIST_LEN, 0..64)) {
            let mut list = BitstringStatusList::new(DEFAULT_LIST_LEN).unwrap();
            for i in &set {
                list.set(*i, true).unwrap();
            }
            let back = decode_encoded_list(&list.encode().unwrap()).unwrap();
            proptest::prop_assert_eq!(back.count_set(), set.len() as u64);
            for i in &set {
                proptest::prop_assert!(back.get(*i).unwrap());
            }
        }

        #[test]
        fn decoding_garbage_never_panics(text in "u[A-Za-z0-9_-]{0,200}") {
            let _ = decode_encoded_list(&text);
        }
    }
}
