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

/// Lines of a batch file handled per parallel chunk (bounds memory, whatever the file's length).
pub const BATCH_CHUNK: usize = 1024;

/// Runs a JSON Lines batch on every core, in input order and in bounded memory.
///
/// The non-blank lines of `input` (numbered from 1) are read in chunks of [`BATCH_CHUNK`]. While
/// the workers run `work` over one chunk, this thread hands the previous chunk's results to
/// `write` (in input order) and reads the next chunk, so at most three chunks are in memory
/// however long the file is. `on_read` is told the size of each line read (a progress bar).
pub fn pipelined<O: Send>(
    input: &Path,
    on_read: impl Fn(u64) + Sync,
    work: impl Fn(usize, &str) -> O + Sync,
    mut write: impl FnMut(Vec<O>) -> anyhow::Result<()> + Send,
) -> anyhow::Result<()> {
    use rayon::prelude::*;
    use std::io::BufRead as _;
    let file =
        std::fs::File::open(input).with_context(|| format!("cannot read {}", input.display()))?;
    let mut lines = std::io::BufReader::new(file).lines().enumerate();
    let mut read_chunk = || -> anyhow::Result<Vec<(usize, String)>> {
        let mut chunk = Vec::with_capacity(BATCH_CHUNK);
        for (i, line) in lines.by_ref().take(BATCH_CHUNK) {
            let line = line.with_context(|| format!("{}: line {}", input.display(), i + 1))?;
            on_read(line.len() as u64 + 1);
            if !line.trim().is_empty() {
                chunk.push((i + 1, line));
            }
        }
        Ok(chunk)
    };
    let mut chunk = read_chunk()?;
    let mut previous: Vec<O> = Vec::new();
    while !chunk.is_empty() {
        let (results, next) = rayon::join(
            || -> Vec<O> { chunk.par_iter().map(|(n, line)| work(*n, line)).collect() },
            || -> anyhow::Result<Vec<(usize, String)>> {
                write(std::mem::take(&mut previous))?;
                read_chunk()
            },
        );
        chunk = next?;
        previous = results;
    }
    write(previous)
}
