//! What every format shares once the signature is known: issuer keys, trust, validity, schema.

use crate::report::{check, Check, CredentialReport};
use crate::trust::TrustedIssuer;
use crate::Verifier;
use passeport_core::clock::parse_rfc3339;
use passeport_core::did::{Did, DidDocument};
use passeport_core::keys::{PublicJwk, PublicKey};
use passeport_core::model::RecordType;
use serde_json::{Map, Value};

/// What a key is trusted for.
#[derive(Debug, Clone)]
pub(crate) enum Scope {
    /// Given directly (`--issuer-key`): any issuer, any type.
    Any,
    /// From a trust list entry.
    Entry(TrustedIssuer),
    /// Found by resolving the issuer, who is not in the trust list.
    Untrusted,
}

/// A key that may have signed the credential, and why we would believe it.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub key: PublicKey,
    pub source: std::borrow::Cow<'static, str>,
    pub scope: Scope,
}

/// The issuer's candidate keys, and what went wrong looking for them.
pub(crate) fn candidates(
    v: &Verifier,
    issuer: &str,
    kid: Option<&str>,
) -> (Vec<Candidate>, Vec<String>) {
    let mut out: Vec<Candidate> = v
        .trust
        .direct_keys()
        .iter()
        .map(|key| Candidate {
            key: key.clone(),
            source: "a key given to trust directly".into(),
            scope: Scope::Any,
        })
        .collect();
    let mut problems = Vec::new();
    match v.trust.issuer(issuer) {
        Some(entry) if !entry.keys.is_empty() => {
            out.extend(entry.keys.iter().map(|key| Candidate {
                key: key.clone(),
                source: format!("key of {issuer} from the trust list").into(),
                scope: Scope::Entry(entry.clone()),
            }));
        }
        entry => match issuer_keys(v, issuer, kid) {
            Ok((keys, how)) => out.extend(keys.into_iter().map(|key| Candidate {
                key,
                source: how.clone().into(),
                scope: entry.map_or(Scope::Untrusted, |e| Scope::Entry(e.clone())),
            })),
            Err(e) => problems.push(e),
        },
    }
    // A key trusted directly is often also the issuer's DID key: tried once, as the first it
    // came as. A second try could only fail the same way, and it would cost a copy of the
    // credential to keep for it.
    let mut unique: Vec<Candidate> = Vec::with_capacity(out.len());
    for candidate in out {
        if !unique.iter().any(|kept| kept.key == candidate.key) {
            unique.push(candidate);
        }
    }
    (unique, problems)
}

/// Keys found for an issuer, and how.
type Found = (Vec<PublicKey>, String);

/// The keys of `did:key` and `did:jwk` issuers by (issuer, kid): their documents are derived
/// from the identifier itself, so the answer never changes. Bounded: cleared when full.
#[derive(Debug, Default)]
pub(crate) struct OfflineKeyCache(std::sync::RwLock<std::collections::HashMap<String, Found>>);

impl OfflineKeyCache {
    /// Entries kept at most (a verifier sees few issuers; a flood of one-off DIDs only refills).
    const CAPACITY: usize = 1024;

    fn get_or_resolve(
        &self,
        issuer: &str,
        kid: Option<&str>,
        resolve: impl FnOnce() -> Result<Found, String>,
    ) -> Result<Found, String> {
        let key = format!("{issuer}\n{}", kid.unwrap_or_default());
        if let Ok(map) = self.0.read() {
            if let Some(found) = map.get(&key) {
                return Ok(found.clone());
            }
        }
        let found = resolve()?;
        if let Ok(mut map) = self.0.write() {
            if map.len() >= Self::CAPACITY {
                map.clear();
            }
            map.insert(key, found.clone());
        }
        Ok(found)
    }
}

