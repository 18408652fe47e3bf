//! `passeport wallet …`.

use std::process::ExitCode;

/// `passeport wallet` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum WalletCommand {
    /// Not available yet.
    Noop,
}

/// Runs a wallet command.
pub fn run(_command: WalletCommand) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`wallet` is not available yet")
}
