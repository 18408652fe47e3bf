//! Data Integrity: the fast JSON-LD to RDF path against the `json-ld` crate (the reference).
//!
//! For every JSON-LD document we have (domain samples, W3C vc-di-eddsa and Open Badges vectors,
//! signed ones with their proof graphs, proof configurations) and systematically mutated variants
//! of them (each property dropped, undefined terms, nested objects, arrays, numbers, booleans,
//! strings with escapes and non-ASCII, relative ids, inline contexts…), the fast path must give
//! byte-identical canonical N-Quads, or decline (the reference then runs). And it must not decline
//! on the real documents, or the speed-up would be fake.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use passeport_core::data_integrity::differential::{fast_check, fast_nquads, reference_nquads};
use passeport_core::data_integrity::{ContextSet, DataIntegrityError};
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors")
}

fn read_object(path: &Path) -> Map<String, Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match serde_json::from_str(&text).unwrap() {
        Value::Object(map) => map,
        other => panic!("{}: not an object: {other}", path.display()),
    }
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// The domain samples: every `*.credential.json`.
fn domain_samples() -> Vec<(String, Map<String, Value>)> {
    let mut files = Vec::new();
    files_under(&vectors().join("domain/samples"), &mut files);
    let samples: Vec<_> = files
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".credential.json"))
        .map(|p| (p.display().to_string(), read_object(&p)))
        .collect();
    assert!(
        samples.len() >= 10,
        "domain samples found: {}",
        samples.len()
    );
    samples
}

/// The VCDM 2.0 documents of the W3C vc-di-eddsa and Open Badges vectors (unsigned, signed,
/// proof configurations with the document's context).
fn vector_documents() -> Vec<(String, Map<String, Value>)> {
    let paths = [
        "vc-di-eddsa/unsigned.json",
        "vc-di-eddsa/employmentAuth.json",
        "vc-di-eddsa/eddsa-rdfc-2022/signedDataInt.json",
        "vc-di-eddsa/eddsa-rdfc-2022/proofConfigDataInt.json",
        "vc-di-eddsa/eddsa-rdfc-2022/employ/signedDataInt.json",
        "vc-di-eddsa/eddsa-rdfc-2022/employ/proofConfigDataInt.json",
        "vc-di-eddsa/eddsa-jcs-2022/proofConfigJCS.json",
        "vc-di-eddsa/proof-set-chain/unsigned.json",
        "vc-di-eddsa/proof-set-chain/signedProofSet1.json",
        "vc-di-eddsa/proof-set-chain/signedProofSet2.json",
        "vc-di-eddsa/proof-set-chain/signedProofChain1.json",
        "vc-di-eddsa/proof-set-chain/signedProofChain2.json",
        "vc-di-eddsa/proof-set-chain/proofChainTempDoc1.json",
        "vc-di-eddsa/proof-set-chain/proofChainTempDoc2.json",
        "vc-di-eddsa/proof-set-chain/proofChainConfig1.json",
        "vc-di-eddsa/proof-set-chain/proofChainConfig2.json",
        "vc-di-eddsa/proof-set-chain/proofSetConfig1.json",
        "vc-di-eddsa/proof-set-chain/proofSetConfig2.json",
        "open-badges-3.0/basic-open-badge-credential.json",
    ];
    let mut documents = Vec::new();
    for path in paths {
        let full = vectors().join(path);
        if full.exists() {
            documents.push((path.to_owned(), read_object(&full)));
        }
    }
    let mut files = Vec::new();
    files_under(
        &vectors().join("open-badges-3.0/eddsa-rdfc-2022"),
        &mut files,
    );
    for path in files {
        if path.extension().is_some_and(|e| e == "json") {
            documents.push((path.display().to_string(), read_object(&path)));
        }
    }
    documents.retain(|(_, d)| d.contains_key("@context"));
    assert!(
        documents.len() >= 10,
        "vector documents: {}",
        documents.len()
    );
    documents
}

