//! The floor of an SD-JWT issuance as issue 9 states it, shared by the issuer's `issue` bench
//! and the verifier's callgrind driver (included by path in both): the one signature, over the
//! bytes it really signs, plus the SHA-256 digest of every disclosure (RFC 9901 §4.2.3).

/// What the floor works on for an issued compact SD-JWT: the Issuer-signed JWT's signing input
/// and each disclosure's text.
pub struct SdFloor {
    /// `base64url(header).base64url(payload)`.
    pub signing_input: Vec<u8>,
    /// Each disclosure, as the holder receives it.
    pub disclosures: Vec<Vec<u8>>,
}

impl SdFloor {
    /// Splits an issued `<JWT>~<D1>~…~` into what the floor signs and digests.
    pub fn of(sd_jwt: &str) -> Self {
        let (jwt, disclosures) = sd_jwt.split_once('~').unwrap();
        Self {
            signing_input: jwt.rsplit_once('.').unwrap().0.as_bytes().to_vec(),
            disclosures: disclosures
                .split('~')
                .filter(|d| !d.is_empty())
                .map(|d| d.as_bytes().to_vec())
                .collect(),
        }
    }

    /// One floor: every disclosure digested, then the signature.
    pub fn run(&self, key: &ed25519_dalek::SigningKey) -> ed25519_dalek::Signature {
        use ed25519_dalek::Signer as _;
        use sha2::{Digest as _, Sha256};
        for disclosure in &self.disclosures {
            std::hint::black_box(Sha256::digest(std::hint::black_box(disclosure)));
        }
        key.sign(std::hint::black_box(&self.signing_input))
    }
}
