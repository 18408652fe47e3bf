//! W3C Data Integrity proofs with the EdDSA cryptosuites `eddsa-rdfc-2022` (RDF Dataset
//! Canonicalization, RDFC-1.0) and `eddsa-jcs-2022` (JSON Canonicalization Scheme, RFC 8785), as
//! in *Data Integrity EdDSA Cryptosuites v1.0*.
//!
//! [`sign`] adds a `DataIntegrityProof` to an unsigned credential; [`verify`] checks a secured
//! credential from any conformant issuer and returns a [`VerifiedDataIntegrity`].
//!
//! ## What is checked
//!
//! - JSON-LD in **safe mode**, offline: contexts come only from a [`ContextSet`] (never fetched;
//!   an unknown URL is [`DataIntegrityError::UnknownContext`]), and a term that no context defines
//!   is [`DataIntegrityError::UndefinedTerm`], whether JSON-LD would drop it or VCDM 2.0's
//!   issuer-dependent `@vocab` would catch it; a relative IRI as an id is
//!   [`DataIntegrityError::RelativeIri`]. So nothing rides along unsigned. This runs for both
//!   suites (for `eddsa-jcs-2022` the signature covers the JSON, the check keeps its meaning fixed).
//! - Speed: documents whose `@context` is a list of known URLs go through a direct JSON-LD to
//!   RDF walk with the active contexts processed once per [`ContextSet`], and RDFC-1.0's
//!   first-degree step when it settles every blank node; anything that walk does not handle
//!   with certainty (and every error) goes through the `json-ld` crate, as does the reference
//!   the differential tests compare it with. `eddsa-jcs-2022` runs only the expansion walk for
//!   its safe-mode checks.
//! - The first `@context` is VCDM 2.0 (`https://www.w3.org/ns/credentials/v2`) or VCDM 1.1.
//! - The proof: `type` `DataIntegrityProof`, a supported `cryptosuite`, `proofPurpose`
//!   `assertionMethod`, a base58btc `proofValue` of 64 bytes, `created` not in the future and
//!   `expires` not past (with [`CLOCK_SKEW_SECONDS`] of tolerance), an Ed25519 key.
//! - For `eddsa-jcs-2022`, a proof `@context` must equal the document's (the suite signs it; the
//!   spec lets a verifier accept a document whose `@context` only starts with the proof's, but
//!   the extra contexts would then be unsigned, so we refuse them).
//! - **The issuer controls the method**: the verification method id without its `#fragment`
//!   must equal the credential's issuer id (`issuer` or `issuer.id`). For `did:key` and `did:jwk`
//!   that is the DID itself. For `did:web` (and an `https` issuer with a controller document, as
//!   in the Open Badges vector) the caller's key resolver must also check that the method is
//!   listed under `assertionMethod` of the document it fetched, which
//!   [`crate::did::DidDocument::assertion_key`] does ([`did_resolver_keys`] wires it up).
//!
//! Proof sets and chains (`proof` as an array, `previousProof`) verify when every proof does and
//! one of them is the issuer's (its facts are returned). [`sign`] makes single proofs only.
//!
//! Not supported: other suites (ECDSA, BBS, the legacy `Ed25519Signature2020`), `proofPurpose`
//! other than `assertionMethod`. [`sign`] does not
//! check that the issuer controls the method (the W3C vectors sign documents whose issuer is not
//! the key's controller); [`verify`] does.
//!
//! ## Example
//!
//! ```
//! use passeport_core::clock::FixedClock;
//! use passeport_core::data_integrity::{self, Cryptosuite, ProofOptions};
//! use passeport_core::keys::{KeyAlgorithm, SecretKey, Signer};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let key = SecretKey::generate(KeyAlgorithm::Ed25519)?;
//! let did = passeport_core::did::key::did_key(key.public_jwk())?;
//! let credential = serde_json::json!({
//!     "@context": ["https://www.w3.org/ns/credentials/v2"],
//!     "type": ["VerifiableCredential"],
//!     "issuer": did.as_str(),
//!     "credentialSubject": { "id": "did:example:alice" }
//! });
//! let options = ProofOptions {
//!     cryptosuite: Cryptosuite::EddsaRdfc2022,
//!     verification_method: passeport_core::did::key::method_id(&did),
//!     created: 1_767_225_600,
//!     expires: None,
//! };
//! let signed = data_integrity::sign(credential.as_object().unwrap(), &key, &options)?;
//! let verified =
//!     data_integrity::verify(&signed, &data_integrity::resolve_offline, &FixedClock(1_767_225_700))?;
//! assert_eq!(verified.cryptosuite(), Cryptosuite::EddsaRdfc2022);
//! # Ok(())
//! # }
//! ```

