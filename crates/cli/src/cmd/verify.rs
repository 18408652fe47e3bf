//! `passeport verify`.

use std::process::ExitCode;

/// Arguments of `passeport verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {}

/// Verifies.
pub fn run(_args: VerifyArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`verify` is not available yet")
}
