//! File and stdout helpers shared by the subcommands.

use anyhow::Context as _;
use std::io::Write as _;
use std::path::Path;

/// Largest input file read (16 MiB): anything bigger is refused, not loaded.
pub const MAX_INPUT_FILE: u64 = 16 << 20;

/// Reads a text file, with its path in the error and a size limit.
pub fn read_text(path: &Path) -> anyhow::Result<String> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    anyhow::ensure!(
        meta.len() <= MAX_INPUT_FILE,
        "{} is {} bytes, more than the {} allowed",
        path.display(),
        meta.len(),
        MAX_INPUT_FILE
    );
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Reads a JSON file strictly (duplicate members rejected).
pub fn read_json(path: &Path) -> anyhow::Result<serde_json::Value> {
    let text = read_text(path)?;
    passeport_core::json::parse_strict(text.as_bytes())
        .with_context(|| format!("{} is not valid JSON", path.display()))
}

/// Writes a secret file: created with mode 0600, never overwriting unless `force`.
pub fn write_secret(path: &Path, contents: &[u8], force: bool) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow::anyhow!(
                "{} already exists (use --force to overwrite)",
                path.display()
            )
        } else {
            anyhow::anyhow!("cannot write {}: {e}", path.display())
        }
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(contents)?;
    file.sync_all()?;
    Ok(())
}

/// Prints a line on stdout.
pub fn print_line(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    out.flush()?;
    Ok(())
}
