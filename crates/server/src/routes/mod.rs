//! HTTP routes, one module per area; each returns an [`OpenApiRouter`] so `/openapi.json` is
//! generated from the routes actually served.

pub mod credentials;
pub mod meta;
pub mod presentations;
pub mod status;

use crate::state::AppState;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use tower_http::timeout::TimeoutLayer;
use utoipa_axum::router::OpenApiRouter;

/// The router of every area, before state and layers.
pub fn api() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::with_openapi(<meta::ApiDoc as utoipa::OpenApi>::openapi())
        .merge(meta::router().layer(timeout(crate::REQUEST_TIMEOUT)))
        .merge(credentials::router())
        .merge(status::router().layer(timeout(crate::REQUEST_TIMEOUT)))
        .merge(presentations::router().layer(timeout(crate::REQUEST_TIMEOUT)))
}

/// Answers 408 when a request takes longer than `limit` (set per area, so batches get longer).
pub(crate) fn timeout(limit: std::time::Duration) -> TimeoutLayer {
    TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, limit)
}

/// A body with a fixed content type.
pub(crate) fn typed(content_type: &'static str, body: impl Into<axum::body::Body>) -> Response {
    let mut response = Response::new(body.into());
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response.into_response()
}
