//! Would a presentation's two Ed25519 signatures (the issuer's and the KB-JWT's) cost less
//! verified together, in one cofactored batch equation, than one after the other? Not used by
//! the library: this measures the one lever left on the signatures themselves (BENCHMARKS.md,
//! twelfth pass), beside the raw floor in the same run.
//!
//! `cargo bench -p passeport-core --bench batch_verify -- --warm-up-time 1 --measurement-time 3`
//!
//! - `floor/2x_ed25519_verify`: ed25519-dalek's `verify`, twice (the cofactorless equation the
//!   library uses, which adds `verify_strict`'s small-order rejections before it);
//! - `cofactored/2x_single`: RFC 8032 §5.1.7's cofactored equation
//!   `[8]([s]B − [k]A − R) = 0`, twice (decompressing `R` in place of compressing `[s]B − [k]A`);
//! - `cofactored/batch_of_2`: `[8](−[Σ zᵢsᵢ]B + Σ [zᵢ]Rᵢ + Σ [zᵢkᵢ]Aᵢ) = 0` with random 128-bit
//!   `zᵢ`, one five-point multiscalar multiplication.
//!
//! A batch can only be cofactored: a cofactorless one accepts a torsion-tweaked `R` with
//! probability 1/8 or more (1/2 for a torsion point of order 2), a signature that single
//! verification refuses. So adopting it would mean verifying every signature with the
//! cofactored equation, to accept the same signatures alone and in a presentation. That is also
//! why this is written here and not taken from ed25519-dalek's `verify_batch` (feature `batch`):
//! its equation is the cofactorless one (`is_identity` without `mul_by_cofactor`). Only the
//! equations are timed; the small-order and canonical-encoding rejections would come on top,
//! as they do for the floor.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::CompressedEdwardsY;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use curve25519_dalek::{EdwardsPoint, Scalar};
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use rand::RngCore;
use sha2::{Digest, Sha512};

/// `k = SHA-512(R ‖ A ‖ M) mod ℓ`.
fn challenge(r: &[u8; 32], key: &VerifyingKey, message: &[u8]) -> Scalar {
    let hash = Sha512::new()
        .chain_update(r)
        .chain_update(key.as_bytes())
        .chain_update(message)
        .finalize();
    Scalar::from_bytes_mod_order_wide(&hash.into())
}

/// `s` (canonical) and `R` (a point) of a signature.
fn parts(signature: &Signature) -> Option<(Scalar, EdwardsPoint)> {
    let s = Option::<Scalar>::from(Scalar::from_canonical_bytes(*signature.s_bytes()))?;
    let r = CompressedEdwardsY(*signature.r_bytes()).decompress()?;
    Some((s, r))
}

fn cofactored(key: &VerifyingKey, message: &[u8], signature: &Signature) -> bool {
    let Some((s, r)) = parts(signature) else {
        return false;
    };
    let k = challenge(signature.r_bytes(), key, message);
    let sb_minus_ka =
        EdwardsPoint::vartime_double_scalar_mul_basepoint(&k, &(-key.to_edwards()), &s);
    (sb_minus_ka - r).mul_by_cofactor().is_identity()
}

fn batch(items: &[(&VerifyingKey, &[u8], &Signature)]) -> bool {
    let mut rng = rand::thread_rng();
    let mut basepoint = Scalar::ZERO;
    let mut scalars = Vec::with_capacity(2 * items.len() + 1);
    let mut points = Vec::with_capacity(2 * items.len() + 1);
    for (key, message, signature) in items {
        let Some((s, r)) = parts(signature) else {
            return false;
        };
        let mut z = [0u8; 32];
        rng.fill_bytes(&mut z[..16]);
        let z = Scalar::from_bytes_mod_order(z);
        let k = challenge(signature.r_bytes(), key, message);
        basepoint -= z * s;
        scalars.extend([z, z * k]);
        points.extend([r, key.to_edwards()]);
    }
    scalars.push(basepoint);
    points.push(ED25519_BASEPOINT_POINT);
    EdwardsPoint::vartime_multiscalar_mul(scalars, points)
        .mul_by_cofactor()
        .is_identity()
}

fn two_signatures(c: &mut Criterion) {
    // A credential-sized issuer payload and a KB-JWT-sized one, by two keys.
    let (issuer, holder) = (
        SigningKey::from_bytes(&[7; 32]),
        SigningKey::from_bytes(&[9; 32]),
    );
    let (credential, kb) = (vec![b'c'; 1500], vec![b'k'; 300]);
    let (issuer_sig, kb_sig) = (issuer.sign(&credential), holder.sign(&kb));
    let (issuer_key, holder_key) = (issuer.verifying_key(), holder.verifying_key());
    let pair = [
        (&issuer_key, credential.as_slice(), &issuer_sig),
        (&holder_key, kb.as_slice(), &kb_sig),
    ];
    // What is timed accepts the good pair and refuses one altered message.
    assert!(batch(&pair));
    assert!(pair.iter().all(|(key, m, sig)| cofactored(key, m, sig)));
    let other = vec![b'x'; 300];
    let altered = [pair[0], (&holder_key, other.as_slice(), &kb_sig)];
    assert!(!batch(&altered));
    assert!(!cofactored(&holder_key, &other, &kb_sig));

    let mut g = c.benchmark_group("floor");
    g.bench_function("2x_ed25519_verify", |b| {
        b.iter(|| {
            issuer_key
                .verify(black_box(&credential), &issuer_sig)
                .is_ok()
                && holder_key.verify(black_box(&kb), &kb_sig).is_ok()
        })
    });
    g.finish();
    let mut g = c.benchmark_group("cofactored");
    g.bench_function("2x_single", |b| {
        b.iter(|| {
            cofactored(&issuer_key, black_box(&credential), &issuer_sig)
                && cofactored(&holder_key, black_box(&kb), &kb_sig)
        })
    });
    g.bench_function("batch_of_2", |b| b.iter(|| batch(black_box(&pair))));
    g.finish();
}

criterion_group!(benches, two_signatures);
criterion_main!(benches);
