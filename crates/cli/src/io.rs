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
    // A device or a FIFO named by mistake is left alone: its permissions are not ours to
    // tighten, and a secret key belongs in a file.
    let meta = file
        .metadata()
        .with_context(|| format!("cannot write {}", path.display()))?;
    anyhow::ensure!(
        meta.is_file(),
        "cannot write {}: not a regular file (a secret key is written only to a file)",
        path.display()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(contents)?;
    file.sync_all()?;
    Ok(())
}

/// A batch's output file, complete or absent. Into a regular file (or a path that does not
/// exist yet) the output is written to a hidden temporary file beside it, renamed over it once
/// complete and synced: a failed batch leaves the destination as it was. A symbolic link is
/// followed, so that the file it points to gets the output and the link stays. A destination
/// that is not a regular file (`/dev/null`, a FIFO, a terminal) is written straight into: it can
/// be neither replaced nor synced.
pub struct Output {
    file: std::fs::File,
    /// The destination once links are followed.
    dest: std::path::PathBuf,
    /// The temporary file, when the output is renamed into place.
    tmp: Option<std::path::PathBuf>,
}

impl Output {
    /// Opens the output for `path` (see [`Output`]).
    pub fn create(path: &Path) -> anyhow::Result<Self> {
        let cannot = || format!("cannot write {}", path.display());
        let dest = follow_links(path).with_context(cannot)?;
        match std::fs::metadata(&dest) {
            Ok(meta) if !meta.is_file() && !meta.is_dir() => {
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&dest)
                    .with_context(cannot)?;
                return Ok(Self {
                    file,
                    dest,
                    tmp: None,
                });
            }
            Ok(meta) if meta.is_dir() => {
                anyhow::bail!("cannot write {}: a directory", path.display())
            }
            _ => {}
        }
        let name = dest
            .file_name()
            .with_context(|| format!("cannot write {}: not a file name", path.display()))?;
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".{}.partial", std::process::id()));
        let tmp = dest.with_file_name(tmp_name);
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        Ok(Self {
            file,
            dest,
            tmp: Some(tmp),
        })
    }

    /// The file the output is written into.
    pub fn file(&self) -> &std::fs::File {
        &self.file
    }

    /// Syncs what is written so far to disk (nothing to do for a device or a FIFO).
    pub fn sync_data(&self) -> std::io::Result<()> {
        match self.tmp {
            Some(_) => self.file.sync_data(),
            None => Ok(()),
        }
    }

    /// The output is complete: synced, then renamed into place, and the rename made durable.
    pub fn commit(self) -> anyhow::Result<()> {
        let Some(tmp) = self.tmp else {
            return Ok(());
        };
        let cannot = || format!("cannot write {}", self.dest.display());
        self.file.sync_all().with_context(cannot)?;
        drop(self.file);
        if let Err(e) = std::fs::rename(&tmp, &self.dest) {
            let _ = std::fs::remove_file(&tmp);
            return Err(anyhow::Error::new(e).context(cannot()));
        }
        sync_parent(&self.dest)
    }

    /// The output is not wanted: the temporary file is removed, the destination left as it was.
    pub fn abandon(self) {
        if let Some(tmp) = self.tmp {
            drop(self.file);
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// How many links [`follow_links`] follows before it gives up, as the kernel does (`ELOOP`).
const MAX_LINKS: usize = 40;

/// The path `path` names once symbolic links are followed, even when the last one points to a
/// file that does not exist yet (the output is then created there).
fn follow_links(path: &Path) -> std::io::Result<std::path::PathBuf> {
    let mut current = path.to_owned();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = std::fs::read_link(&current)?;
                current = match current.parent() {
                    Some(dir) if target.is_relative() => dir.join(target),
                    _ => target,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(std::io::Error::other("too many levels of symbolic links"))
}

/// Makes a rename into `path`'s directory durable: the directory itself is synced, so that the
/// new name survives a crash as well as the file's contents do. A no-op where directories
/// cannot be opened (not Unix).
pub fn sync_parent(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        let parent = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        std::fs::File::open(parent)
            .and_then(|dir| dir.sync_all())
            .with_context(|| format!("cannot sync {}", parent.display()))?;
    }
    #[cfg(not(unix))]
    let _ = path;
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

/// A chunk ends early once its lines reach this many bytes, so that long lines do not make
/// the chunks in flight large (at most about 2 MiB each).
const CHUNK_BYTES: u64 = 1 << 20;

/// Bytes asked of the batch file per read.
const READ_BUFFER: usize = 1 << 20;

/// Longest batch line read (1 MiB, the strict JSON parser's own limit): a longer one is skipped
/// to its end without being held in memory, and reported.
pub const MAX_BATCH_LINE: usize = passeport_core::json::MAX_JSON_BYTES;

/// A batch line that could not be handed over as text. It is one bad line: the others go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadLine {
    /// Not UTF-8; `offset` is that of the first invalid byte.
    NotUtf8 {
        /// Offset of the first invalid byte in the line.
        offset: usize,
    },
    /// Longer than [`MAX_BATCH_LINE`].
    TooLong,
}

impl std::fmt::Display for BadLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotUtf8 { offset } => write!(f, "line is not UTF-8 (invalid byte at {offset})"),
            Self::TooLong => write!(f, "line longer than {MAX_BATCH_LINE} bytes"),
        }
    }
}

