//! RDF Dataset Canonicalization (RDFC-1.0) for the common case, where every blank node has a
//! distinct first-degree hash (no two blank nodes look alike from their own quads): canonical
//! labels are then issued in the order of those hashes and the N-Degree step never runs. When two
//! blank nodes share a hash, [`canonical_nquads`] gives `None` and the caller runs
//! `ssi_rdf::urdna2015`, the full algorithm.
//!
//! The N-Quads text is written byte for byte as `ssi_rdf` / `rdf_types` write it (escapes
//! included), which the differential tests (`crates/core/tests/di_fast_path.rs`) compare.

use sha2::{Digest, Sha256};
use ssi_json_ld::json_ld::iref::Iri;
use ssi_json_ld::json_ld::rdf_types::{BlankId, Id, LexicalQuad, LiteralType, Term};
use std::ops::Range;

/// Keyed by blank node labels of one document: foldhash (seeded per process) over SipHash.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

const XSD_STRING: &str = "http://www.w3.org/2001/XMLSchema#string";

/// The canonical N-Quads of `quads` (sorted, deduplicated, each line ending in `\n`), or `None`
/// when two blank nodes share a first-degree hash.
pub(crate) fn canonical_nquads(quads: &[LexicalQuad]) -> Option<String> {
    // Each blank node's quads, once per position it holds in them (as the algorithm counts).
    let mut by_node: HashMap<&str, Vec<&LexicalQuad>> = HashMap::default();
    for quad in quads {
        for label in blank_components(quad).into_iter().flatten() {
            by_node.entry(label.as_str()).or_default().push(quad);
        }
    }
    // Lines are written one after the other into `text` and sorted as ranges of it. Digests
    // are compared as bytes: the order, and equality, of their hexadecimal text.
    let mut text = String::with_capacity(4096);
    let mut lines: Vec<Range<usize>> = Vec::with_capacity(quads.len());
    let mut hashed: Vec<([u8; 32], &str)> = Vec::with_capacity(by_node.len());
    for (node, node_quads) in &by_node {
        text.clear();
        lines.clear();
        for quad in node_quads {
            let start = text.len();
            write_quad(&mut text, quad, &|label: &BlankId| {
                if label.as_str() == *node {
                    "_:a"
                } else {
                    "_:z"
                }
            });
            lines.push(start..text.len());
        }
        lines.sort_unstable_by(|a, b| line(&text, a).cmp(line(&text, b)));
        let mut hasher = Sha256::new();
        for l in &lines {
            hasher.update(line(&text, l).as_bytes());
        }
        hashed.push((hasher.finalize().into(), node));
    }
    hashed.sort_unstable();
    if hashed.windows(2).any(|w| matches!(w, [a, b] if a.0 == b.0)) {
        return None;
    }
    let canonical: HashMap<&str, String> = hashed
        .iter()
        .enumerate()
        .map(|(i, (_, node))| (*node, format!("_:c14n{i}")))
        .collect();
    text.clear();
    lines.clear();
    for quad in quads {
        let start = text.len();
        // Every blank node of `quads` has a label.
        write_quad(&mut text, quad, &|label: &BlankId| {
            canonical.get(label.as_str()).map_or("_:", String::as_str)
        });
        lines.push(start..text.len());
    }
    lines.sort_unstable_by(|a, b| line(&text, a).cmp(line(&text, b)));
    lines.dedup_by(|a, b| line(&text, a) == line(&text, b));
    let mut out = String::with_capacity(text.len());
    for l in &lines {
        out.push_str(line(&text, l));
    }
    Some(out)
}

/// The line at `range` of `text` (a range this module wrote).
fn line<'t>(text: &'t str, range: &Range<usize>) -> &'t str {
    text.get(range.clone()).unwrap_or_default()
}

/// The blank nodes of a quad: subject, object, graph.
fn blank_components(quad: &LexicalQuad) -> [Option<&BlankId>; 3] {
    let object = match &quad.2 {
        Term::Id(id) => blank_of(id),
        Term::Literal(_) => None,
    };
    [
        blank_of(&quad.0),
        object,
        quad.3.as_ref().and_then(blank_of),
    ]
}

fn blank_of(id: &Id) -> Option<&BlankId> {
    match id {
        Id::Blank(b) => Some(b),
        Id::Iri(_) => None,
    }
}

