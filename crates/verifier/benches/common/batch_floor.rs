//! The floor of a CLI batch over exactly the items it worked on (`scripts/batch.sh`): the
//! raw ed25519-dalek signatures (or verifications) and SHA-256 digests the batch's own output
//! needs, timed on one core. `floor/ed25519_sign` signs one 1.5 kB credential, but the batch's
//! records average about twice that once base64url-encoded, and SHA-512 over the message is
//! most of an Ed25519 signature: a ratio to the fixed floor overstates the batch's overhead.
//!
//! What one item's floor is, by the item's form:
//! - an issued SD-JWT (`<JWT>~<D1>~…~`): one signature over the JWT's signing input and the
//!   SHA-256 digest of every disclosure (RFC 9901 §4.2.3), as [`super::sd_floor::SdFloor`];
//! - a presented SD-JWT ending in a KB-JWT: the issuer's signature and the KB-JWT's verified,
//!   every disclosure digested, and the `sd_hash` digest over the presentation;
//! - a compact JWS: one signature over its signing input;
//! - a Data Integrity credential (a JSON object): one signature over the 64 bytes it signs
//!   (two SHA-256 digests; canonicalizing is the format's work, not the floor's).
//!
//! Verification floors verify signatures made beforehand by the floor's own key over the same
//! bytes: the cost is the same whatever the key.

use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use sha2::{Digest as _, Sha256};
use std::hint::black_box;
use std::time::Instant;

/// One item's signed bytes, digested bytes, and (for verification) signatures.
struct Item {
    /// The bytes the issuer signs: a JWS signing input, or 64 bytes for Data Integrity.
    signed: Vec<u8>,
    /// Disclosures, and for a presentation with a KB-JWT, the bytes `sd_hash` covers.
    digested: Vec<Vec<u8>>,
    /// The KB-JWT's signing input, when the item is a presentation bound to its holder.
    key_binding: Option<Vec<u8>>,
}

impl Item {
    fn of(value: &serde_json::Value) -> Result<Self, String> {
        let text = match value {
            serde_json::Value::String(text) => text,
            serde_json::Value::Object(_) => {
                return Ok(Self {
                    signed: vec![0x5a; 64],
                    digested: Vec::new(),
                    key_binding: None,
                })
            }
            _ => return Err("neither a compact credential nor a JSON object".into()),
        };
        let signing_input = |jws: &str| {
            jws.rsplit_once('.')
                .map(|(input, _)| input.as_bytes().to_vec())
                .ok_or_else(|| format!("not a compact JWS: {:.40}", jws))
        };
        let Some((jwt, rest)) = text.split_once('~') else {
            return Ok(Self {
                signed: signing_input(text)?,
                digested: Vec::new(),
                key_binding: None,
            });
        };
        let (disclosures, kb) = rest.rsplit_once('~').unwrap_or(("", rest));
        let mut digested: Vec<Vec<u8>> = disclosures
            .split('~')
            .filter(|d| !d.is_empty())
            .map(|d| d.as_bytes().to_vec())
            .collect();
        let key_binding = if kb.is_empty() {
            None
        } else {
            // `sd_hash` covers the presentation up to and including the `~` before the KB-JWT.
            let covered = text.strip_suffix(kb).unwrap_or(text);
            digested.push(covered.as_bytes().to_vec());
            Some(signing_input(kb)?)
        };
        Ok(Self {
            signed: signing_input(jwt)?,
            digested,
            key_binding,
        })
    }

    fn digest(&self) {
        for bytes in &self.digested {
            black_box(Sha256::digest(black_box(bytes)));
        }
    }
}

/// Reads the items of a batch file: one JSON object a line, the item under `credential` (an
/// issue batch's output) or `presentation` (a verify batch's input).
fn read(path: &str) -> Result<Vec<Item>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .enumerate()
        .map(|(i, line)| {
            let line_value: serde_json::Value =
                serde_json::from_str(line).map_err(|e| format!("{path}: line {}: {e}", i + 1))?;
            let item = line_value
                .get("credential")
                .or_else(|| line_value.get("presentation"))
                .ok_or_else(|| format!("{path}: line {}: no credential", i + 1))?;
            Item::of(item).map_err(|e| format!("{path}: line {}: {e}", i + 1))
        })
        .collect()
}

/// Median over `passes` passes of the time per item of `pass`, in microseconds.
fn median_per_item(items: usize, passes: usize, pass: &dyn Fn()) -> f64 {
    pass();
    let mut times: Vec<f64> = (0..passes)
        .map(|_| {
            let start = Instant::now();
            pass();
            start.elapsed().as_secs_f64() * 1e6 / items as f64
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times.get(times.len() / 2).copied().unwrap_or(f64::NAN)
}

/// `sign` or `verify` floor of the batch file at `path`, in microseconds per item, and the
/// number of items.
pub fn batch_floor(key: &SigningKey, mode: &str, path: &str) -> Result<(f64, usize), String> {
    let items = read(path)?;
    if items.is_empty() {
        return Err(format!("{path}: no items"));
    }
    let passes = 5;
    let per_item = match mode {
        "sign" => median_per_item(items.len(), passes, &|| {
            for item in &items {
                item.digest();
                black_box(key.sign(black_box(&item.signed)));
            }
        }),
        "verify" => {
            let public: VerifyingKey = key.verifying_key();
            let signed: Vec<(Signature, Option<Signature>)> = items
                .iter()
                .map(|item| {
                    (
                        key.sign(&item.signed),
                        item.key_binding.as_ref().map(|kb| key.sign(kb)),
                    )
                })
                .collect();
            median_per_item(items.len(), passes, &|| {
                for (item, (signature, kb_signature)) in items.iter().zip(&signed) {
                    public.verify(black_box(&item.signed), signature).unwrap();
                    item.digest();
                    if let (Some(kb), Some(kb_signature)) = (&item.key_binding, kb_signature) {
                        public.verify(black_box(kb), kb_signature).unwrap();
                    }
                }
            })
        }
        other => return Err(format!("unknown floor `{other}` (sign or verify)")),
    };
    Ok((per_item, items.len()))
}