type Line = (usize, Result<String, BadLine>);

/// Reads the next line (its `\n` or `\r\n` removed) and the bytes it took, or `None` at the end
/// of the file. A line over [`MAX_BATCH_LINE`] is read past, never held whole.
fn next_line(
    reader: &mut impl std::io::BufRead,
) -> std::io::Result<Option<(u64, Result<String, BadLine>)>> {
    use std::io::{BufRead as _, Read as _};
    let mut bytes = Vec::new();
    let read = reader
        .by_ref()
        .take(MAX_BATCH_LINE as u64 + 2)
        .read_until(b'\n', &mut bytes)?;
    if read == 0 {
        return Ok(None);
    }
    let mut consumed = read as u64;
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
    } else if bytes.len() > MAX_BATCH_LINE {
        consumed += reader.skip_until(b'\n')? as u64;
        return Ok(Some((consumed, Err(BadLine::TooLong))));
    }
    if bytes.len() > MAX_BATCH_LINE {
        return Ok(Some((consumed, Err(BadLine::TooLong))));
    }
    let line = String::from_utf8(bytes).map_err(|e| BadLine::NotUtf8 {
        offset: e.utf8_error().valid_up_to(),
    });
    Ok(Some((consumed, line)))
}

/// Runs a JSON Lines batch on every core, in input order and in bounded memory.
///
/// A reader thread reads the lines of `input` (numbered from 1; blank ones skipped) in chunks of
/// [`BATCH_CHUNK`]; one worker thread per core runs `work` over them; this thread hands the
/// results to `write` in input order. Each chunk comes with a slot for its results, and the
/// slots are queued in input order for this thread (at most [`CHUNKS_IN_FLIGHT`] of them): the
/// workers never wait for each other, and memory is flat however long the file is.
///
/// A line that is not UTF-8, or is longer than [`MAX_BATCH_LINE`], is given to `work` as a
/// [`BadLine`], so that it is reported like any other bad line. `on_read` is told the bytes of
/// each line read (a progress bar). An I/O error reading the file stops the batch and is
/// returned once the lines before it are written; an error from `write` stops it at once.
pub fn pipelined<O: Send>(
    input: &Path,
    on_read: impl Fn(u64) + Sync,
    work: impl Fn(usize, Result<&str, BadLine>) -> O + Sync,
    mut write: impl FnMut(Vec<O>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
    let file =
        std::fs::File::open(input).with_context(|| format!("cannot read {}", input.display()))?;
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    let (to_workers, chunks) = sync_channel::<(Vec<Line>, SyncSender<Vec<O>>)>(workers);
    let chunks = std::sync::Mutex::new(chunks);
    let (to_writer, slots) = sync_channel::<Receiver<Vec<O>>>(CHUNKS_IN_FLIGHT);
    let on_read = &on_read;
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || -> anyhow::Result<()> {
            let mut reader = std::io::BufReader::with_capacity(READ_BUFFER, file);
            let mut number = 0;
            loop {
                let mut chunk = Vec::with_capacity(BATCH_CHUNK);
                let (mut end, mut failed, mut bytes) = (false, None, 0);
                while chunk.len() < BATCH_CHUNK && bytes < CHUNK_BYTES {
                    match next_line(&mut reader) {
                        Ok(Some((consumed, line))) => {
                            number += 1;
                            bytes += consumed;
                            on_read(consumed);
                            if !matches!(&line, Ok(text) if text.trim().is_empty()) {
                                chunk.push((number, line));
                            }
                        }
                        Ok(None) => {
                            end = true;
                            break;
                        }
                        Err(e) => {
                            let at = format!("{}: line {}", input.display(), number + 1);
                            failed = Some(anyhow::Error::new(e).context(at));
                            break;
                        }
                    }
                }
                // The lines before a read error are still worked on and written. A send fails
                // only when the writer (or every worker) has stopped: nothing more is wanted.
                let (slot, results) = sync_channel(1);
                if to_writer.send(results).is_err() || to_workers.send((chunk, slot)).is_err() {
                    return Ok(());
                }
                if let Some(e) = failed {
                    return Err(e);
                }
                if end {
                    return Ok(());
                }
            }
        });
        for _ in 0..workers {
            let (chunks, work) = (&chunks, &work);
            scope.spawn(move || loop {
                // The lock is held only while taking a chunk, never while working on one.
                let next = chunks.lock().map_or(None, |rx| rx.recv().ok());
                let Some((chunk, slot)) = next else { return };
                let done = chunk
                    .iter()
                    .map(|(n, line)| work(*n, line.as_deref().map_err(Clone::clone)))
                    .collect();
                // The writer may have stopped: then nobody wants these results.
                let _ = slot.send(done);
            });
        }
        let written = write_in_order(slots, &mut write);
        // `slots` is dropped: the reader's next send fails, it stops and closes the workers'
        // channel, and they stop too.
        let read = reader
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the batch reader panicked")));
        written.and(read)
    })
}

