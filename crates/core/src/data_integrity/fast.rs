//! A direct JSON-LD to RDF path for the documents we sign and verify: a `serde_json` document
//! whose `@context` is a list of URLs held by the [`ContextSet`] is expanded and turned into RDF
//! quads in one walk, with the active contexts (the top-level one and every type- or
//! property-scoped one derived from it) processed once and remembered.
//!
//! It gives the quads that the `json-ld` crate's expansion and Deserialize-JSON-LD-to-RDF give
//! (the differential tests `crates/core/tests/di_fast_path.rs` compare the canonical N-Quads), for
//! the JSON-LD 1.1 features our contexts use: `@protected`, `@vocab`, terms, compact IRIs and
//! prefixes, `@id` / `@type` aliases, `@type` coercion (`@id`, `@vocab`, `@json`, datatypes),
//! type- and property-scoped contexts (a `null` one too), `@container` `@set`, `@list` and
//! `@graph`.
//!
//! Anything else, or anything it is not sure of, is [`Unsupported`]: an inline or unknown
//! context, a keyword other than `@id` / `@type` / the top-level `@context` in the document
//! (`@value`, `@language`, `@reverse`, `@included`…), a key or type that is not a term or an
//! absolute IRI, a relative or blank node id, a nested array, a protected term redefinition that
//! is not plainly the same, an IRI in the issuer-dependent namespace, a number whose text the
//! crate might print differently. The caller then runs the `json-ld` crate, whose result (or
//! error, in safe mode) is the reference: this path never decides an error.

use super::contexts::ContextSet;
use super::rdfc::ISSUER_DEPENDENT;
use serde_json::{Map, Number, Value};
use ssi_json_ld::json_ld::iref::{Iri, IriBuf};
use ssi_json_ld::json_ld::rdf_types::{
    BlankIdBuf, Id, LexicalQuad, Literal, LiteralType, Quad, Term,
};
use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

/// The maps of this path are keyed by context terms and looked up by every member name of the
/// document several times: foldhash instead of SipHash (seeded per process, so still not
/// predictable from outside), which was a fifth of the safe-mode walk.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// The fast path does not handle this document with certainty: use the `json-ld` crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unsupported;

type Fast<T> = Result<T, Unsupported>;

/// Deepest JSON nesting walked (deeper documents take the general path).
const MAX_DEPTH: usize = 64;

/// Most derived (scoped) active contexts remembered per [`ContextSet`] (then all are forgotten):
/// a document uses a few dozen; each costs a copy of its term table.
const MAX_DERIVED: usize = 1024;

/// Most top-level `@context` values remembered per [`ContextSet`].
const MAX_TOP: usize = 64;

const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
const RDF_FIRST: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#first";
const RDF_REST: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#rest";
const RDF_NIL: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#nil";
const RDF_JSON: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON";
const XSD_STRING: &str = "http://www.w3.org/2001/XMLSchema#string";
const XSD_BOOLEAN: &str = "http://www.w3.org/2001/XMLSchema#boolean";
const XSD_INTEGER: &str = "http://www.w3.org/2001/XMLSchema#integer";
const XSD_DOUBLE: &str = "http://www.w3.org/2001/XMLSchema#double";

/// Integers below this magnitude print the same from the JSON text and from their double.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_992.0;

/// The `xsd:double` canonical form the `json-ld` crate writes (`1.5E0`).
const XSD_CANONICAL_FLOAT: pretty_dtoa::FmtFloatConfig = pretty_dtoa::FmtFloatConfig::default()
    .force_e_notation()
    .capitalize_e(true);

/// `<` and the issuer-dependent namespace: how such an IRI starts in N-Quads.
const ISSUER_DEPENDENT_NQUADS: &str = "<https://www.w3.org/ns/credentials/issuer-dependent#";

/// [`ISSUER_DEPENDENT_NQUADS`] searched for in every literal: built once (a `str::contains`
/// builds its searcher on each call).
static ISSUER_DEPENDENT_FINDER: LazyLock<memchr::memmem::Finder<'static>> =
    LazyLock::new(|| memchr::memmem::Finder::new(ISSUER_DEPENDENT_NQUADS));

/// The IRIs the conversion writes itself, parsed once.
struct Known {
    rdf_type: IriBuf,
    rdf_first: IriBuf,
    rdf_rest: IriBuf,
    rdf_nil: IriBuf,
    rdf_json: IriBuf,
    xsd_string: IriBuf,
    xsd_boolean: IriBuf,
    xsd_integer: IriBuf,
    xsd_double: IriBuf,
    /// The blank node that stands in for every node when only checking.
    unnamed: BlankIdBuf,
}

