//! `passeport key generate|public|did`.

use crate::io;
use anyhow::Context as _;
use passeport_core::keys::{KeyAlgorithm, PublicJwk, SecretKey};
use std::path::PathBuf;
use std::process::ExitCode;

/// `passeport key` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum KeyCommand {
    /// Generate a private key (JWK) to FILE (mode 0600) or stdout.
    Generate {
        /// Key algorithm.
        #[arg(long, default_value = "ed25519", value_parser = ["ed25519", "p256"])]
        alg: String,
        /// Where to write the private JWK (stdout when absent).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Print the public JWK of a key file.
    Public {
        /// A JWK file (private or public).
        file: PathBuf,
    },
    /// Print the DID of a key file.
    Did {
        /// A JWK file (a public JWK is enough).
        file: PathBuf,
        /// DID method.
        #[arg(long, default_value = "key", value_parser = ["key", "jwk"])]
        method: String,
    },
}

fn load_public(path: &std::path::Path) -> anyhow::Result<PublicJwk> {
    let value = io::read_json(path)?;
    let jwk = PublicJwk::from_value(&value).with_context(|| format!("{}", path.display()))?;
    passeport_core::keys::PublicKey::from_jwk(&jwk)
        .with_context(|| format!("{}", path.display()))?;
    Ok(jwk)
}

/// Runs a key command.
pub fn run(command: KeyCommand) -> anyhow::Result<ExitCode> {
    match command {
        KeyCommand::Generate { alg, out, force } => {
            let alg: KeyAlgorithm = alg.parse()?;
            let key = SecretKey::generate(alg)?;
            let text = key.to_private_jwk().to_json_pretty();
            match out {
                Some(path) => {
                    io::write_secret(&path, format!("{}\n", text.as_str()).as_bytes(), force)?;
                    eprintln!("wrote private key to {} (mode 0600)", path.display());
                }
                None => io::print_line(&text)?,
            }
        }
        KeyCommand::Public { file } => {
            let jwk = load_public(&file)?;
            io::print_line(&serde_json::to_string_pretty(&jwk)?)?;
        }
        KeyCommand::Did { file, method } => {
            let jwk = load_public(&file)?;
            let did = match method.as_str() {
                "jwk" => passeport_core::did::jwk::did_jwk(&jwk)?,
                _ => passeport_core::did::key::did_key(&jwk)?,
            };
            io::print_line(did.as_str())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
