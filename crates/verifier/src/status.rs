//! The status check: fetch the issuer's status list, check the list's own signature with the
//! issuer's key, decode it (bounded), read the credential's entry.

use crate::report::{check, Check};
use crate::Verifier;
use passeport_core::jose::{JwsPolicy, UnverifiedJws};
use passeport_core::keys::PublicKey;
use passeport_core::status::{bitstring, token};
use serde_json::{Map, Value};

fn fetch(v: &Verifier, url: &str) -> Result<(Vec<u8>, &'static str), String> {
    let fetched = v.resolver.fetch(url).map_err(|e| {
        format!("status list could not be fetched, so revocation cannot be ruled out: {e}")
    })?;
    Ok((
        fetched.body,
        if fetched.from_cache {
            " (status list from cache)"
        } else {
            ""
        },
    ))
}

/// A status list served as a compact JWS, verified with the credential issuer's key.
fn signed_payload(
    body: &[u8],
    key: &PublicKey,
    typ: &[&str],
) -> Result<Map<String, Value>, String> {
    let text = std::str::from_utf8(body).map_err(|_| "status list is not text".to_owned())?;
    let jws = UnverifiedJws::parse(text.trim()).map_err(|e| format!("status list: {e}"))?;
    let verified = jws.verify(key, &JwsPolicy::typed(typ)).map_err(|e| {
        format!("status list signature: {e} (the list must be signed by the credential's issuer)")
    })?;
    verified.claims().map_err(|e| format!("status list: {e}"))
}

/// Checks a VCDM `credentialStatus` (Bitstring Status List entries).
pub(crate) fn bitstring_check(
    v: &Verifier,
    status: Option<&Value>,
    issuer: &str,
    key: &PublicKey,
) -> Check {
    if !v.options.check_status {
        return Check::pass(
            check::STATUS,
            "not checked (status checking disabled by the caller)",
        );
    }
    let entries: Vec<&Value> = match status {
        None => {
            return Check::pass(
                check::STATUS,
                "no status entry: the issuer made this credential non-revocable",
            )
        }
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one) => vec![one],
    };
    let mut notes = Vec::new();
    for entry in entries {
        let kind = entry
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if kind != "BitstringStatusListEntry" {
            return Check::fail(
                check::STATUS,
                format!("status entry type `{kind}` is not supported"),
            );
        }
        let (Some(url), Some(index), Some(purpose)) = (
            entry.get("statusListCredential").and_then(Value::as_str),
            entry
                .get("statusListIndex")
                .and_then(Value::as_str)
                .and_then(|i| i.parse::<u64>().ok()),
            entry.get("statusPurpose").and_then(Value::as_str),
        ) else {
            return Check::fail(check::STATUS, "malformed BitstringStatusListEntry (statusListCredential, statusListIndex, statusPurpose)");
        };
        let (body, cache_note) = match fetch(v, url) {
            Ok(b) => b,
            Err(e) => return Check::fail(check::STATUS, e),
        };
        let payload = match signed_payload(&body, key, &["vc+jwt"]) {
            Ok(p) => p,
            Err(e) => return Check::fail(check::STATUS, e),
        };
        let list_issuer = match payload.get("issuer") {
            Some(Value::String(s)) => s.as_str(),
            Some(Value::Object(o)) => o.get("id").and_then(Value::as_str).unwrap_or_default(),
            _ => "",
        };
        if list_issuer != issuer {
            return Check::fail(check::STATUS, format!("status list {url} is issued by `{list_issuer}`, not by the credential's issuer"));
        }
        if let Some(until) = payload
            .get("validUntil")
            .and_then(Value::as_str)
            .and_then(passeport_core::clock::parse_rfc3339)
        {
            if until < v.clock.now() - v.options.leeway_secs {
                return Check::fail(
                    check::STATUS,
                    format!("status list {url} is out of date (validUntil passed)"),
                );
            }
        }
        let (list_purpose, list) = match bitstring::from_credential(&Value::Object(payload)) {
            Ok(p) => p,
            Err(e) => return Check::fail(check::STATUS, format!("status list {url}: {e}")),
        };
        if list_purpose != purpose {
            return Check::fail(
                check::STATUS,
                format!("status list {url} is for `{list_purpose}`, the entry says `{purpose}`"),
            );
        }
        match list.get(index) {
            Ok(false) => notes.push(format!(
                "not {} ({url} #{index}){cache_note}",
                past(purpose)
            )),
            Ok(true) => {
                return Check::fail(
                    check::STATUS,
                    format!(
                        "{} by the issuer ({url} #{index}){cache_note}",
                        past(purpose)
                    ),
                )
            }
            Err(e) => return Check::fail(check::STATUS, format!("status list {url}: {e}")),
        }
    }
    Check::pass(check::STATUS, notes.join("; "))
}

