//! Verification (RFC 9901 §7.1 and §7.3): from an [`UnverifiedSdJwt`] and trust inputs to a
//! [`VerifiedSdJwt`], the only way to get one.

use super::disclosure::{ELEMENT, PROPERTY};
use super::kb::{numeric_date, verify_kb, KbCheck, KeyBindingInfo};
use super::{
    ClaimPath, ClaimPathSegment, Disclosure, JwtPart, SdJwtError, UnverifiedSdJwt,
    MAX_PROCESSED_DEPTH, SD_ALG,
};
use crate::clock::Clock;
use crate::jose::{JwsHeader, JwsPolicy};
use crate::keys::{PublicJwk, PublicKey};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

/// What the verifier expects about key binding. Not optional: a credential with `cnf` checked
/// as a presentation without a KB-JWT fails; it is never a skipped check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KbExpectation {
    /// Verifying a presentation: a KB-JWT is required, signed by the key in the verified
    /// `cnf.jwk`, with this `aud` and `nonce`, `iat` at most `max_age_secs` in the past (and not
    /// in the future beyond leeway).
    Required {
        /// The verifier's identifier, compared exactly with `aud`.
        audience: String,
        /// The nonce the verifier issued for this request, compared exactly.
        nonce: String,
        /// Oldest acceptable KB-JWT, in seconds (leeway added).
        max_age_secs: i64,
    },
    /// Verifying a credential as issued (wallet import): no KB-JWT may be present; `cnf`, if
    /// any, is reported.
    Issuance,
}

/// How an SD-JWT must look to be accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdJwtVerifyOptions {
    /// Accepted `typ` of the Issuer-signed JWT (e.g. `["dc+sd-jwt", "vc+sd-jwt"]`, compared
    /// as RFC 7515 says: case-insensitive, `application/` optional). Empty: no `typ` check.
    pub typ: Vec<String>,
    /// Key binding expectation.
    pub key_binding: KbExpectation,
    /// Clock skew tolerated on `exp`, `nbf`, `iat` and the KB-JWT's `iat`, in seconds.
    pub leeway_secs: i64,
}

/// An SD-JWT whose issuer signature, disclosures, validity period and (when expected) key
/// binding all verified.
#[derive(Debug, Clone)]
pub struct VerifiedSdJwt {
    header: JwsHeader,
    claims: Map<String, Value>,
    disclosed: Vec<ClaimPath>,
    cnf: Option<PublicJwk>,
    key_binding: Option<KeyBindingInfo>,
}

impl VerifiedSdJwt {
    /// The Issuer-signed JWT's (authenticated) header.
    pub fn header(&self) -> &JwsHeader {
        &self.header
    }

    /// The processed payload: every disclosed claim in place; `_sd`, `_sd_alg` and undisclosed
    /// array elements removed. Registered claims (`iss`, `iat`, `cnf`, …) stay.
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }

    /// The processed payload, by value.
    pub fn into_claims(self) -> Map<String, Value> {
        self.claims
    }

    /// Paths (in [`Self::claims`]) of the claims revealed by disclosures, in the order the
    /// disclosures were presented.
    pub fn disclosed_paths(&self) -> &[ClaimPath] {
        &self.disclosed
    }

    /// The holder key from `cnf.jwk`, if the credential has one.
    pub fn cnf(&self) -> Option<&PublicJwk> {
        self.cnf.as_ref()
    }

    /// What the KB-JWT said, when one was required and verified.
    pub fn key_binding(&self) -> Option<&KeyBindingInfo> {
        self.key_binding.as_ref()
    }
}

impl UnverifiedSdJwt {
    /// Verifies with the issuer's trusted key (the algorithm comes from the key; the header's
    /// `alg` must match it), under `options`, at `clock`'s now.
    pub fn verify(
        self,
        issuer_key: &PublicKey,
        options: &SdJwtVerifyOptions,
        clock: &dyn Clock,
    ) -> Result<VerifiedSdJwt, SdJwtError> {
        let policy = if options.typ.is_empty() {
            JwsPolicy::untyped()
        } else {
            let accepted: Vec<&str> = options.typ.iter().map(String::as_str).collect();
            JwsPolicy::typed(&accepted)
        };
        let jws = self
            .jws
            .verify(issuer_key, &policy)
            .map_err(|source| SdJwtError::Jws {
                part: JwtPart::Issuer,
                source,
            })?;
        let payload = jws.claims().map_err(|source| SdJwtError::Jws {
            part: JwtPart::Issuer,
            source,
        })?;
        match payload.get("_sd_alg") {
            None => {}
            Some(Value::String(alg)) if alg == SD_ALG => {}
            Some(Value::String(alg)) => return Err(SdJwtError::UnsupportedSdAlg(alg.clone())),
            Some(other) => return Err(SdJwtError::UnsupportedSdAlg(other.to_string())),
        }
        let processed = process(payload, &self.disclosures)?;
        let now = clock.now();
        check_validity(&processed.claims, now, options.leeway_secs)?;
        let cnf = cnf_jwk(&processed.claims)?;
        let key_binding = match &options.key_binding {
            KbExpectation::Issuance => {
                if self.kb_jwt.is_some() {
                    return Err(SdJwtError::UnexpectedKeyBinding);
                }
                None
            }
            KbExpectation::Required {
                audience,
                nonce,
                max_age_secs,
            } => {
                let kb = self.kb_jwt.ok_or(SdJwtError::MissingKeyBinding)?;
                let jwk = cnf.as_ref().ok_or(SdJwtError::MissingCnf)?;
                let holder_key =
                    PublicKey::from_jwk(jwk).map_err(|e| SdJwtError::BadCnf(e.to_string()))?;
                let check = KbCheck {
                    audience,
                    nonce,
                    max_age_secs: *max_age_secs,
                    leeway_secs: options.leeway_secs,
                    now,
                };
                Some(verify_kb(kb, &self.presented, &holder_key, &check)?)
            }
        };
        Ok(VerifiedSdJwt {
            header: jws.header().clone(),
            claims: processed.claims,
            disclosed: processed.paths,
            cnf,
            key_binding,
        })
    }
}

