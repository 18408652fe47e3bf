//! Ed25519 keys (RFC 8037 `OKP`/`Ed25519`) on ed25519-dalek.

use super::{KeyError, PrivateJwk, PublicJwk};
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use std::fmt;
use zeroize::Zeroizing;

/// An Ed25519 private key. ed25519-dalek zeroizes the seed on drop; `Debug` shows the public key.
pub struct Ed25519SecretKey {
    key: Box<SigningKey>,
    public: PublicJwk,
}

impl Ed25519SecretKey {
    /// A fresh key from the operating system's random generator.
    pub fn generate() -> Self {
        Self::from_signing_key(SigningKey::generate(&mut rand::rngs::OsRng))
    }

    /// A key from its 32-byte seed (RFC 8032 private key).
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self::from_signing_key(SigningKey::from_bytes(seed))
    }

    fn from_signing_key(key: SigningKey) -> Self {
        let public = public_jwk_of(&key.verifying_key());
        Self {
            key: Box::new(key),
            public,
        }
    }

    /// Reads a private `OKP`/`Ed25519` JWK; `x`, when given, must match `d`.
    pub fn from_jwk(jwk: &PrivateJwk) -> Result<Self, KeyError> {
        let d = Zeroizing::new(
            crate::b64::decode(jwk.d())
                .map_err(|e| KeyError::InvalidJwk(format!("member `d`: {e}")))?,
        );
        let seed: Zeroizing<[u8; 32]> = Zeroizing::new(
            d.as_slice()
                .try_into()
                .map_err(|_| KeyError::InvalidJwk("Ed25519 `d` must be 32 bytes".into()))?,
        );
        let mut key = Self::from_signing_key(SigningKey::from_bytes(&seed));
        if key.public.x != jwk.public().x {
            return Err(KeyError::Mismatch);
        }
        key.public.kid.clone_from(&jwk.public().kid);
        Ok(key)
    }

    /// The public JWK.
    pub fn public_jwk(&self) -> &PublicJwk {
        &self.public
    }

    /// The verifying key.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// The private JWK.
    pub fn to_private_jwk(&self) -> PrivateJwk {
        let seed = Zeroizing::new(self.key.to_bytes());
        PrivateJwk::new(self.public.clone(), crate::b64::encode(seed.as_slice()))
    }

    /// Signs a message (deterministic, RFC 8032).
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }
}

impl fmt::Debug for Ed25519SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ed25519SecretKey")
            .field("public", &self.public.x)
            .finish_non_exhaustive()
    }
}

fn public_jwk_of(key: &VerifyingKey) -> PublicJwk {
    PublicJwk {
        kty: "OKP".into(),
        crv: "Ed25519".into(),
        x: crate::b64::encode(key.as_bytes()),
        y: None,
        kid: None,
        alg: None,
        use_: None,
    }
}

/// The public JWK of raw Ed25519 public key bytes.
pub(crate) fn public_jwk_from_bytes(bytes: &[u8]) -> Result<PublicJwk, KeyError> {
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|_| KeyError::InvalidJwk("an Ed25519 public key is 32 bytes".into()))?;
    let key = VerifyingKey::from_bytes(&bytes)
        .map_err(|_| KeyError::InvalidJwk("not a valid Ed25519 point".into()))?;
    Ok(public_jwk_of(&key))
}

/// Parses the point of an `OKP`/`Ed25519` JWK; weak (small-order) keys are refused.
pub(crate) fn verifying_key_from_jwk(jwk: &PublicJwk) -> Result<VerifyingKey, KeyError> {
    let x = crate::b64::decode(&jwk.x).map_err(|e| KeyError::InvalidJwk(format!("`x`: {e}")))?;
    let bytes: [u8; 32] = x
        .as_slice()
        .try_into()
        .map_err(|_| KeyError::InvalidJwk("Ed25519 `x` must be 32 bytes".into()))?;
    let key = VerifyingKey::from_bytes(&bytes)
        .map_err(|_| KeyError::InvalidJwk("`x` is not a valid Ed25519 point".into()))?;
    if key.is_weak() {
        return Err(KeyError::InvalidJwk(
            "`x` is a small-order Ed25519 point".into(),
        ));
    }
    Ok(key)
}