/// The proof configuration `sign` canonicalizes for a document (both suites' shapes).
fn proof_configs(document: &Map<String, Value>) -> Vec<Map<String, Value>> {
    let context = document["@context"].clone();
    let base = json!({
        "@context": context,
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2026-01-01T00:00:00Z",
        "verificationMethod": "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
        "proofPurpose": "assertionMethod"
    });
    let mut with_expiry = base.clone();
    with_expiry["expires"] = json!("2027-01-01T00:00:00Z");
    with_expiry["cryptosuite"] = json!("eddsa-jcs-2022");
    [base, with_expiry]
        .into_iter()
        .map(|v| v.as_object().unwrap().clone())
        .collect()
}

/// Compares the two paths on one document: `true` when the fast path handled it.
fn compare(label: &str, document: &Map<String, Value>, contexts: &ContextSet) -> bool {
    let fast = fast_nquads(document, contexts);
    let reference = reference_nquads(document, contexts);
    // The check-only walk (eddsa-jcs-2022's safe mode) never passes what the reference refuses,
    // and passes whatever the converting walk handles.
    let checked = fast_check(document, contexts);
    if let Err(e) = &reference {
        assert!(
            !checked,
            "{label}: the fast check passed where the reference refuses ({e}):\n{}",
            serde_json::to_string_pretty(document).unwrap()
        );
    }
    assert_eq!(
        checked,
        fast.is_some(),
        "{label}: the check-only and converting walks disagree on\n{}",
        serde_json::to_string_pretty(document).unwrap()
    );
    match (fast, reference) {
        (None, _) => false,
        (Some(fast), Ok(reference)) => {
            assert_eq!(
                fast,
                reference,
                "{label}: fast path and json-ld crate differ on\n{}",
                serde_json::to_string_pretty(document).unwrap()
            );
            true
        }
        (Some(fast), Err(e)) => panic!(
            "{label}: the fast path answered where the reference refuses ({e}):\n{fast}\n{}",
            serde_json::to_string_pretty(document).unwrap()
        ),
    }
}

fn all_documents() -> Vec<(String, Map<String, Value>)> {
    let mut documents = domain_samples();
    documents.extend(vector_documents());
    let mut configs = Vec::new();
    for (label, document) in &documents {
        for (i, config) in proof_configs(document).into_iter().enumerate() {
            configs.push((format!("{label} proof config {i}"), config));
        }
    }
    documents.extend(configs);
    documents
}

#[test]
fn fast_path_handles_every_sample_vector_and_proof_config_identically() {
    let contexts = ContextSet::embedded();
    let mut declined = Vec::new();
    for (label, document) in all_documents() {
        if !compare(&label, &document, contexts) {
            declined.push(label);
        }
    }
    assert!(
        declined.is_empty(),
        "the fast path declined real documents: {declined:#?}"
    );
}

#[test]
fn fast_path_handles_signed_domain_samples_with_proof_graph() {
    // A signed credential: `proof` is a `@container: @graph` property (what a proof chain signs).
    let contexts = ContextSet::embedded();
    for (label, mut document) in domain_samples() {
        let mut proof = proof_configs(&document).remove(0);
        proof.remove("@context");
        proof.insert("proofValue".into(), json!("z3FXQjecWufY46"));
        proof.insert(
            "id".into(),
            json!("urn:uuid:4c1b1f2e-0000-4000-8000-000000000001"),
        );
        document.insert("proof".into(), Value::Object(proof.clone()));
        assert!(compare(&label, &document, contexts), "{label}: declined");
        proof.insert("previousProof".into(), json!("urn:uuid:0"));
        document.insert("proof".into(), json!([proof.clone(), proof]));
        assert!(
            compare(&label, &document, contexts),
            "{label}: set declined"
        );
    }
}

/// Every object of `value` as a path of keys and indexes.
#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