/// Hands each chunk's results to `write`, in the order the chunks were read.
fn write_in_order<O>(
    slots: std::sync::mpsc::Receiver<std::sync::mpsc::Receiver<Vec<O>>>,
    write: &mut impl FnMut(Vec<O>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    for slot in slots {
        let done = slot
            .recv()
            .map_err(|_| anyhow::anyhow!("a batch worker stopped before finishing its lines"))?;
        write(done)?;
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

    /// Runs `work` over a batch file of `contents`: every result, in order, and the bytes that
    /// `on_read` was told of.
    fn run<O: Send>(
        name: &str,
        contents: &[u8],
        work: impl Fn(usize, Result<&str, BadLine>) -> O + Sync,
    ) -> (Vec<O>, u64) {
        let path = batch_file(name, contents);
        let read = AtomicU64::new(0);
        let mut written = Vec::new();
        let on_read = |n| {
            read.fetch_add(n, Ordering::Relaxed);
        };
        pipelined(&path, on_read, work, |chunk| {
            written.extend(chunk);
            Ok(())
        })
        .unwrap();
        std::fs::remove_file(&path).unwrap();
        (written, read.load(Ordering::Relaxed))
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
        let (written, read) = run("order", text.as_bytes(), |n, line| {
            if n < 200 {
                std::thread::sleep(std::time::Duration::from_micros(300));
            }
            (n, line.map(str::to_owned))
        });
        let expected: Vec<(usize, Result<String, BadLine>)> = (1..=lines)
            .filter(|i| i % 7 != 0)
            .map(|i| (i, Ok(format!("item {i}"))))
            .collect();
        assert_eq!(written, expected);
        assert_eq!(read, text.len() as u64);
    }

    /// A line that is not UTF-8 and one over the limit are each handed over as a bad line,
    /// with its number, and the lines after them are still read (the long one is read past,
    /// `\r\n` endings are removed).
    #[test]
    fn bad_lines_are_reported_and_the_others_go_on() {
        let mut bytes = Vec::new();
        for i in 1..=199 {
            bytes.extend_from_slice(format!("item {i}\r\n").as_bytes());
        }
        bytes.extend_from_slice(b"ok \xff\xfe\n");
        bytes.extend_from_slice(&vec![b'x'; MAX_BATCH_LINE + 10]);
        bytes.extend_from_slice(b"\nitem 202\n");
        bytes.extend_from_slice(&vec![b'y'; MAX_BATCH_LINE]);
        bytes.push(b'\n');
        bytes.extend_from_slice(&vec![b'z'; MAX_BATCH_LINE + 1]); // the last line, no newline
        let (written, read) = run("bad", &bytes, |n, line| (n, line.map(|l| l.len())));
        assert_eq!(written.len(), 204);
        assert_eq!(written[0], (1, Ok("item 1".len())));
        assert_eq!(written[198], (199, Ok("item 199".len())));
        assert_eq!(written[199], (200, Err(BadLine::NotUtf8 { offset: 3 })));
        assert_eq!(written[200], (201, Err(BadLine::TooLong)));
        assert_eq!(written[201], (202, Ok("item 202".len())));
        assert_eq!(written[202], (203, Ok(MAX_BATCH_LINE)));
        assert_eq!(written[203], (204, Err(BadLine::TooLong)));
        assert_eq!(read, bytes.len() as u64);
        assert_eq!(
            BadLine::NotUtf8 { offset: 3 }.to_string(),
            "line is not UTF-8 (invalid byte at 3)"
        );
    }

    /// A file that cannot be read (here a directory) stops the batch with an error naming it.
    #[test]
    fn an_unreadable_file_is_an_error() {
        let dir = std::env::temp_dir();
        let result = pipelined(&dir, |_| {}, |n, _| n, |_| Ok(()));
        let error = format!("{:#}", result.unwrap_err());
        assert!(error.contains("line 1"), "{error}");
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