mod canon;
mod contexts;
mod fast;
mod rdfc;
mod size;

pub use self::contexts::{ContextSet, MAX_CONTEXT_BYTES};
pub use self::rdfc::ISSUER_DEPENDENT;

use crate::clock::{format_rfc3339, parse_rfc3339, Clock};
use crate::did::{Did, DidResolver};
use crate::keys::{Algorithm, PublicKey, SignError, Signer};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::fmt;

/// Largest document (serialized JSON) signed or verified.
pub const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;

/// Tolerance for clocks that disagree, when checking `created` and `expires`.
pub const CLOCK_SKEW_SECONDS: i64 = 60;

/// The VCDM 2.0 base context, which must come first.
pub const VCDM2_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";
/// The VCDM 1.1 base context, accepted first for older credentials.
pub const VCDM1_CONTEXT: &str = "https://www.w3.org/2018/credentials/v1";

const PROOF_TYPE: &str = "DataIntegrityProof";
const ASSERTION_METHOD: &str = "assertionMethod";

/// A Data Integrity cryptosuite (Ed25519 only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cryptosuite {
    /// `eddsa-rdfc-2022`: JSON-LD to RDF, canonicalized with RDFC-1.0.
    EddsaRdfc2022,
    /// `eddsa-jcs-2022`: JSON canonicalized with JCS (RFC 8785).
    EddsaJcs2022,
}

impl Cryptosuite {
    /// The `cryptosuite` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EddsaRdfc2022 => "eddsa-rdfc-2022",
            Self::EddsaJcs2022 => "eddsa-jcs-2022",
        }
    }

    /// Reads a `cryptosuite` value; `None` for anything else.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "eddsa-rdfc-2022" => Some(Self::EddsaRdfc2022),
            "eddsa-jcs-2022" => Some(Self::EddsaJcs2022),
            _ => None,
        }
    }
}

impl fmt::Display for Cryptosuite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Cryptosuite {
    type Err = DataIntegrityError;
    fn from_str(s: &str) -> Result<Self, DataIntegrityError> {
        Self::from_name(s).ok_or_else(|| DataIntegrityError::UnsupportedCryptosuite {
            found: s.to_owned(),
        })
    }
}

/// How to make a proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofOptions {
    /// The cryptosuite.
    pub cryptosuite: Cryptosuite,
    /// The verification method id (a DID URL such as `did:key:z6Mk…#z6Mk…`).
    pub verification_method: String,
    /// `created`, Unix seconds (written as `YYYY-MM-DDThh:mm:ssZ`).
    pub created: i64,
    /// `expires`, Unix seconds, if the proof should expire.
    pub expires: Option<i64>,
}

/// A document whose proof verified. Only [`verify`] (and [`danger::verify_proof_only`]) make one.
#[derive(Debug, Clone)]
pub struct VerifiedDataIntegrity {
    document: Map<String, Value>,
    cryptosuite: Cryptosuite,
    verification_method: String,
    created: Option<i64>,
    expires: Option<i64>,
    public_key: PublicKey,
}

impl VerifiedDataIntegrity {
    /// The verified document, without its `proof`.
    pub fn document(&self) -> &Map<String, Value> {
        &self.document
    }

    /// The verified document, without its `proof`.
    pub fn into_document(self) -> Map<String, Value> {
        self.document
    }

    /// The proof's cryptosuite.
    pub fn cryptosuite(&self) -> Cryptosuite {
        self.cryptosuite
    }

    /// The proof's verification method id.
    pub fn verification_method(&self) -> &str {
        &self.verification_method
    }

    /// The controller of the method (its id without fragment); equal to the issuer id after
    /// [`verify`].
    pub fn controller(&self) -> &str {
        method_controller(&self.verification_method)
    }

    /// The proof's `created`, Unix seconds, if present.
    pub fn created(&self) -> Option<i64> {
        self.created
    }

    /// The proof's `expires`, Unix seconds, if present.
    pub fn expires(&self) -> Option<i64> {
        self.expires
    }

    /// The key that verified the proof.
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }
}