fn object_paths(value: &Value, path: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match value {
        Value::Object(map) => {
            out.push(path.clone());
            for (k, v) in map {
                if k == "@context" {
                    continue;
                }
                path.push(Step::Key(k.clone()));
                object_paths(v, path, out);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                path.push(Step::Index(i));
                object_paths(v, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

fn at<'a>(value: &'a mut Value, path: &[Step]) -> &'a mut Map<String, Value> {
    let mut current = value;
    for step in path {
        current = match step {
            Step::Key(k) => current.get_mut(k.as_str()).unwrap(),
            Step::Index(i) => current.get_mut(*i).unwrap(),
        };
    }
    current.as_object_mut().unwrap()
}

/// Values put in place of (or next to) existing ones.
fn replacement_values() -> Vec<Value> {
    vec![
        json!(0),
        json!(-17),
        json!(42),
        json!(1.5),
        json!(0.95),
        json!(-0.0),
        json!(2.0),
        json!(1e21),
        json!(1.0e-7),
        json!(123456789012345678_i64),
        json!(9007199254740993_u64),
        json!(u64::MAX),
        json!(true),
        json!(false),
        json!(null),
        json!(""),
        json!("plain"),
        json!("quote \" backslash \\ newline \n tab \t cr \r nul \u{0} bell \u{7} del \u{7f}"),
        json!("é à ü — « » 中文 😀 \u{2028} \u{feff}"),
        json!("https://example.org/absolute#iri"),
        json!("did:example:123"),
        json!("relative/path"),
        json!("_:b0"),
        json!("2021-07-08T09:00:00Z"),
        json!([]),
        json!([1, "two", true, null, 3.25]),
        json!([[1, 2], [3]]),
        json!({}),
        json!({"id": "urn:uuid:7d4c3a52-0000-4000-8000-000000000000"}),
        json!({"id": "relative"}),
        json!({"type": "Profile", "name": "Nested « name »"}),
        json!({"name": "no type", "description": ["a", "b"]}),
        json!({"undefinedNestedTerm": 1}),
        json!({"@value": "x", "@language": "fr"}),
        json!({"@list": [1, 2]}),
        json!({"@context": {"x": "https://example.org/x"}, "x": 1}),
    ]
}

struct Tally {
    handled: usize,
    declined: usize,
}

impl Tally {
    fn run(&mut self, label: &str, document: &Value, contexts: &ContextSet) {
        if compare(label, document.as_object().unwrap(), contexts) {
            self.handled += 1;
        } else {
            self.declined += 1;
        }
    }
}

/// The base documents for mutation: a few domain samples of different record types, the W3C
/// and Open Badges vectors and a signed one.
fn mutation_bases() -> Vec<(String, Value)> {
    let mut bases: Vec<(String, Value)> = Vec::new();
    let samples = domain_samples();
    let mut seen_kinds = std::collections::BTreeSet::new();
    for (label, document) in samples {
        let kind = document["type"].to_string();
        if seen_kinds.insert(kind) {
            bases.push((label, Value::Object(document)));
        }
    }
    for (label, document) in vector_documents() {
        if label.contains("unsigned")
            || label.contains("basic-open-badge")
            || label.contains("signedProofChain2")
        {
            bases.push((label, Value::Object(document)));
        }
    }
    bases
}

/// Replacement values tried per property, and new members per object.
const VALUES_PER_PROPERTY: usize = 2;
const ADDITIONS_PER_OBJECT: usize = 3;

#[test]
fn mutated_documents_agree_or_fall_back() {
    let contexts = ContextSet::embedded();
    let mut tally = Tally {
        handled: 0,
        declined: 0,
    };
    let values = replacement_values();
    let (mut rotation, mut added) = (0, 0);
    for (label, base) in mutation_bases() {
        let mut paths = Vec::new();
        object_paths(&base, &mut Vec::new(), &mut paths);
        for path in &paths {
            let keys: Vec<String> = {
                let mut copy = base.clone();
                at(&mut copy, path).keys().cloned().collect()
            };
            // Each property dropped.
            for key in &keys {
                let mut doc = base.clone();
                at(&mut doc, path).remove(key);
                tally.run(&format!("{label} {path:?} without {key}"), &doc, contexts);
            }
            // Each property given replacement values, rotating through the list so that every
            // value meets many properties without trying every pair (the reference is slow).
            for key in keys.iter().filter(|k| *k != "@context") {
                for _ in 0..VALUES_PER_PROPERTY {
                    let value = &values[rotation % values.len()];
                    rotation += 1;
                    let mut doc = base.clone();
                    at(&mut doc, path).insert(key.clone(), value.clone());
                    tally.run(&format!("{label} {path:?} {key}={value}"), &doc, contexts);
                }
            }
            // New members: an undefined term, absolute-IRI keys, keywords, an id.
            let additions = [
                ("undefinedTermXyz", json!("x")),
                ("https://example.org/vocab#extra", json!("x")),
                ("https://example.org/vocab#extraNode", json!({"name": "n"})),
                ("ex:compact", json!(1)),
                ("@type", json!("Profile")),
                ("@id", json!("urn:example:dup")),
                ("@reverse", json!({"name": "x"})),
                ("@included", json!([{"id": "urn:example:inc"}])),
                ("@index", json!("i")),
                ("@context", json!("https://www.w3.org/ns/credentials/v2")),
                ("id", json!("urn:uuid:11111111-2222-4333-8444-555555555555")),
                ("id", json!("relative-id")),
                ("type", json!(["Profile", "Profile"])),
                ("type", json!("UndefinedTypeXyz")),
                ("type", json!("https://example.org/AbsoluteType")),
                (
                    "type",
                    json!(["VerifiableCredential", "OpenBadgeCredential"]),
                ),
                ("name", json!(["a", "a"])),
                ("description", json!({"@value": "v"})),
                (
                    "proof",
                    json!({"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022"}),
                ),
            ];
            for _ in 0..ADDITIONS_PER_OBJECT {
                let (key, value) = &additions[added % additions.len()];
                added += 1;
                let mut doc = base.clone();
                at(&mut doc, path).insert((*key).to_owned(), value.clone());
                tally.run(&format!("{label} {path:?} +{key}={value}"), &doc, contexts);
            }
        }
    }
    // The mutations must exercise the fast path, not only the fallback.
    assert!(
        tally.handled > 500,
        "handled {} declined {}",
        tally.handled,
        tally.declined
    );
    assert!(tally.declined > 100, "declined {}", tally.declined);
    eprintln!(
        "mutations: {} handled, {} declined",
        tally.handled, tally.declined
    );
}

#[test]
fn top_level_context_variants_agree_or_fall_back() {
    let contexts = ContextSet::embedded();
    let (_, sample) = domain_samples().remove(0);
    let variants = [
        json!("https://www.w3.org/ns/credentials/v2"),
        json!(["https://www.w3.org/ns/credentials/v2"]),
        json!([
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2"
        ]),
        json!([
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
            "https://passeport.example/contexts/passeport-v1.jsonld"
        ]),
        json!([
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            "https://passeport.example/contexts/passeport-v1.jsonld",
            "https://w3id.org/security/data-integrity/v2"
        ]),
        json!([
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            "https://passeport.example/contexts/passeport-v1.jsonld"
        ]),
        json!([
            "https://www.w3.org/2018/credentials/v1",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            "https://passeport.example/contexts/passeport-v1.jsonld"
        ]),
        json!([
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/status/v1",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            "https://passeport.example/contexts/passeport-v1.jsonld",
            "https://w3id.org/citizenship/v4rc1"
        ]),
        json!([
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            {"extra": "https://example.org/extra"}
        ]),
        json!([
            "https://www.w3.org/ns/credentials/v2",
            "https://example.org/unknown-context.jsonld"
        ]),
        json!(["https://www.w3.org/ns/credentials/v2", null]),
        json!({"@vocab": "https://example.org/"}),
    ];
    for (i, context) in variants.into_iter().enumerate() {
        let mut doc = sample.clone();
        doc.insert("@context".into(), context.clone());
        compare(&format!("context variant {i} {context}"), &doc, contexts);
    }
}

#[test]
fn fast_path_follows_a_replaced_context_document() {
    // A context replaced by `ContextSet::with` is read from the new document, not a cached one.
    let (_, sample) = domain_samples().remove(0);
    let url = "https://passeport.example/contexts/passeport-v1.jsonld";
    let embedded = ContextSet::embedded();
    let before = fast_nquads(&sample, embedded).unwrap();
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/contexts/passeport-v1.jsonld"),
    )
    .unwrap()
    .replace("https://passeport.example/ns#", "https://other.example/ns#");
    let replaced = embedded.clone().with(url, &text).unwrap();
    let after = fast_nquads(&sample, &replaced).unwrap();
    assert_ne!(before, after);
    assert!(after.contains("https://other.example/ns#"));
    assert_eq!(after, reference_nquads(&sample, &replaced).unwrap());
}

#[test]
fn fast_path_declines_what_safe_mode_refuses() {
    // The errors stay the reference path's: the fast path must not answer for these.
    let contexts = ContextSet::embedded();
    let (_, sample) = domain_samples().remove(0);
    let mut undefined = sample.clone();
    undefined.insert("undefinedTermXyz".into(), json!("x"));
    let mut relative = sample.clone();
    relative.insert("id".into(), json!("relative-id"));
    let mut unknown = sample.clone();
    unknown.insert(
        "@context".into(),
        json!([
            "https://www.w3.org/ns/credentials/v2",
            "https://example.org/unknown.jsonld"
        ]),
    );
    let mut issuer_dependent = sample.clone();
    issuer_dependent.insert(
        "@context".into(),
        json!(["https://www.w3.org/ns/credentials/v2", {"@vocab": passeport_core::data_integrity::ISSUER_DEPENDENT}]),
    );
    issuer_dependent.insert("somethingNew".into(), json!("x"));
    for (name, doc) in [
        ("undefined", undefined),
        ("relative", relative),
        ("unknown", unknown),
        ("issuer-dependent", issuer_dependent),
    ] {
        assert_eq!(fast_nquads(&doc, contexts), None, "{name}");
        assert!(!fast_check(&doc, contexts), "{name}");
        let error = reference_nquads(&doc, contexts).unwrap_err();
        assert!(
            matches!(
                error,
                DataIntegrityError::UndefinedTerm { .. }
                    | DataIntegrityError::RelativeIri { .. }
                    | DataIntegrityError::UnknownContext { .. }
            ),
            "{name}: {error}"
        );
    }
}

#[test]
fn look_alike_blank_nodes_take_the_full_canonicalization() {
    // Two identical nested objects are blank nodes with the same first-degree hash: the shortcut
    // does not apply and the full RDFC-1.0 runs; the result is still the reference's.
    let contexts = ContextSet::embedded();
    let (label, mut sample) = domain_samples().remove(0);
    let entry = json!({"type": "IdentifierEntry", "identifier": "same", "identifierType": "ext:X"});
    sample["issuer"]["otherIdentifier"] = json!([entry.clone(), entry]);
    assert!(compare(&label, &sample, contexts), "{label}: declined");
    let mut nested = sample.clone();
    nested["credentialSubject"]["result"] = json!([{"type": ["Result"]}, {"type": ["Result"]}]);
    assert!(compare(&label, &nested, contexts), "{label}: declined");
}

#[test]
fn json_literals_and_typed_numbers_agree() {
    // `romeCodes` is `@type: @json` (rdf:JSON literal in canonical JSON), `attendanceRate`
    // an `xsd:decimal`, `nqfLevel` an `xsd:integer`, `creditsEarned` an `xsd:float` (OB).
    let contexts = ContextSet::embedded();
    let samples = domain_samples();
    let (label, base) = samples
        .iter()
        .find(|(_, d)| serde_json::to_string(d).unwrap().contains("romeCodes"))
        .unwrap();
    let path = if base.get("romeCodes").is_some() {
        None
    } else {
        Some("credentialSubject")
    };
    let json_values = [
        json!({"b": 1, "a": [1.5, "é\n\"", null, true, {"z": {}, "y": []}], "é": 1e21}),
        json!([]),
        json!("text"),
        json!(0.1),
        json!(false),
        json!([{"code": "F1602", "label": "Électricien / Électricienne du bâtiment"}]),
    ];
    let numbers = [
        json!(0.95),
        json!(1),
        json!(100),
        json!(-3),
        json!(1e21),
        json!(12.0),
        json!(5e-324),
    ];
    let mut handled = 0;
    for value in &json_values {
        let mut doc = Value::Object(base.clone());
        let target = match path {
            Some(p) => doc[p].as_object_mut().unwrap(),
            None => doc.as_object_mut().unwrap(),
        };
        target.insert("romeCodes".into(), value.clone());
        handled += usize::from(compare(
            &format!("{label} romeCodes={value}"),
            doc.as_object().unwrap(),
            contexts,
        ));
    }
    for key in ["attendanceRate", "nqfLevel", "creditsEarned"] {
        for value in &numbers {
            let mut doc = Value::Object(base.clone());
            doc["credentialSubject"][key] = value.clone();
            handled += usize::from(compare(
                &format!("{label} {key}={value}"),
                doc.as_object().unwrap(),
                contexts,
            ));
        }
    }
    assert!(handled >= json_values.len() + 3 * 5, "handled {handled}");
}