/// Resolves an issuer id to its assertion keys: did:key / did:jwk offline (remembered),
/// did:web over HTTPS, an https issuer through its SD-JWT VC issuer metadata.
pub(crate) fn issuer_keys(v: &Verifier, issuer: &str, kid: Option<&str>) -> Result<Found, String> {
    if issuer.starts_with("did:key:") || issuer.starts_with("did:jwk:") {
        v.offline_keys
            .get_or_resolve(issuer, kid, || resolve_issuer_keys(v, issuer, kid))
    } else {
        resolve_issuer_keys(v, issuer, kid)
    }
}

fn resolve_issuer_keys(v: &Verifier, issuer: &str, kid: Option<&str>) -> Result<Found, String> {
    if issuer.starts_with("did:") {
        let did = Did::parse(issuer).map_err(|e| e.to_string())?;
        let doc = did_document(v, &did)?;
        let keys = match kid {
            Some(kid) if kid.starts_with('#') || kid.starts_with("did:") => {
                if kid.starts_with("did:") && !kid.starts_with(&format!("{did}#")) {
                    return Err(format!(
                        "the key id {kid} is not a method of the issuer {did}"
                    ));
                }
                vec![doc.assertion_key(kid).map_err(|e| e.to_string())?]
            }
            _ => doc.assertion_keys(),
        };
        if keys.is_empty() {
            return Err(format!("{did} has no usable assertion key"));
        }
        Ok((
            keys,
            format!("assertion key of {} (resolved {})", did, did.method()),
        ))
    } else if let Some(rest) = issuer.strip_prefix("https://") {
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        let path = path.trim_end_matches('/');
        let url = if path.is_empty() {
            format!("https://{host}/.well-known/jwt-vc-issuer")
        } else {
            format!("https://{host}/.well-known/jwt-vc-issuer/{path}")
        };
        let fetched = v.resolver.fetch(&url).map_err(|e| e.to_string())?;
        let meta =
            passeport_core::json::parse_strict(&fetched.body).map_err(|e| format!("{url}: {e}"))?;
        if meta.get("issuer").and_then(Value::as_str) != Some(issuer) {
            return Err(format!("{url}: `issuer` does not match {issuer}"));
        }
        let keys: Vec<PublicKey> = meta
            .get("jwks")
            .and_then(|j| j.get("keys"))
            .and_then(Value::as_array)
            .map(|keys| {
                keys.iter()
                    .filter_map(|k| PublicJwk::from_value(k).ok())
                    .filter(|j| kid.is_none() || j.kid.as_deref() == kid)
                    .filter_map(|j| PublicKey::from_jwk(&j).ok())
                    .collect()
            })
            .unwrap_or_default();
        if keys.is_empty() {
            return Err(format!("{url}: no usable key in `jwks`"));
        }
        Ok((
            keys,
            format!("key from the SD-JWT VC issuer metadata at {url}"),
        ))
    } else {
        Err(format!("cannot find a key for issuer `{issuer}` (not a DID or https URL, and not trusted directly)"))
    }
}

/// The key of a Data Integrity proof's verification method (`did:…#…`) of `did`, and how it was
/// found: did:key / did:jwk offline (remembered), did:web fetched.
pub(crate) fn method_keys(v: &Verifier, did: &Did, method: &str) -> Result<Found, String> {
    let resolve = || {
        let doc = did_document(v, did)?;
        let key = doc.assertion_key(method).map_err(|e| e.to_string())?;
        Ok((
            vec![key],
            format!("verification method {method} (resolved {})", did.method()),
        ))
    };
    match did.method() {
        // Keyed apart from the issuer keys of JOSE forms, whose `source` says something else.
        "key" | "jwk" => v
            .offline_keys
            .get_or_resolve("proof", Some(method), resolve),
        _ => resolve(),
    }
}