/// Why a Data Integrity proof could not be made or did not verify.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataIntegrityError {
    /// A JSON-LD context URL not in the [`ContextSet`] (contexts are never fetched).
    #[error("unknown JSON-LD context {url} (not embedded; contexts are never fetched)")]
    UnknownContext {
        /// The URL.
        url: String,
    },
    /// A context document given to [`ContextSet::with`] is unusable.
    #[error("context document {url}: {reason}")]
    BadContextDocument {
        /// Its URL.
        url: String,
        /// What was wrong.
        reason: String,
    },
    /// A term that no context defines (safe mode): it would be dropped, or only caught by the
    /// issuer-dependent `@vocab`, so its meaning would not be signed.
    #[error("undefined JSON-LD term `{term}` (no context defines it)")]
    UndefinedTerm {
        /// The term.
        term: String,
    },
    /// An `id` (or IRI-valued property) that is a relative reference: JSON-LD to RDF would drop
    /// it, so it would not be signed.
    #[error("`{id}` is not an absolute IRI (it would not be signed)")]
    RelativeIri {
        /// The value.
        id: String,
    },
    /// JSON-LD processing failed for another reason (invalid context, protected term redefined…).
    #[error("JSON-LD processing failed: {reason}")]
    JsonLd {
        /// The processor's message.
        reason: String,
    },
    /// JCS canonicalization failed.
    #[error("JCS canonicalization failed: {reason}")]
    Jcs {
        /// What was wrong.
        reason: String,
    },
    /// The document is larger than [`MAX_DOCUMENT_BYTES`].
    #[error("document is {size} bytes, more than the {max} accepted")]
    DocumentTooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The document has no `@context`, or a first context that is not VCDM 2.0 (or 1.1).
    #[error("@context: {reason}")]
    BadDocumentContext {
        /// What was wrong.
        reason: String,
    },
    /// [`sign`] was given a document that already has a `proof` (adding to a proof set is not
    /// supported by [`sign`]).
    #[error("the document already has a `proof`")]
    AlreadySigned,
    /// No `proof`.
    #[error("the document has no `proof`")]
    MissingProof,
    /// A proof member is missing or has the wrong shape.
    #[error("proof `{field}`: {reason}")]
    MalformedProof {
        /// The member.
        field: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// `proof.type` is not `DataIntegrityProof`.
    #[error("unsupported proof type `{found}` (expected DataIntegrityProof)")]
    UnsupportedProofType {
        /// The type found.
        found: String,
    },
    /// A cryptosuite other than `eddsa-rdfc-2022` / `eddsa-jcs-2022`.
    #[error("unsupported cryptosuite `{found}` (supported: eddsa-rdfc-2022, eddsa-jcs-2022)")]
    UnsupportedCryptosuite {
        /// The cryptosuite found.
        found: String,
    },
    /// `proofPurpose` is not `assertionMethod`.
    #[error("wrong proof purpose `{found}` (expected assertionMethod)")]
    WrongProofPurpose {
        /// The purpose found.
        found: String,
    },
    /// `proofValue` is not a base58btc multibase 64-byte Ed25519 signature.
    #[error("bad proofValue: {reason}")]
    BadProofValue {
        /// What was wrong.
        reason: String,
    },
    /// The proof's `@context` is not the document's.
    #[error("proof @context does not match the document's @context: {reason}")]
    ProofContextMismatch {
        /// What differs.
        reason: String,
    },
    /// `created` is later than now (beyond the clock skew).
    #[error("proof created {created} is in the future")]
    CreatedInFuture {
        /// The `created` value.
        created: String,
    },
    /// `expires` is past.
    #[error("proof expired at {expires}")]
    Expired {
        /// The `expires` value.
        expires: String,
    },
    /// The credential has no issuer id.
    #[error("the credential has no issuer id (`issuer` or `issuer.id`)")]
    MissingIssuer,
    /// The verification method is not controlled by the credential's issuer.
    #[error("verification method {method} is not controlled by the issuer {issuer}")]
    MethodNotControlledByIssuer {
        /// The method id.
        method: String,
        /// The issuer id.
        issuer: String,
    },
    /// The key resolver could not give a key for the method.
    #[error("verification method {method}: {reason}")]
    UnresolvedMethod {
        /// The method id.
        method: String,
        /// Why.
        reason: String,
    },
    /// The method's key (or the signer) is not Ed25519.
    #[error("verification method {method}: the eddsa cryptosuites need an Ed25519 key")]
    WrongKeyType {
        /// The method id.
        method: String,
    },
    /// The signer's key is not the key of the verification method named in the options.
    #[error("the signer's key is not the key of verification method {method}")]
    SignerMismatch {
        /// The method id.
        method: String,
    },
    /// The signature does not verify.
    #[error("proof signature does not verify")]
    BadSignature,
    /// The signer failed.
    #[error(transparent)]
    Signing(#[from] SignError),
}

/// Adds a `DataIntegrityProof` to an unsigned credential, signing with an Ed25519 signer, with
/// the embedded contexts ([`ContextSet::embedded`]).
pub fn sign(
    document: &Map<String, Value>,
    signer: &dyn Signer,
    options: &ProofOptions,
) -> Result<Map<String, Value>, DataIntegrityError> {
    sign_with_contexts(document, signer, options, ContextSet::embedded())
}

/// [`sign`] of a document given by value: the proof is added to it, with no copy.
pub fn sign_owned(
    document: Map<String, Value>,
    signer: &dyn Signer,
    options: &ProofOptions,
) -> Result<Map<String, Value>, DataIntegrityError> {
    secure(document, signer, options, ContextSet::embedded())
}

/// [`sign`] with a caller-chosen [`ContextSet`].
pub fn sign_with_contexts(
    document: &Map<String, Value>,
    signer: &dyn Signer,
    options: &ProofOptions,
    contexts: &ContextSet,
) -> Result<Map<String, Value>, DataIntegrityError> {
    secure(document.clone(), signer, options, contexts)
}

fn secure(
    mut document: Map<String, Value>,
    signer: &dyn Signer,
    options: &ProofOptions,
    contexts: &ContextSet,
) -> Result<Map<String, Value>, DataIntegrityError> {
    check_size(&document)?;
    if document.contains_key("proof") {
        return Err(DataIntegrityError::AlreadySigned);
    }
    check_document_context(&document)?;
    let method = &options.verification_method;
    if signer.algorithm() != Algorithm::EdDsa {
        return Err(DataIntegrityError::WrongKeyType {
            method: method.clone(),
        });
    }
    // For self-describing methods, catch a signer/method mix-up now rather than at verification.
    if method_is_signers_did_key(method, signer) {
        // `did:key:<key>#<key>` of the signer's own key: nothing to resolve.
    } else if method.starts_with("did:key:") || method.starts_with("did:jwk:") {
        let key = resolve_offline(method)?;
        if key.jwk().thumbprint() != signer.public_jwk().thumbprint() {
            return Err(DataIntegrityError::SignerMismatch {
                method: method.clone(),
            });
        }
    }
    let mut proof = Map::new();
    proof.insert("type".into(), PROOF_TYPE.into());
    proof.insert("cryptosuite".into(), options.cryptosuite.as_str().into());
    proof.insert("created".into(), format_rfc3339(options.created).into());
    if let Some(expires) = options.expires {
        proof.insert("expires".into(), format_rfc3339(expires).into());
    }
    proof.insert("verificationMethod".into(), method.as_str().into());
    proof.insert("proofPurpose".into(), ASSERTION_METHOD.into());
    // The proof configuration is the proof with the document's contexts: eddsa-jcs-2022 keeps
    // them in the proof, eddsa-rdfc-2022 only while hashing (removed from the end, the order
    // of the rest unchanged).
    let with_context = match document.get("@context") {
        Some(context) => {
            proof.insert("@context".into(), context.clone());
            true
        }
        None => false,
    };
    let data = hash_data(options.cryptosuite, &document, &proof, contexts)?;
    if with_context && options.cryptosuite == Cryptosuite::EddsaRdfc2022 {
        proof.shift_remove("@context");
    }
    let signature = signer.try_sign(&data)?;
    proof.insert(
        "proofValue".into(),
        multibase::encode(multibase::Base::Base58Btc, signature).into(),
    );
    document.insert("proof".into(), Value::Object(proof));
    Ok(document)
}

/// Whether `method` is the `did:key` method id of the signer's own public key. The method id of
/// the last key seen on this thread is kept: a batch signs with one key, and its base58 form
/// would otherwise be computed for every credential.
fn method_is_signers_did_key(method: &str, signer: &dyn Signer) -> bool {
    thread_local! {
        static LAST: std::cell::RefCell<Option<(crate::keys::PublicJwk, String)>> =
            const { std::cell::RefCell::new(None) };
    }
    if !method.starts_with("did:key:") {
        return false;
    }
    let jwk = signer.public_jwk();
    LAST.with_borrow_mut(|last| {
        if let Some((key, id)) = last.as_ref() {
            if key == jwk {
                return id == method;
            }
        }
        let Ok(did) = crate::did::key::did_key(jwk) else {
            return false;
        };
        let id = crate::did::key::method_id(&did);
        let same = id == method;
        *last = Some((jwk.clone(), id));
        same
    })
}

/// Verifies the proof of a secured credential, with the embedded contexts: see the module
/// documentation for every check. `resolve_key` maps a verification method id to its key (for
/// `did:key` / `did:jwk` pass [`resolve_offline`]; for `did:web`, [`did_resolver_keys`]).
pub fn verify(
    document: &Map<String, Value>,
    resolve_key: &dyn Fn(&str) -> Result<PublicKey, DataIntegrityError>,
    clock: &dyn Clock,
) -> Result<VerifiedDataIntegrity, DataIntegrityError> {
    verify_with_contexts(document, resolve_key, clock, ContextSet::embedded())
}

/// [`verify`] with a caller-chosen [`ContextSet`].
pub fn verify_with_contexts(
    document: &Map<String, Value>,
    resolve_key: &dyn Fn(&str) -> Result<PublicKey, DataIntegrityError>,
    clock: &dyn Clock,
    contexts: &ContextSet,
) -> Result<VerifiedDataIntegrity, DataIntegrityError> {
    verify_inner(document.clone(), resolve_key, clock, contexts, true)
}

/// [`verify`] of a document given by value: the verified document is the same map with its
/// `proof` removed, with no copy.
pub fn verify_owned(
    document: Map<String, Value>,
    resolve_key: &dyn Fn(&str) -> Result<PublicKey, DataIntegrityError>,
    clock: &dyn Clock,
) -> Result<VerifiedDataIntegrity, DataIntegrityError> {
    verify_inner(document, resolve_key, clock, ContextSet::embedded(), true)
}

/// Doors that skip a check, for tests and for callers that make the check themselves.
pub mod danger {
    use super::*;

    /// Verifies the proof but **not** that the credential's issuer controls the verification
    /// method: anyone with a key can make such a proof over any issuer's name. For test vectors
    /// (the W3C ones name an issuer that is not the key's controller) and for callers that
    /// establish control another way.
    pub fn verify_proof_only(
        document: &Map<String, Value>,
        resolve_key: &dyn Fn(&str) -> Result<PublicKey, DataIntegrityError>,
        clock: &dyn Clock,
        contexts: &ContextSet,
    ) -> Result<VerifiedDataIntegrity, DataIntegrityError> {
        verify_inner(document.clone(), resolve_key, clock, contexts, false)
    }
}

/// The two JSON-LD to RDF paths side by side, for the differential tests (not a stable API).
#[doc(hidden)]
pub mod differential {
    use super::*;

    /// Whether the fast path's safe-mode check (the walk without keeping quads, as
    /// eddsa-jcs-2022 runs it) passes the document; `false` sends it to the `json-ld` crate.
    pub fn fast_check(document: &Map<String, Value>, contexts: &ContextSet) -> bool {
        super::fast::check(document, contexts).is_ok()
    }

    /// Canonical N-Quads through the fast path, `None` when it does not handle the document.
    pub fn fast_nquads(document: &Map<String, Value>, contexts: &ContextSet) -> Option<String> {
        rdfc::canonical_nquads_fast(document, contexts)
    }

    /// Canonical N-Quads through the `json-ld` crate only (the reference), safe mode included.
    pub fn reference_nquads(
        document: &Map<String, Value>,
        contexts: &ContextSet,
    ) -> Result<String, DataIntegrityError> {
        rdfc::canonical_nquads_json_ld(document, contexts)
    }
}

/// The canonical form of a document under a cryptosuite: RDFC-1.0 N-Quads, or JCS text. The
/// JSON-LD safe-mode checks run for both.
pub fn canonicalize(
    cryptosuite: Cryptosuite,
    document: &Map<String, Value>,
    contexts: &ContextSet,
) -> Result<String, DataIntegrityError> {
    check_size(document)?;
    canonical_form(cryptosuite, document, contexts)
}

/// [`canonicalize`] of a document whose size was checked (as part of a whole one).
fn canonical_form(
    cryptosuite: Cryptosuite,
    document: &Map<String, Value>,
    contexts: &ContextSet,
) -> Result<String, DataIntegrityError> {
    match cryptosuite {
        Cryptosuite::EddsaRdfc2022 => rdfc::canonical_nquads(document, contexts),
        Cryptosuite::EddsaJcs2022 => {
            // The signature covers the JSON; expansion alone gives the safe-mode checks.
            rdfc::check_safe_mode(document, contexts)?;
            Ok(jcs(document))
        }
    }
}

fn jcs(document: &Map<String, Value>) -> String {
    crate::jcs::object_to_string(document)
}

/// Resolves `did:key` and `did:jwk` verification methods offline (the method must be an
/// assertion method of the DID's document). Anything else is [`DataIntegrityError::UnresolvedMethod`].
pub fn resolve_offline(method: &str) -> Result<PublicKey, DataIntegrityError> {
    resolve_with(&crate::did::OfflineResolver, method)
}

/// A key resolver backed by a [`DidResolver`] (for `did:web`, the verifier's fetching resolver):
/// the method must be listed under `assertionMethod` and controlled by its DID.
pub fn did_resolver_keys(
    resolver: &dyn DidResolver,
) -> impl Fn(&str) -> Result<PublicKey, DataIntegrityError> + '_ {
    move |method: &str| resolve_with(resolver, method)
}

