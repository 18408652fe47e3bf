//! `passeport serve`: the signing service (see `passeport_server`).

use anyhow::Context as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `passeport serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Data directory (SQLite database and organisation keys; created on first start).
    #[arg(long, default_value = "./passeport-data")]
    pub data: PathBuf,
    /// Public base URL, from which the organisations' did:web are derived
    /// (default `http://{listen}`).
    #[arg(long)]
    pub public_url: Option<String>,
    /// Trust list (file or URL) for verifying shared presentations.
    #[arg(long)]
    pub trust: Option<String>,
}

/// Runs the service until SIGTERM or ctrl-c.
pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
    let mut config = passeport_server::Config::new(args.listen, args.data);
    config.public_url = args.public_url;
    config.trust = args.trust;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime
        .block_on(passeport_server::serve(config))
        .context("the service stopped with an error")?;
    Ok(ExitCode::SUCCESS)
}