/// A DID document: did:key / did:jwk offline, did:web fetched.
pub(crate) fn did_document(v: &Verifier, did: &Did) -> Result<DidDocument, String> {
    match did.method() {
        "key" | "jwk" => passeport_core::did::resolve_offline(did).map_err(|e| e.to_string()),
        "web" => {
            let url = passeport_core::did::web::document_url(did).map_err(|e| e.to_string())?;
            let fetched = v.resolver.fetch(&url).map_err(|e| e.to_string())?;
            let doc = DidDocument::from_json(&fetched.body).map_err(|e| format!("{url}: {e}"))?;
            if doc.id != did.as_str() {
                return Err(format!("{url}: document id {} is not {did}", doc.id));
            }
            Ok(doc)
        }
        other => Err(format!("DID method `{other}` is not supported")),
    }
}

/// The trust check for a verified key.
pub(crate) fn trust_check(
    scope: &Scope,
    issuer: &str,
    record: Option<RecordType>,
    types: &[String],
) -> Check {
    let what = record.map_or_else(
        || types.last().cloned().unwrap_or_default(),
        |r| r.name().to_owned(),
    );
    match scope {
        Scope::Any => Check::pass(
            check::TRUST,
            "the signing key is trusted directly (for any issuer and type)",
        ),
        Scope::Entry(entry) if entry.trusted_for(record, types) => Check::pass(
            check::TRUST,
            format!(
                "{} is trusted for {what}",
                entry.name.as_deref().unwrap_or(issuer)
            ),
        ),
        Scope::Entry(entry) => Check::fail(
            check::TRUST,
            format!(
                "{} is trusted for {} but not for {what}",
                entry.name.as_deref().unwrap_or(issuer),
                entry.types.join(", ")
            ),
        ),
        Scope::Untrusted => Check::fail(
            check::TRUST,
            format!("issuer {issuer} is not in the trust list"),
        ),
    }
}

/// Reads issuer, types, record type and (a copy of) the subject of a VCDM credential into the
/// report: for a credential that did not verify, whose claims are not kept.
pub(crate) fn describe_vc(report: &mut CredentialReport, vc: &Map<String, Value>) {
    describe_vc_header(report, vc);
    report.disclosed = vc_subject(vc)
        .cloned()
        .unwrap_or_else(|| Value::Object(Map::new()));
}

/// Reads issuer, types and record type of a VCDM credential into the report (not the subject:
/// see [`vc_subject`] and [`take_vc_subject`]).
pub(crate) fn describe_vc_header(report: &mut CredentialReport, vc: &Map<String, Value>) {
    match vc.get("issuer") {
        Some(Value::String(id)) => report.issuer = id.clone(),
        Some(Value::Object(p)) => {
            report.issuer = p
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            report.issuer_name = p.get("name").and_then(Value::as_str).map(str::to_owned);
        }
        _ => {}
    }
    report.types = match vc.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    let record = RecordType::from_types(report.types.iter().map(String::as_str));
    report.record_type = record.map(|r| r.name().to_owned());
}

/// The subject a report shows of a VCDM credential: `credentialSubject`, or its only element
/// when it is an array of one; `None` without one.
pub(crate) fn vc_subject(vc: &Map<String, Value>) -> Option<&Value> {
    match vc.get("credentialSubject") {
        Some(Value::Array(items)) if items.len() == 1 => items.first(),
        other => other,
    }
}

/// [`vc_subject`], moved out of a credential whose claims are not kept (no copy of it).
pub(crate) fn take_vc_subject(mut vc: Map<String, Value>) -> Value {
    match vc.remove("credentialSubject") {
        Some(Value::Array(mut items)) if items.len() == 1 => items.pop().unwrap_or(Value::Null),
        Some(other) => other,
        None => Value::Object(Map::new()),
    }
}

/// The record type named by a report.
pub(crate) fn record_of(report: &CredentialReport) -> Option<RecordType> {
    report.record_type.as_deref().and_then(|r| r.parse().ok())
}

fn numeric(v: Option<&Value>) -> Option<i64> {
    v.and_then(Value::as_i64)
}

