//! IETF Token Status List (draft-ietf-oauth-status-list): `bits` (1, 2, 4 or 8) per entry, entry 0
//! in the least significant bits of byte 0; `lst` is base64url(ZLIB(DEFLATE(bytes))).

use super::{read_limited, StatusError, MAX_DECODED_BYTES};
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;
use flate2::Compression;
use serde_json::Value;
use std::io::Write;

/// Status value: the token is valid.
pub const VALID: u8 = 0x00;
/// Status value: the token is revoked (permanently invalid).
pub const INVALID: u8 = 0x01;
/// Status value: the token is suspended (temporarily invalid).
pub const SUSPENDED: u8 = 0x02;

/// The media type of a status list token.
pub const MEDIA_TYPE: &str = "application/statuslist+jwt";

/// A token status list.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenStatusList {
    bits: u8,
    bytes: Vec<u8>,
}

impl std::fmt::Debug for TokenStatusList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenStatusList")
            .field("bits", &self.bits)
            .field("len", &self.len())
            .finish()
    }
}

fn check_bits(bits: u64) -> Result<u8, StatusError> {
    match bits {
        1 | 2 | 4 | 8 => Ok(bits as u8),
        other => Err(StatusError::BadBits(other)),
    }
}

impl TokenStatusList {
    /// A list of (at least) `len` entries of `bits` bits each, all [`VALID`].
    pub fn new(bits: u8, len: u64) -> Result<Self, StatusError> {
        let bits = check_bits(u64::from(bits))?;
        let per_byte = u64::from(8 / bits);
        let max = MAX_DECODED_BYTES as u64 * per_byte;
        if len == 0 || len > max {
            return Err(StatusError::BadLength { len, max });
        }
        let bytes = usize::try_from(len.div_ceil(per_byte))
            .map_err(|_| StatusError::BadLength { len, max })?;
        Ok(Self {
            bits,
            bytes: vec![0; bytes],
        })
    }

    /// Bits per entry.
    pub fn bits(&self) -> u8 {
        self.bits
    }

    /// Number of entries.
    pub fn len(&self) -> u64 {
        self.bytes.len() as u64 * u64::from(8 / self.bits)
    }

