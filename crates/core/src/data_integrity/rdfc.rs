//! JSON-LD expansion in safe mode, then RDF Dataset Canonicalization (RDFC-1.0, which gives the
//! same output as URDNA2015) to canonical N-Quads, with the `ssi-json-ld` / `ssi-rdf` crates.

use super::contexts::{ContextSet, RecordingLoader};
use super::DataIntegrityError;
use ssi_json_ld::json_ld::rdf_types;
use ssi_json_ld::json_ld::{
    self, expansion, ExpandError, JsonLdProcessor, RdfQuads, RemoteDocument,
};
use ssi_json_ld::syntax::Value as JsonLdValue;
use ssi_rdf::{urdna2015, LexicalQuad};

/// VCDM 2.0 maps terms no context defines to this namespace (`@vocab`); we treat them as
/// undefined, since their meaning is not fixed by any context.
pub const ISSUER_DEPENDENT: &str = "https://www.w3.org/ns/credentials/issuer-dependent#";

/// A `serde_json` value as the JSON-LD stack's JSON value.
pub(crate) fn to_json_syntax(value: &serde_json::Value) -> Result<JsonLdValue, String> {
    ssi_json_ld::syntax::to_value(value).map_err(|e| e.to_string())
}

/// The canonical N-Quads of a JSON-LD document (one statement a line, sorted, each ending in
/// `\n`), expanded in safe mode: an unknown context, or a term that would be dropped or fall to
/// the VCDM 2.0 issuer-dependent `@vocab`, is an error naming it.
///
/// The fast path ([`super::fast`]) gives the quads when it handles the document; otherwise (and
/// for every error) the `json-ld` crate does.
pub(crate) fn canonical_nquads(
    document: &serde_json::Map<String, serde_json::Value>,
    contexts: &ContextSet,
) -> Result<String, DataIntegrityError> {
    match super::fast::quads(document, contexts) {
        Ok(quads) => Ok(canonical_from_quads(&quads)),
        Err(super::fast::Unsupported) => canonical_nquads_json_ld(document, contexts),
    }
}

/// The JSON-LD safe-mode checks alone (for `eddsa-jcs-2022`, which signs the JSON): expansion to
/// RDF without canonicalization when the fast path handles the document, else the whole
/// reference path for its errors.
pub(crate) fn check_safe_mode(
    document: &serde_json::Map<String, serde_json::Value>,
    contexts: &ContextSet,
) -> Result<(), DataIntegrityError> {
    match super::fast::check(document, contexts) {
        Ok(()) => Ok(()),
        Err(super::fast::Unsupported) => canonical_nquads_json_ld(document, contexts).map(|_| ()),
    }
}

/// The fast path's canonical N-Quads, `None` when it does not handle the document.
pub(crate) fn canonical_nquads_fast(
    document: &serde_json::Map<String, serde_json::Value>,
    contexts: &ContextSet,
) -> Option<String> {
    super::fast::quads(document, contexts)
        .ok()
        .map(|quads| canonical_from_quads(&quads))
}

/// RDFC-1.0 of the fast path's quads: the first-degree shortcut, else the whole algorithm.
fn canonical_from_quads(quads: &[LexicalQuad]) -> String {
    super::canon::canonical_nquads(quads).unwrap_or_else(|| normalize(quads))
}

fn normalize(quads: &[LexicalQuad]) -> String {
    urdna2015::normalize(quads.iter().map(|quad| quad.as_lexical_quad_ref())).into_nquads()
}

/// [`canonical_nquads`] with the `json-ld` crate only (the reference the fast path is tested
/// against).
pub(crate) fn canonical_nquads_json_ld(
    document: &serde_json::Map<String, serde_json::Value>,
    contexts: &ContextSet,
) -> Result<String, DataIntegrityError> {
    let document = serde_json::Value::Object(document.clone());
    let document = &document;
    let value = to_json_syntax(document).map_err(|reason| DataIntegrityError::JsonLd { reason })?;
    let loader = contexts.loader();
    let mut expanded = match expand_cached(document, &value, contexts, &loader) {
        Some(expanded) => expanded,
        // No usable cached context, or an error: the whole algorithm, whose errors we report.
        None => {
            let remote = RemoteDocument::new(None, None, value);
            let options = safe_options(expansion::Action::Reject);
            futures_executor::block_on(remote.expand_full(&mut (), &loader, options, ())).map_err(
                |e| expansion_error(e, loader.missing(), || invalid_type(&remote, &loader)),
            )?
        }
    };
    // JSON-LD to RDF drops statements about a relative IRI: refuse them (safe mode).
    if let Some(id) = relative_id(&expanded) {
        return Err(DataIntegrityError::RelativeIri { id });
    }
    // The JSON-LD crate's own Deserialize-JSON-LD-to-RDF (lists included), not `linked-data`'s
    // conversion, which drops the members of `@list` values (they would ride along unsigned).
    let mut generator = rdf_types::generator::Blank::new();
    expanded.relabel_and_canonicalize_with(&mut (), &mut generator);
    let quads: Vec<LexicalQuad> = expanded
        .rdf_quads_full(&mut (), &mut generator, None, false)
        .cloned()
        .filter_map(|rdf_types::Quad(s, p, o, g)| match p {
            rdf_types::Id::Iri(p) => Some(rdf_types::Quad(s, p, o, g)),
            // Generalized RDF (blank-node predicates) is off; none are produced.
            rdf_types::Id::Blank(_) => None,
        })
        .collect();
    let nquads = normalize(&quads);
    if let Some(term) = issuer_dependent_term(&nquads) {
        return Err(DataIntegrityError::UndefinedTerm { term });
    }
    Ok(nquads)
}