fn known() -> Fast<&'static Known> {
    static KNOWN: std::sync::OnceLock<Option<Known>> = std::sync::OnceLock::new();
    KNOWN
        .get_or_init(|| {
            let iri = |s: &str| IriBuf::new(s.to_owned()).ok();
            Some(Known {
                rdf_type: iri(RDF_TYPE)?,
                rdf_first: iri(RDF_FIRST)?,
                rdf_rest: iri(RDF_REST)?,
                rdf_nil: iri(RDF_NIL)?,
                rdf_json: iri(RDF_JSON)?,
                xsd_string: iri(XSD_STRING)?,
                xsd_boolean: iri(XSD_BOOLEAN)?,
                xsd_integer: iri(XSD_INTEGER)?,
                xsd_double: iri(XSD_DOUBLE)?,
                unnamed: BlankIdBuf::new("_:c".to_owned()).ok()?,
            })
        })
        .as_ref()
        .ok_or(Unsupported)
}

fn next_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// What a term maps to.
#[derive(Debug, Clone, PartialEq)]
enum Mapping {
    /// An alias of `@id`.
    Id,
    /// An alias of `@type`.
    Type,
    /// An absolute IRI.
    Iri(IriBuf),
}

/// A term's `@type` coercion.
#[derive(Debug, Clone, PartialEq)]
enum TypeMapping {
    Id,
    Vocab,
    Json,
    Datatype(IriBuf),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Container {
    None,
    Set,
    List,
    Graph,
}

/// A scoped context (the `@context` of a term definition), with where it was written: two
/// scoped contexts are the same only when they come from the same place of the same document
/// (the `json-ld` crate also compares the base URL they were defined under).
#[derive(Debug)]
struct Scoped {
    id: u64,
    origin: String,
    value: Value,
}

#[derive(Debug)]
struct TermDef {
    mapping: Mapping,
    prefix: bool,
    protected: bool,
    type_mapping: Option<TypeMapping>,
    container: Container,
    context: Option<Arc<Scoped>>,
}

impl TermDef {
    /// The same definition, `protected` aside.
    fn same_as(&self, other: &TermDef) -> bool {
        let same_context = match (&self.context, &other.context) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b) || a.origin == b.origin,
            _ => false,
        };
        self.mapping == other.mapping
            && self.prefix == other.prefix
            && self.type_mapping == other.type_mapping
            && self.container == other.container
            && same_context
    }
}

/// An active context.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    id: u64,
    terms: HashMap<String, Arc<TermDef>>,
    vocab: Option<String>,
    previous: Option<Arc<Ctx>>,
}

impl Ctx {
    fn empty() -> Self {
        Ctx {
            id: next_id(),
            terms: HashMap::default(),
            vocab: None,
            previous: None,
        }
    }
}

/// Processed active contexts remembered by a [`ContextSet`].
#[derive(Debug, Default)]
pub(crate) struct Cache {
    /// By the `@context` URLs (joined by a newline); `None` when not supported.
    top: Mutex<HashMap<String, Option<Arc<Ctx>>>>,
    /// By (active context, scoped context, type-scoped).
    derived: Mutex<HashMap<(u64, u64, bool), Arc<Ctx>>>,
}

/// An expanded IRI: a keyword alias or an absolute IRI.
enum Expanded<'c> {
    Id,
    Type,
    Iri(Cow<'c, IriBuf>),
    /// Only checking (safe mode, no quads kept): an absolute IRI that is valid and not in the
    /// issuer-dependent namespace, not copied into an `IriBuf`.
    Checked,
}

fn absolute(text: String) -> Fast<Expanded<'static>> {
    IriBuf::new(text)
        .map(|iri| Expanded::Iri(Cow::Owned(iri)))
        .map_err(|_| Unsupported)
}

/// [`absolute`] when only checking: the same IRI grammar, and the issuer-dependent check that
/// emitting it would make, with nothing allocated.
fn absolute_checked(text: &str) -> Fast<Expanded<'static>> {
    if !(plain_iri(text) || Iri::new(text).is_ok()) || text.starts_with(ISSUER_DEPENDENT) {
        return Err(Unsupported);
    }
    Ok(Expanded::Checked)
}

/// Whether `text` is surely an IRI (RFC 3987), for the common case of an ASCII one: parsed by
/// `fluent-uri` (already in the tree, through `jsonschema`), a fraction of the `iref`
/// automaton's cost per character. `false` means "not sure", and `iref` decides; `true` never
/// differs from it (tested).
fn plain_iri(text: &str) -> bool {
    text.is_ascii() && fluent_uri::Iri::parse(text).is_ok()
}

fn is_gen_delim(c: char) -> bool {
    matches!(c, ':' | '/' | '?' | '#' | '[' | ']' | '@')
}

/// Whether `key` expands to `keyword` (`@id` or `@type`): the keyword itself or an alias.
fn is_keyword_key(ctx: &Ctx, key: &str, keyword: &str) -> bool {
    if key == keyword {
        return true;
    }
    match ctx.terms.get(key).map(|d| &d.mapping) {
        Some(Mapping::Id) => keyword == "@id",
        Some(Mapping::Type) => keyword == "@type",
        _ => false,
    }
}