/// `exp`, `nbf` and `iat` of the processed payload, against `now` with leeway.
fn check_validity(claims: &Map<String, Value>, now: i64, leeway: i64) -> Result<(), SdJwtError> {
    let time = |claim: &'static str| -> Result<Option<i64>, SdJwtError> {
        claims
            .get(claim)
            .map(|v| {
                numeric_date(v).ok_or(SdJwtError::BadTimeClaim {
                    part: JwtPart::Issuer,
                    claim,
                })
            })
            .transpose()
    };
    if let Some(exp) = time("exp")? {
        if now > exp.saturating_add(leeway) {
            return Err(SdJwtError::Expired { exp, now });
        }
    }
    if let Some(nbf) = time("nbf")? {
        if nbf > now.saturating_add(leeway) {
            return Err(SdJwtError::NotYetValid { nbf, now });
        }
    }
    if let Some(iat) = time("iat")? {
        if iat > now.saturating_add(leeway) {
            return Err(SdJwtError::IssuedInFuture { iat, now });
        }
    }
    Ok(())
}

/// `cnf.jwk` of the processed payload: `None` without `cnf` or without `jwk` in it.
fn cnf_jwk(claims: &Map<String, Value>) -> Result<Option<PublicJwk>, SdJwtError> {
    match claims.get("cnf") {
        None => Ok(None),
        Some(Value::Object(cnf)) => cnf
            .get("jwk")
            .map(|jwk| PublicJwk::from_value(jwk).map_err(|e| SdJwtError::BadCnf(e.to_string())))
            .transpose(),
        Some(_) => Err(SdJwtError::BadCnf("`cnf` is not an object".into())),
    }
}

/// The payload after RFC 9901 §7.1 step 3 to 5, and where each disclosure went.
pub(crate) struct Processed {
    pub claims: Map<String, Value>,
    /// Per disclosure (same order): the path of the claim it revealed.
    pub paths: Vec<ClaimPath>,
    /// Per disclosure: the disclosure it is nested in, if any.
    pub parents: Vec<Option<usize>>,
}

/// Puts every disclosure in place (RFC 9901 §7.1 step 3), rejecting reused digests, unreferenced
/// and duplicate disclosures, collisions and wrong kinds. Does not check any signature.
pub(crate) fn process(
    payload: Map<String, Value>,
    disclosures: &[Disclosure],
) -> Result<Processed, SdJwtError> {
    let mut by_digest = HashMap::with_capacity(disclosures.len());
    for (index, disclosure) in disclosures.iter().enumerate() {
        if let Some(first) = by_digest.insert(disclosure.digest().as_str(), index) {
            return Err(SdJwtError::DuplicateDisclosure { index, first });
        }
    }
    let mut walker = Walker {
        disclosures,
        by_digest,
        seen: HashSet::new(),
        paths: vec![None; disclosures.len()],
        parents: vec![None; disclosures.len()],
        path: Vec::new(),
    };
    let mut claims = walker.object(payload, None, 0)?;
    claims.remove("_sd_alg");
    let mut paths = Vec::with_capacity(disclosures.len());
    for (index, path) in walker.paths.into_iter().enumerate() {
        paths.push(path.ok_or(SdJwtError::UnreferencedDisclosure { index })?);
    }
    Ok(Processed {
        claims,
        paths,
        parents: walker.parents,
    })
}

struct Walker<'a> {
    disclosures: &'a [Disclosure],
    by_digest: HashMap<&'a str, usize>,
    seen: HashSet<String>,
    paths: Vec<Option<ClaimPath>>,
    parents: Vec<Option<usize>>,
    /// The path of the value being processed: pushed and popped, copied only when kept.
    path: Vec<ClaimPathSegment>,
}

