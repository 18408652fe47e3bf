//! # passeport-core
//!
//! The heart of *passeport*, the career passport ("passeport d'orientation, de formation et de
//! compétences"): everything needed to sign, present and check verifiable career credentials,
//! with **no I/O** (no network, no files, no async runtime) so that any app can embed it.
//!
//! - [`keys`]: Ed25519 and P-256 keys as JSON Web Keys, the [`keys::Signer`] trait (HSM/KMS-ready),
//!   RFC 7638 thumbprints. Secret keys zeroize on drop and never print.
//! - [`jose`]: compact JWS with an algorithm allow-list tied to the key (never to the header).
//! - [`did`]: `did:key`, `did:jwk` (offline) and `did:web` (to a URL; fetching is the caller's job).
//! - [`model`]: W3C VCDM 2.0 types and the six passport record types.
//! - [`schema`]: JSON Schema validation of record subjects and their selective-disclosure policy.
//! - [`json`]: strict JSON parsing (duplicate keys and excessive nesting rejected).
//! - [`data_integrity`]: Data Integrity proofs `eddsa-rdfc-2022` / `eddsa-jcs-2022` (JSON-LD in
//!   safe mode with embedded contexts, never fetched).
//! - [`sd_jwt`]: SD-JWT (RFC 9901) issuance, holder selection, key binding and verification.
//! - [`status`]: W3C Bitstring Status List and IETF Token Status List encoding and decoding.
//! - [`clock`]: time as a trait, so verification "as of" any date is free.
//!
//! ## Example
//!
//! ```
//! use passeport_core::keys::{SecretKey, KeyAlgorithm, Signer};
//! use passeport_core::jose::{self, JwsHeaderParams, JwsPolicy};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let key = SecretKey::generate(KeyAlgorithm::Ed25519)?;
//! let jws = jose::sign_compact(&key, &JwsHeaderParams::typed("vc+jwt"), br#"{"hello":"world"}"#)?;
//!
//! let public = key.public_key();
//! let verified = jose::UnverifiedJws::parse(&jws)?.verify(&public, &JwsPolicy::typed(&["vc+jwt"]))?;
//! assert_eq!(verified.payload(), br#"{"hello":"world"}"#);
//!
//! let did = passeport_core::did::key::did_key(key.public_jwk())?;
//! assert!(did.as_str().starts_with("did:key:z6Mk"));
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

pub mod b64;
pub mod clock;
pub mod data_integrity;
pub mod did;
pub mod jcs;
pub mod jose;
pub mod json;
pub mod keys;
pub mod model;
pub mod schema;
pub mod sd_jwt;
pub mod status;
