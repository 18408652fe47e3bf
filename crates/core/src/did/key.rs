//! `did:key` for Ed25519 (multicodec `0xed`) and P-256 (`0x1200`, compressed point), resolved to
//! the Multikey form of DID document the current did:key draft uses.

use super::{Did, DidDocument, DidError, MethodRef, VerificationMethod};
use crate::keys::{KeyError, PublicJwk};

const ED25519_PREFIX: [u8; 2] = [0xed, 0x01];
const P256_PREFIX: [u8; 2] = [0x80, 0x24];

/// The multibase (base58btc) multicodec form of a public key, as in `did:key` and `Multikey`.
pub fn multikey(jwk: &PublicJwk) -> Result<String, KeyError> {
    let mut bytes = Vec::with_capacity(35);
    match (jwk.kty.as_str(), jwk.crv.as_str()) {
        ("OKP", "Ed25519") => {
            bytes.extend_from_slice(&ED25519_PREFIX);
            let x = crate::b64::decode(&jwk.x).map_err(|e| KeyError::InvalidJwk(e.to_string()))?;
            if x.len() != 32 {
                return Err(KeyError::InvalidJwk("Ed25519 `x` must be 32 bytes".into()));
            }
            bytes.extend_from_slice(&x);
        }
        ("EC", "P-256") => {
            bytes.extend_from_slice(&P256_PREFIX);
            bytes.extend_from_slice(&crate::keys::p256_compress(jwk)?);
        }
        (kty, crv) => return Err(KeyError::UnsupportedKey(format!("kty {kty}, crv {crv}"))),
    }
    Ok(multibase::encode(multibase::Base::Base58Btc, bytes))
}

/// The public JWK of a multibase multicodec key (`z6Mk…` Ed25519, `zDn…` P-256).
pub fn jwk_from_multikey(text: &str) -> Result<PublicJwk, DidError> {
    let bad = |reason: String| DidError::BadIdentifier {
        method: "key",
        reason,
    };
    if !text.starts_with('z') {
        return Err(bad("the key must be base58btc multibase (`z…`)".into()));
    }
    let (_, bytes) = multibase::decode(text).map_err(|e| bad(e.to_string()))?;
    match (bytes.get(..2), bytes.get(2..)) {
        (Some(p), Some(raw)) if p == ED25519_PREFIX => Ok(crate::keys::ed25519_public_jwk(raw)?),
        (Some(p), Some(raw)) if p == P256_PREFIX => {
            if raw.len() != 33 {
                return Err(bad(
                    "a P-256 did:key holds a 33-byte compressed point".into()
                ));
            }
            Ok(crate::keys::p256_public_jwk(raw)?)
        }
        _ => Err(bad(
            "unsupported multicodec (supported: Ed25519, P-256)".into()
        )),
    }
}

/// The `did:key` of a public key.
pub fn did_key(jwk: &PublicJwk) -> Result<Did, KeyError> {
    let id = multikey(jwk)?;
    Ok(Did(format!("did:key:{id}")))
}

/// The verification method id of a `did:key` (`did:key:z…#z…`).
pub fn method_id(did: &Did) -> String {
    format!("{}#{}", did.as_str(), did.method_id())
}

/// Resolves a `did:key` to its DID document.
pub fn resolve(did: &Did) -> Result<DidDocument, DidError> {
    if did.method() != "key" {
        return Err(DidError::UnsupportedMethod(did.method().to_owned()));
    }
    let mb = did.method_id();
    // Validate the key itself.
    crate::keys::PublicKey::from_jwk(&jwk_from_multikey(mb)?)?;
    let vm_id = method_id(did);
    let vm = VerificationMethod {
        id: vm_id.clone(),
        type_: "Multikey".into(),
        controller: did.as_str().to_owned(),
        public_key_jwk: None,
        public_key_multibase: Some(mb.to_owned()),
        public_key_base58: None,
    };
    let r = || vec![MethodRef::Reference(vm_id.clone())];
    Ok(DidDocument {
        context: vec![
            "https://www.w3.org/ns/did/v1".into(),
            "https://w3id.org/security/multikey/v1".into(),
        ],
        id: did.as_str().to_owned(),
        verification_method: vec![vm],
        authentication: r(),
        assertion_method: r(),
        capability_delegation: r(),
        capability_invocation: r(),
    })
}