/// Expands `value` (the JSON-LD form of `document`) with its top-level `@context` processed once
/// per [`ContextSet`] and remembered. Gives the same result as expanding the whole document:
/// the top-level context is processed against the empty initial context with no base IRI, then
/// the rest is expanded with it. `None` when the shortcut does not apply or anything fails (the
/// caller then runs the whole algorithm, which reports the error).
fn expand_cached(
    document: &serde_json::Value,
    value: &JsonLdValue,
    contexts: &ContextSet,
    loader: &RecordingLoader<'_>,
) -> Option<json_ld::ExpandedDocument> {
    use json_ld::syntax::TryFromJson;
    use json_ld::{Expand, Process};
    let context_value = document.as_object()?.get("@context")?;
    let key = serde_json::to_string(context_value).ok()?;
    let mut body = value.clone();
    let object = body.as_object_mut()?;
    let local = object.remove_unique("@context").ok()??.value;
    let active = match contexts.cached(&key) {
        Some(active) => active,
        None => {
            let local = json_ld::syntax::context::Context::try_from_json(local).ok()?;
            let processed = futures_executor::block_on(local.process_full(
                &mut (),
                &json_ld::Context::new(None),
                loader,
                None,
                json_ld::context_processing::Options::default(),
                (),
            ))
            .ok()?
            .into_processed();
            // A non-propagated top-level context would be reverted at the top node by the
            // shortcut but not by the algorithm: not remembered, not used.
            if processed.previous_context().is_some() {
                return None;
            }
            let processed = std::sync::Arc::new(processed);
            contexts.remember(&key, processed.clone());
            processed
        }
    };
    let options = safe_options(expansion::Action::Reject).expansion_options();
    futures_executor::block_on(body.expand_full(
        &mut (),
        active.as_ref().clone(),
        None,
        loader,
        options,
        (),
    ))
    .ok()
}

/// Expansion options for safe mode: undefined keys are errors; `invalid` says what to do with
/// values that do not expand to an IRI (types).
fn safe_options(invalid: expansion::Action) -> json_ld::Options {
    json_ld::Options {
        expansion_policy: expansion::Policy {
            invalid,
            vocab: expansion::Action::Keep,
            allow_undefined: false,
        },
        ..Default::default()
    }
}

fn expansion_error(
    error: ExpandError,
    missing: Option<String>,
    invalid_type: impl FnOnce() -> Option<String>,
) -> DataIntegrityError {
    if let Some(url) = missing {
        return DataIntegrityError::UnknownContext { url };
    }
    match error {
        ExpandError::Expansion(expansion::Error::KeyExpansionFailed(term)) => {
            DataIntegrityError::UndefinedTerm { term }
        }
        ExpandError::Expansion(expansion::Error::InvalidTypeValue) => match invalid_type() {
            Some(term) => DataIntegrityError::UndefinedTerm { term },
            None => DataIntegrityError::JsonLd {
                reason: "invalid `type` value".into(),
            },
        },
        other => DataIntegrityError::JsonLd {
            reason: other.to_string(),
        },
    }
}

/// The first term (property or type) that expanded to the issuer-dependent namespace.
fn issuer_dependent_term(nquads: &str) -> Option<String> {
    let start = nquads.find(&format!("<{ISSUER_DEPENDENT}"))? + 1 + ISSUER_DEPENDENT.len();
    let rest = nquads.get(start..)?;
    let end = rest.find('>')?;
    rest.get(..end).map(str::to_owned)
}

/// The first `type` value that does not expand to an IRI (an undefined type term), found by
/// expanding again with invalid types kept, to name it in the error.
fn invalid_type(remote: &RemoteDocument, loader: &RecordingLoader<'_>) -> Option<String> {
    use json_ld::object::FragmentRef;
    // Keep going past undefined keys too: only the types are looked at here.
    let mut options = safe_options(expansion::Action::Keep);
    options.expansion_policy.allow_undefined = true;
    let expanded =
        futures_executor::block_on(remote.expand_full(&mut (), loader, options, ())).ok()?;
    let invalid = |node: &json_ld::Node| {
        node.types().iter().find_map(|t| match t {
            json_ld::Id::Invalid(name) => Some(name.clone()),
            json_ld::Id::Valid(_) => None,
        })
    };
    let found = expanded.traverse().find_map(|fragment| match fragment {
        FragmentRef::Node(node) => invalid(node),
        FragmentRef::IndexedNode(node) => invalid(node.inner()),
        FragmentRef::Object(json_ld::Object::Node(node)) => invalid(node),
        FragmentRef::IndexedObject(object) => match object.inner() {
            json_ld::Object::Node(node) => invalid(node),
            _ => None,
        },
        _ => None,
    });
    found
}

/// The first node id that is not an absolute IRI or a blank node (a relative reference).
fn relative_id(expanded: &json_ld::ExpandedDocument) -> Option<String> {
    use json_ld::object::FragmentRef;
    let invalid = |node: &json_ld::Node| match &node.id {
        Some(json_ld::Id::Invalid(id)) => Some(id.clone()),
        _ => None,
    };
    let found = expanded.traverse().find_map(|fragment| match fragment {
        FragmentRef::Node(node) => invalid(node),
        FragmentRef::IndexedNode(node) => invalid(node.inner()),
        FragmentRef::Object(json_ld::Object::Node(node)) => invalid(node),
        FragmentRef::IndexedObject(object) => match object.inner() {
            json_ld::Object::Node(node) => invalid(node),
            _ => None,
        },
        _ => None,
    });
    found
}
