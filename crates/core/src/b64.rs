//! base64url without padding (RFC 7515 §2), the only encoding JOSE and SD-JWT use.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

/// An input that is not valid unpadded base64url.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not valid base64url (unpadded): {0}")]
pub struct Base64Error(String);

/// Encodes bytes as unpadded base64url (with SIMD where the CPU has it: the same text as the
/// `base64` crate's, tested).
pub fn encode(bytes: impl AsRef<[u8]>) -> String {
    base64_simd::URL_SAFE_NO_PAD.encode_to_string(bytes)
}

/// Appends `bytes` as unpadded base64url to `out`.
pub fn encode_into(bytes: impl AsRef<[u8]>, out: &mut String) {
    base64_simd::URL_SAFE_NO_PAD.encode_append(bytes, out);
}

/// Appends `bytes` as unpadded base64url to a byte buffer (JSON being written).
pub fn encode_into_bytes(bytes: impl AsRef<[u8]>, out: &mut Vec<u8>) {
    base64_simd::URL_SAFE_NO_PAD.encode_append(bytes, out);
}

/// A SHA-256 digest as unpadded base64url, on the stack: always 43 ASCII bytes.
pub fn encode_digest(digest: &[u8; 32]) -> [u8; 43] {
    let mut out = [0u8; 43];
    let _written =
        base64_simd::URL_SAFE_NO_PAD.encode(digest, base64_simd::Out::from_slice(&mut out));
    out
}

/// Decodes unpadded base64url; padding, `+`, `/`, whitespace and non-zero trailing bits are
/// rejected. SIMD where the CPU has it; the verdict is the `base64` crate's (tested), which
/// also words the error.
pub fn decode(text: impl AsRef<[u8]>) -> Result<Vec<u8>, Base64Error> {
    let text = text.as_ref();
    base64_simd::URL_SAFE_NO_PAD
        .decode_to_vec(text)
        .map_err(|_| refused(text))
}

/// [`decode`] into `out` (cleared first), a buffer the caller reuses.
pub fn decode_into(text: impl AsRef<[u8]>, out: &mut Vec<u8>) -> Result<(), Base64Error> {
    let text = text.as_ref();
    out.clear();
    base64_simd::URL_SAFE_NO_PAD
        .decode_append(text, out)
        .map_err(|_| refused(text))
}

/// Why the SIMD decoder refused `text`, in the `base64` crate's words.
fn refused(text: &[u8]) -> Base64Error {
    match URL_SAFE_NO_PAD.decode(text) {
        Err(e) => Base64Error(e.to_string()),
        // Never seen (the verdicts agree, tested): refused all the same.
        Ok(_) => Base64Error("refused by the SIMD decoder".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The SIMD encoder writes what the `base64` crate writes, at every length (the SIMD
        /// blocks, their tails), and the strict decoder reads it back.
        #[test]
        fn encoding_is_the_base64_crates(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let text = encode(&bytes);
            prop_assert_eq!(&text, &URL_SAFE_NO_PAD.encode(&bytes));
            let mut appended = String::from("x.");
            encode_into(&bytes, &mut appended);
            prop_assert_eq!(appended, format!("x.{text}"));
            let mut bytes_out = b"x.".to_vec();
            encode_into_bytes(&bytes, &mut bytes_out);
            prop_assert_eq!(bytes_out, format!("x.{text}").into_bytes());
            prop_assert_eq!(decode(&text).unwrap(), bytes);
        }

        /// A digest on the stack is the same text as any other encoding of it.
        #[test]
        fn digests_on_the_stack_are_the_base64_crates(digest in any::<[u8; 32]>()) {
            let inline = encode_digest(&digest);
            let reference = URL_SAFE_NO_PAD.encode(digest);
            prop_assert_eq!(&inline[..], reference.as_bytes());
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20000))]
        /// Short texts (every tail, trailing bits, padding, foreign characters) and long ones
        /// (the SIMD blocks, with a stray character anywhere): the same verdict and bytes as the
        /// `base64` crate.
        #[test]
        fn decoding_agrees_with_the_base64_crate(
            text in "([A-Za-z0-9_=+/ .-]{0,12}|[A-Za-z0-9_-]{0,150}[=+/ .\\n]?[A-Za-z0-9_-]{0,150})",
        ) {
            let reference = URL_SAFE_NO_PAD.decode(&text).ok();
            prop_assert_eq!(decode(&text).ok(), reference.clone(), "{:?}", text);
            let mut reused = b"left over".to_vec();
            let into = decode_into(&text, &mut reused).ok().map(|()| reused);
            prop_assert_eq!(into, reference, "{:?}", text);
        }
    }

    #[test]
    fn padding_and_the_other_alphabet_are_refused() {
        for text in ["YQ==", "a+b/", "YW Jj", "Y"] {
            assert!(decode(text).is_err(), "{text}");
        }
    }
}