fn resolve_with(resolver: &dyn DidResolver, method: &str) -> Result<PublicKey, DataIntegrityError> {
    let unresolved = |reason: String| DataIntegrityError::UnresolvedMethod {
        method: method.to_owned(),
        reason,
    };
    let did = Did::parse(method).map_err(|e| unresolved(e.to_string()))?;
    let document = resolver
        .resolve(&did)
        .map_err(|e| unresolved(e.to_string()))?;
    document
        .assertion_key(method)
        .map_err(|e| unresolved(e.to_string()))
}

/// Most proofs accepted in one proof set or chain.
pub const MAX_PROOFS: usize = 16;

fn verify_inner(
    mut document: Map<String, Value>,
    resolve_key: &dyn Fn(&str) -> Result<PublicKey, DataIntegrityError>,
    clock: &dyn Clock,
    contexts: &ContextSet,
    check_issuer: bool,
) -> Result<VerifiedDataIntegrity, DataIntegrityError> {
    check_size(&document)?;
    check_document_context(&document)?;
    // What is left once the proof is taken out is the unsecured document.
    let proof = document.shift_remove("proof");
    let unsecured = document;
    let proofs: Vec<&Map<String, Value>> = match &proof {
        None => return Err(DataIntegrityError::MissingProof),
        Some(Value::Object(proof)) => vec![proof],
        Some(Value::Array(items)) => proof_set(items)?,
        Some(_) => {
            return Err(DataIntegrityError::MalformedProof {
                field: "proof",
                reason: "must be an object or an array of objects".into(),
            })
        }
    };
    // The issuer must control the method of one of the proofs: checked first (cheap, and the
    // more telling reason when an attacker signed someone else's credential).
    let issuer = if check_issuer {
        let issuer = issuer_id(&unsecured).ok_or(DataIntegrityError::MissingIssuer)?;
        let controlled = proofs.iter().any(|p| {
            p.get("verificationMethod")
                .and_then(Value::as_str)
                .map(method_controller)
                == Some(issuer)
        });
        if !controlled {
            let method = proofs
                .first()
                .and_then(|p| p.get("verificationMethod"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            return Err(DataIntegrityError::MethodNotControlledByIssuer {
                method: method.to_owned(),
                issuer: issuer.to_owned(),
            });
        }
        Some(issuer)
    } else {
        None
    };
    // Every proof of a set or chain must verify (Data Integrity §4.5). A chained proof signs the
    // document together with the proofs its `previousProof` names.
    let mut verified = Vec::with_capacity(proofs.len());
    for proof in &proofs {
        let input = chain_input(&unsecured, proof, &proofs)?;
        verified.push(verify_one(&input, proof, resolve_key, clock, contexts)?);
    }
    let position = issuer
        .and_then(|issuer| {
            verified
                .iter()
                .position(|facts| method_controller(&facts.verification_method) == issuer)
        })
        .unwrap_or(0);
    if position >= verified.len() {
        return Err(DataIntegrityError::MissingProof);
    }
    let chosen = verified.swap_remove(position);
    Ok(VerifiedDataIntegrity {
        document: unsecured,
        ..chosen
    })
}

/// The proofs of a proof set (or chain): 1 to [`MAX_PROOFS`] objects.
fn proof_set(items: &[Value]) -> Result<Vec<&Map<String, Value>>, DataIntegrityError> {
    if items.is_empty() {
        return Err(DataIntegrityError::MissingProof);
    }
    if items.len() > MAX_PROOFS {
        return Err(DataIntegrityError::MalformedProof {
            field: "proof",
            reason: format!(
                "{} proofs, more than the {MAX_PROOFS} accepted",
                items.len()
            ),
        });
    }
    items
        .iter()
        .map(|item| {
            item.as_object()
                .ok_or_else(|| DataIntegrityError::MalformedProof {
                    field: "proof",
                    reason: "each proof of a set must be an object".into(),
                })
        })
        .collect()
}

/// The document a proof signed: without proofs, or with the ones its `previousProof` names.
fn chain_input<'a>(
    unsecured: &'a Map<String, Value>,
    proof: &Map<String, Value>,
    all: &[&Map<String, Value>],
) -> Result<std::borrow::Cow<'a, Map<String, Value>>, DataIntegrityError> {
    let previous: Vec<&str> = match proof.get("previousProof") {
        None => return Ok(std::borrow::Cow::Borrowed(unsecured)),
        Some(Value::String(id)) => vec![id.as_str()],
        Some(Value::Array(ids)) => ids.iter().filter_map(Value::as_str).collect(),
        Some(_) => {
            return Err(DataIntegrityError::MalformedProof {
                field: "previousProof",
                reason: "must be a proof id or an array of them".into(),
            })
        }
    };
    let mut matching = Vec::with_capacity(previous.len());
    for id in previous {
        let found = all
            .iter()
            .find(|p| p.get("id").and_then(Value::as_str) == Some(id))
            .ok_or_else(|| DataIntegrityError::MalformedProof {
                field: "previousProof",
                reason: format!("no proof with id {id} in the document"),
            })?;
        matching.push(Value::Object((*found).clone()));
    }
    let mut input = unsecured.clone();
    let proofs = match matching.len() {
        1 => matching.pop().unwrap_or(Value::Null),
        _ => Value::Array(matching),
    };
    input.insert("proof".into(), proofs);
    Ok(std::borrow::Cow::Owned(input))
}

