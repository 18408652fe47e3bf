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
    passeport_core::json::parse_strict_str(&text)
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

/// Lines of a batch file handed to a worker at a time: small enough that the cores finish
/// together at the end of the file, large enough that passing chunks around costs nothing.
pub const BATCH_CHUNK: usize = 64;

/// Chunks read but not yet written, at most: what bounds memory, however long the file is.
const CHUNKS_IN_FLIGHT: usize = 32;

/// Bytes asked of the batch file per read.
const READ_BUFFER: usize = 1 << 20;

/// Runs a JSON Lines batch on every core, in input order and in bounded memory.
///
/// The non-blank lines of `input` (numbered from 1) are read in chunks of [`BATCH_CHUNK`] by a
/// reader thread and run through `work` by one worker thread per core; this thread hands the
/// results to `write` in input order. No stage waits for another to finish a round: the
/// workers take the next chunk as soon as they are done with one, so every core stays busy
/// until the end of the file. At most [`CHUNKS_IN_FLIGHT`] chunks are between reading and
/// writing at any time, so memory is flat however long the file is. `on_read` is told the size
/// of each line read (a progress bar).
///
/// A read error stops the batch and is returned once the lines before it are written; an error
/// from `write` stops it at once.
pub fn pipelined<O: Send>(
    input: &Path,
    on_read: impl Fn(u64) + Sync,
    work: impl Fn(usize, &str) -> O + Sync,
    mut write: impl FnMut(Vec<O>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    use std::io::BufRead as _;
    use std::sync::mpsc::sync_channel;
    let file =
        std::fs::File::open(input).with_context(|| format!("cannot read {}", input.display()))?;
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    // The reader takes a credit per chunk, the writer gives it back once the chunk is written.
    let (credit_back, credits) = sync_channel::<()>(CHUNKS_IN_FLIGHT);
    for _ in 0..CHUNKS_IN_FLIGHT {
        credit_back
            .send(())
            .map_err(|_| anyhow::anyhow!("batch pipeline stopped"))?;
    }
    type Chunk = (usize, Vec<(usize, String)>);
    let (to_workers, chunks) = sync_channel::<Chunk>(workers);
    // Shared by the workers only, so that it is dropped when the last of them stops: a reader
    // waiting to hand over a chunk then fails instead of waiting for ever.
    let chunks = std::sync::Arc::new(std::sync::Mutex::new(chunks));
    // Room for every chunk in flight: a worker never waits on a writer busy syncing to disk.
    let (to_writer, results) = sync_channel::<(usize, Vec<O>)>(CHUNKS_IN_FLIGHT);
    let on_read = &on_read;
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || -> anyhow::Result<()> {
            // Large reads: a batch file is read once, front to back.
            let mut lines = std::io::BufReader::with_capacity(READ_BUFFER, file)
                .lines()
                .enumerate();
            for index in 0.. {
                if credits.recv().is_err() {
                    return Ok(()); // the writer stopped: nothing more is wanted
                }
                let mut chunk = Vec::with_capacity(BATCH_CHUNK);
                let (mut end, mut failed) = (true, None);
                for (i, line) in lines.by_ref().take(BATCH_CHUNK) {
                    end = false;
                    match line {
                        Ok(line) => {
                            on_read(line.len() as u64 + 1);
                            if !line.trim().is_empty() {
                                chunk.push((i + 1, line));
                            }
                        }
                        Err(e) => {
                            let at = format!("{}: line {}", input.display(), i + 1);
                            failed = Some(anyhow::Error::new(e).context(at));
                            break;
                        }
                    }
                }
                // The lines before a read error are still worked on and written.
                if end || to_workers.send((index, chunk)).is_err() {
                    return Ok(());
                }
                if let Some(e) = failed {
                    return Err(e);
                }
            }
            Ok(())
        });
        for _ in 0..workers {
            let (chunks, to_writer, work) = (chunks.clone(), to_writer.clone(), &work);
            scope.spawn(move || loop {
                // The lock is held only while taking a chunk, never while working on one.
                let next = chunks.lock().map_or(None, |rx| rx.recv().ok());
                let Some((index, chunk)) = next else { return };
                let done = chunk.iter().map(|(n, line)| work(*n, line)).collect();
                if to_writer.send((index, done)).is_err() {
                    return;
                }
            });
        }
        drop((to_writer, chunks));
        let written = write_in_order(results, credit_back, &mut write);
        // The channels this thread held are closed now, so the other threads end on their own.
        let read = reader
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the batch reader panicked")));
        written.and(read)
    })
}

