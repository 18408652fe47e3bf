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

/// The floor of verifying one presentation `<JWT>~<D1>~…~<KB-JWT>`, over exactly its own
/// bytes (what [`SdFloor`] is to issuing): the issuer's signature over the JWT's signing input
/// and the KB-JWT's over its own verified, every disclosure digested, and the `sd_hash` digest
/// over the presentation up to its last `~`. The signatures are the floor key's over the same
/// bytes (the cost is the same whatever the key), its verifying key already decoded.
pub struct PresentationFloor {
    issuer_input: Vec<u8>,
    issuer_signature: ed25519_dalek::Signature,
    kb_input: Vec<u8>,
    kb_signature: ed25519_dalek::Signature,
    digested: Vec<Vec<u8>>,
}

impl PresentationFloor {
    /// Splits a presentation into what the floor verifies and digests.
    pub fn of(presentation: &str, key: &ed25519_dalek::SigningKey) -> Self {
        use ed25519_dalek::Signer as _;
        let (covered, kb) = presentation.rsplit_once('~').unwrap();
        let covered = &presentation[..covered.len() + 1];
        let (jwt, disclosures) = covered.split_once('~').unwrap();
        let input = |jws: &str| jws.rsplit_once('.').unwrap().0.as_bytes().to_vec();
        let (issuer_input, kb_input) = (input(jwt), input(kb));
        let mut digested: Vec<Vec<u8>> = disclosures
            .split('~')
            .filter(|d| !d.is_empty())
            .map(|d| d.as_bytes().to_vec())
            .collect();
        digested.push(covered.as_bytes().to_vec());
        Self {
            issuer_signature: key.sign(&issuer_input),
            kb_signature: key.sign(&kb_input),
            issuer_input,
            kb_input,
            digested,
        }
    }

    /// One floor, with `public` the floor key's verifying key.
    pub fn run(&self, public: &ed25519_dalek::VerifyingKey) {
        use ed25519_dalek::Verifier as _;
        use sha2::{Digest as _, Sha256};
        use std::hint::black_box;
        public
            .verify(black_box(&self.issuer_input), &self.issuer_signature)
            .unwrap();
        for bytes in &self.digested {
            black_box(Sha256::digest(black_box(bytes)));
        }
        public
            .verify(black_box(&self.kb_input), &self.kb_signature)
            .unwrap();
    }
}
