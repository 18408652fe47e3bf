//! Issuance (RFC 9901 §4): claims in, Issuer-signed JWT plus disclosures out.

use super::disclosure::is_reserved;
use super::{
    ClaimPath, ClaimPathSegment, Disclosure, DisclosureDigest, JwtPart, SdJwtError,
    MAX_PROCESSED_DEPTH, SD_ALG,
};
use crate::jose::{self, JwsHeaderParams};
use crate::keys::{PublicJwk, Signer};
use serde_json::{Map, Value};

/// Issuance choices besides which claims are disclosable.
#[derive(Debug, Clone, Default)]
pub struct IssueOptions {
    /// Decoy digests added to every `_sd` array the issuer writes, so that the number of
    /// disclosable claims of an object does not show (RFC 9901 §4.2.5). 0 = none.
    pub decoys_per_object: usize,
    /// The holder's public key, written as `cnf: {"jwk": …}` (never disclosable) so that the
    /// credential can be presented with key binding. The claims must not already have `cnf`.
    pub holder_key: Option<PublicJwk>,
}

/// An SD-JWT as issued: the Issuer-signed JWT and every disclosure.
#[derive(Debug, Clone, PartialEq)]
pub struct SdJwt {
    issuer_jwt: String,
    disclosures: Vec<Disclosure>,
}

impl SdJwt {
    /// The Issuer-signed JWT (compact JWS).
    pub fn issuer_jwt(&self) -> &str {
        &self.issuer_jwt
    }

    /// The disclosures, children before the disclosures they are nested in.
    pub fn disclosures(&self) -> &[Disclosure] {
        &self.disclosures
    }

    /// `<JWT>~<D1>~…~<Dn>~` (always ending with `~`, no key binding).
    pub fn to_compact(&self) -> String {
        let mut out = self.issuer_jwt.clone();
        out.push('~');
        for disclosure in &self.disclosures {
            out.push_str(disclosure.as_str());
            out.push('~');
        }
        out
    }
}

/// Issues an SD-JWT.
///
/// `selector(path)` is asked for every claim and array element below the root (object key and
/// array index segments from the payload root, as in the claims given) and says whether it becomes
/// a disclosure. Processing is bottom-up, so a disclosable object may have disclosable members
/// (recursive disclosure). `_sd` arrays are sorted (hiding the claims' order), `_sd_alg:
/// "sha-256"` is added at the top level, and the JWS is signed by `signer` with `header`.
///
/// Claims named `_sd` or `...` anywhere, or `_sd_alg` at the top level, are refused.
pub fn issue(
    signer: &dyn Signer,
    header: &JwsHeaderParams,
    claims: Map<String, Value>,
    selector: &dyn Fn(&[ClaimPathSegment]) -> bool,
    options: &IssueOptions,
) -> Result<SdJwt, SdJwtError> {
    if claims.contains_key("_sd_alg") {
        return Err(SdJwtError::ReservedClaimName {
            path: ClaimPath::root(),
            name: "_sd_alg".into(),
        });
    }
    let mut encoder = Encoder {
        selector,
        decoys: options.decoys_per_object,
        disclosures: Vec::new(),
        path: Vec::new(),
    };
    let mut payload = encoder.object(claims, 0)?;
    if let Some(holder) = &options.holder_key {
        if payload.contains_key("cnf") {
            return Err(SdJwtError::CnfAlreadyPresent);
        }
        let mut cnf = Map::new();
        cnf.insert("jwk".into(), holder.bare().to_value());
        payload.insert("cnf".into(), Value::Object(cnf));
    }
    payload.insert("_sd_alg".into(), SD_ALG.into());
    let payload_json = serde_json::to_vec(&Value::Object(payload))
        .map_err(|e| SdJwtError::Issue(e.to_string()))?;
    let issuer_jwt =
        jose::sign_compact(signer, header, &payload_json).map_err(|source| SdJwtError::Jws {
            part: JwtPart::Issuer,
            source,
        })?;
    Ok(SdJwt {
        issuer_jwt,
        disclosures: encoder.disclosures,
    })
}

struct Encoder<'a> {
    selector: &'a dyn Fn(&[ClaimPathSegment]) -> bool,
    decoys: usize,
    disclosures: Vec<Disclosure>,
    /// The path of the value being encoded: pushed and popped, never cloned on the way down.
    path: Vec<ClaimPathSegment>,
}

impl Encoder<'_> {
    fn here(&self) -> ClaimPath {
        ClaimPath::from(self.path.clone())
    }

    fn value(&mut self, value: Value, depth: usize) -> Result<Value, SdJwtError> {
        if depth > MAX_PROCESSED_DEPTH {
            return Err(SdJwtError::TooDeep {
                path: self.here(),
                max: MAX_PROCESSED_DEPTH,
            });
        }
        Ok(match value {
            Value::Object(map) => Value::Object(self.object(map, depth)?),
            Value::Array(items) => Value::Array(self.array(items, depth)?),
            scalar => scalar,
        })
    }

    fn object(
        &mut self,
        map: Map<String, Value>,
        depth: usize,
    ) -> Result<Map<String, Value>, SdJwtError> {
        let mut out = Map::new();
        let mut digests = Vec::new();
        for (name, value) in map {
            if is_reserved(&name) {
                return Err(SdJwtError::ReservedClaimName {
                    path: self.here(),
                    name,
                });
            }
            self.path.push(ClaimPathSegment::Key(name));
            // An error ends the whole issuance, so the path is left as the error found it.
            let encoded = self.value(value, depth + 1)?;
            let disclosable = (self.selector)(&self.path);
            let Some(ClaimPathSegment::Key(name)) = self.path.pop() else {
                return Err(SdJwtError::Issue("claim path out of step".into()));
            };
            if disclosable {
                let disclosure = Disclosure::new_property(&name, encoded)?;
                digests.push(disclosure.digest().clone());
                self.disclosures.push(disclosure);
            } else {
                out.insert(name, encoded);
            }
        }
        if !digests.is_empty() {
            for _ in 0..self.decoys {
                digests.push(DisclosureDigest::decoy()?);
            }
            digests.sort();
            let sd = digests
                .into_iter()
                .map(|d| Value::String(d.into_string()))
                .collect();
            out.insert("_sd".into(), Value::Array(sd));
        }
        Ok(out)
    }

    fn array(&mut self, items: Vec<Value>, depth: usize) -> Result<Vec<Value>, SdJwtError> {
        let mut out = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            self.path.push(ClaimPathSegment::Index(index));
            let encoded = self.value(item, depth + 1)?;
            let disclosable = (self.selector)(&self.path);
            self.path.pop();
            if disclosable {
                let disclosure = Disclosure::new_element(encoded)?;
                let mut reference = Map::new();
                reference.insert(
                    "...".into(),
                    Value::String(disclosure.digest().as_str().to_owned()),
                );
                out.push(Value::Object(reference));
                self.disclosures.push(disclosure);
            } else {
                out.push(encoded);
            }
        }
        Ok(out)
    }
}
