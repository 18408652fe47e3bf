//! `passeport issue`.

use std::process::ExitCode;

/// Arguments of `passeport issue`.
#[derive(Debug, clap::Args)]
pub struct IssueArgs {}

/// Issues.
pub fn run(_args: IssueArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`issue` is not available yet")
}