    /// Whether the list has no entries.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    fn locate(&self, index: u64) -> Result<(usize, u32, u8), StatusError> {
        let per_byte = u64::from(8 / self.bits);
        let out = || StatusError::IndexOutOfRange {
            index,
            len: self.len(),
        };
        let byte = usize::try_from(index / per_byte).map_err(|_| out())?;
        if byte >= self.bytes.len() {
            return Err(out());
        }
        let shift = u32::try_from((index % per_byte) * u64::from(self.bits)).map_err(|_| out())?;
        let mask = if self.bits == 8 {
            0xff
        } else {
            (1u8 << self.bits) - 1
        };
        Ok((byte, shift, mask))
    }

    /// The status value at `index` ([`VALID`], [`INVALID`], [`SUSPENDED`] or another value).
    pub fn get(&self, index: u64) -> Result<u8, StatusError> {
        let (byte, shift, mask) = self.locate(index)?;
        Ok(self.bytes.get(byte).map_or(0, |b| (b >> shift) & mask))
    }

    /// Sets the status value at `index`.
    pub fn set(&mut self, index: u64, value: u8) -> Result<(), StatusError> {
        let (byte, shift, mask) = self.locate(index)?;
        if value & !mask != 0 {
            return Err(StatusError::ValueTooLarge {
                value,
                bits: self.bits,
            });
        }
        if let Some(b) = self.bytes.get_mut(byte) {
            *b = (*b & !(mask << shift)) | (value << shift);
        }
        Ok(())
    }

    /// The `lst` member: base64url(ZLIB(bytes)).
    pub fn encode_lst(&self) -> Result<String, StatusError> {
        let mut z = ZlibEncoder::new(Vec::new(), Compression::best());
        z.write_all(&self.bytes)
            .map_err(|e| StatusError::Compress(e.to_string()))?;
        let compressed = z
            .finish()
            .map_err(|e| StatusError::Compress(e.to_string()))?;
        Ok(crate::b64::encode(compressed))
    }

    /// The `status_list` claim: `{"bits": …, "lst": …}`.
    pub fn to_claim(&self) -> Result<Value, StatusError> {
        Ok(serde_json::json!({ "bits": self.bits, "lst": self.encode_lst()? }))
    }

    /// Decodes `bits` and `lst`, refusing more than [`MAX_DECODED_BYTES`] of decompressed data.
    pub fn decode(bits: u64, lst: &str) -> Result<Self, StatusError> {
        let field = "lst";
        let bits = check_bits(bits)?;
        let compressed = crate::b64::decode(lst).map_err(|_| StatusError::Base64 { field })?;
        let bytes = read_limited(
            ZlibDecoder::new(compressed.as_slice()),
            MAX_DECODED_BYTES,
            field,
        )?;
        Ok(Self { bits, bytes })
    }

    /// Decodes the `status_list` claim of a status list token's payload.
    pub fn from_claim(status_list: &Value) -> Result<Self, StatusError> {
        let bits = status_list
            .get("bits")
            .and_then(Value::as_u64)
            .ok_or_else(|| StatusError::Document("status_list.bits missing".into()))?;
        let lst = status_list
            .get("lst")
            .and_then(Value::as_str)
            .ok_or_else(|| StatusError::Document("status_list.lst missing".into()))?;
        Self::decode(bits, lst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_draft_example_one_bit() {
        // draft-ietf-oauth-status-list, section 4.1 (1-bit example): statuses
        // [1,0,0,1,1,1,0,1, 1,1,0,0,0,1,0,1] → bytes b9 a3 → lst "eNrbuRgAAhcBXQ".
        let list = TokenStatusList::decode(1, "eNrbuRgAAhcBXQ").unwrap();
        let expected = [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1];
        for (i, want) in expected.iter().enumerate() {
            assert_eq!(list.get(i as u64).unwrap(), *want, "index {i}");
        }
    }

    #[test]
    fn decodes_draft_example_two_bits() {
        // Section 4.1 (2-bit example): [1,2,0,3,0,1,0,1,1,2,3,3] → c9 44 f9 → "eNo76fITAAPfAgc".
        let list = TokenStatusList::decode(2, "eNo76fITAAPfAgc").unwrap();
        let expected = [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3];
        for (i, want) in expected.iter().enumerate() {
            assert_eq!(list.get(i as u64).unwrap(), *want, "index {i}");
        }
    }

    #[test]
    fn round_trips_every_width() {
        for bits in [1u8, 2, 4, 8] {
            let mut list = TokenStatusList::new(bits, 1000).unwrap();
            let max = if bits == 8 { 255 } else { (1u8 << bits) - 1 };
            for i in (0..1000u64).step_by(7) {
                list.set(i, (i % u64::from(max) + 1) as u8 & max).unwrap();
            }
            let back = TokenStatusList::from_claim(&list.to_claim().unwrap()).unwrap();
            for i in 0..1000u64 {
                assert_eq!(
                    back.get(i).unwrap(),
                    list.get(i).unwrap(),
                    "bits {bits} index {i}"
                );
            }
        }
    }

    #[test]
    fn rejects_value_wider_than_bits() {
        let mut list = TokenStatusList::new(1, 8).unwrap();
        assert_eq!(
            list.set(0, SUSPENDED),
            Err(StatusError::ValueTooLarge { value: 2, bits: 1 })
        );
    }

    #[test]
    fn rejects_bad_bits_and_out_of_range() {
        assert_eq!(
            TokenStatusList::decode(3, "eNrbuRgAAhcBXQ"),
            Err(StatusError::BadBits(3))
        );
        let list = TokenStatusList::decode(1, "eNrbuRgAAhcBXQ").unwrap();
        assert!(matches!(
            list.get(16),
            Err(StatusError::IndexOutOfRange { .. })
        ));
    }

    #[test]
    fn rejects_zlib_bomb() {
        let mut z = ZlibEncoder::new(Vec::new(), Compression::best());
        z.write_all(&vec![0u8; MAX_DECODED_BYTES + 1]).unwrap();
        let bomb = crate::b64::encode(z.finish().unwrap());
        assert!(matches!(
            TokenStatusList::decode(1, &bomb),
            Err(StatusError::TooLarge { .. })
        ));
    }

    proptest::proptest! {
        #[test]
        fn two_bit_values_round_trip(values in proptest::collection::vec(0u8..4, 1..2000)) {
            let mut list = TokenStatusList::new(2, values.len() as u64).unwrap();
            for (i, v) in values.iter().enumerate() {
                list.set(i as u64, *v).unwrap();
            }
            let back = TokenStatusList::decode(2, &list.encode_lst().unwrap()).unwrap();
            for (i, v) in values.iter().enumerate() {
                proptest::prop_assert_eq!(back.get(i as u64).unwrap(), *v);
            }
        }

        #[test]
        fn decoding_garbage_never_panics(lst in "[A-Za-z0-9_-]{0,200}", bits in 0u64..10) {
            let _ = TokenStatusList::decode(bits, &lst);
        }
    }
}
