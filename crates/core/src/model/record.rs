use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The six kinds of record a career passport holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RecordType {
    /// A diploma or title from initial education (RNCP).
    Diploma,
    /// A professional certification (RNCP or RS), including VAE.
    ProfessionalCertification,
    /// A training action: its nature and duration.
    TrainingAction,
    /// A job held, with the competences it involved.
    EmploymentRecord,
    /// An internship (stage, PFMP).
    Internship,
    /// A professional authorisation (habilitation électrique, CACES®, autorisation de conduite).
    Habilitation,
}

/// A record type name that is not one of the six.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown record type `{0}` (expected one of Diploma, ProfessionalCertification, TrainingAction, EmploymentRecord, Internship, Habilitation)")]
pub struct UnknownRecordType(pub String);

/// What comes before and after a record type's slug in its `vct`.
const VCT_PREFIX: &str = "https://passeport.example/vct/";
const VCT_SUFFIX: &str = "/v1";

impl RecordType {
    /// All six, in CV order.
    pub const ALL: [Self; 6] = [
        Self::Diploma,
        Self::ProfessionalCertification,
        Self::TrainingAction,
        Self::EmploymentRecord,
        Self::Internship,
        Self::Habilitation,
    ];

    /// The CLI / API name (`Diploma`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Diploma => "Diploma",
            Self::ProfessionalCertification => "ProfessionalCertification",
            Self::TrainingAction => "TrainingAction",
            Self::EmploymentRecord => "EmploymentRecord",
            Self::Internship => "Internship",
            Self::Habilitation => "Habilitation",
        }
    }

    /// The credential `type` (`DiplomaCredential`).
    pub fn credential_type(self) -> &'static str {
        match self {
            Self::Diploma => "DiplomaCredential",
            Self::ProfessionalCertification => "ProfessionalCertificationCredential",
            Self::TrainingAction => "TrainingActionCredential",
            Self::EmploymentRecord => "EmploymentRecordCredential",
            Self::Internship => "InternshipCredential",
            Self::Habilitation => "HabilitationCredential",
        }
    }

    /// File stem of the schema and type metadata (`employment-record`).
    pub fn slug(self) -> &'static str {
        match self {
            Self::Diploma => "diploma",
            Self::ProfessionalCertification => "professional-certification",
            Self::TrainingAction => "training-action",
            Self::EmploymentRecord => "employment-record",
            Self::Internship => "internship",
            Self::Habilitation => "habilitation",
        }
    }

    /// The SD-JWT VC type (`vct`).
    pub fn vct(self) -> String {
        format!("{VCT_PREFIX}{}{VCT_SUFFIX}", self.slug())
    }

    /// Whether `text` is [`Self::vct`], without building it.
    pub fn is_vct(self, text: &str) -> bool {
        text.strip_prefix(VCT_PREFIX)
            .and_then(|rest| rest.strip_suffix(VCT_SUFFIX))
            == Some(self.slug())
    }

    /// The `$id` of the record's JSON Schema.
    pub fn schema_id(self) -> String {
        format!(
            "https://passeport.example/schemas/v1/{}.schema.json",
            self.slug()
        )
    }

    /// French label.
    pub fn label_fr(self) -> &'static str {
        match self {
            Self::Diploma => "Diplômes et titres",
            Self::ProfessionalCertification => "Certifications professionnelles",
            Self::TrainingAction => "Actions de formation",
            Self::EmploymentRecord => "Expériences professionnelles",
            Self::Internship => "Stages",
            Self::Habilitation => "Habilitations",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Self::Diploma => "Diplomas and titles",
            Self::ProfessionalCertification => "Professional certifications",
            Self::TrainingAction => "Training actions",
            Self::EmploymentRecord => "Work experience",
            Self::Internship => "Internships",
            Self::Habilitation => "Professional authorisations",
        }
    }

    /// The record type of a credential from its `type` list or `vct`.
    pub fn from_types<'a>(types: impl IntoIterator<Item = &'a str>) -> Option<Self> {
        types.into_iter().find_map(|t| {
            Self::ALL
                .into_iter()
                .find(|r| r.credential_type() == t || r.is_vct(t))
        })
    }
}

impl FromStr for RecordType {
    type Err = UnknownRecordType;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|r| r.name() == s || r.credential_type() == s || r.slug() == s)
            .ok_or_else(|| UnknownRecordType(s.to_owned()))
    }
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vct_names_its_own_record_type_only() {
        for record in RecordType::ALL {
            let vct = record.vct();
            assert_eq!(RecordType::from_types([vct.as_str()]), Some(record));
            for other in RecordType::ALL {
                assert_eq!(other.is_vct(&vct), other == record, "{other} / {vct}");
            }
            assert!(!record.is_vct(&format!("{vct}/")));
            assert!(!record.is_vct(&vct.replace("/v1", "/v2")));
            assert!(!record.is_vct(record.slug()));
        }
    }
}
