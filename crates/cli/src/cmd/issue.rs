//! `passeport issue`: one record, or a whole class with `--batch`.

use crate::io;
use anyhow::Context as _;
use passeport_core::keys::{PublicJwk, SecretKey};
use passeport_core::model::RecordType;
use passeport_issuer::{Format, IssueError, IssueRequest, Issuer};
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Arguments of `passeport issue`.
#[derive(Debug, clap::Args)]
pub struct IssueArgs {
    /// The issuer's private JWK.
    #[arg(long)]
    pub key: PathBuf,
    /// The issuer id: a DID or an https URL.
    #[arg(long)]
    pub issuer: String,
    /// Record type: Diploma, ProfessionalCertification, TrainingAction, EmploymentRecord, Internship, Habilitation.
    #[arg(long = "type", required_unless_present = "batch")]
    pub record_type: Option<String>,
    /// The subject data (JSON).
    #[arg(long, required_unless_present = "batch")]
    pub subject: Option<PathBuf>,
    /// The holder's public JWK, to bind the credential to.
    #[arg(long)]
    pub holder: Option<PathBuf>,
    /// vc+sd-jwt (default), dc+sd-jwt, vc+jwt, di-eddsa-rdfc-2022, di-eddsa-jcs-2022.
    #[arg(long, default_value = "vc+sd-jwt")]
    pub format: String,
    /// End of validity (RFC 3339).
    #[arg(long)]
    pub valid_until: Option<String>,
    /// Issue every record of a JSONL file (`{"type", "subject", "holder"?}` per line).
    #[arg(long, conflicts_with_all = ["subject", "record_type"])]
    pub batch: Option<PathBuf>,
    /// Output file of `--batch` (`{"line", "credential"}` per line).
    #[arg(long, requires = "batch")]
    pub out: Option<PathBuf>,
}

fn describe(e: &IssueError) -> String {
    match e {
        IssueError::Schema { record, source } => format!(
            "subject does not fit the {record} schema: {source}{}",
            source
                .pointer()
                .map(|p| format!(" (field `{p}`)"))
                .unwrap_or_default()
        ),
        other => other.to_string(),
    }
}