fn past(purpose: &str) -> String {
    match purpose {
        "revocation" => "revoked".into(),
        "suspension" => "suspended".into(),
        other => format!("flagged for {other}"),
    }
}

/// Checks an SD-JWT VC `status.status_list` reference (IETF Token Status List).
pub(crate) fn token_check(
    v: &Verifier,
    status: Option<&Value>,
    issuer: &str,
    key: &PublicKey,
) -> Check {
    if !v.options.check_status {
        return Check::pass(
            check::STATUS,
            "not checked (status checking disabled by the caller)",
        );
    }
    let Some(status) = status else {
        return Check::pass(
            check::STATUS,
            "no status claim: the issuer made this credential non-revocable",
        );
    };
    let Some(reference) = status.get("status_list") else {
        return Check::fail(
            check::STATUS,
            "`status` has no `status_list` (the only status mechanism supported)",
        );
    };
    let (Some(uri), Some(idx)) = (
        reference.get("uri").and_then(Value::as_str),
        reference.get("idx").and_then(Value::as_u64),
    ) else {
        return Check::fail(check::STATUS, "`status.status_list` needs `uri` and `idx`");
    };
    let (body, cache_note) = match fetch(v, uri) {
        Ok(b) => b,
        Err(e) => return Check::fail(check::STATUS, e),
    };
    let payload = match signed_payload(&body, key, &["statuslist+jwt"]) {
        Ok(p) => p,
        Err(e) => return Check::fail(check::STATUS, e),
    };
    if payload.get("sub").and_then(Value::as_str) != Some(uri) {
        return Check::fail(
            check::STATUS,
            format!("status list token `sub` is not {uri}"),
        );
    }
    if let Some(iss) = payload.get("iss").and_then(Value::as_str) {
        if iss != issuer {
            return Check::fail(
                check::STATUS,
                format!("status list token is issued by `{iss}`, not by the credential's issuer"),
            );
        }
    }
    if let Some(exp) = payload.get("exp").and_then(Value::as_i64) {
        if exp < v.clock.now() - v.options.leeway_secs {
            return Check::fail(check::STATUS, "status list token has expired");
        }
    }
    let Some(claim) = payload.get("status_list") else {
        return Check::fail(check::STATUS, "status list token has no `status_list`");
    };
    let list = match token::TokenStatusList::from_claim(claim) {
        Ok(l) => l,
        Err(e) => return Check::fail(check::STATUS, format!("status list {uri}: {e}")),
    };
    match list.get(idx) {
        Ok(token::VALID) => Check::pass(check::STATUS, format!("valid ({uri} #{idx}){cache_note}")),
        Ok(token::INVALID) => Check::fail(
            check::STATUS,
            format!("revoked by the issuer ({uri} #{idx}){cache_note}"),
        ),
        Ok(token::SUSPENDED) => Check::fail(
            check::STATUS,
            format!("suspended by the issuer ({uri} #{idx}){cache_note}"),
        ),
        Ok(other) => Check::fail(
            check::STATUS,
            format!("status value {other:#04x} ({uri} #{idx})"),
        ),
        Err(e) => Check::fail(check::STATUS, format!("status list {uri}: {e}")),
    }
}