/// IRI expansion in an active context (expansion time, no local context). When `check`, an IRI
/// that is not a term's is only checked ([`Expanded::Checked`]) and a term's has passed
/// [`check_iri`].
fn expand_iri<'c>(ctx: &'c Ctx, value: &str, vocab: bool, check: bool) -> Fast<Expanded<'c>> {
    match value {
        "@id" => return Ok(Expanded::Id),
        "@type" => return Ok(Expanded::Type),
        _ if value.starts_with('@') => return Err(Unsupported),
        _ => {}
    }
    if let Some(def) = ctx.terms.get(value) {
        match &def.mapping {
            Mapping::Id => return Ok(Expanded::Id),
            Mapping::Type => return Ok(Expanded::Type),
            Mapping::Iri(iri) if vocab => {
                if check {
                    check_iri(iri)?;
                }
                return Ok(Expanded::Iri(Cow::Borrowed(iri)));
            }
            Mapping::Iri(_) => {}
        }
    }
    let joined = |base: &str, rest: &str| {
        let text = format!("{base}{rest}");
        if check {
            absolute_checked(&text)
        } else {
            absolute(text)
        }
    };
    if let Some((prefix, suffix)) = value.split_once(':') {
        if prefix == "_" {
            return Err(Unsupported);
        }
        if !suffix.starts_with("//") {
            if let Some(def) = ctx.terms.get(prefix) {
                if let (true, Mapping::Iri(iri)) = (def.prefix, &def.mapping) {
                    return joined(iri.as_str(), suffix);
                }
            }
        }
        return if check {
            absolute_checked(value)
        } else {
            absolute(value.to_owned())
        };
    }
    match (&ctx.vocab, vocab) {
        (Some(v), true) => joined(v, value),
        // A relative reference (no base IRI): the general path reports it.
        _ => Err(Unsupported),
    }
}

/// Context processing flags.
#[derive(Clone, Copy)]
struct Flags {
    override_protected: bool,
    propagate: bool,
    /// URLs are only followed in the document's own `@context`.
    allow_urls: bool,
    /// Scoped contexts met in term definitions are processed once to check them (as the
    /// `json-ld` crate does), except inside such a check.
    validate: bool,
}

/// Processes `local` (a context value) on `active`.
fn process(
    set: &ContextSet,
    active: &Arc<Ctx>,
    local: &Value,
    origin: &str,
    flags: Flags,
) -> Fast<Ctx> {
    let mut result = Ctx {
        id: next_id(),
        terms: active.terms.clone(),
        vocab: active.vocab.clone(),
        previous: active.previous.clone(),
    };
    if !flags.propagate && result.previous.is_none() {
        result.previous = Some(active.clone());
    }
    apply(set, &mut result, local, origin, flags)?;
    Ok(result)
}

fn apply(
    set: &ContextSet,
    result: &mut Ctx,
    local: &Value,
    origin: &str,
    flags: Flags,
) -> Fast<()> {
    let items = match local {
        Value::Array(items) => items.as_slice(),
        other => std::slice::from_ref(other),
    };
    for item in items {
        match item {
            Value::Null => {
                // A non-propagated `null` needs the previous context kept: not handled.
                if !flags.propagate
                    || (!flags.override_protected && result.terms.values().any(|t| t.protected))
                {
                    return Err(Unsupported);
                }
                *result = Ctx::empty();
            }
            Value::String(url) if flags.allow_urls => {
                let document = set.raw_document(url).ok_or(Unsupported)?;
                let context = document
                    .as_object()
                    .and_then(|d| d.get("@context"))
                    .ok_or(Unsupported)?;
                let inner = Flags {
                    allow_urls: false,
                    ..flags
                };
                apply(set, result, context, url, inner)?;
            }
            Value::Object(map) => apply_object(set, result, map, origin, flags)?,
            _ => return Err(Unsupported),
        }
    }
    Ok(())
}

fn apply_object(
    set: &ContextSet,
    result: &mut Ctx,
    map: &Map<String, Value>,
    origin: &str,
    flags: Flags,
) -> Fast<()> {
    let mut default_protected = false;
    for (key, value) in map {
        match key.as_str() {
            "@version" if value.as_f64() != Some(1.1) => return Err(Unsupported),
            "@version" => {}
            "@protected" => default_protected = value.as_bool().ok_or(Unsupported)?,
            "@vocab" => match value {
                Value::Null => result.vocab = None,
                Value::String(vocab) => {
                    // Only plain absolute IRIs (no compact IRI or term to expand first).
                    let plain = vocab.starts_with("https://")
                        || vocab.starts_with("http://")
                        || vocab.starts_with("urn:");
                    if !plain || IriBuf::new(vocab.clone()).is_err() {
                        return Err(Unsupported);
                    }
                    result.vocab = Some(vocab.clone());
                }
                _ => return Err(Unsupported),
            },
            _ if key.starts_with('@') => return Err(Unsupported),
            _ => {}
        }
    }
    let mut definer = Definer {
        set,
        result,
        local: map,
        defined: HashMap::default(),
        default_protected,
        flags,
        origin,
    };
    for term in map.keys() {
        if !term.starts_with('@') {
            definer.define(term)?;
        }
    }
    Ok(())
}

/// The Create Term Definition algorithm over one local context object.
struct Definer<'a> {
    set: &'a ContextSet,
    result: &'a mut Ctx,
    local: &'a Map<String, Value>,
    /// `false` while being defined, `true` once defined.
    defined: HashMap<&'a str, bool>,
    default_protected: bool,
    flags: Flags,
    origin: &'a str,
}