/// Checks one proof over `input` (the document as that proof signed it).
fn verify_one(
    input: &Map<String, Value>,
    proof: &Map<String, Value>,
    resolve_key: &dyn Fn(&str) -> Result<PublicKey, DataIntegrityError>,
    clock: &dyn Clock,
    contexts: &ContextSet,
) -> Result<VerifiedDataIntegrity, DataIntegrityError> {
    let proof_type = proof_str(proof, "type")?;
    if proof_type != PROOF_TYPE {
        return Err(DataIntegrityError::UnsupportedProofType {
            found: proof_type.to_owned(),
        });
    }
    let cryptosuite: Cryptosuite = proof_str(proof, "cryptosuite")?.parse()?;
    let purpose = proof_str(proof, "proofPurpose")?;
    if purpose != ASSERTION_METHOD {
        return Err(DataIntegrityError::WrongProofPurpose {
            found: purpose.to_owned(),
        });
    }
    let method = proof_str(proof, "verificationMethod")?;
    let signature = decode_proof_value(proof_str(proof, "proofValue")?)?;
    let now = clock.now();
    let created = proof_time(proof, "created")?;
    if let Some((text, t)) = &created {
        if *t > now.saturating_add(CLOCK_SKEW_SECONDS) {
            return Err(DataIntegrityError::CreatedInFuture {
                created: (*text).to_owned(),
            });
        }
    }
    let expires = proof_time(proof, "expires")?;
    if let Some((text, t)) = &expires {
        if *t < now.saturating_sub(CLOCK_SKEW_SECONDS) {
            return Err(DataIntegrityError::Expired {
                expires: (*text).to_owned(),
            });
        }
    }
    if let Some(proof_context) = proof.get("@context") {
        if input.get("@context") != Some(proof_context) {
            return Err(DataIntegrityError::ProofContextMismatch {
                reason: format!(
                    "proof has {proof_context}, document has {}",
                    input.get("@context").unwrap_or(&Value::Null)
                ),
            });
        }
    }
    let key = resolve_key(method)?;
    if !matches!(key, PublicKey::Ed25519 { .. }) {
        return Err(DataIntegrityError::WrongKeyType {
            method: method.to_owned(),
        });
    }
    let mut config = proof.clone();
    config.remove("proofValue");
    let data = hash_data(cryptosuite, input, &config, contexts)?;
    if !key.verify(&data, &signature) {
        return Err(DataIntegrityError::BadSignature);
    }
    Ok(VerifiedDataIntegrity {
        document: Map::new(),
        cryptosuite,
        verification_method: method.to_owned(),
        created: created.map(|(_, t)| t),
        expires: expires.map(|(_, t)| t),
        public_key: key,
    })
}

