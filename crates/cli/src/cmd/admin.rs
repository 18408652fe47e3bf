//! `passeport admin …`: API keys for the service.

use anyhow::Context as _;
use passeport_core::keys::KeyAlgorithm;
use passeport_core::model::RecordType;
use std::path::PathBuf;
use std::process::ExitCode;

/// `passeport admin` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum AdminCommand {
    /// API keys (bearer tokens scoped to one organisation and some record types).
    #[command(subcommand, name = "api-key")]
    ApiKey(ApiKeyCommand),
}

/// `passeport admin api-key` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum ApiKeyCommand {
    /// Makes a bearer token (printed once); creates the organisation and its key if new.
    Create(CreateArgs),
}

/// Arguments of `passeport admin api-key create`.
#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    /// The service's data directory.
    #[arg(long)]
    pub data: PathBuf,
    /// Organisation id (lowercase letters, digits, `-`): its DID is `did:web:HOST:orgs:ORG`.
    #[arg(long)]
    pub org: String,
    /// Record types the token may issue (default: all six).
    #[arg(long, value_delimiter = ',')]
    pub types: Vec<RecordType>,
    /// Key algorithm of a new organisation: ed25519 (default) or p256.
    #[arg(long)]
    pub alg: Option<KeyAlgorithm>,
}

/// Runs an admin command.
pub fn run(command: AdminCommand) -> anyhow::Result<ExitCode> {
    match command {
        AdminCommand::ApiKey(ApiKeyCommand::Create(args)) => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("cannot start the async runtime")?;
            let token = runtime.block_on(passeport_server::admin::create_api_key_with(
                &args.data,
                &args.org,
                &args.types,
                args.alg,
                passeport_server::config::passphrase_from_env(),
            ))?;
            println!("{}", token.as_str());
            eprintln!(
                "API key for `{}` printed once; only its hash is stored in {}",
                args.org,
                args.data.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
