//! One error type for every handler, rendered as an RFC 9457 problem (`application/problem+json`).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// The media type of problem details.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// What went wrong in a request. Input errors name the field; internal ones are logged and
/// answered generically.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// No bearer token, or one we do not know.
    #[error("a valid bearer token is required")]
    Unauthorized,
    /// The token is valid but may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// No such resource (or not visible to this token).
    #[error("{0} not found")]
    NotFound(String),
    /// A resource that existed is gone for good.
    #[error("{0} is gone")]
    Gone(String),
    /// The request body is not usable (malformed JSON).
    #[error("{detail}")]
    BadRequest {
        /// What is wrong.
        detail: String,
    },
    /// A field does not fit (wrong type, schema violation, unknown value).
    #[error("field `{field}`: {detail}")]
    Invalid {
        /// JSON pointer of the failing field, in the request body (`/subject/achievement/name`).
        field: String,
        /// What is wrong.
        detail: String,
    },
    /// The request conflicts with the resource's state (revoked, in-progress retry…).
    #[error("{0}")]
    Conflict(String),
    /// A server-side failure: logged, answered without detail.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// A field error.
    pub fn invalid(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            detail: detail.into(),
        }
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Gone(_) => StatusCode::GONE,
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn slug(&self) -> &'static str {
        match self {
            Self::Unauthorized => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not-found",
            Self::Gone(_) => "gone",
            Self::BadRequest { .. } => "bad-request",
            Self::Invalid { .. } => "invalid-field",
            Self::Conflict(_) => "conflict",
            Self::Internal(_) => "internal",
        }
    }

    /// The problem document (RFC 9457), also used per item in batch results.
    pub fn problem(&self) -> serde_json::Value {
        let status = self.status();
        let detail = match self {
            Self::Internal(_) => "the server could not complete the request".to_owned(),
            other => other.to_string(),
        };
        let mut problem = json!({
            "type": format!("https://passeport.example/problems/{}", self.slug()),
            "title": status.canonical_reason().unwrap_or("Error"),
            "status": status.as_u16(),
            "detail": detail,
        });
        if let (Self::Invalid { field, .. }, Some(obj)) = (self, problem.as_object_mut()) {
            obj.insert("field".into(), field.clone().into());
        }
        problem
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Internal(reason) = &self {
            tracing::error!(%reason, "internal error");
        }
        let status = self.status();
        let body = self.problem().to_string();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        Self::Internal(e.to_string())
    }
}

impl From<crate::keystore::KeyStoreError> for ApiError {
    fn from(e: crate::keystore::KeyStoreError) -> Self {
        Self::Internal(e.to_string())
    }
}
