//! Sharing a presentation as a link: the wallet talks to a passeport service through the
//! [`LinkService`] trait, so the HTTP client lives at the edge (the CLI, or the app).

/// What the service answered to `POST /v1/presentations`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedLink {
    /// The link's id.
    pub id: String,
    /// The link (`URL/p/ID`).
    pub url: String,
    /// The secret that deletes it.
    pub delete_token: String,
}

/// A link service call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LinkError {
    /// The service could not be reached.
    #[error("cannot reach {server}: {reason}")]
    Unreachable {
        /// The service.
        server: String,
        /// What went wrong.
        reason: String,
    },
    /// The service answered with an error status.
    #[error("{server} answered {status}: {body}")]
    Refused {
        /// The service.
        server: String,
        /// HTTP status.
        status: u16,
        /// The answer's body (truncated).
        body: String,
    },
    /// The answer was not what the contract says.
    #[error("{server} answered something unexpected: {reason}")]
    BadAnswer {
        /// The service.
        server: String,
        /// What was wrong.
        reason: String,
    },
}

/// A passeport service that hosts shared presentations.
pub trait LinkService {
    /// The service's public URL: the audience of the presentations it hosts.
    fn audience(&self) -> &str;
    /// `POST /v1/presentations` with `{"presentation", "expiresIn"?}`.
    fn publish(
        &self,
        presentation: &str,
        expires_in_secs: Option<u64>,
    ) -> Result<PublishedLink, LinkError>;
    /// `DELETE /v1/presentations/{id}` with `Authorization: Bearer DELETE_TOKEN`.
    fn delete(&self, link_id: &str, delete_token: &str) -> Result<(), LinkError>;
}