/// `SHA-256(canonical proof configuration) ‖ SHA-256(canonical document)`, the data signed.
fn hash_data(
    cryptosuite: Cryptosuite,
    document: &Map<String, Value>,
    config: &Map<String, Value>,
    contexts: &ContextSet,
) -> Result<Vec<u8>, DataIntegrityError> {
    // The document first, so that its own errors (undefined terms…) are the ones reported.
    let canonical_document = canonical_form(cryptosuite, document, contexts)?;
    // The proof configuration is read with the document's contexts (RDFC: it is given them, as
    // the suite says; JCS: it carries them, or is signed without them but still checked).
    // Copied only when it does not already carry exactly the document's (as both callers'
    // configurations do).
    let with_context = match document.get("@context") {
        Some(context) if config.get("@context") != Some(context) => {
            let mut with_context = config.clone();
            with_context.insert("@context".into(), context.clone());
            Cow::Owned(with_context)
        }
        _ => Cow::Borrowed(config),
    };
    let config = match cryptosuite {
        Cryptosuite::EddsaRdfc2022 => canonical_form(cryptosuite, &with_context, contexts)?,
        Cryptosuite::EddsaJcs2022 => {
            rdfc::check_safe_mode(&with_context, contexts)?;
            jcs(config)
        }
    };
    let mut data = Sha256::digest(config.as_bytes()).to_vec();
    data.extend_from_slice(&Sha256::digest(canonical_document.as_bytes()));
    Ok(data)
}