/// Issues.
pub fn run(args: IssueArgs) -> anyhow::Result<ExitCode> {
    let key_text = io::read_text(&args.key)?;
    let key =
        SecretKey::from_jwk_json(&key_text).with_context(|| format!("{}", args.key.display()))?;
    let format: Format = args.format.parse()?;
    let issuer = Issuer::new(Arc::new(key), &args.issuer)?;
    let valid_until = args
        .valid_until
        .as_deref()
        .map(|t| {
            passeport_core::clock::parse_rfc3339(t)
                .ok_or_else(|| anyhow::anyhow!("--valid-until `{t}` is not an RFC 3339 date-time"))
        })
        .transpose()?;
    let holder = args
        .holder
        .as_deref()
        .map(|p| -> anyhow::Result<PublicJwk> {
            let jwk = PublicJwk::from_value(&io::read_json(p)?)
                .with_context(|| format!("{}", p.display()))?;
            passeport_core::keys::PublicKey::from_jwk(&jwk)
                .with_context(|| format!("{}", p.display()))?;
            Ok(jwk.bare())
        })
        .transpose()?;
    if let Some(batch) = &args.batch {
        let out = args.out.as_ref().context("--batch needs --out OUT.jsonl")?;
        return run_batch(&issuer, format, valid_until, batch, out);
    }
    let record: RecordType = args.record_type.as_deref().unwrap_or_default().parse()?;
    let subject_path = args.subject.as_ref().context("--subject is required")?;
    let subject = io::read_json(subject_path)?;
    let mut request = IssueRequest::new(record, subject);
    request.holder = holder;
    request.valid_until = valid_until;
    let issued = issuer
        .issue_owned(request, format)
        .map_err(|e| anyhow::anyhow!("{}: {}", subject_path.display(), describe(&e)))?;
    if format.is_json() {
        // A Data Integrity document comes compact; on a terminal it is read by people.
        let document: serde_json::Value = serde_json::from_str(&issued.credential)?;
        io::print_line(&serde_json::to_string_pretty(&document)?)?;
    } else {
        io::print_line(&issued.credential)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn issue_line(
    issuer: &Issuer,
    format: Format,
    valid_until: Option<i64>,
    line: &str,
) -> Result<String, String> {
    let mut value = passeport_core::json::parse_object_str(line).map_err(|e| e.to_string())?;
    let record: RecordType = value
        .get("type")
        .and_then(serde_json::Value::as_str)
        .ok_or("missing `type`")?
        .parse()
        .map_err(|e: passeport_core::model::UnknownRecordType| e.to_string())?;
    let subject = value.remove("subject").ok_or("missing `subject`")?;
    let mut request = IssueRequest::new(record, subject);
    request.valid_until = valid_until;
    if let Some(holder) = value.get("holder") {
        let jwk = PublicJwk::from_value(holder).map_err(|e| format!("holder: {e}"))?;
        passeport_core::keys::PublicKey::from_jwk(&jwk).map_err(|e| format!("holder: {e}"))?;
        request.holder = Some(jwk.bare());
    }
    issuer
        .issue_owned(request, format)
        .map(|i| i.credential)
        .map_err(|e| describe(&e))
}

/// One line of batch output, `{"line": N, "credential": …}`, in the pieces the writer copies
/// straight into its buffer: the credential's text (5 kB for an SD-JWT) is not copied into a
/// line of its own first.
#[derive(Debug)]
struct OutputLine {
    head: String,
    body: String,
    tail: &'static str,
}

impl OutputLine {
    /// Bytes written, newline included.
    fn len(&self) -> usize {
        self.head.len() + self.body.len() + self.tail.len() + 1
    }

    /// Writes the line and its newline.
    fn write_to(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        out.write_all(self.head.as_bytes())?;
        out.write_all(self.body.as_bytes())?;
        out.write_all(self.tail.as_bytes())?;
        out.write_all(b"\n")
    }
}

/// `{"line": N, "credential": …}`: the compact string, or the Data Integrity document as JSON.
fn output_line(n: usize, format: Format, credential: String) -> OutputLine {
    // A compact JWS / SD-JWT is base64url, `.` and `~` only: nothing to escape, so the
    // credential goes into the line as is rather than through a JSON value.
    if !format.is_json() && !passeport_core::json::needs_escape(&credential) {
        return OutputLine {
            head: format!("{{\"line\":{n},\"credential\":\""),
            body: credential,
            tail: "\"}",
        };
    }
    if format.is_json() && !credential.contains('\n') && credential.starts_with('{') {
        // The issuer gives a Data Integrity document as serde_json's compact text, on one line
        // (tested by the issuer's `data_integrity_credentials_are_compact_json`): it goes into
        // the line as is. Any other text takes the slow way below, through a tree.
        return OutputLine {
            head: format!("{{\"line\":{n},\"credential\":"),
            body: credential,
            tail: "}",
        };
    }
    let credential = if format.is_json() {
        serde_json::from_str(&credential).unwrap_or(serde_json::Value::String(credential))
    } else {
        serde_json::Value::String(credential)
    };
    OutputLine {
        head: serde_json::json!({ "line": n, "credential": credential }).to_string(),
        body: String::new(),
        tail: "",
    }
}

/// Bytes of batch output written between two syncs to disk.
const SYNC_EVERY: usize = 8 << 20;

fn run_batch(
    issuer: &Issuer,
    format: Format,
    valid_until: Option<i64>,
    input: &std::path::Path,
    out: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    let total = std::fs::metadata(input)
        .with_context(|| format!("cannot read {}", input.display()))?
        .len();
    let output = io::Output::create(out)?;
    let progress = indicatif::ProgressBar::new(total);
    progress.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} issuing [{bar:30}] {bytes}/{total_bytes} {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let (mut good, mut bad) = (0u64, 0u64);
    let finished = std::thread::scope(|scope| -> anyhow::Result<()> {
        // The output goes to disk as the batch goes, rather than all at the final sync (which
        // then has only the last few megabytes left to wait for). The syncs run on a thread of
        // their own: a sync takes tens of milliseconds, and on the writing thread it would
        // hold up the workers, whose results queue behind it.
        let (kick, kicks) = std::sync::mpsc::sync_channel::<()>(1);
        let output = &output;
        let syncer = scope.spawn(move || -> std::io::Result<()> {
            for () in kicks {
                output.sync_data()?;
            }
            Ok(())
        });
        let mut writer = std::io::BufWriter::with_capacity(1 << 16, output.file());
        let mut unsynced = 0usize;
        let mut write_results =
            |results: Vec<(usize, Result<OutputLine, String>)>| -> anyhow::Result<()> {
                for (n, result) in results {
                    match result {
                        Ok(line) => {
                            line.write_to(&mut writer)?;
                            unsynced += line.len();
                            good += 1;
                        }
                        Err(e) => {
                            progress.suspend(|| eprintln!("{}: line {n}: {e}", input.display()));
                            bad += 1;
                        }
                    }
                }
                if unsynced >= SYNC_EVERY {
                    writer.flush()?;
                    // Full: a sync is already waiting to start, and it will take these bytes
                    // too. Disconnected: the syncer failed, and its error is returned below.
                    let _ = kick.try_send(());
                    unsynced = 0;
                }
                progress.set_message(format!("{good} issued, {bad} rejected"));
                Ok(())
            };
        // Each credential is written out as `{"line": N, "credential": …}` on its worker.
        let written = io::pipelined(
            input,
            |read| progress.inc(read),
            |n, line| {
                let issued = line
                    .map_err(|bad| bad.to_string())
                    .and_then(|line| issue_line(issuer, format, valid_until, line));
                (
                    n,
                    issued.map(|credential| output_line(n, format, credential)),
                )
            },
            &mut write_results,
        )
        .and_then(|()| Ok(writer.flush()?));
        drop(writer);
        drop(kick);
        let synced = syncer
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("the batch syncer panicked")));
        written?;
        synced.context("cannot write the batch output to disk")
    });
    if let Err(e) = finished {
        // A batch that could not be read or written to its end leaves no output file behind,
        // not even a partial one.
        progress.finish_and_clear();
        output.abandon();
        return Err(e);
    }
    output.commit()?;
    progress.finish_and_clear();
    eprintln!(
        "{good} credential(s) issued to {}, {bad} line(s) rejected",
        out.display()
    );
    Ok(if bad > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The line as written, without its newline (and checking the length the writer counts).
    fn written(line: OutputLine) -> String {
        let mut out = Vec::new();
        line.write_to(&mut out).unwrap();
        assert_eq!(out.len(), line.len());
        assert_eq!(out.pop(), Some(b'\n'));
        String::from_utf8(out).unwrap()
    }

    /// The written-as-is line must be exactly what serializing the JSON value gives, and
    /// anything that is not a plain compact string must still go through the serializer.
    #[test]
    fn output_lines_are_the_json_of_line_and_credential() {
        for (format, credential) in [
            (Format::VcJwt, "eyJhbGciOiJFZERTQSJ9.eyJpZCI6IjEifQ.c2ln-_"),
            (
                Format::VcSdJwt,
                "eyJhbGciOiJFZERTQSJ9.e30.c2ln~WyJzIiwibiIsMV0~",
            ),
            (Format::VcJwt, "not \"compact\"\n\\"),
            (Format::VcSdJwt, "é"),
        ] {
            let line = written(output_line(7, format, credential.to_owned()));
            let expected = serde_json::json!({ "line": 7, "credential": credential }).to_string();
            assert_eq!(line, expected);
            let parsed: serde_json::Value = serde_json::from_str(&line).unwrap();
            assert_eq!(parsed["credential"], credential);
        }
        // The issuer's compact document: as is.
        let compact = serde_json::json!({"a": [1, 2], "b": "x\ny", "é": {}}).to_string();
        let line = written(output_line(5, Format::DiEddsaRdfc2022, compact.clone()));
        assert_eq!(line, format!("{{\"line\":5,\"credential\":{compact}}}"));
        let parsed: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(parsed["credential"]["b"], "x\ny");
        let document = "{\"a\": [1,\n 2], \"b\": \"x\"}";
        let line = written(output_line(1, Format::DiEddsaJcs2022, document.to_owned()));
        assert_eq!(line, r#"{"line":1,"credential":{"a":[1,2],"b":"x"}}"#);
        // Pretty text with whitespace, escapes and non-ASCII inside strings: the compact line
        // is exactly what parsing and serializing again would give.
        let tricky = serde_json::json!({
            "name": "Camille  Laurent",
            "quote": "she said \"a b\"\n\tthen \\ left",
            "nested": {"list": [1, 2.5, -3e-7, null, true, " x "], "é": "ü"},
            "empty": {}, "none": []
        });
        let pretty = serde_json::to_string_pretty(&tricky).unwrap();
        let line = written(output_line(2, Format::DiEddsaRdfc2022, pretty));
        let expected = serde_json::json!({ "line": 2, "credential": tricky }).to_string();
        assert_eq!(line, expected);
        // Broken: the slow path, as a string.
        assert_eq!(
            written(output_line(
                4,
                Format::DiEddsaJcs2022,
                "{\"a\":\n \"open}".to_owned()
            )),
            r#"{"line":4,"credential":"{\"a\":\n \"open}"}"#
        );
        assert_eq!(
            written(output_line(
                3,
                Format::DiEddsaJcs2022,
                "not json".to_owned()
            )),
            r#"{"line":3,"credential":"not json"}"#
        );
    }
}