impl<'a> Definer<'a> {
    fn define(&mut self, term: &'a str) -> Fast<()> {
        match self.defined.get(term) {
            Some(true) => return Ok(()),
            // A cyclic definition.
            Some(false) => return Err(Unsupported),
            None => {}
        }
        self.defined.insert(term, false);
        if term.is_empty() || term.starts_with('@') || term.contains(':') || term.contains('/') {
            return Err(Unsupported);
        }
        let value = self.local.get(term).ok_or(Unsupported)?;
        let previous = self.result.terms.remove(term);
        let (simple, entries): (bool, Option<&'a Map<String, Value>>) = match value {
            Value::String(_) => (true, None),
            Value::Object(entries) => (false, Some(entries)),
            _ => return Err(Unsupported),
        };
        if entries.is_some_and(|e| {
            e.keys().any(|k| {
                !matches!(
                    k.as_str(),
                    "@id" | "@type" | "@container" | "@context" | "@protected"
                )
            })
        }) {
            return Err(Unsupported);
        }
        let entry = |key: &str| entries.and_then(|e| e.get(key));
        let protected = match entry("@protected") {
            None => self.default_protected,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(Unsupported),
        };
        let type_mapping = match entry("@type") {
            None => None,
            Some(Value::String(t)) => Some(match t.as_str() {
                "@id" => TypeMapping::Id,
                "@vocab" => TypeMapping::Vocab,
                "@json" => TypeMapping::Json,
                _ if t.starts_with('@') => return Err(Unsupported),
                _ => match self.expand(t)? {
                    Expanded::Iri(iri) => TypeMapping::Datatype(iri.into_owned()),
                    _ => return Err(Unsupported),
                },
            }),
            Some(_) => return Err(Unsupported),
        };
        let id = match value {
            Value::String(id) => id,
            _ => match entry("@id") {
                Some(Value::String(id)) => id,
                _ => return Err(Unsupported),
            },
        };
        let mapping = match id.as_str() {
            "@id" => Mapping::Id,
            "@type" => Mapping::Type,
            _ if id.starts_with('@') || id == term => return Err(Unsupported),
            _ => match self.expand(id)? {
                Expanded::Iri(iri) => Mapping::Iri(iri.into_owned()),
                _ => return Err(Unsupported),
            },
        };
        let prefix =
            simple && matches!(&mapping, Mapping::Iri(iri) if iri.as_str().ends_with(is_gen_delim));
        let container = match entry("@container") {
            None => Container::None,
            Some(Value::String(c)) => match c.as_str() {
                "@set" => Container::Set,
                "@list" => Container::List,
                "@graph" => Container::Graph,
                _ => return Err(Unsupported),
            },
            Some(_) => return Err(Unsupported),
        };
        let context = match entry("@context") {
            None => None,
            Some(scoped) => {
                let origin = format!("{}/{term}", self.origin);
                if self.flags.validate {
                    let snapshot = Arc::new(self.result.clone());
                    let check = Flags {
                        override_protected: true,
                        propagate: true,
                        allow_urls: false,
                        validate: false,
                    };
                    process(self.set, &snapshot, scoped, &origin, check)?;
                }
                Some(Arc::new(Scoped {
                    id: next_id(),
                    origin,
                    value: scoped.clone(),
                }))
            }
        };
        let mut definition = Arc::new(TermDef {
            mapping,
            prefix,
            protected,
            type_mapping,
            container,
            context,
        });
        if let Some(previous) = previous {
            if previous.protected && !self.flags.override_protected {
                if !previous.same_as(&definition) {
                    // A protected term redefinition: the general path reports it.
                    return Err(Unsupported);
                }
                definition = previous;
            }
        }
        self.result.terms.insert(term.to_owned(), definition);
        self.defined.insert(term, true);
        Ok(())
    }

