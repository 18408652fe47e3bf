//! # passeport-verifier
//!
//! Employers check a career passport presentation — or a single credential — in any format
//! (`vc+sd-jwt`, `dc+sd-jwt` SD-JWT VC, `vc+jwt`, `vp+jwt`, Data Integrity `eddsa-rdfc-2022` /
//! `eddsa-jcs-2022`), from passeport or any conformant issuer, and get a [`Report`]: per
//! credential, every check named, ok or not with a reason a person can read, the disclosed claims
//! only, and an overall verdict.
//!
//! Checks: `format`, `signature`, `issuer_key` (JWK given, did:key, did:jwk, did:web, SD-JWT VC
//! issuer metadata), `trust` (the issuer is in the trust list **for this record type**),
//! `validity` (`validFrom`/`validUntil`, `nbf`/`exp`, configurable skew, any date via the clock),
//! `status` (Bitstring or Token Status List, whose own signature is checked), `holder_binding`
//! (KB-JWT or VP signature by the credential's `cnf` key, audience, nonce, freshness) and `schema`.
//!
//! Fail closed: a check that cannot run (status list unreachable, unknown key) is a failed check
//! that says so; `valid` is true only if every check ran and passed.
//!
//! ```
//! use passeport_core::keys::{KeyAlgorithm, SecretKey, Signer};
//! use passeport_core::model::RecordType;
//! use passeport_issuer::{Format, IssueRequest, Issuer};
//! use passeport_verifier::{resolve::StaticResolver, TrustList, Verifier};
//! use std::sync::Arc;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let key = SecretKey::generate(KeyAlgorithm::Ed25519)?;
//! let public = key.public_key();
//! let did = passeport_core::did::key::did_key(key.public_jwk())?;
//! let issuer = Issuer::new(Arc::new(key), did.as_str())?;
//! let subject: serde_json::Value = serde_json::from_str(include_str!(
//!     "../../../tests/vectors/domain/samples/camille-laurent/06-training-owasp.subject.json"))?;
//! let issued = issuer.issue(&IssueRequest::new(RecordType::TrainingAction, subject), Format::VcJwt)?;
//!
//! let mut trust = TrustList::new();
//! trust.add_direct_key(public);
//! let verifier = Verifier::new(trust, Arc::new(StaticResolver::new()));
//! let report = verifier.verify(&issued.credential);
//! assert!(report.valid, "{}", report.summary());
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

mod credential;
mod formats;
pub mod report;
pub mod resolve;
mod status;
pub mod trust;

pub use report::{Check, CredentialReport, Report, Verdict};
pub use trust::{TrustList, TrustedIssuer};

use passeport_core::clock::{Clock, SystemClock};
use resolve::Resolver;
use std::sync::Arc;

/// The caller's own inputs are unusable (an artefact that fails is a [`Report`], not this).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The trust list is malformed.
    #[error("trust list: {0}")]
    TrustList(String),
    /// A key given to trust is not a usable public JWK.
    #[error("issuer key: {0}")]
    IssuerKey(String),
}

/// Tolerances.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Clock skew tolerated on every time check, in seconds.
    pub leeway_secs: i64,
    /// Oldest key binding (KB-JWT `iat` or VP `iat`) accepted, in seconds.
    pub max_presentation_age_secs: i64,
    /// Check revocation / suspension (fails closed when the list cannot be had).
    pub check_status: bool,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        Self {
            leeway_secs: 60,
            max_presentation_age_secs: 3600,
            check_status: true,
        }
    }
}

/// What this verifier expects of a presentation: that it is meant for it.
#[derive(Debug, Clone, Default)]
pub struct Expectation {
    /// The audience (the verifier's id / URL) the holder must have bound the presentation to.
    pub audience: Option<String>,
    /// The nonce the verifier gave the holder.
    pub nonce: Option<String>,
}

/// Verifies credentials and presentations against a trust list.
pub struct Verifier {
    trust: TrustList,
    resolver: Arc<dyn Resolver>,
    clock: Arc<dyn Clock>,
    options: VerifyOptions,
    /// Keys of `did:key` / `did:jwk` issuers, which resolve offline to the same keys forever.
    offline_keys: credential::OfflineKeyCache,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("trust", &self.trust)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Verifier {
    /// A verifier trusting `trust`, fetching through `resolver`, on the system clock.
    pub fn new(trust: TrustList, resolver: Arc<dyn Resolver>) -> Self {
        Self {
            trust,
            resolver,
            clock: Arc::new(SystemClock),
            options: VerifyOptions::default(),
            offline_keys: credential::OfflineKeyCache::default(),
        }
    }

    /// Verifies "as of" another time (`verify --at`).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Sets tolerances.
    #[must_use]
    pub fn with_options(mut self, options: VerifyOptions) -> Self {
        self.options = options;
        self
    }

    /// The trust list.
    pub fn trust(&self) -> &TrustList {
        &self.trust
    }

    /// Verifies a credential or presentation with no audience or nonce expectation: a
    /// presentation that carries key binding then fails `holder_binding` (it is meant for a
    /// verifier we cannot identify); an issued credential verifies as issued.
    pub fn verify(&self, input: &str) -> Report {
        self.verify_with(input, &Expectation::default())
    }

    /// Verifies one credential as issued (wallet import: no presentation, no audience) and
    /// returns its report with `verified_claims` set, or the whole report when it is invalid.
    pub fn verify_issued(&self, credential: &str) -> Result<CredentialReport, Report> {
        let mut report = self.verify_keeping_claims(credential, &Expectation::default());
        match report.credentials.as_slice() {
            [only] if report.valid && only.verified_claims.is_some() => {
                report.credentials.pop().ok_or(report)
            }
            _ => Err(report),
        }
    }

    /// [`Self::verify_with`], and every credential's report keeps all its verified claims
    /// (`verified_claims`: the envelope's `validFrom`, `credentialStatus`… as well as the
    /// subject), for a verifier that needs more than `disclosed`. The other calls keep only
    /// the subject, moved into `disclosed` with no copy.
    pub fn verify_keeping_claims(&self, input: &str, expect: &Expectation) -> Report {
        formats::verify_any(self, input, expect, formats::Context::standalone(true))
    }

    /// Verifies with an audience and nonce expectation.
    pub fn verify_with(&self, input: &str, expect: &Expectation) -> Report {
        formats::verify_any(self, input, expect, formats::Context::standalone(false))
    }
}