impl Walker<'_> {
    fn here(&self) -> ClaimPath {
        ClaimPath::from(self.path.clone())
    }

    /// Processes `value` at the current path extended by `segment`.
    fn child(
        &mut self,
        segment: ClaimPathSegment,
        value: Value,
        parent: Option<usize>,
        depth: usize,
    ) -> Result<Value, SdJwtError> {
        self.path.push(segment);
        let result = self.value(value, parent, depth);
        self.path.pop();
        result
    }

    fn value(
        &mut self,
        value: Value,
        parent: Option<usize>,
        depth: usize,
    ) -> Result<Value, SdJwtError> {
        if depth > MAX_PROCESSED_DEPTH {
            return Err(SdJwtError::TooDeep {
                path: self.here(),
                max: MAX_PROCESSED_DEPTH,
            });
        }
        Ok(match value {
            Value::Object(map) => Value::Object(self.object(map, parent, depth)?),
            Value::Array(items) => Value::Array(self.array(items, parent, depth)?),
            scalar => scalar,
        })
    }

    /// Marks `digest` as seen (at `at`, the path errors name); the matching disclosure, if any.
    fn lookup(
        &mut self,
        digest: String,
        at: impl FnOnce(&Self) -> ClaimPath,
    ) -> Result<Option<usize>, SdJwtError> {
        let index = self.by_digest.get(digest.as_str()).copied();
        if self.seen.contains(digest.as_str()) {
            return Err(SdJwtError::DigestReused {
                path: at(self),
                digest,
            });
        }
        self.seen.insert(digest);
        Ok(index)
    }

    /// Records where disclosure `index` went: the current path.
    fn record(&mut self, index: usize, parent: Option<usize>) {
        let here = self.here();
        if let Some(slot) = self.paths.get_mut(index) {
            *slot = Some(here);
        }
        if let Some(slot) = self.parents.get_mut(index) {
            *slot = parent;
        }
    }

    fn object(
        &mut self,
        mut map: Map<String, Value>,
        parent: Option<usize>,
        depth: usize,
    ) -> Result<Map<String, Value>, SdJwtError> {
        let sd = map.remove("_sd");
        let mut out = Map::with_capacity(map.len());
        for (name, value) in map {
            self.path.push(ClaimPathSegment::Key(name));
            // An error ends the whole walk, so the path is left as the error found it.
            let value = self.value(value, parent, depth + 1)?;
            let Some(ClaimPathSegment::Key(name)) = self.path.pop() else {
                return Err(SdJwtError::Issue("claim path out of step".into()));
            };
            out.insert(name, value);
        }
        let Some(sd) = sd else {
            return Ok(out);
        };
        let Value::Array(digests) = sd else {
            return Err(SdJwtError::BadSdArray { path: self.here() });
        };
        for digest in digests {
            let Value::String(digest) = digest else {
                return Err(SdJwtError::BadSdArray { path: self.here() });
            };
            let Some(index) = self.lookup(digest, Self::here)? else {
                continue; // undisclosed or decoy
            };
            let Some(disclosure) = self.disclosures.get(index) else {
                continue;
            };
            let Some(name) = disclosure.claim_name() else {
                return Err(SdJwtError::WrongDisclosureKind {
                    index,
                    path: self.here(),
                    expected: PROPERTY,
                    found: disclosure.kind(),
                });
            };
            self.path.push(ClaimPathSegment::Key(name.to_owned()));
            if out.contains_key(name) {
                return Err(SdJwtError::ClaimCollision {
                    index,
                    path: self.here(),
                });
            }
            self.record(index, parent);
            let value = self.value(disclosure.value().clone(), Some(index), depth + 1);
            self.path.pop();
            out.insert(name.to_owned(), value?);
        }
        Ok(out)
    }

    fn array(
        &mut self,
        items: Vec<Value>,
        parent: Option<usize>,
        depth: usize,
    ) -> Result<Vec<Value>, SdJwtError> {
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let segment = ClaimPathSegment::Index(out.len());
            let reference = match &item {
                Value::Object(obj) if obj.contains_key("...") => {
                    match (obj.len(), obj.get("...")) {
                        (1, Some(Value::String(digest))) => Some(digest.clone()),
                        _ => {
                            self.path.push(segment);
                            return Err(SdJwtError::BadArrayDigest { path: self.here() });
                        }
                    }
                }
                _ => None,
            };
            let Some(digest) = reference else {
                out.push(self.child(segment, item, parent, depth + 1)?);
                continue;
            };
            self.path.push(segment);
            let found = self.lookup(digest, Self::here);
            self.path.pop();
            let Some(index) = found? else {
                continue; // undisclosed or decoy: the element is removed
            };
            let Some(disclosure) = self.disclosures.get(index) else {
                continue;
            };
            self.path.push(ClaimPathSegment::Index(out.len()));
            if disclosure.claim_name().is_some() {
                return Err(SdJwtError::WrongDisclosureKind {
                    index,
                    path: self.here(),
                    expected: ELEMENT,
                    found: disclosure.kind(),
                });
            }
            self.record(index, parent);
            let value = self.value(disclosure.value().clone(), Some(index), depth + 1);
            self.path.pop();
            out.push(value?);
        }
        Ok(out)
    }
}
