//! What the wallet keeps, once decrypted: credentials, holder notes, shared links, the log.

use passeport_core::model::RecordType;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How a stored credential is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum CredentialFormat {
    /// VCDM 2.0 secured with SD-JWT (`vc+sd-jwt`).
    VcSdJwt,
    /// SD-JWT VC (`dc+sd-jwt`).
    DcSdJwt,
    /// VC-JOSE-COSE (`vc+jwt`).
    VcJwt,
    /// A JSON-LD credential with a Data Integrity proof.
    DataIntegrity,
}

impl CredentialFormat {
    /// The name used in reports (`vc+sd-jwt`, …, `data-integrity`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VcSdJwt => "vc+sd-jwt",
            Self::DcSdJwt => "dc+sd-jwt",
            Self::VcJwt => "vc+jwt",
            Self::DataIntegrity => "data-integrity",
        }
    }

    /// Whether the holder can hide claims (SD-JWT forms).
    pub fn is_sd_jwt(self) -> bool {
        matches!(self, Self::VcSdJwt | Self::DcSdJwt)
    }

    /// The media type in an enveloped presentation's `data:` URL, `None` for JSON credentials
    /// (embedded as they are).
    pub fn media_type(self) -> Option<&'static str> {
        match self {
            Self::VcSdJwt => Some("application/vc+sd-jwt"),
            Self::DcSdJwt => Some("application/dc+sd-jwt"),
            Self::VcJwt => Some("application/vc+jwt"),
            Self::DataIntegrity => None,
        }
    }
}

/// A verified credential in the wallet.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialRecord {
    /// The wallet's opaque id for it.
    pub id: String,
    /// How it is secured.
    pub format: CredentialFormat,
    /// The credential exactly as issued (compact string or JSON text).
    pub credential: String,
    /// The issuer's id (DID or URL).
    pub issuer: String,
    /// The issuer's name, when the credential gives one.
    pub issuer_name: Option<String>,
    /// `type` (VCDM) or `vct` (SD-JWT VC).
    pub types: Vec<String>,
    /// The passport record type, when it is one of the six.
    pub record_type: Option<RecordType>,
    /// The credential subject, every claim included.
    pub subject: Value,
    /// JSON pointers into [`Self::subject`] of the claims the holder may hide.
    pub disclosable: Vec<String>,
    /// `validFrom` (or `iat`), RFC 3339.
    pub valid_from: Option<String>,
    /// `validUntil` (or `exp`), RFC 3339.
    pub valid_until: Option<String>,
    /// When it was imported, Unix seconds.
    pub imported_at: i64,
}

impl CredentialRecord {
    /// The record's title: `achievement.name`, else `name`, else the record type's label.
    pub fn title(&self) -> String {
        self.subject
            .pointer("/achievement/name")
            .or_else(|| self.subject.get("name"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| self.record_type.map(|r| r.label_en().to_owned()))
            .unwrap_or_else(|| self.types.last().cloned().unwrap_or_default())
    }

    /// Whether the claim at `pointer` is selectively disclosable.
    pub fn is_disclosable(&self, pointer: &str) -> bool {
        self.disclosable.iter().any(|p| p == pointer)
    }
}

/// A filter for [`crate::Wallet::credentials`]; empty matches everything.
#[derive(Debug, Clone, Default)]
pub struct CredentialFilter {
    /// Only this record type.
    pub record_type: Option<RecordType>,
    /// Only issuers whose id or name contains this (case-insensitive).
    pub issuer: Option<String>,
    /// Only credentials valid from this date (RFC 3339 prefix compare) or later.
    pub since: Option<String>,
    /// Only credentials valid from before this date.
    pub until: Option<String>,
}

impl CredentialFilter {
    /// Whether `record` passes.
    pub fn matches(&self, record: &CredentialRecord) -> bool {
        if let Some(wanted) = self.record_type {
            if record.record_type != Some(wanted) {
                return false;
            }
        }
        if let Some(issuer) = &self.issuer {
            let needle = issuer.to_lowercase();
            let hit = record.issuer.to_lowercase().contains(&needle)
                || record
                    .issuer_name
                    .as_deref()
                    .is_some_and(|n| n.to_lowercase().contains(&needle));
            if !hit {
                return false;
            }
        }
        let from = record.valid_from.as_deref().unwrap_or("");
        if let Some(since) = &self.since {
            if from < since.as_str() {
                return false;
            }
        }
        if let Some(until) = &self.until {
            if from >= until.as_str() {
                return false;
            }
        }
        true
    }
}

/// What a holder note is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum NoteKind {
    /// A training proposal from a professional interview.
    TrainingProposal,
    /// A skill the holder describes.
    Skill,
    /// Anything else.
    Other,
}

impl NoteKind {
    /// French label.
    pub fn label_fr(self) -> &'static str {
        match self {
            Self::TrainingProposal => "Proposition de formation",
            Self::Skill => "Compétence",
            Self::Other => "Note",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Self::TrainingProposal => "Training proposal",
            Self::Skill => "Skill",
            Self::Other => "Note",
        }
    }
}

/// Something the holder wrote: self-declared, never verified.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HolderNote {
    /// Opaque id.
    pub id: String,
    /// What it is.
    pub kind: NoteKind,
    /// A short title.
    pub title: String,
    /// Free text.
    pub text: String,
    /// When written, Unix seconds.
    pub created_at: i64,
}

/// A presentation shared as a link on a passeport service.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SharedLink {
    /// The service's id of the link.
    pub id: String,
    /// The link (`URL/p/ID`).
    pub url: String,
    /// The service's base URL.
    pub server: String,
    /// The secret that deletes the link.
    pub delete_token: String,
    /// The credentials it shows.
    pub credential_ids: Vec<String>,
    /// The claims it discloses (pointers), per credential id.
    pub disclosed: Vec<(String, Vec<String>)>,
    /// When shared, Unix seconds.
    pub created_at: i64,
    /// When it expires, Unix seconds, if it does.
    pub expires_at: Option<i64>,
    /// When the holder deleted it.
    pub deleted_at: Option<i64>,
}

/// What a log entry records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "action")]
#[non_exhaustive]
pub enum LogAction {
    /// The wallet was created.
    Created,
    /// A credential was imported.
    Import {
        /// Its id.
        credential: String,
        /// Its issuer.
        issuer: String,
    },
    /// An import was refused.
    ImportRefused {
        /// Why.
        reason: String,
    },
    /// A presentation was made.
    Present {
        /// The credentials shown.
        credentials: Vec<String>,
        /// The audience.
        audience: String,
        /// The claims disclosed, per credential.
        disclosed: Vec<(String, Vec<String>)>,
    },
    /// A presentation was shared as a link.
    Share {
        /// The link.
        url: String,
        /// The credentials shown.
        credentials: Vec<String>,
    },
    /// A link was deleted.
    Unshare {
        /// The link.
        url: String,
    },
    /// A credential was removed.
    Remove {
        /// Its id.
        credential: String,
    },
    /// A holder note was written.
    Note {
        /// Its id.
        note: String,
    },
    /// A backup was written.
    Export,
    /// The wallet was rebuilt from a backup.
    Restore,
    /// The passphrase or its key derivation changed.
    Rekey,
}

/// One entry of the transaction log.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEntry {
    /// When, Unix seconds.
    pub at: i64,
    /// Ordering among entries of the same second.
    pub seq: u64,
    /// What happened.
    #[serde(flatten)]
    pub action: LogAction,
}
