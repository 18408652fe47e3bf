//! `passeport present`.

use std::process::ExitCode;

/// Arguments of `passeport present`.
#[derive(Debug, clap::Args)]
pub struct PresentArgs {}

/// Builds a presentation.
pub fn run(_args: PresentArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`present` is not available yet")
}
