//! Service metadata: health, OpenAPI, DID documents, SD-JWT VC issuer metadata, the JSON-LD
//! context, JSON Schemas and SD-JWT VC type metadata.

use super::typed;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::{Extension, Json};
use passeport_core::keys::Signer;
use passeport_core::model::RecordType;
use serde_json::{json, Value};
use std::sync::Arc;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The passeport JSON-LD context.
const CONTEXT: &str = include_str!("../../../core/assets/contexts/passeport-v1.jsonld");

/// The OpenAPI description's fixed parts.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "passeport",
        description = "Career passport signing service: issue verifiable career credentials, publish their status lists."
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "meta", description = "Health, API description, DIDs, contexts, schemas"),
        (name = "credentials", description = "Issuing, auditing and revoking credentials"),
        (name = "status", description = "Published status lists")
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The generated OpenAPI document, served at `/openapi.json`.
#[derive(Debug, Clone)]
pub struct OpenApiJson(pub Arc<str>);

/// The metadata routes.
pub fn router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(openapi_json))
        .routes(routes!(did_document))
        .routes(routes!(jwt_vc_issuer))
        .routes(routes!(context))
        .routes(routes!(schema))
        .routes(routes!(type_metadata))
}

/// Ready.
#[utoipa::path(get, path = "/health", tag = "meta",
    responses((status = 200, description = "The service is ready", body = Object)))]
async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// This API's OpenAPI 3 description.
#[utoipa::path(get, path = "/openapi.json", tag = "meta",
    responses((status = 200, description = "OpenAPI 3 document", body = Object)))]
async fn openapi_json(Extension(doc): Extension<OpenApiJson>) -> Response {
    typed("application/json", doc.0.to_string())
}

/// The `did:web` document of an organisation: its signing key as assertion method.
#[utoipa::path(get, path = "/orgs/{org}/did.json", tag = "meta",
    params(("org" = String, Path, description = "Organisation id")),
    responses(
        (status = 200, description = "DID document", body = Object, content_type = "application/did+json"),
        (status = 404, description = "Unknown organisation", content_type = "application/problem+json")))]
async fn did_document(
    State(state): State<Arc<AppState>>,
    Path(org): Path<String>,
) -> Result<Response, ApiError> {
    let signer = state.org_signer(&org).await?;
    let jwk = signer.signer.public_jwk().bare();
    let did = signer.did.as_str();
    let method = match (jwk.kty.as_str(), passeport_core::did::key::multikey(&jwk)) {
        ("OKP", Ok(multibase)) => json!({
            "id": signer.kid, "type": "Multikey", "controller": did,
            "publicKeyMultibase": multibase,
        }),
        _ => json!({
            "id": signer.kid, "type": "JsonWebKey", "controller": did,
            "publicKeyJwk": jwk.to_value(),
        }),
    };
    let document = json!({
        "@context": [
            "https://www.w3.org/ns/did/v1",
            "https://w3id.org/security/multikey/v1",
            "https://w3id.org/security/jwk/v1"
        ],
        "id": did,
        "verificationMethod": [method],
        "assertionMethod": [signer.kid],
        "authentication": [signer.kid],
    });
    Ok(typed("application/did+json", document.to_string()))
}

/// SD-JWT VC issuer metadata of an organisation (its JWKS).
#[utoipa::path(get, path = "/.well-known/jwt-vc-issuer/orgs/{org}", tag = "meta",
    params(("org" = String, Path, description = "Organisation id")),
    responses(
        (status = 200, description = "JWT VC issuer metadata", body = Object),
        (status = 404, description = "Unknown organisation", content_type = "application/problem+json")))]
async fn jwt_vc_issuer(
    State(state): State<Arc<AppState>>,
    Path(org): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let signer = state.org_signer(&org).await?;
    let mut jwk = signer.signer.public_jwk().bare().to_value();
    if let Some(obj) = jwk.as_object_mut() {
        obj.insert("kid".into(), signer.kid.clone().into());
    }
    Ok(Json(json!({
        "issuer": format!("{}/orgs/{org}", state.public_url),
        "jwks": { "keys": [jwk] },
    })))
}

/// The passeport JSON-LD context.
#[utoipa::path(get, path = "/contexts/passeport-v1.jsonld", tag = "meta",
    responses((status = 200, description = "JSON-LD context", body = Object, content_type = "application/ld+json")))]
async fn context() -> Response {
    typed("application/ld+json", CONTEXT)
}

fn record_by_slug(slug: &str) -> Option<RecordType> {
    RecordType::ALL.into_iter().find(|r| r.slug() == slug)
}

/// The JSON Schema of a record type (`diploma.schema.json`, …, `common.schema.json`).
#[utoipa::path(get, path = "/schemas/v1/{file}", tag = "meta",
    params(("file" = String, Path, description = "`{slug}.schema.json`")),
    responses(
        (status = 200, description = "JSON Schema", body = Object, content_type = "application/schema+json"),
        (status = 404, description = "No such schema", content_type = "application/problem+json")))]
async fn schema(Path(file): Path<String>) -> Result<Response, ApiError> {
    let slug = file
        .strip_suffix(".schema.json")
        .ok_or_else(|| ApiError::NotFound(format!("schema `{file}`")))?;
    let text = if slug == "common" {
        passeport_core::schema::common_schema_document()
    } else {
        let record =
            record_by_slug(slug).ok_or_else(|| ApiError::NotFound(format!("schema `{file}`")))?;
        passeport_core::schema::schema_document(record)
    };
    Ok(typed("application/schema+json", text))
}

/// SD-JWT VC type metadata of a record type (`vct`).
#[utoipa::path(get, path = "/vct/{slug}/v1", tag = "meta",
    params(("slug" = String, Path, description = "Record type slug (`diploma`, `training-action`…)")),
    responses(
        (status = 200, description = "Type metadata", body = Object),
        (status = 404, description = "No such type", content_type = "application/problem+json")))]
async fn type_metadata(Path(slug): Path<String>) -> Result<Response, ApiError> {
    let record =
        record_by_slug(&slug).ok_or_else(|| ApiError::NotFound(format!("type `{slug}`")))?;
    Ok(typed(
        "application/json",
        passeport_core::schema::type_metadata(record),
    ))
}