/// The encodings, sign bit cleared, of the Ed25519 points of small order (the 8-torsion):
/// the canonical `y` of each (1, 0, p − 1 and the two `y` of the points of order 8), and the
/// two non-canonical ones that still fit in 255 bits (p and p + 1, read as 0 and 1). The list
/// libsodium checks `R` against; tested below to be exactly the 8-torsion's.
const SMALL_ORDER: [[u8; 32]; 7] = [
    // 0 (order 4) and 1, the identity (order 1).
    [0; 32],
    one_then_zeros(),
    // The two `y` of the points of order 8.
    [
        0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98,
        0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53,
        0xfc, 0x05,
    ],
    [
        0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67,
        0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac,
        0x03, 0x7a,
    ],
    // p − 1 (order 2), p (read as 0, order 4) and p + 1 (read as 1, order 1).
    near_p(0xec),
    near_p(0xed),
    near_p(0xee),
];

const fn one_then_zeros() -> [u8; 32] {
    let mut bytes = [0; 32];
    bytes[0] = 1;
    bytes
}

/// `0x7fff…ff<low>`, little-endian: p = 2^255 − 19 is `…ed`.
const fn near_p(low: u8) -> [u8; 32] {
    let mut bytes = [0xff; 32];
    bytes[0] = low;
    bytes[31] = 0x7f;
    bytes
}

/// Whether the 32 bytes encode a point of small order, whatever their sign bit.
fn has_small_order(encoding: &[u8; 32]) -> bool {
    let mut y = *encoding;
    if let Some(top) = y.last_mut() {
        *top &= 0x7f;
    }
    SMALL_ORDER.contains(&y)
}

