//! # passeport-server
//!
//! The career passport signing service (`passeport serve`): organisations issue passport records
//! as verifiable credentials over HTTP, and the service publishes their DID documents and status
//! lists. Embedded default storage: one SQLite database and key files under the data directory,
//! made on first start.
//!
//! | route | what |
//! | --- | --- |
//! | `GET /health`, `GET /openapi.json` | readiness, the OpenAPI description (generated from the routes) |
//! | `GET /orgs/{org}/did.json` | an organisation's `did:web` document |
//! | `GET /.well-known/jwt-vc-issuer/orgs/{org}` | SD-JWT VC issuer metadata |
//! | `GET /contexts/passeport-v1.jsonld`, `/schemas/v1/{slug}.schema.json`, `/vct/{slug}/v1` | context, schemas, type metadata |
//! | `POST /v1/credentials`, `POST /v1/credentials/batch`, `GET /v1/credentials` | issue (bearer token), batch, audit trail |
//! | `POST /v1/credentials/{id}/revoke`, `/suspend`, `/reinstate` | status changes |
//! | `GET /v1/status-lists/{id}` | the signed status list (Bitstring `vc+jwt` or `statuslist+jwt`) |
//! | `POST /v1/presentations`, `DELETE /v1/presentations/{id}`, `GET /p/{id}` | shared links: the employer's page (HTML, or the `verify` report as JSON), re-verified on every visit |
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use passeport_server::{admin, Config, Server};
//! let data = std::path::Path::new("./passeport-data");
//! let token = admin::create_api_key(data, "acme", &[]).await?;
//! let server = Server::bind(Config::new("127.0.0.1:8080".parse()?, data)).await?;
//! println!("token {} on {}", token.as_str(), server.public_url());
//! server.run(async { let _ = tokio::signal::ctrl_c().await; }).await?;
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

pub mod admin;
pub mod auth;
pub mod config;
pub mod error;
pub mod keystore;
pub mod routes;
pub mod state;
pub mod store;

pub use config::Config;
pub use error::ApiError;
pub use state::{AppState, StartError};

use axum::extract::DefaultBodyLimit;
use axum::http::Request;
use axum::{Extension, Router};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower::ServiceBuilder;
use tower_http::trace::TraceLayer;

/// Largest request body (except batches: [`routes::credentials::MAX_BATCH_BODY`]).
pub const MAX_BODY: usize = 1024 * 1024;
/// Longest a request may take (batches: [`routes::credentials::BATCH_TIMEOUT`]).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Most requests served at once.
pub const MAX_IN_FLIGHT: usize = 512;

/// The OpenAPI description of every route the service serves.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes::api().into_openapi()
}

/// The whole service: every area's routes, the OpenAPI document and the common layers.
pub fn app(state: Arc<AppState>) -> Router {
    let (router, api) = routes::api().split_for_parts();
    let doc = routes::meta::OpenApiJson(
        api.to_json()
            .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
            .into(),
    );
    router
        .fallback(|| async { ApiError::NotFound("this route".into()) })
        .layer(axum::middleware::map_response(problem_for_plain_errors))
        .layer(Extension(doc))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(
            ServiceBuilder::new()
                .layer(
                    TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                        // The path only: no query string, no headers (tokens), no bodies.
                        tracing::info_span!(
                            "http",
                            method = %req.method(),
                            path = %req.uri().path(),
                            org = tracing::field::Empty,
                        )
                    }),
                )
                .layer(GlobalConcurrencyLimitLayer::new(MAX_IN_FLIGHT)),
        )
        .with_state(state)
}

/// Rewrites the plain-text errors of the framework layers (413 body too large, 408 timeout,
/// 405 method) as RFC 9457 problems, so every error has one shape.
async fn problem_for_plain_errors(response: axum::response::Response) -> axum::response::Response {
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    let status = response.status();
    let is_problem = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == error::PROBLEM_JSON.as_bytes());
    if is_problem || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let detail = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "the request body is too large",
        StatusCode::REQUEST_TIMEOUT => "the request took too long",
        StatusCode::METHOD_NOT_ALLOWED => "this method is not allowed on this route",
        _ => "the request failed",
    };
    let problem = serde_json::json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail,
    });
    let mut out = (status, problem.to_string()).into_response();
    out.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static(error::PROBLEM_JSON),
    );
    if let Some(allow) = response.headers().get(axum::http::header::ALLOW) {
        out.headers_mut()
            .insert(axum::http::header::ALLOW, allow.clone());
    }
    out
}

/// A bound, not yet running service.
#[derive(Debug)]
pub struct Server {
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    local_addr: SocketAddr,
}

impl Server {
    /// Binds `config.listen`, opens (or creates) the data directory and its database.
    pub async fn bind(config: Config) -> Result<Self, StartError> {
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        let local_addr = listener.local_addr()?;
        let public_url = config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{local_addr}"));
        let state = Arc::new(AppState::open(config, &public_url).await?);
        Ok(Self {
            listener,
            state,
            local_addr,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The public base URL.
    pub fn public_url(&self) -> &str {
        &self.state.public_url
    }

    /// The shared state.
    pub fn state(&self) -> &Arc<AppState> {
        &self.state
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests and closes storage.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), StartError> {
        tracing::info!(addr = %self.local_addr, public_url = %self.state.public_url, "serving");
        let result = axum::serve(self.listener, app(self.state.clone()))
            .with_graceful_shutdown(shutdown)
            .await;
        self.state.close().await;
        tracing::info!("stopped");
        Ok(result?)
    }

    /// Serves on a task of the current tokio runtime until [`Running::shutdown`]: for apps that
    /// embed the service, and for tests.
    pub fn spawn(self) -> Running {
        let url = self.state.public_url.clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(self.run(async move {
            let _ = stopped.await;
        }));
        Running { url, stop, task }
    }
}

/// A service started by [`Server::spawn`].
#[derive(Debug)]
pub struct Running {
    url: String,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), StartError>>,
}

impl Running {
    /// Its public URL (`http://127.0.0.1:PORT` when bound to port 0).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Stops it: in-flight requests finish and storage is closed before this returns.
    pub async fn shutdown(self) -> Result<(), StartError> {
        // The task may have ended already (its error is returned below).
        let _ = self.stop.send(());
        self.task
            .await
            .map_err(|e| StartError::Io(std::io::Error::other(e.to_string())))?
    }
}

/// Resolves on SIGTERM or ctrl-c.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown requested; finishing in-flight requests");
}

/// Binds and serves until SIGTERM or ctrl-c (`passeport serve`).
pub async fn serve(config: Config) -> Result<(), StartError> {
    Server::bind(config).await?.run(shutdown_signal()).await
}
