//! Issuance (RFC 9901 §4): claims in, Issuer-signed JWT plus disclosures out.

use super::disclosure::{is_reserved, write_json_in, write_str, write_value};
use super::{
    ClaimPath, ClaimPathSegment, Disclosure, DisclosureDigest, JwtPart, SdJwtError,
    MAX_DISCLOSURES, MAX_DISCLOSURE_BYTES, MAX_PROCESSED_DEPTH, SD_ALG,
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
    let members: Vec<(&str, &Value)> = claims.iter().map(|(k, v)| (k.as_str(), v)).collect();
    issue_borrowed(signer, header, &members, selector, options)
}

/// Issues an SD-JWT from borrowed top-level claims, in the order given: as [`issue()`], without
/// the caller building (or this function copying) a claim set. The payload and the disclosures
/// are written straight to JSON bytes as the claims are walked.
///
/// Two top-level claims with the same name are refused.
pub fn issue_borrowed(
    signer: &dyn Signer,
    header: &JwsHeaderParams,
    claims: &[(&str, &Value)],
    selector: &dyn Fn(&[ClaimPathSegment]) -> bool,
    options: &IssueOptions,
) -> Result<SdJwt, SdJwtError> {
    let (issuer_jwt, disclosures) = encode(signer, header, claims, selector, options, Vec::new())?;
    Ok(SdJwt {
        issuer_jwt,
        disclosures,
    })
}

/// [`issue_borrowed`], straight to the compact form `<JWT>~<D1>~…~<Dn>~` (what
/// [`SdJwt::to_compact`] gives): each disclosure's text is written once, where it ends up,
/// with no [`Disclosure`] kept. For issuers that only hand the credential over.
pub fn issue_borrowed_compact(
    signer: &dyn Signer,
    header: &JwsHeaderParams,
    claims: &[(&str, &Value)],
    selector: &dyn Fn(&[ClaimPathSegment]) -> bool,
    options: &IssueOptions,
) -> Result<String, SdJwtError> {
    let tail = CompactTail(String::with_capacity(4096));
    let (issuer_jwt, CompactTail(tail)) = encode(signer, header, claims, selector, options, tail)?;
    let mut out = String::with_capacity(issuer_jwt.len() + 1 + tail.len());
    out.push_str(&issuer_jwt);
    out.push('~');
    out.push_str(&tail);
    Ok(out)
}

/// Where the encoder puts each disclosure it makes.
trait Sink {
    /// Adds the disclosure whose JSON `[salt, name, value]` is `json`; its text's length and
    /// its digest.
    fn add(&mut self, name: Option<&str>, json: &[u8]) -> (usize, DisclosureDigest);
}

/// Each kept as a [`Disclosure`].
impl Sink for Vec<Disclosure> {
    fn add(&mut self, name: Option<&str>, json: &[u8]) -> (usize, DisclosureDigest) {
        let disclosure = Disclosure::from_encoded(name, crate::b64::encode(json));
        let made = (disclosure.as_str().len(), disclosure.digest().clone());
        self.push(disclosure);
        made
    }
}

/// Each one's text appended, then `~`: the tail of the compact form.
struct CompactTail(String);

impl Sink for CompactTail {
    fn add(&mut self, _name: Option<&str>, json: &[u8]) -> (usize, DisclosureDigest) {
        let start = self.0.len();
        crate::b64::encode_into(json, &mut self.0);
        let text = self.0.get(start..).unwrap_or_default();
        let made = (text.len(), DisclosureDigest::of(text));
        self.0.push('~');
        made
    }
}