    /// IRI expansion (vocabulary-relative) while defining terms.
    fn expand(&mut self, value: &'a str) -> Fast<Expanded<'static>> {
        if value.starts_with('@') {
            return Err(Unsupported);
        }
        if self.local.contains_key(value) && self.defined.get(value) != Some(&true) {
            self.define(value)?;
        }
        if let Some(def) = self.result.terms.get(value) {
            return match &def.mapping {
                Mapping::Id => Ok(Expanded::Id),
                Mapping::Type => Ok(Expanded::Type),
                Mapping::Iri(iri) => Ok(Expanded::Iri(Cow::Owned(iri.clone()))),
            };
        }
        if let Some((prefix, suffix)) = value.split_once(':') {
            if prefix == "_" {
                return Err(Unsupported);
            }
            if suffix.starts_with("//") {
                return absolute(value.to_owned());
            }
            if self.local.contains_key(prefix) && self.defined.get(prefix) != Some(&true) {
                self.define(prefix)?;
            }
            if let Some(def) = self.result.terms.get(prefix) {
                if let (true, Mapping::Iri(iri)) = (def.prefix, &def.mapping) {
                    return absolute(format!("{}{suffix}", iri.as_str()));
                }
            }
            return absolute(value.to_owned());
        }
        match &self.result.vocab {
            Some(v) => absolute(format!("{v}{value}")),
            None => Err(Unsupported),
        }
    }
}

impl Cache {
    /// The active context of a document's top-level `@context` (URLs only).
    fn top(&self, set: &ContextSet, context: &Value) -> Fast<Arc<Ctx>> {
        let key = match context {
            Value::String(url) => url.clone(),
            Value::Array(items) => {
                let mut key = String::new();
                for item in items {
                    key.push_str(item.as_str().ok_or(Unsupported)?);
                    key.push('\n');
                }
                key
            }
            _ => return Err(Unsupported),
        };
        if let Some(found) = self.top.lock().map_err(|_| Unsupported)?.get(&key) {
            return found.clone().ok_or(Unsupported);
        }
        let flags = Flags {
            override_protected: false,
            propagate: true,
            allow_urls: true,
            validate: true,
        };
        let processed = process(set, &Arc::new(Ctx::empty()), context, "", flags)
            .ok()
            .filter(|ctx| ctx.previous.is_none())
            .map(Arc::new);
        let mut top = self.top.lock().map_err(|_| Unsupported)?;
        if top.len() >= MAX_TOP {
            top.clear();
        }
        top.insert(key, processed.clone());
        processed.ok_or(Unsupported)
    }

    /// `active` with a type-scoped (`typed`) or property-scoped context applied.
    fn derive(
        &self,
        set: &ContextSet,
        active: &Arc<Ctx>,
        scoped: &Scoped,
        typed: bool,
    ) -> Fast<Arc<Ctx>> {
        let key = (active.id, scoped.id, typed);
        if let Some(found) = self.derived.lock().map_err(|_| Unsupported)?.get(&key) {
            return Ok(found.clone());
        }
        let flags = Flags {
            override_protected: !typed,
            propagate: !typed,
            allow_urls: false,
            validate: true,
        };
        let derived = Arc::new(process(set, active, &scoped.value, &scoped.origin, flags)?);
        let mut cache = self.derived.lock().map_err(|_| Unsupported)?;
        if cache.len() >= MAX_DERIVED {
            cache.clear();
        }
        cache.insert(key, derived.clone());
        Ok(derived)
    }
}

/// The RDF quads of `document` (expanded in safe mode), or [`Unsupported`].
pub(crate) fn quads(document: &Map<String, Value>, set: &ContextSet) -> Fast<Vec<LexicalQuad>> {
    walk(document, set, true)
}

/// Whether the fast path handles `document` (so that it passes the safe-mode checks), without
/// keeping the quads.
pub(crate) fn check(document: &Map<String, Value>, set: &ContextSet) -> Fast<()> {
    walk(document, set, false).map(|_| ())
}

fn walk(document: &Map<String, Value>, set: &ContextSet, collect: bool) -> Fast<Vec<LexicalQuad>> {
    let context = document.get("@context").ok_or(Unsupported)?;
    let cache = set.fast_cache();
    let top = cache.top(set, context)?;
    let mut walker = Walker {
        set,
        cache,
        quads: Vec::with_capacity(if collect { 128 } else { 0 }),
        collect,
        blanks: 0,
    };
    walker.node(&top, None, document, None, true, 0)?;
    Ok(walker.quads)
}

/// Expands and converts to RDF in one walk.
struct Walker<'s> {
    set: &'s ContextSet,
    cache: &'s Cache,
    quads: Vec<LexicalQuad>,
    /// Keep the quads (`false`: only walk, for the safe-mode checks).
    collect: bool,
    blanks: usize,
}

fn check_iri(iri: &IriBuf) -> Fast<()> {
    if iri.as_str().starts_with(ISSUER_DEPENDENT) {
        // Safe mode's issuer-dependent check: the general path names the term.
        return Err(Unsupported);
    }
    Ok(())
}

fn check_id(id: &Id) -> Fast<()> {
    match id {
        Id::Iri(iri) => check_iri(iri),
        Id::Blank(_) => Ok(()),
    }
}