fn check_size(document: &Map<String, Value>) -> Result<(), DataIntegrityError> {
    let size = size::object_len(document);
    if size > MAX_DOCUMENT_BYTES {
        return Err(DataIntegrityError::DocumentTooLarge {
            size,
            max: MAX_DOCUMENT_BYTES,
        });
    }
    Ok(())
}

/// `@context` present, and its first entry is the VCDM base context.
fn check_document_context(document: &Map<String, Value>) -> Result<(), DataIntegrityError> {
    let bad = |reason: String| Err(DataIntegrityError::BadDocumentContext { reason });
    let first = match document.get("@context") {
        None => return bad("missing".into()),
        Some(Value::Array(items)) => items.first(),
        Some(other) => Some(other),
    };
    match first.and_then(Value::as_str) {
        Some(VCDM2_CONTEXT | VCDM1_CONTEXT) => Ok(()),
        Some(other) => bad(format!(
            "the first context must be {VCDM2_CONTEXT}, found {other}"
        )),
        None => bad(format!("the first context must be the URL {VCDM2_CONTEXT}")),
    }
}

fn issuer_id(document: &Map<String, Value>) -> Option<&str> {
    match document.get("issuer")? {
        Value::String(id) => Some(id),
        Value::Object(issuer) => issuer.get("id")?.as_str(),
        _ => None,
    }
}