/// The walk both issuing functions share: checks the top-level names, writes the payload and
/// the disclosures (into `sink`), signs. The Issuer-signed JWT, and the sink filled.
fn encode<S: Sink>(
    signer: &dyn Signer,
    header: &JwsHeaderParams,
    claims: &[(&str, &Value)],
    selector: &dyn Fn(&[ClaimPathSegment]) -> bool,
    options: &IssueOptions,
    sink: S,
) -> Result<(String, S), SdJwtError> {
    let mut names: Vec<&str> = claims.iter().map(|(name, _)| *name).collect();
    names.sort_unstable();
    if let Some(pair) = names.windows(2).find(|pair| pair.first() == pair.get(1)) {
        let name = pair.first().copied().unwrap_or_default();
        return Err(SdJwtError::Issue(format!(
            "claim `{name}` is given twice at the top level"
        )));
    }
    if names.binary_search(&"_sd_alg").is_ok() {
        return Err(SdJwtError::ReservedClaimName {
            path: ClaimPath::root(),
            name: "_sd_alg".into(),
        });
    }
    if options.holder_key.is_some() && names.binary_search(&"cnf").is_ok() {
        return Err(SdJwtError::CnfAlreadyPresent);
    }
    let sd_alg = Value::from(SD_ALG);
    let mut trailer: Vec<(&str, Trailer<'_>)> = Vec::with_capacity(2);
    if let Some(holder) = &options.holder_key {
        trailer.push(("cnf", Trailer::Cnf(holder)));
    }
    trailer.push(("_sd_alg", Trailer::Json(&sd_alg)));
    let mut encoder = Encoder {
        selector,
        decoys: options.decoys_per_object,
        sink,
        digests: Vec::with_capacity(32),
        open: Vec::with_capacity(32),
        path: Vec::new(),
        spare: Vec::new(),
        names: Vec::new(),
        scratch: Vec::with_capacity(1024),
    };
    let mut payload = Vec::with_capacity(4096);
    encoder.object(claims.iter().copied(), 0, &mut payload, &trailer)?;
    let issuer_jwt =
        jose::sign_compact(signer, header, &payload).map_err(|source| SdJwtError::Jws {
            part: JwtPart::Issuer,
            source,
        })?;
    Ok((issuer_jwt, encoder.sink))
}

/// A member the encoder writes after an object's own (the payload's `cnf` and `_sd_alg`).
enum Trailer<'a> {
    Json(&'a Value),
    /// `{"jwk": <the key's required members>}`, written from the key (no JSON tree of it).
    Cnf(&'a PublicJwk),
}

/// Writes `{"jwk":{"kty":…,"crv":…,"x":…[,"y":…]}}`: what `serde_json` writes for
/// `{"jwk": key.bare()}` (tested).
fn write_cnf(out: &mut Vec<u8>, key: &PublicJwk) -> Result<(), SdJwtError> {
    out.extend_from_slice(b"{\"jwk\":{\"kty\":");
    write_str(out, &key.kty)?;
    out.extend_from_slice(b",\"crv\":");
    write_str(out, &key.crv)?;
    out.extend_from_slice(b",\"x\":");
    write_str(out, &key.x)?;
    if let Some(y) = &key.y {
        out.extend_from_slice(b",\"y\":");
        write_str(out, y)?;
    }
    out.extend_from_slice(b"}}");
    Ok(())
}

/// Walks borrowed claims once, writing the payload's JSON and each disclosure's as it goes.
struct Encoder<'a, S> {
    selector: &'a dyn Fn(&[ClaimPathSegment]) -> bool,
    decoys: usize,
    sink: S,
    /// The digest of every disclosure made so far, in order.
    digests: Vec<DisclosureDigest>,
    /// The disclosures (positions in `digests`) of the objects being written, innermost last.
    open: Vec<usize>,
    /// The path of the value being encoded: pushed and popped, never cloned on the way down.
    path: Vec<ClaimPathSegment>,
    /// Buffers for the JSON of disclosed values, reused (one in use per level of nesting of
    /// disclosures).
    spare: Vec<Vec<u8>>,
    /// The strings of popped path segments, reused for the next members' names: one
    /// allocation per level of nesting rather than one per claim.
    names: Vec<String>,
    /// Where each disclosure's `[salt, name, value]` is written before it is encoded.
    scratch: Vec<u8>,
}

impl<S: Sink> Encoder<'_, S> {
    fn here(&self) -> ClaimPath {
        ClaimPath::from(self.path.clone())
    }

    /// Steps into the member `name`.
    fn push_key(&mut self, name: &str) {
        // Room for most names: a buffer grows once, not name after longer name.
        let mut key = self
            .names
            .pop()
            .unwrap_or_else(|| String::with_capacity(32));
        key.clear();
        key.push_str(name);
        self.path.push(ClaimPathSegment::Key(key));
    }

    /// Steps back out of the last member or element, keeping a member name's buffer.
    fn pop(&mut self) {
        if let Some(ClaimPathSegment::Key(key)) = self.path.pop() {
            self.names.push(key);
        }
    }

    fn value(&mut self, value: &Value, depth: usize, out: &mut Vec<u8>) -> Result<(), SdJwtError> {
        if depth > MAX_PROCESSED_DEPTH {
            return Err(SdJwtError::TooDeep {
                path: self.here(),
                max: MAX_PROCESSED_DEPTH,
            });
        }
        match value {
            Value::Object(map) => {
                self.object(map.iter().map(|(k, v)| (k.as_str(), v)), depth, out, &[])
            }
            Value::Array(items) => self.array(items, depth, out),
            scalar => write_value(out, scalar),
        }
    }

    /// Makes the disclosure of the claim at the current path (`name` for an object member,
    /// `None` for an array element; `json`, its value) into the sink, within the limits a
    /// verifier holds SD-JWTs to ([`MAX_DISCLOSURES`], [`MAX_DISCLOSURE_BYTES`]): issuing what
    /// no holder could import is refused here, naming the claim. The position of its digest in
    /// `digests`.
    fn emit(&mut self, name: Option<&str>, json: &[u8]) -> Result<usize, SdJwtError> {
        if self.digests.len() >= MAX_DISCLOSURES {
            return Err(SdJwtError::TooManyDisclosures {
                count: self.digests.len() + 1,
                max: MAX_DISCLOSURES,
            });
        }
        write_json_in(name, json, &mut self.scratch)?;
        let (size, digest) = self.sink.add(name, &self.scratch);
        if size > MAX_DISCLOSURE_BYTES {
            return Err(SdJwtError::Issue(format!(
                "the disclosure of claim {} would be {size} bytes, more than the \
                 {MAX_DISCLOSURE_BYTES} a verifier accepts",
                self.here()
            )));
        }
        self.digests.push(digest);
        Ok(self.digests.len() - 1)
    }

    /// The JSON of `value` (at the current path) in a buffer of its own, for a disclosure.
    fn disclosed(&mut self, value: &Value, depth: usize) -> Result<Vec<u8>, SdJwtError> {
        let mut json = self.spare.pop().unwrap_or_else(|| Vec::with_capacity(512));
        json.clear();
        self.value(value, depth, &mut json)?;
        Ok(json)
    }

    /// Writes an object: its plain members as they are, its disclosable members as disclosures
    /// (their digests sorted in `_sd`, after the plain members), then the `trailer` members as
    /// they are.
    fn object<'v>(
        &mut self,
        members: impl Iterator<Item = (&'v str, &'v Value)>,
        depth: usize,
        out: &mut Vec<u8>,
        trailer: &[(&str, Trailer<'_>)],
    ) -> Result<(), SdJwtError> {
        out.push(b'{');
        let mut first = true;
        // Where this object's disclosures are in `self.digests`, on the shared `open` stack
        // from `base` (nested objects push and pop theirs above): their digests are listed from
        // there once the members are done, rather than copied out one by one.
        let base = self.open.len();
        for (name, value) in members {
            if is_reserved(name) {
                return Err(SdJwtError::ReservedClaimName {
                    path: self.here(),
                    name: name.to_owned(),
                });
            }
            self.push_key(name);
            // An error ends the whole issuance, so the path is left as the error found it.
            if (self.selector)(&self.path) {
                let json = self.disclosed(value, depth + 1)?;
                let index = self.emit(Some(name), &json)?;
                self.spare.push(json);
                self.open.push(index);
            } else {
                member(out, &mut first, name)?;
                self.value(value, depth + 1, out)?;
            }
            self.pop();
        }
        if self.open.len() > base {
            let mut decoys = (0..self.decoys)
                .map(|_| DisclosureDigest::decoy())
                .collect::<Result<Vec<_>, _>>()?;
            decoys.sort_unstable();
            // This object's digests and its decoys, each sorted, written merged: one sorted
            // `_sd` (hiding the claims' order) without a list of them all.
            // Digests compare as their bytes: base64url text, so as the strings do.
            let digests = &self.digests;
            let own = self.open.get_mut(base..).unwrap_or_default();
            own.sort_unstable_by(|&a, &b| digests.get(a).cmp(&digests.get(b)));
            let mut own = own.iter().filter_map(|&i| digests.get(i)).peekable();
            let mut decoys = decoys.iter().peekable();
            member(out, &mut first, "_sd")?;
            out.push(b'[');
            let mut first_digest = true;
            loop {
                let next = match (own.peek(), decoys.peek()) {
                    (Some(mine), Some(decoy)) if mine <= decoy => own.next(),
                    (_, Some(_)) => decoys.next(),
                    (Some(_), None) => own.next(),
                    (None, None) => break,
                };
                let digest = next.map_or("", DisclosureDigest::as_str);
                if !first_digest {
                    out.push(b',');
                }
                first_digest = false;
                // base64url: nothing to escape.
                out.push(b'"');
                out.extend_from_slice(digest.as_bytes());
                out.push(b'"');
            }
            out.push(b']');
            self.open.truncate(base);
        }
        for (name, value) in trailer {
            member(out, &mut first, name)?;
            match value {
                Trailer::Json(value) => write_value(out, value)?,
                Trailer::Cnf(key) => write_cnf(out, key)?,
            }
        }
        out.push(b'}');
        Ok(())
    }

    fn array(
        &mut self,
        items: &[Value],
        depth: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), SdJwtError> {
        out.push(b'[');
        for (index, item) in items.iter().enumerate() {
            if index > 0 {
                out.push(b',');
            }
            self.path.push(ClaimPathSegment::Index(index));
            if (self.selector)(&self.path) {
                let json = self.disclosed(item, depth + 1)?;
                let index = self.emit(None, &json)?;
                self.spare.push(json);
                let digest = self.digests.get(index).map_or("", DisclosureDigest::as_str);
                out.extend_from_slice(b"{\"...\":\"");
                out.extend_from_slice(digest.as_bytes());
                out.extend_from_slice(b"\"}");
            } else {
                self.value(item, depth + 1, out)?;
            }
            self.pop();
        }
        out.push(b']');
        Ok(())
    }
}

/// Writes `"name":`, after a comma unless it is the object's first member.
fn member(out: &mut Vec<u8>, first: &mut bool, name: &str) -> Result<(), SdJwtError> {
    if !std::mem::take(first) {
        out.push(b',');
    }
    write_str(out, name)?;
    out.push(b':');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{KeyAlgorithm, SecretKey};

    /// `cnf` written from the key is what `serde_json` writes for `{"jwk": key.bare()}`: both
    /// key types, with and without the members `bare` drops, and with text needing escapes.
    #[test]
    fn cnf_is_written_as_serde_json_writes_the_bare_key() {
        let mut keys: Vec<PublicJwk> = [KeyAlgorithm::Ed25519, KeyAlgorithm::P256]
            .into_iter()
            .map(|algorithm| SecretKey::generate(algorithm).unwrap().public_jwk().clone())
            .collect();
        let mut decorated = keys[1].clone();
        decorated.kid = Some("key-1".into());
        decorated.alg = Some("ES256".into());
        decorated.use_ = Some("sig".into());
        keys.push(decorated);
        let mut odd = keys[0].clone();
        odd.crv = "Ed\"25519\\\n".into();
        keys.push(odd);
        for key in keys {
            let mut ours = Vec::new();
            write_cnf(&mut ours, &key).unwrap();
            let reference = serde_json::to_vec(&serde_json::json!({ "jwk": key.bare() })).unwrap();
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                String::from_utf8(reference).unwrap()
            );
        }
    }
}