/// Ed25519 verification with exactly the checks of ed25519-dalek's `verify_strict` (`S`
/// canonical, neither `R` nor the key of small order, then `[s]B − [k]A` encoding to `R`),
/// without decompressing `R`: `verify_strict` decompresses it only to ask whether it has small
/// order, which the bytes answer (the libsodium way). An `R` that is not a point at all fails
/// the final comparison, since `[s]B − [k]A` always encodes canonically. That decompression is a
/// field exponentiation, as costly as the final encoding: one per signature saved.
pub(crate) fn verify(key: &VerifyingKey, message: &[u8], signature: &Signature) -> bool {
    if has_small_order(signature.r_bytes()) || key.is_weak() {
        return false;
    }
    // ed25519-dalek's `verify`: canonical `S` (no `legacy_compatibility`), then the equation.
    key.verify(message, signature).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::{constants::ED25519_BASEPOINT_POINT, EdwardsPoint, Scalar};
    use sha2::{Digest as _, Sha512};

    fn masked(mut bytes: [u8; 32]) -> [u8; 32] {
        bytes[31] &= 0x7f;
        bytes
    }

    /// The list is the 8-torsion: every point of small order is on it, and everything on it
    /// decodes to a point of small order.
    #[test]
    fn the_small_order_list_is_the_eight_torsion() {
        // A point of order 8 from the list, and its multiples: the whole (cyclic) 8-torsion.
        let generator = VerifyingKey::from_bytes(&SMALL_ORDER[2])
            .unwrap()
            .to_edwards();
        let mut point = EdwardsPoint::default();
        let mut canonical = std::collections::BTreeSet::new();
        for _ in 0..8 {
            point += generator;
            assert!(point.is_small_order());
            canonical.insert(masked(point.compress().to_bytes()));
        }
        assert!(point == EdwardsPoint::default(), "order 8");
        assert_eq!(canonical.len(), 5, "five distinct y, up to the sign of x");
        for y in &canonical {
            assert!(SMALL_ORDER.contains(y));
        }
        for encoding in SMALL_ORDER {
            for sign in [0, 0x80] {
                let mut bytes = encoding;
                bytes[31] |= sign;
                // Decodes (non-canonical ones included) to a point of small order.
                let key = VerifyingKey::from_bytes(&bytes).unwrap();
                assert!(key.is_weak(), "{bytes:02x?}");
                assert!(has_small_order(&bytes));
            }
        }
        // Two non-canonical ones, both reducing to a y of the torsion.
        let others: Vec<_> = SMALL_ORDER
            .iter()
            .filter(|y| !canonical.contains(*y))
            .collect();
        assert_eq!(others.len(), 2);
        assert!(!has_small_order(
            &ED25519_BASEPOINT_POINT.compress().to_bytes()
        ));
    }

    fn keypair(seed: u8) -> (SigningKey, Scalar) {
        let key = SigningKey::from_bytes(&[seed; 32]);
        let hash = Sha512::digest([seed; 32]);
        let mut a = [0u8; 32];
        a.copy_from_slice(&hash[..32]);
        a[0] &= 248;
        a[31] &= 127;
        a[31] |= 64;
        (key, Scalar::from_bytes_mod_order(a))
    }

    fn challenge(r: &[u8; 32], key: &VerifyingKey, message: &[u8]) -> Scalar {
        let mut hash = Sha512::new();
        hash.update(r);
        hash.update(key.as_bytes());
        hash.update(message);
        Scalar::from_bytes_mod_order_wide(&hash.finalize().into())
    }

    /// Ours and `verify_strict` agree on good signatures, altered ones, small-order `R`s and
    /// `R`s that are no point at all.
    #[test]
    fn agrees_with_verify_strict() {
        for seed in 1..=16u8 {
            let (key, _) = keypair(seed);
            let public = key.verifying_key();
            let message = vec![seed; usize::from(seed) * 37];
            let good = key.sign(&message);
            let mut cases = vec![good];
            for byte in [0, 5, 31, 32, 40, 63] {
                for bit in [0, 3, 7] {
                    let mut bytes = good.to_bytes();
                    bytes[byte] ^= 1 << bit;
                    cases.push(Signature::from_bytes(&bytes));
                }
            }
            for encoding in SMALL_ORDER {
                for sign in [0, 0x80] {
                    let mut bytes = good.to_bytes();
                    bytes[..32].copy_from_slice(&encoding);
                    bytes[31] |= sign;
                    cases.push(Signature::from_bytes(&bytes));
                }
            }
            // `R` bytes that decode to no point, and a non-canonical `S` (S + L).
            let mut bytes = good.to_bytes();
            bytes[..32].copy_from_slice(&[0x02; 32]);
            cases.push(Signature::from_bytes(&bytes));
            let mut bytes = good.to_bytes();
            let s = Scalar::from_canonical_bytes(bytes[32..].try_into().unwrap()).unwrap();
            let l_plus_s = {
                // L + s as 32 little-endian bytes (fits: s < L < 2^253).
                let l: [u8; 32] = [
                    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde,
                    0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
                ];
                let mut out = [0u8; 32];
                let mut carry = 0u16;
                for (i, (a, b)) in l.iter().zip(s.to_bytes()).enumerate() {
                    let sum = u16::from(*a) + u16::from(b) + carry;
                    out[i] = sum as u8;
                    carry = sum >> 8;
                }
                out
            };
            bytes[32..].copy_from_slice(&l_plus_s);
            cases.push(Signature::from_bytes(&bytes));
            for (i, signature) in cases.iter().enumerate() {
                assert_eq!(
                    verify(&public, &message, signature),
                    public.verify_strict(&message, signature).is_ok(),
                    "seed {seed}, case {i}"
                );
            }
            assert!(verify(&public, &message, &good));
        }
    }

    /// The signature `verify_strict` exists for: `R` the identity and `s = k·a`, which the plain
    /// equation accepts for any message. Ours refuses it, as `verify_strict` does.
    #[test]
    fn refuses_the_small_order_r_forgery() {
        let (key, a) = keypair(9);
        let public = key.verifying_key();
        let message = b"any message at all";
        let mut r = [0u8; 32];
        r[0] = 1;
        let s = challenge(&r, &public, message) * a;
        let mut bytes = [0u8; 64];
        bytes[..32].copy_from_slice(&r);
        bytes[32..].copy_from_slice(&s.to_bytes());
        let forged = Signature::from_bytes(&bytes);
        assert!(
            public.verify(message, &forged).is_ok(),
            "the plain equation holds"
        );
        assert!(public.verify_strict(message, &forged).is_err());
        assert!(!verify(&public, message, &forged));
    }

    /// A small-order key verifies `(R = [s]B, s)` for any message under the plain equation.
    /// Such keys are refused when a JWK is read; this check refuses them anyway.
    #[test]
    fn refuses_a_small_order_key() {
        let weak = VerifyingKey::from_bytes(&SMALL_ORDER[1]).unwrap();
        let s = Scalar::from_bytes_mod_order([7; 32]);
        let mut bytes = [0u8; 64];
        bytes[..32].copy_from_slice(&(ED25519_BASEPOINT_POINT * s).compress().to_bytes());
        bytes[32..].copy_from_slice(&s.to_bytes());
        let forged = Signature::from_bytes(&bytes);
        assert!(
            weak.verify(b"m", &forged).is_ok(),
            "the plain equation holds"
        );
        assert!(weak.verify_strict(b"m", &forged).is_err());
        assert!(!verify(&weak, b"m", &forged));
    }
}