/// Hands chunk results to `write` in chunk order (holding back those that arrive early) and
/// gives a credit back to the reader for each chunk written.
fn write_in_order<O>(
    results: std::sync::mpsc::Receiver<(usize, Vec<O>)>,
    credit_back: std::sync::mpsc::SyncSender<()>,
    write: &mut impl FnMut(Vec<O>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut early = std::collections::BTreeMap::new();
    let mut next = 0usize;
    for (index, done) in results {
        early.insert(index, done);
        while let Some(done) = early.remove(&next) {
            write(done)?;
            next += 1;
            // The reader may have ended already: a credit nobody takes is fine.
            let _ = credit_back.try_send(());
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    fn batch_file(name: &str, contents: &[u8]) -> std::path::PathBuf {
        let path =
            std::env::temp_dir().join(format!("passeport-io-{name}-{}.jsonl", std::process::id()));
        std::fs::write(&path, contents).unwrap();
        path
    }

    /// Results come out in input order, with their line numbers, blank lines skipped, even when
    /// later chunks finish first (the work on early lines is made slower).
    #[test]
    fn results_are_written_in_input_order() {
        let lines = 3000;
        let mut text = String::new();
        for i in 1..=lines {
            if i % 7 == 0 {
                text.push_str("  \n");
            } else {
                text.push_str(&format!("item {i}\n"));
            }
        }
        let path = batch_file("order", text.as_bytes());
        let read = AtomicU64::new(0);
        let mut written = Vec::new();
        pipelined(
            &path,
            |n| {
                read.fetch_add(n, Ordering::Relaxed);
            },
            |n, line| {
                if n < 200 {
                    std::thread::sleep(std::time::Duration::from_micros(300));
                }
                (n, line.to_owned())
            },
            |chunk| {
                written.extend(chunk);
                Ok(())
            },
        )
        .unwrap();
        std::fs::remove_file(&path).unwrap();
        let expected: Vec<(usize, String)> = (1..=lines)
            .filter(|i| i % 7 != 0)
            .map(|i| (i, format!("item {i}")))
            .collect();
        assert_eq!(written, expected);
        assert_eq!(read.load(Ordering::Relaxed), text.len() as u64);
    }

    /// A line that is not UTF-8 stops the batch with its number; every line before it is still
    /// worked on and written.
    #[test]
    fn a_read_error_names_the_line_after_writing_those_before() {
        let mut bytes = Vec::new();
        for i in 1..=199 {
            bytes.extend_from_slice(format!("item {i}\n").as_bytes());
        }
        bytes.extend_from_slice(b"\xff\xfe\n");
        bytes.extend_from_slice(b"item 201\n");
        let path = batch_file("utf8", &bytes);
        let mut written = Vec::new();
        let result = pipelined(
            &path,
            |_| {},
            |n, _| n,
            |chunk| {
                written.extend(chunk);
                Ok(())
            },
        );
        std::fs::remove_file(&path).unwrap();
        let error = format!("{:#}", result.unwrap_err());
        assert!(error.contains("line 200"), "{error}");
        assert_eq!(written, (1..=199).collect::<Vec<_>>());
    }

    /// An error from `write` ends the batch at once (no hang with chunks still in flight), and
    /// is the error returned.
    #[test]
    fn a_write_error_stops_the_batch() {
        let text = "x\n".repeat(BATCH_CHUNK * CHUNKS_IN_FLIGHT * 4);
        let path = batch_file("write", text.as_bytes());
        let mut calls = 0;
        let result = pipelined(
            &path,
            |_| {},
            |n, _| n,
            |_| {
                calls += 1;
                anyhow::ensure!(calls < 3, "disk full");
                Ok(())
            },
        );
        std::fs::remove_file(&path).unwrap();
        assert_eq!(result.unwrap_err().to_string(), "disk full");
        assert_eq!(calls, 3);
    }
}
