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
/// Keyed by disclosure digests: foldhash's quality hasher (seeded per process) in place of
/// SipHash, which cost more than the lookups; the tables hold at most [`super::MAX_DISCLOSURES`]
/// entries, and the `_sd` entries looked up in them are bounded by the payload's size.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::quality::RandomState>;
type HashSet<K> = std::collections::HashSet<K, foldhash::quality::RandomState>;

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
    disclosed: PathTable,
    /// [`Self::disclosed_paths`], built from `disclosed` when first asked for.
    disclosed_paths: std::sync::OnceLock<Vec<ClaimPath>>,
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
        self.disclosed_paths.get_or_init(|| self.disclosed.paths())
    }

    /// How many disclosures were presented (each revealing one claim): the length of
    /// [`Self::disclosed_paths`], without building the paths.
    pub fn disclosure_count(&self) -> usize {
        self.disclosed.len()
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
        // The payload the caller already read (the very bytes just verified), or a first parse.
        let payload = match self.claims.into_inner() {
            Some(claims) => claims,
            None => jws.claims().map_err(|source| SdJwtError::Jws {
                part: JwtPart::Issuer,
                source,
            })?,
        };
        match payload.get("_sd_alg") {
            None => {}
            Some(Value::String(alg)) if alg == SD_ALG => {}
            Some(Value::String(alg)) => return Err(SdJwtError::UnsupportedSdAlg(alg.clone())),
            Some(other) => return Err(SdJwtError::UnsupportedSdAlg(other.to_string())),
        }
        let processed = process(payload, self.disclosures)?;
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
            header: jws.into_header(),
            claims: processed.claims,
            disclosed: processed.placement.paths,
            disclosed_paths: std::sync::OnceLock::new(),
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

/// Where each disclosure of an SD-JWT goes in its processed payload (RFC 9901 §7.1 step 3),
/// once every check has passed.
pub(crate) struct Placement {
    /// Per disclosure (same order): the path of the claim it reveals.
    pub paths: PathTable,
    /// Per disclosure: the disclosure it is nested in, if any.
    pub parents: Vec<Option<usize>>,
}

/// The processed payload and where each disclosure went.
pub(crate) struct Processed {
    pub claims: Map<String, Value>,
    pub placement: Placement,
}

/// Checks where every disclosure goes (RFC 9901 §7.1 step 3) without building anything:
/// rejects reused digests, unreferenced and duplicate disclosures, collisions, wrong kinds and
/// too deep nesting. Does not check any signature. The holder's selection needs only this.
pub(crate) fn place(
    payload: &Map<String, Value>,
    disclosures: &[Disclosure],
) -> Result<Placement, SdJwtError> {
    let mut by_digest = HashMap::with_capacity_and_hasher(disclosures.len(), Default::default());
    for (index, disclosure) in disclosures.iter().enumerate() {
        if let Some(first) = by_digest.insert(disclosure.digest().as_str(), index) {
            return Err(SdJwtError::DuplicateDisclosure { index, first });
        }
    }
    let mut walker = Walker {
        disclosures,
        by_digest,
        seen: HashSet::default(),
        paths: PathTable::new(disclosures.len()),
        parents: vec![None; disclosures.len()],
        path: Vec::new(),
    };
    walker.object(payload, None, 0)?;
    if let Some(index) = walker.paths.unplaced() {
        return Err(SdJwtError::UnreferencedDisclosure { index });
    }
    Ok(Placement {
        paths: walker.paths,
        parents: walker.parents,
    })
}

/// [`place`], then the processed payload: every disclosed value moved into place, `_sd`,
/// `_sd_alg` and the digests of undisclosed array elements removed.
pub(crate) fn process(
    mut payload: Map<String, Value>,
    mut disclosures: Vec<Disclosure>,
) -> Result<Processed, SdJwtError> {
    let placement = place(&payload, &disclosures)?;
    let (values, names) = disclosures
        .iter_mut()
        .map(|disclosure| (disclosure.take_value(), disclosure.take_name()))
        .unzip();
    let by_digest = disclosures
        .iter()
        .enumerate()
        .map(|(index, disclosure)| (disclosure.digest().as_str(), index))
        .collect();
    let mut builder = Builder {
        by_digest,
        values,
        names,
    };
    payload.shift_remove("_sd_alg");
    builder.object(&mut payload);
    Ok(Processed {
        claims: payload,
        placement,
    })
}

/// The paths of the disclosures, recorded as the checking walk finds them: every name in one
/// buffer and every segment in another (three allocations in all, not a few per disclosure),
/// made [`ClaimPath`]s only when asked for.
#[derive(Debug, Clone, Default)]
pub(crate) struct PathTable {
    names: String,
    segments: Vec<Recorded>,
    /// Per disclosure: its range in `segments`, once placed.
    ranges: Vec<Option<(usize, usize)>>,
}

/// A recorded segment: a name (its range in [`PathTable::names`]) or an array index.
#[derive(Debug, Clone, Copy)]
enum Recorded {
    Key(usize, usize),
    Index(usize),
}

impl PathTable {
    fn new(disclosures: usize) -> Self {
        Self {
            names: String::new(),
            segments: Vec::new(),
            ranges: vec![None; disclosures],
        }
    }

    /// Records `steps` as the path of disclosure `index`.
    fn record(&mut self, index: usize, steps: &[Step<'_>]) {
        let start = self.segments.len();
        for step in steps {
            self.segments.push(match step {
                Step::Key(name) => {
                    let from = self.names.len();
                    self.names.push_str(name);
                    Recorded::Key(from, self.names.len())
                }
                Step::Index(i) => Recorded::Index(*i),
            });
        }
        if let Some(slot) = self.ranges.get_mut(index) {
            *slot = Some((start, self.segments.len()));
        }
    }

    /// The first disclosure with no path recorded (referenced by no digest).
    fn unplaced(&self) -> Option<usize> {
        self.ranges.iter().position(Option::is_none)
    }

    /// How many disclosures there are.
    pub(crate) fn len(&self) -> usize {
        self.ranges.len()
    }

    /// The path of disclosure `index`, if recorded.
    pub(crate) fn path(&self, index: usize) -> Option<ClaimPath> {
        let (start, end) = (*self.ranges.get(index)?)?;
        let segments = self.segments.get(start..end)?;
        Some(ClaimPath::from(
            segments
                .iter()
                .map(|segment| match *segment {
                    Recorded::Key(from, to) => ClaimPathSegment::Key(
                        self.names.get(from..to).unwrap_or_default().to_owned(),
                    ),
                    Recorded::Index(i) => ClaimPathSegment::Index(i),
                })
                .collect::<Vec<_>>(),
        ))
    }

    /// Every recorded path, in disclosure order.
    pub(crate) fn paths(&self) -> Vec<ClaimPath> {
        (0..self.len())
            .filter_map(|index| self.path(index))
            .collect()
    }
}

/// One step of the path being walked, borrowed from the payload or a disclosure.
#[derive(Clone, Copy)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// The checking walk of [`place`], over borrowed values.
struct Walker<'a> {
    disclosures: &'a [Disclosure],
    by_digest: HashMap<&'a str, usize>,
    seen: HashSet<&'a str>,
    paths: PathTable,
    parents: Vec<Option<usize>>,
    /// The path of the value being walked (in the processed payload): pushed and popped,
    /// turned into a [`ClaimPath`] only when recorded or reported.
    path: Vec<Step<'a>>,
}

impl<'a> Walker<'a> {
    fn here(&self) -> ClaimPath {
        ClaimPath::from(
            self.path
                .iter()
                .map(|step| match step {
                    Step::Key(name) => ClaimPathSegment::Key((*name).to_owned()),
                    Step::Index(index) => ClaimPathSegment::Index(*index),
                })
                .collect::<Vec<_>>(),
        )
    }

    fn value(
        &mut self,
        value: &'a Value,
        parent: Option<usize>,
        depth: usize,
    ) -> Result<(), SdJwtError> {
        if depth > MAX_PROCESSED_DEPTH {
            return Err(SdJwtError::TooDeep {
                path: self.here(),
                max: MAX_PROCESSED_DEPTH,
            });
        }
        match value {
            Value::Object(map) => self.object(map, parent, depth),
            Value::Array(items) => self.array(items, parent, depth),
            _ => Ok(()),
        }
    }

    /// Marks `digest` as seen (errors name the current path); the matching disclosure, if any.
    fn lookup(&mut self, digest: &'a str) -> Result<Option<usize>, SdJwtError> {
        if !self.seen.insert(digest) {
            return Err(SdJwtError::DigestReused {
                path: self.here(),
                digest: digest.to_owned(),
            });
        }
        Ok(self.by_digest.get(digest).copied())
    }

    /// Records that disclosure `index` goes at the current path, then walks its value.
    fn reveal(
        &mut self,
        index: usize,
        disclosure: &'a Disclosure,
        parent: Option<usize>,
        depth: usize,
    ) -> Result<(), SdJwtError> {
        self.paths.record(index, &self.path);
        if let Some(slot) = self.parents.get_mut(index) {
            *slot = parent;
        }
        self.value(disclosure.value(), Some(index), depth + 1)
    }

    fn object(
        &mut self,
        map: &'a Map<String, Value>,
        parent: Option<usize>,
        depth: usize,
    ) -> Result<(), SdJwtError> {
        for (name, value) in map {
            if name == "_sd" {
                continue;
            }
            self.path.push(Step::Key(name));
            // An error ends the whole walk, so the path is left as the error found it.
            self.value(value, parent, depth + 1)?;
            self.path.pop();
        }
        let Some(sd) = map.get("_sd") else {
            return Ok(());
        };
        let Value::Array(digests) = sd else {
            return Err(SdJwtError::BadSdArray { path: self.here() });
        };
        // Names revealed here so far, for collisions between two disclosures.
        let mut revealed: Vec<&str> = Vec::new();
        for digest in digests {
            let Value::String(digest) = digest else {
                return Err(SdJwtError::BadSdArray { path: self.here() });
            };
            let Some(index) = self.lookup(digest)? else {
                continue; // undisclosed or decoy
            };
            let disclosures = self.disclosures;
            let Some(disclosure) = disclosures.get(index) else {
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
            self.path.push(Step::Key(name));
            if map.contains_key(name) || revealed.contains(&name) {
                return Err(SdJwtError::ClaimCollision {
                    index,
                    path: self.here(),
                });
            }
            revealed.push(name);
            self.reveal(index, disclosure, parent, depth)?;
            self.path.pop();
        }
        Ok(())
    }

    fn array(
        &mut self,
        items: &'a [Value],
        parent: Option<usize>,
        depth: usize,
    ) -> Result<(), SdJwtError> {
        // Indexes are those of the processed array, where undisclosed elements are gone.
        let mut kept = 0;
        for item in items {
            self.path.push(Step::Index(kept));
            let Some(digest) = array_reference(item) else {
                self.value(item, parent, depth + 1)?;
                self.path.pop();
                kept += 1;
                continue;
            };
            let Ok(digest) = digest else {
                return Err(SdJwtError::BadArrayDigest { path: self.here() });
            };
            let Some(index) = self.lookup(digest)? else {
                self.path.pop();
                continue; // undisclosed or decoy: the element is removed
            };
            let disclosures = self.disclosures;
            let Some(disclosure) = disclosures.get(index) else {
                self.path.pop();
                continue;
            };
            if disclosure.claim_name().is_some() {
                return Err(SdJwtError::WrongDisclosureKind {
                    index,
                    path: self.here(),
                    expected: ELEMENT,
                    found: disclosure.kind(),
                });
            }
            self.reveal(index, disclosure, parent, depth)?;
            self.path.pop();
            kept += 1;
        }
        Ok(())
    }
}

/// For an array element of the form `{"...": <digest>}`: `Some(Ok(digest))`; for an object
/// with `...` in any other form, `Some(Err(()))`; for anything else, `None`.
fn array_reference(item: &Value) -> Option<Result<&str, ()>> {
    let Value::Object(obj) = item else {
        return None;
    };
    let reference = obj.get("...")?;
    Some(match (obj.len(), reference) {
        (1, Value::String(digest)) => Ok(digest.as_str()),
        _ => Err(()),
    })
}

/// The building walk of [`process`], after [`place`] has checked everything: moves each
/// disclosed value (itself built first) into place.
struct Builder<'a> {
    by_digest: HashMap<&'a str, usize>,
    /// Per disclosure, its value and its claim name, moved out of it.
    values: Vec<Option<Value>>,
    names: Vec<Option<String>>,
}

impl Builder<'_> {
    fn value(&mut self, value: &mut Value) {
        match value {
            Value::Object(map) => self.object(map),
            Value::Array(items) => self.array(items),
            _ => {}
        }
    }

    /// The built value of disclosure `index` (each is taken once: [`place`] refused reuse).
    fn take(&mut self, index: usize) -> Option<Value> {
        let mut value = self.values.get_mut(index)?.take()?;
        self.value(&mut value);
        Some(value)
    }

    fn object(&mut self, map: &mut Map<String, Value>) {
        let sd = map.shift_remove("_sd");
        for value in map.values_mut() {
            self.value(value);
        }
        let Some(Value::Array(digests)) = sd else {
            return;
        };
        for digest in digests {
            let Value::String(digest) = digest else {
                continue;
            };
            let Some(&index) = self.by_digest.get(digest.as_str()) else {
                continue;
            };
            let name = self.names.get_mut(index).and_then(Option::take);
            if let (Some(name), Some(value)) = (name, self.take(index)) {
                map.insert(name, value);
            }
        }
    }

    /// Each `{"...": digest}` replaced by its disclosed value, or removed when undisclosed, in
    /// place.
    fn array(&mut self, items: &mut Vec<Value>) {
        items.retain_mut(|item| match array_reference(item) {
            Some(Ok(digest)) => {
                let index = self.by_digest.get(digest).copied();
                match index.and_then(|index| self.take(index)) {
                    Some(value) => {
                        *item = value;
                        true
                    }
                    None => false,
                }
            }
            _ => {
                self.value(item);
                true
            }
        });
    }
}
