//! `passeport admin …`.

use std::process::ExitCode;

/// `passeport admin` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum AdminCommand {
    /// Not available yet.
    Noop,
}

/// Runs an admin command.
pub fn run(_command: AdminCommand) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`admin` is not available yet")
}