impl Walker<'_> {
    fn blank(&mut self) -> Fast<Id> {
        if !self.collect {
            // Only checking: a blank node passes every check, whatever its name.
            return Ok(Id::Blank(known()?.unnamed.clone()));
        }
        self.blanks += 1;
        BlankIdBuf::new(format!("_:b{}", self.blanks))
            .map(Id::Blank)
            .map_err(|_| Unsupported)
    }

    fn emit(
        &mut self,
        subject: &Id,
        predicate: &IriBuf,
        object: Term,
        graph: &Option<Id>,
    ) -> Fast<()> {
        check_id(subject)?;
        check_iri(predicate)?;
        match &object {
            Term::Id(id) => check_id(id)?,
            Term::Literal(literal) => {
                // The safe-mode check reads the N-Quads text, where a literal shows as is.
                if ISSUER_DEPENDENT_FINDER
                    .find(literal.value.as_bytes())
                    .is_some()
                {
                    return Err(Unsupported);
                }
                if let LiteralType::Any(datatype) = &literal.type_ {
                    check_iri(datatype)?;
                }
            }
        }
        if !self.collect {
            return Ok(());
        }
        self.quads.push(Quad(
            subject.clone(),
            predicate.clone(),
            object,
            graph.clone(),
        ));
        Ok(())
    }

    /// [`Self::emit`] with an IRI object, cloned only when the quad is kept.
    fn emit_iri(
        &mut self,
        subject: &Id,
        predicate: &IriBuf,
        object: Cow<'_, IriBuf>,
        graph: &Option<Id>,
    ) -> Fast<()> {
        if self.collect {
            return self.emit(
                subject,
                predicate,
                Term::Id(Id::Iri(object.into_owned())),
                graph,
            );
        }
        check_id(subject)?;
        check_iri(predicate)?;
        check_iri(&object)
    }

    /// A node object: its quads, and its id (or a fresh blank node).
    fn node(
        &mut self,
        active: &Arc<Ctx>,
        property: Option<&TermDef>,
        map: &Map<String, Value>,
        graph: Option<&Id>,
        top: bool,
        depth: usize,
    ) -> Fast<Id> {
        if depth > MAX_DEPTH {
            return Err(Unsupported);
        }
        let check = !self.collect;
        let mut ctx = active.clone();
        // A type-scoped context does not reach into nested nodes (unless only an id is given).
        if let Some(previous) = &ctx.previous {
            let only_id = map.len() == 1 && map.keys().all(|k| is_keyword_key(&ctx, k, "@id"));
            if !only_id {
                ctx = previous.clone();
            }
        }
        if let Some(scoped) = property.and_then(|p| p.context.as_ref()) {
            ctx = self.cache.derive(self.set, &ctx, scoped, false)?;
        }
        // The `@type` entry, found with the context before any type-scoped one.
        let mut type_key: Option<&str> = None;
        for key in map.keys() {
            if key == "@context" {
                continue;
            }
            if is_keyword_key(&ctx, key, "@type") {
                if type_key.is_some() {
                    return Err(Unsupported);
                }
                type_key = Some(key);
            }
        }
        let types: Vec<&str> = match type_key.and_then(|k| map.get(k)) {
            None => Vec::new(),
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(items)) => items
                .iter()
                .map(|t| t.as_str().ok_or(Unsupported))
                .collect::<Fast<_>>()?,
            Some(_) => return Err(Unsupported),
        };
        // Type-scoped contexts, in lexicographic order of the types.
        let type_ctx = ctx.clone();
        if types.len() > 1 {
            let mut sorted = types.clone();
            sorted.sort_unstable();
            for t in sorted {
                if let Some(scoped) = type_ctx.terms.get(t).and_then(|d| d.context.as_ref()) {
                    ctx = self.cache.derive(self.set, &ctx, scoped, true)?;
                }
            }
        } else if let Some(t) = types.first() {
            if let Some(scoped) = type_ctx.terms.get(*t).and_then(|d| d.context.as_ref()) {
                ctx = self.cache.derive(self.set, &ctx, scoped, true)?;
            }
        }
        // Every other key, in the final context.
        let mut id_value: Option<&str> = None;
        let mut properties: Vec<(&str, Cow<'_, IriBuf>, &Value)> = Vec::with_capacity(map.len());
        for (key, value) in map {
            if key == "@context" {
                if top {
                    continue;
                }
                return Err(Unsupported);
            }
            match expand_iri(&ctx, key, true, check)? {
                Expanded::Id => {
                    if id_value.is_some() {
                        return Err(Unsupported);
                    }
                    id_value = Some(value.as_str().ok_or(Unsupported)?);
                }
                Expanded::Type if type_key == Some(key.as_str()) => {}
                Expanded::Type => return Err(Unsupported),
                Expanded::Iri(_) | Expanded::Checked if type_key == Some(key.as_str()) => {
                    return Err(Unsupported)
                }
                Expanded::Iri(iri) => properties.push((key, iri, value)),
                // Checked already: any IRI stands in for it (nothing is kept).
                Expanded::Checked => {
                    properties.push((key, Cow::Borrowed(&known()?.rdf_type), value));
                }
            }
        }
        let subject = match id_value {
            Some(id) => match expand_iri(&ctx, id, false, check)? {
                Expanded::Iri(iri) => Id::Iri(iri.into_owned()),
                // Checked already: a blank node stands in for it (nothing is kept).
                Expanded::Checked => self.blank()?,
                _ => return Err(Unsupported),
            },
            None => self.blank()?,
        };
        let graph = graph.cloned();
        if !types.is_empty() {
            let rdf_type = &known()?.rdf_type;
            for t in &types {
                match expand_iri(&type_ctx, t, true, check)? {
                    Expanded::Iri(iri) => self.emit_iri(&subject, rdf_type, iri, &graph)?,
                    Expanded::Checked => {}
                    _ => return Err(Unsupported),
                }
            }
        }
        for (key, predicate, value) in properties {
            self.property(&ctx, &subject, key, &predicate, value, &graph, depth)?;
        }
        Ok(subject)
    }

    #[allow(clippy::too_many_arguments)]
    fn property(
        &mut self,
        ctx: &Arc<Ctx>,
        subject: &Id,
        key: &str,
        predicate: &IriBuf,
        value: &Value,
        graph: &Option<Id>,
        depth: usize,
    ) -> Fast<()> {
        let def = ctx.terms.get(key).cloned();
        let def = def.as_deref();
        let container = def.map_or(Container::None, |d| d.container);
        if let Some(TypeMapping::Json) = def.and_then(|d| d.type_mapping.as_ref()) {
            if container != Container::None || value.is_null() {
                return Err(Unsupported);
            }
            let object = json_literal(value)?;
            return self.emit(subject, predicate, object, graph);
        }
        let items = match value {
            Value::Array(items) => items.as_slice(),
            other => std::slice::from_ref(other),
        };
        match container {
            Container::None | Container::Set => {
                for item in items {
                    if let Some(object) = self.value(ctx, key, def, item, graph, depth)? {
                        self.emit(subject, predicate, object, graph)?;
                    }
                }
            }
            Container::List => {
                let mut objects = Vec::with_capacity(items.len());
                for item in items {
                    if let Some(object) = self.value(ctx, key, def, item, graph, depth)? {
                        objects.push(object);
                    }
                }
                let head = self.list(objects, graph)?;
                self.emit(subject, predicate, head, graph)?;
            }
            Container::Graph => {
                for item in items {
                    match item {
                        Value::Null => {}
                        Value::Object(map) => {
                            let name = self.blank()?;
                            self.node(ctx, def, map, Some(&name), false, depth + 1)?;
                            self.emit(subject, predicate, Term::Id(name), graph)?;
                        }
                        _ => return Err(Unsupported),
                    }
                }
            }
        }
        Ok(())
    }

    /// An RDF list of `objects`: its head (`rdf:nil` when empty).
    fn list(&mut self, objects: Vec<Term>, graph: &Option<Id>) -> Fast<Term> {
        let known = known()?;
        let nil_term = Term::Id(Id::Iri(known.rdf_nil.clone()));
        if objects.is_empty() {
            return Ok(nil_term);
        }
        let (first, rest) = (&known.rdf_first, &known.rdf_rest);
        let nodes: Vec<Id> = (0..objects.len())
            .map(|_| self.blank())
            .collect::<Fast<_>>()?;
        for (i, object) in objects.into_iter().enumerate() {
            let node = nodes.get(i).ok_or(Unsupported)?;
            self.emit(node, first, object, graph)?;
            let next = match nodes.get(i + 1) {
                Some(next) => Term::Id(next.clone()),
                None => nil_term.clone(),
            };
            self.emit(node, rest, next, graph)?;
        }
        let head = nodes.first().ok_or(Unsupported)?;
        Ok(Term::Id(head.clone()))
    }

    /// One value of a property (not an array): `None` for `null`.
    fn value(
        &mut self,
        ctx: &Arc<Ctx>,
        key: &str,
        def: Option<&TermDef>,
        item: &Value,
        graph: &Option<Id>,
        depth: usize,
    ) -> Fast<Option<Term>> {
        match item {
            Value::Null => Ok(None),
            Value::Array(_) => Err(Unsupported),
            Value::Object(map) => {
                let id = self.node(ctx, def, map, graph.as_ref(), false, depth + 1)?;
                Ok(Some(Term::Id(id)))
            }
            scalar => {
                // A property-scoped context applies to the value's own coercion too.
                let scoped_ctx;
                let (ctx, def) = match def.and_then(|d| d.context.as_ref()) {
                    Some(scoped) => {
                        scoped_ctx = self.cache.derive(self.set, ctx, scoped, false)?;
                        let def = scoped_ctx.terms.get(key).map(Arc::as_ref);
                        (&scoped_ctx, def)
                    }
                    None => (ctx, def),
                };
                scalar_object(ctx, def, scalar, !self.collect)
            }
        }
    }
}