fn write_quad<'l>(out: &mut String, quad: &LexicalQuad, label: &dyn Fn(&BlankId) -> &'l str) {
    write_id(out, &quad.0, label);
    out.push(' ');
    write_iri(out, &quad.1);
    out.push(' ');
    match &quad.2 {
        Term::Id(id) => write_id(out, id, label),
        Term::Literal(literal) => {
            out.push('"');
            let plain = !literal
                .value
                .bytes()
                .any(|b| matches!(b, b'"' | b'\\' | b'\n' | b'\r'));
            if plain {
                out.push_str(&literal.value);
            } else {
                for c in literal.value.chars() {
                    match c {
                        '"' => out.push_str("\\\""),
                        '\\' => out.push_str("\\\\"),
                        '\n' => out.push_str("\\n"),
                        '\r' => out.push_str("\\r"),
                        c => out.push(c),
                    }
                }
            }
            out.push('"');
            match &literal.type_ {
                LiteralType::Any(iri) if iri.as_str() == XSD_STRING => {}
                LiteralType::Any(iri) => {
                    out.push_str("^^");
                    write_iri(out, iri);
                }
                LiteralType::LangString(tag) => {
                    out.push('@');
                    out.push_str(tag.as_str());
                }
            }
        }
    }
    if let Some(graph) = &quad.3 {
        out.push(' ');
        write_id(out, graph, label);
    }
    out.push_str(" .\n");
}

fn write_id<'l>(out: &mut String, id: &Id, label: &dyn Fn(&BlankId) -> &'l str) {
    match id {
        Id::Iri(iri) => write_iri(out, iri),
        Id::Blank(blank) => out.push_str(label(blank)),
    }
}

/// An IRI reference in N-Quads: `<` the IRI `>`, with no escape, since a valid IRI (RFC 3987,
/// which `Iri` guarantees) holds none of the characters N-Quads escapes in one (controls, space,
/// `<>"{}|^` and backquote, backslash: tested).
fn write_iri(out: &mut String, iri: &Iri) {
    out.push('<');
    out.push_str(iri.as_str());
    out.push('>');
}

#[cfg(test)]
mod tests {
    use super::*;
    use ssi_json_ld::json_ld::iref::IriBuf;
    use ssi_json_ld::json_ld::rdf_types::{BlankIdBuf, Literal, Quad};

    fn iri(s: &str) -> IriBuf {
        IriBuf::new(s.to_owned()).unwrap()
    }

    fn blank(s: &str) -> Id {
        Id::Blank(BlankIdBuf::new(s.to_owned()).unwrap())
    }

    fn literal(value: &str, datatype: &str) -> Term {
        Term::Literal(Literal::new(
            value.to_owned(),
            LiteralType::Any(iri(datatype)),
        ))
    }

    fn reference(quads: &[LexicalQuad]) -> String {
        ssi_rdf::urdna2015::normalize(quads.iter().map(|q| q.as_lexical_quad_ref())).into_nquads()
    }

    #[test]
    fn distinct_blank_nodes_match_the_full_algorithm() {
        let s = Id::Iri(iri("urn:example:s"));
        let p = iri("https://example.org/p");
        let q = iri("https://example.org/q");
        let quads = vec![
            Quad(s.clone(), p.clone(), Term::Id(blank("_:x")), None),
            Quad(
                s.clone(),
                q.clone(),
                Term::Id(blank("_:y")),
                Some(blank("_:g")),
            ),
            Quad(
                blank("_:x"),
                q.clone(),
                literal("quote \" \\ \n \r \t é", XSD_STRING),
                None,
            ),
            Quad(
                blank("_:y"),
                p.clone(),
                literal("1", "http://www.w3.org/2001/XMLSchema#integer"),
                Some(blank("_:g")),
            ),
            Quad(
                blank("_:y"),
                p,
                literal("1", "http://www.w3.org/2001/XMLSchema#integer"),
                Some(blank("_:g")),
            ),
        ];
        assert_eq!(canonical_nquads(&quads).unwrap(), reference(&quads));
    }

    #[test]
    fn no_iri_holds_a_character_that_n_quads_escapes() {
        for c in (0u8..=0x20).chain(*b"<>\"{}|^`\\") {
            let c = char::from(c);
            for text in [
                format!("https://example.org/a{c}b"),
                format!("urn:x:{c}"),
                format!("https://example.org/?q={c}#f"),
                format!("https://example.org/#{c}"),
            ] {
                assert!(Iri::new(&text).is_err(), "{text:?}");
            }
        }
    }

    #[test]
    fn look_alike_blank_nodes_are_left_to_the_full_algorithm() {
        let s = Id::Iri(iri("urn:example:s"));
        let p = iri("https://example.org/p");
        let quads = vec![
            Quad(s.clone(), p.clone(), Term::Id(blank("_:x")), None),
            Quad(s, p.clone(), Term::Id(blank("_:y")), None),
            Quad(blank("_:x"), p.clone(), literal("v", XSD_STRING), None),
            Quad(blank("_:y"), p, literal("v", XSD_STRING), None),
        ];
        assert_eq!(canonical_nquads(&quads), None);
    }
}