/// A method id without its fragment: the DID (or controller document URL) that controls it.
fn method_controller(method: &str) -> &str {
    method.split('#').next().unwrap_or(method)
}

fn proof_str<'a>(
    proof: &'a Map<String, Value>,
    field: &'static str,
) -> Result<&'a str, DataIntegrityError> {
    match proof.get(field) {
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(DataIntegrityError::MalformedProof {
            field,
            reason: "must be a string".into(),
        }),
        None => Err(DataIntegrityError::MalformedProof {
            field,
            reason: "missing".into(),
        }),
    }
}

fn proof_time<'a>(
    proof: &'a Map<String, Value>,
    field: &'static str,
) -> Result<Option<(&'a str, i64)>, DataIntegrityError> {
    if !proof.contains_key(field) {
        return Ok(None);
    }
    let text = proof_str(proof, field)?;
    let t = parse_rfc3339(text).ok_or_else(|| DataIntegrityError::MalformedProof {
        field,
        reason: format!("`{text}` is not an RFC 3339 date-time with a time zone"),
    })?;
    Ok(Some((text, t)))
}

fn decode_proof_value(text: &str) -> Result<Vec<u8>, DataIntegrityError> {
    let bad = |reason: String| DataIntegrityError::BadProofValue { reason };
    if !text.starts_with('z') {
        return Err(bad("must be base58btc multibase (start with `z`)".into()));
    }
    if text.len() > 200 {
        return Err(bad("too long for an Ed25519 signature".into()));
    }
    let (_, bytes) = multibase::decode(text).map_err(|e| bad(e.to_string()))?;
    if bytes.len() != 64 {
        return Err(bad(format!(
            "an Ed25519 signature is 64 bytes, this is {}",
            bytes.len()
        )));
    }
    Ok(bytes)
}