/// Value expansion of a scalar, then its RDF form. When `check`, only the checks that emitting
/// it would make, and `None`.
fn scalar_object(
    ctx: &Ctx,
    def: Option<&TermDef>,
    scalar: &Value,
    check: bool,
) -> Fast<Option<Term>> {
    let mapping = def.and_then(|d| d.type_mapping.as_ref());
    if let Value::String(s) = scalar {
        let vocab = match mapping {
            Some(TypeMapping::Id) => Some(false),
            Some(TypeMapping::Vocab) => Some(true),
            _ => None,
        };
        if let Some(vocab) = vocab {
            return match expand_iri(ctx, s, vocab, check)? {
                Expanded::Iri(_) | Expanded::Checked if check => Ok(None),
                Expanded::Iri(iri) => Ok(Some(Term::Id(Id::Iri(iri.into_owned())))),
                _ => Err(Unsupported),
            };
        }
    }
    let datatype = match mapping {
        Some(TypeMapping::Datatype(iri)) => Some(iri),
        Some(TypeMapping::Json) => return Err(Unsupported),
        _ => None,
    };
    if check {
        match scalar {
            Value::Bool(_) => {}
            Value::Number(n) => {
                number_text(n, datatype)?;
            }
            Value::String(s) if ISSUER_DEPENDENT_FINDER.find(s.as_bytes()).is_none() => {}
            _ => return Err(Unsupported),
        }
        if let Some(datatype) = datatype {
            check_iri(datatype)?;
        }
        return Ok(None);
    }
    let known = known()?;
    let (text, preferred) = match scalar {
        Value::Bool(b) => (b.to_string(), &known.xsd_boolean),
        Value::Number(n) => {
            let (text, integer) = number_text(n, datatype)?;
            let preferred = if integer {
                &known.xsd_integer
            } else {
                &known.xsd_double
            };
            (text, preferred)
        }
        Value::String(s) => (s.clone(), &known.xsd_string),
        _ => return Err(Unsupported),
    };
    let datatype = datatype.unwrap_or(preferred).clone();
    Ok(Some(Term::Literal(Literal::new(
        text,
        LiteralType::Any(datatype),
    ))))
}