/// Validity of a VCDM credential (`validFrom`, `validUntil`) and, for JWTs, `nbf` / `exp`.
pub(crate) fn validity_check(v: &Verifier, claims: &Map<String, Value>) -> Check {
    let now = v.clock.now();
    let leeway = v.options.leeway_secs;
    let mut notes = Vec::new();
    for (name, starts) in [("validFrom", true), ("validUntil", false)] {
        let Some(value) = claims.get(name) else {
            continue;
        };
        let Some(at) = value.as_str().and_then(parse_rfc3339) else {
            return Check::fail(
                check::VALIDITY,
                format!("`{name}` is not an RFC 3339 date-time"),
            );
        };
        if starts && at > now + leeway {
            return Check::fail(
                check::VALIDITY,
                format!(
                    "not valid before {} (validFrom)",
                    value.as_str().unwrap_or_default()
                ),
            );
        }
        if !starts && at < now - leeway {
            return Check::fail(
                check::VALIDITY,
                format!(
                    "expired on {} (validUntil)",
                    value.as_str().unwrap_or_default()
                ),
            );
        }
        notes.push(format!("{name} {}", value.as_str().unwrap_or_default()));
    }
    if let Some(exp) = numeric(claims.get("exp")) {
        if exp < now - leeway {
            return Check::fail(
                check::VALIDITY,
                format!(
                    "expired at {} (exp)",
                    passeport_core::clock::format_rfc3339(exp)
                ),
            );
        }
        notes.push(format!(
            "exp {}",
            passeport_core::clock::format_rfc3339(exp)
        ));
    }
    if let Some(nbf) = numeric(claims.get("nbf")) {
        if nbf > now + leeway {
            return Check::fail(
                check::VALIDITY,
                format!(
                    "not valid before {} (nbf)",
                    passeport_core::clock::format_rfc3339(nbf)
                ),
            );
        }
    }
    let at = passeport_core::clock::format_rfc3339(now);
    if notes.is_empty() {
        Check::pass(
            check::VALIDITY,
            format!("no validity limits; checked at {at}"),
        )
    } else {
        Check::pass(
            check::VALIDITY,
            format!("valid at {at} ({})", notes.join(", ")),
        )
    }
}

/// The schema check of the disclosed subject.
pub(crate) fn schema_check(record: Option<RecordType>, subject: &Value) -> Check {
    match record {
        None => Check::pass(
            check::SCHEMA,
            "not a passport record type: no passport schema applies",
        ),
        Some(record) => match passeport_core::schema::validate_disclosed_subject(record, subject) {
            Ok(()) => Check::pass(
                check::SCHEMA,
                format!("disclosed claims fit the {record} schema"),
            ),
            Err(e) => Check::fail(check::SCHEMA, e.to_string()),
        },
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod candidate_tests {
    use super::*;
    use crate::resolve::StaticResolver;
    use crate::TrustList;
    use passeport_core::keys::Signer as _;
    use passeport_core::keys::{KeyAlgorithm, SecretKey};
    use std::sync::Arc;

    /// A key trusted directly that is also the issuer's did:key is one candidate, not two;
    /// another trusted key stays a candidate of its own.
    #[test]
    fn the_same_key_is_one_candidate() {
        let key = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
        let other = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
        let did = passeport_core::did::key::did_key(key.public_jwk()).unwrap();
        let mut trust = TrustList::new();
        trust.add_direct_key(key.public_key());
        let verifier = Verifier::new(trust.clone(), Arc::new(StaticResolver::new()));
        let (found, problems) = candidates(&verifier, did.as_str(), None);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].source, "a key given to trust directly");
        trust.add_direct_key(other.public_key());
        let verifier = Verifier::new(trust, Arc::new(StaticResolver::new()));
        assert_eq!(candidates(&verifier, did.as_str(), None).0.len(), 2);
    }
}
