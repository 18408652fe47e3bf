//! `did:web`: the URL of the DID document. Fetching it is the caller's job (verifier crate).

use super::{Did, DidError};

/// The HTTPS URL of a `did:web` document (`did:web:example.com:orgs:acme` →
/// `https://example.com/orgs/acme/did.json`; a bare host → `/.well-known/did.json`).
pub fn document_url(did: &Did) -> Result<String, DidError> {
    if did.method() != "web" {
        return Err(DidError::UnsupportedMethod(did.method().to_owned()));
    }
    let bad = |reason: &str| DidError::BadIdentifier {
        method: "web",
        reason: reason.to_owned(),
    };
    let mut segments = did.method_id().split(':');
    let host = segments
        .next()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| bad("no host"))?;
    let host = host.replace("%3A", ":").replace("%3a", ":");
    if host.contains(['/', '@', '?', '#']) {
        return Err(bad("the host part may not contain `/`, `@`, `?` or `#`"));
    }
    let path: Vec<&str> = segments.collect();
    if path.iter().any(|s| s.is_empty() || *s == "." || *s == "..") {
        return Err(bad("empty or dot path segment"));
    }
    // Plain http only for local testing hosts.
    let scheme = if host.starts_with("localhost") || host.starts_with("127.0.0.1") {
        "http"
    } else {
        "https"
    };
    Ok(if path.is_empty() {
        format!("{scheme}://{host}/.well-known/did.json")
    } else {
        format!("{scheme}://{host}/{}/did.json", path.join("/"))
    })
}

/// The `did:web` for a host (`example.com` or `127.0.0.1:8080`) and path segments.
pub fn did_web(host: &str, path: &[&str]) -> Result<Did, DidError> {
    let mut id = host.replace(':', "%3A");
    for segment in path {
        id.push(':');
        id.push_str(segment);
    }
    Did::parse(&format!("did:web:{id}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_to_urls() {
        let did = Did::parse("did:web:w3c-ccg.github.io").unwrap();
        assert_eq!(
            document_url(&did).unwrap(),
            "https://w3c-ccg.github.io/.well-known/did.json"
        );
        let did = Did::parse("did:web:example.com:orgs:lycee-roc").unwrap();
        assert_eq!(
            document_url(&did).unwrap(),
            "https://example.com/orgs/lycee-roc/did.json"
        );
        let did = Did::parse("did:web:localhost%3A8080:orgs:a").unwrap();
        assert_eq!(
            document_url(&did).unwrap(),
            "http://localhost:8080/orgs/a/did.json"
        );
        assert_eq!(did_web("localhost:8080", &["orgs", "a"]).unwrap(), did);
    }

    #[test]
    fn rejects_path_tricks() {
        let did = Did::parse("did:web:example.com:..:x").unwrap();
        assert!(document_url(&did).is_err());
    }
}