/// A number's literal text and preferred datatype, as the `json-ld` crate writes them: the
/// number is first put in its JCS (ECMAScript) form; an integer that fits an `i64` is an
/// `xsd:integer` (unless the datatype is `xsd:double`), anything else an `xsd:double` in
/// canonical form.
fn number_text(n: &Number, datatype: Option<&IriBuf>) -> Fast<(String, bool)> {
    let x = n.as_f64().ok_or(Unsupported)?;
    // A negative zero keeps its sign in the crate's text: not mirrored.
    if !x.is_finite() || (x == 0.0 && x.is_sign_negative()) {
        return Err(Unsupported);
    }
    let is_double = datatype.is_some_and(|d| d.as_str() == XSD_DOUBLE);
    let integral = x.fract() == 0.0;
    if integral && !is_double {
        if x.abs() >= MAX_SAFE_INTEGER {
            // ECMAScript's shortest digits and the i64 test: not mirrored here.
            return Err(Unsupported);
        }
        #[allow(clippy::cast_possible_truncation)]
        let integer = x as i64;
        return Ok((integer.to_string(), true));
    }
    Ok((pretty_dtoa::dtoa(x, XSD_CANONICAL_FLOAT), false))
}

/// An `rdf:JSON` literal: the value in the `json-ld` crate's canonical JSON form.
fn json_literal(value: &Value) -> Fast<Term> {
    use ssi_json_ld::syntax::Print;
    let mut json = super::rdfc::to_json_syntax(value).map_err(|_| Unsupported)?;
    json.canonicalize();
    let text = json.compact_print().to_string();
    let datatype = known()?.rdf_json.clone();
    Ok(Term::Literal(Literal::new(
        text,
        LiteralType::Any(datatype),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuer_dependent_mark_is_the_namespace() {
        assert_eq!(ISSUER_DEPENDENT_NQUADS, format!("<{ISSUER_DEPENDENT}"));
    }

    #[test]
    fn known_iris_parse() {
        assert!(known().is_ok());
    }

    fn iref_accepts(text: &str) -> bool {
        Iri::new(text).is_ok()
    }

    #[test]
    fn plain_iris_take_the_short_check() {
        for text in [
            "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
            "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
            "did:web:example.com%3A8443:issuers:1",
            "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
            "https://www.w3.org/ns/credentials/v2",
            "https://issuer.example:8443/status/1?x=1&y=%C3%A9#94567",
            "https://example.com/a//b/",
            "mailto:someone@example.org",
            "http://192.168.0.1:80/",
            "urn:x",
            "https://",
            "http://[::1]/",
            "https://user:pass@example.com/",
        ] {
            assert!(plain_iri(text), "{text}");
            assert!(iref_accepts(text), "{text}");
        }
    }

    #[test]
    fn the_short_check_refuses_what_is_no_iri_and_leaves_unicode_to_iref() {
        for text in [
            "",
            "no-colon",
            ":empty-scheme",
            "1http://a",
            "https://exa mple.com/",
            "https://example.com/%zz",
            "https://example.com/a#b#c",
            "https://host:port/",
            "https://example.com/<x>",
        ] {
            assert!(!plain_iri(text), "{text}");
            assert!(!iref_accepts(text), "{text}");
        }
        // Valid, but not ASCII: `iref` decides.
        assert!(!plain_iri("https://example.com/é"));
        assert!(iref_accepts("https://example.com/é"));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]

        /// What the short check accepts, the `iref` automaton accepts.
        #[test]
        fn the_short_check_never_accepts_what_iref_refuses(
            scheme in "(|[a-z][a-z0-9+.-]{0,3}|[0-9+.-][a-z]?)",
            sep in "(:|://|:/|::|)",
            rest in "[a-zA-Z0-9:/?#\\[\\]@!$&'()*+,;=%._~ <>\"{}|^`\\\\é-]{0,20}",
        ) {
            let text = format!("{scheme}{sep}{rest}");
            if plain_iri(&text) {
                proptest::prop_assert!(iref_accepts(&text), "{text:?}");
            }
        }

        #[test]
        fn the_short_check_agrees_on_arbitrary_text(text in "\\PC{0,24}") {
            if plain_iri(&text) {
                proptest::prop_assert!(iref_accepts(&text), "{text:?}");
            }
        }
    }
}
