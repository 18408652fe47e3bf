//! `did:jwk`: the DID is the base64url of the public JWK; the method is `#0`.

use super::{Did, DidDocument, DidError, MethodRef, VerificationMethod};
use crate::keys::{KeyError, PublicJwk};

/// The `did:jwk` of a public key (members `crv`, `kty`, `x`, `y` in JCS order, no `kid`).
pub fn did_jwk(jwk: &PublicJwk) -> Result<Did, KeyError> {
    let bare = jwk.bare();
    let value = serde_json::to_value(&bare).map_err(|e| KeyError::InvalidJwk(e.to_string()))?;
    let text = crate::jcs::to_vec(&value);
    Ok(Did(format!("did:jwk:{}", crate::b64::encode(text))))
}

/// The public JWK inside a `did:jwk`.
pub fn public_jwk(did: &Did) -> Result<PublicJwk, DidError> {
    let bad = |reason: String| DidError::BadIdentifier {
        method: "jwk",
        reason,
    };
    let bytes = crate::b64::decode(did.method_id()).map_err(|e| bad(e.to_string()))?;
    let value = crate::json::parse_strict(&bytes).map_err(|e| bad(e.to_string()))?;
    if value.get("d").is_some() {
        return Err(bad("a did:jwk must not contain a private key".into()));
    }
    let jwk = PublicJwk::from_value(&value)?;
    crate::keys::PublicKey::from_jwk(&jwk)?;
    Ok(jwk)
}

/// Resolves a `did:jwk` to its DID document.
pub fn resolve(did: &Did) -> Result<DidDocument, DidError> {
    let jwk = public_jwk(did)?;
    let vm_id = format!("{}#0", did.as_str());
    let r = || vec![MethodRef::Reference(vm_id.clone())];
    Ok(DidDocument {
        context: vec![
            "https://www.w3.org/ns/did/v1".into(),
            "https://w3id.org/security/suites/jws-2020/v1".into(),
        ],
        id: did.as_str().to_owned(),
        verification_method: vec![VerificationMethod {
            id: vm_id.clone(),
            type_: "JsonWebKey2020".into(),
            controller: did.as_str().to_owned(),
            public_key_jwk: Some(jwk.to_value()),
            public_key_multibase: None,
            public_key_base58: None,
        }],
        authentication: r(),
        assertion_method: r(),
        capability_delegation: r(),
        capability_invocation: r(),
    })
}
