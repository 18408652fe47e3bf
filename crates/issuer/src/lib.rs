//! # passeport-issuer
//!
//! Certification bodies, schools and employers sign passport records (diplomas, certifications,
//! training actions, jobs, internships, habilitations) as W3C Verifiable Credentials (VCDM 2.0),
//! in the format the holder's wallet wants:
//!
//! | [`Format`] | what |
//! | --- | --- |
//! | `vc+sd-jwt` (default) | VCDM 2.0 credential secured with SD-JWT; claims selectively disclosable per the record type's `x-sd` policy |
//! | `dc+sd-jwt` | SD-JWT VC (`vct`, `iss`, `cnf`, `status`), for EUDI-style wallets |
//! | `vc+jwt` | VC-JOSE-COSE: the credential is the JWS payload |
//! | `di-eddsa-rdfc-2022`, `di-eddsa-jcs-2022` | JSON-LD credential with a Data Integrity proof |
//!
//! The subject is validated against the record type's JSON Schema before anything is signed.
//!
//! ```
//! use passeport_core::keys::{KeyAlgorithm, SecretKey};
//! use passeport_core::model::RecordType;
//! use passeport_issuer::{Format, IssueRequest, Issuer};
//! use std::sync::Arc;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let key = SecretKey::generate(KeyAlgorithm::Ed25519)?;
//! let did = passeport_core::did::key::did_key(passeport_core::keys::Signer::public_jwk(&key))?;
//! let issuer = Issuer::new(Arc::new(key), did.as_str())?;
//! let subject = serde_json::json!({
//!     "type": ["AchievementSubject"],
//!     "identifier": [{"type": "IdentityObject", "hashed": false,
//!                     "identityHash": "Camille Laurent", "identityType": "name"}],
//!     "achievement": {
//!         "id": "https://passeport.example/achievements/owasp",
//!         "type": ["Achievement"], "achievementType": "Course",
//!         "name": "Sécurité des applications web (OWASP Top 10)",
//!         "description": "Formation de 21 heures.",
//!         "criteria": {"narrative": "Présence et évaluation finale."}
//!     },
//!     "actionCategory": "ACTION_DE_FORMATION",
//!     "trainingModality": "PRESENTIEL",
//!     "workload": "PT21H",
//!     "activityStartDate": "2025-03-10T00:00:00Z",
//!     "activityEndDate": "2025-03-12T00:00:00Z"
//! });
//! let request = IssueRequest::new(RecordType::TrainingAction, subject);
//! let issued = issuer.issue(&request, Format::VcJwt)?;
//! assert_eq!(issued.credential.split('.').count(), 3);
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

mod envelope;
mod format;

pub use format::Format;

use envelope::Envelope;
use passeport_core::clock::{Clock, SystemClock};
use passeport_core::keys::{PublicJwk, Signer};
use passeport_core::model::{RecordType, StatusEntry};
use passeport_core::schema::SchemaError;
use serde_json::{Map, Value};
use std::sync::Arc;

/// Why a credential could not be issued.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IssueError {
    /// The subject does not fit the record type's schema.
    #[error("subject does not fit the {record} schema: {source}")]
    Schema {
        /// The record type.
        record: RecordType,
        /// Which field and why.
        #[source]
        source: SchemaError,
    },
    /// The subject is not a JSON object.
    #[error("the subject must be a JSON object")]
    SubjectNotObject,
    /// The issuer id is not a DID or an HTTPS URL.
    #[error("issuer id `{0}` must be a DID or an https:// URL")]
    BadIssuerId(String),
    /// The requested validity ends before it starts.
    #[error("validUntil ({until}) is not after validFrom ({from})")]
    BadValidity {
        /// validFrom.
        from: String,
        /// validUntil.
        until: String,
    },
    /// The signer's key cannot make this format (Data Integrity eddsa needs Ed25519).
    #[error("format {format} needs an {needed} key")]
    WrongKeyForFormat {
        /// The format.
        format: Format,
        /// The key it needs.
        needed: &'static str,
    },
    /// The format is not available in this build.
    #[error("format {0} is not available yet")]
    Unsupported(Format),
    /// Signing or encoding failed.
    #[error("signing failed: {0}")]
    Signing(String),
}

/// A reference into an IETF Token Status List (SD-JWT VC `status.status_list`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenStatusRef {
    /// The status list token URL.
    pub uri: String,
    /// The index in it.
    pub idx: u64,
}

/// Status entries allocated for a credential (by the service).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusClaims {
    /// W3C Bitstring Status List entry (VCDM formats), normally `statusPurpose: revocation`.
    pub bitstring: Option<StatusEntry>,
    /// A second W3C Bitstring Status List entry with `statusPurpose: suspension` (VCDM formats),
    /// pointing into a separate list. When both this and [`Self::bitstring`] are set,
    /// `credentialStatus` is an array of the two entries (W3C Bitstring Status List §2.1).
    pub bitstring_suspension: Option<StatusEntry>,
    /// IETF Token Status List reference (SD-JWT VC).
    pub token: Option<TokenStatusRef>,
}

/// What to issue.
#[derive(Debug, Clone)]
pub struct IssueRequest {
    /// The record type.
    pub record_type: RecordType,
    /// The credential subject data (validated against the type's schema).
    pub subject: Value,
    /// The holder's public key, to bind the credential to (`cnf.jwk`).
    pub holder: Option<PublicJwk>,
    /// End of validity (Unix seconds).
    pub valid_until: Option<i64>,
    /// The credential id (`urn:uuid:…` made when absent).
    pub credential_id: Option<String>,
    /// Status entries.
    pub status: StatusClaims,
}

