//! Shared presentations (`POST /v1/presentations`, `DELETE /v1/presentations/{id}`,
//! `GET /p/{id}`): the wallet/verifier issues add their handlers here. Nothing is served yet.

use crate::state::AppState;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;

/// The presentation routes (none yet).
pub fn router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
}