impl IssueRequest {
    /// SHA-256 (base64url) of the subject's JCS form (RFC 8785): an audit trail of what was
    /// signed, without the claim values. Computed on demand: issuing does not need it.
    pub fn subject_digest(&self) -> String {
        envelope::subject_digest(&self.subject)
    }

    /// A request with just a type and a subject.
    pub fn new(record_type: RecordType, subject: Value) -> Self {
        Self {
            record_type,
            subject,
            holder: None,
            valid_until: None,
            credential_id: None,
            status: StatusClaims::default(),
        }
    }
}

/// An issued credential.
#[derive(Debug, Clone)]
pub struct IssuedCredential {
    /// The credential id (`urn:uuid:…`).
    pub id: String,
    /// Its format.
    pub format: Format,
    /// The record type.
    pub record_type: RecordType,
    /// The credential: compact JWS / SD-JWT, or compact JSON text (one line) for Data Integrity.
    pub credential: String,
    /// Issued at (Unix seconds).
    pub issued_at: i64,
}

/// An issuer: a signing key and the id (DID or HTTPS URL) it signs as.
pub struct Issuer {
    signer: Arc<dyn Signer>,
    id: String,
    /// The `issuer` object of credentials: profile, `id` and `type`.
    issuer_object: Value,
    kid: Option<String>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Issuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issuer")
            .field("id", &self.id)
            .field("kid", &self.kid)
            .field("key", self.signer.public_jwk())
            .finish_non_exhaustive()
    }
}

impl Issuer {
    /// An issuer signing as `id` (a DID or an https URL). For `did:key` and `did:jwk` issuers the
    /// `kid` (verification method) is derived; for others set it with [`Issuer::with_kid`].
    pub fn new(signer: Arc<dyn Signer>, id: &str) -> Result<Self, IssueError> {
        let kid = if id.starts_with("did:") {
            let did = passeport_core::did::Did::parse(id)
                .map_err(|_| IssueError::BadIssuerId(id.to_owned()))?;
            match did.method() {
                "key" => Some(passeport_core::did::key::method_id(&did)),
                "jwk" => Some(format!("{did}#0")),
                _ => Some(format!("{did}#key-1")),
            }
        } else if id.starts_with("https://")
            || id.starts_with("http://localhost")
            || id.starts_with("http://127.0.0.1")
        {
            None
        } else {
            return Err(IssueError::BadIssuerId(id.to_owned()));
        };
        Ok(Self {
            signer,
            id: id.to_owned(),
            issuer_object: envelope::issuer_object(id, &Map::new()),
            kid,
            clock: Arc::new(SystemClock),
        })
    }

    /// Sets the issuer profile shown in credentials (`name`, `otherIdentifier`, `address`…).
    #[must_use]
    pub fn with_profile(mut self, profile: Map<String, Value>) -> Self {
        self.issuer_object = envelope::issuer_object(&self.id, &profile);
        self
    }

    /// Sets the `kid` (verification method id) written in JWS headers and proofs.
    #[must_use]
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// Uses another clock (tests).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The issuer id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The verification method id, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The signer.
    pub fn signer(&self) -> &Arc<dyn Signer> {
        &self.signer
    }

    /// Validates the subject and builds the unsigned VCDM 2.0 credential.
    pub fn build_credential(
        &self,
        request: &IssueRequest,
    ) -> Result<(String, Map<String, Value>), IssueError> {
        let envelope = Envelope::build(self, request, self.clock.now())?;
        Ok((envelope.id.clone(), envelope.into_map()))
    }

    /// [`Self::issue`] of a request given by value, with the same result: a Data Integrity
    /// credential then takes the request's subject as it is, where `issue` copies it out of the
    /// borrowed request (the other formats copy nothing either way). For callers that are done
    /// with the request, such as a batch.
    pub fn issue_owned(
        &self,
        mut request: IssueRequest,
        format: Format,
    ) -> Result<IssuedCredential, IssueError> {
        if !format.is_json() {
            return self.issue(&request, format);
        }
        let now = self.clock.now();
        let envelope = Envelope::build(self, &request, now)?;
        let id = envelope.id.clone();
        let mut document = envelope.into_map_without_subject();
        document.insert(
            "credentialSubject".into(),
            std::mem::take(&mut request.subject),
        );
        let text = format::data_integrity(self, request.holder.as_ref(), document, format, now)?;
        Ok(IssuedCredential::new(
            id,
            format,
            request.record_type,
            text,
            now,
        ))
    }

    /// Validates and signs a record in `format`.
    pub fn issue(
        &self,
        request: &IssueRequest,
        format: Format,
    ) -> Result<IssuedCredential, IssueError> {
        let now = self.clock.now();
        let envelope = Envelope::build(self, request, now)?;
        let id = envelope.id.clone();
        let text = format::secure(self, request, envelope, format, now)?;
        Ok(IssuedCredential::new(
            id,
            format,
            request.record_type,
            text,
            now,
        ))
    }
}

impl IssuedCredential {
    fn new(
        id: String,
        format: Format,
        record_type: RecordType,
        credential: String,
        issued_at: i64,
    ) -> Self {
        Self {
            id,
            format,
            record_type,
            credential,
            issued_at,
        }
    }
}
