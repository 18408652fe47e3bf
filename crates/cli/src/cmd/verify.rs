//! `passeport verify`: one artefact, or a JSONL batch on every core.

use crate::io;
use anyhow::Context as _;
use passeport_core::clock::FixedClock;
use passeport_core::keys::{PublicJwk, PublicKey};
use passeport_verifier::resolve::HttpResolver;
use passeport_verifier::{Expectation, TrustList, Verifier};
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Arguments of `passeport verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The credential or presentation (compact JWS / SD-JWT, or JSON).
    #[arg(required_unless_present = "batch")]
    pub file: Option<PathBuf>,
    /// Trust list (JSON).
    #[arg(long)]
    pub trust: Option<PathBuf>,
    /// Trust this issuer key directly, for any issuer and type.
    #[arg(long = "issuer-key")]
    pub issuer_keys: Vec<PathBuf>,
    /// The audience the presentation must be bound to.
    #[arg(long)]
    pub audience: Option<String>,
    /// The nonce the presentation must carry.
    #[arg(long)]
    pub nonce: Option<String>,
    /// Verify as of this time (RFC 3339) instead of now.
    #[arg(long)]
    pub at: Option<String>,
    /// Use only cached status lists and documents; never touch the network.
    #[arg(long)]
    pub offline: bool,
    /// Verify a JSONL file of `{"presentation", "audience"?, "nonce"?}` lines.
    #[arg(long, conflicts_with = "file")]
    pub batch: Option<PathBuf>,
    /// Also print a human summary on stderr.
    #[arg(long)]
    pub summary: bool,
}

fn cache_dir() -> PathBuf {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("passeport")
        .join("fetched")
}

fn build_verifier(args: &VerifyArgs) -> anyhow::Result<Verifier> {
    let mut trust = match &args.trust {
        Some(path) => TrustList::from_json(io::read_text(path)?.as_bytes())
            .with_context(|| format!("{}", path.display()))?,
        None => TrustList::new(),
    };
    for path in &args.issuer_keys {
        let jwk = PublicJwk::from_value(&io::read_json(path)?)
            .with_context(|| format!("{}", path.display()))?;
        trust.add_direct_key(
            PublicKey::from_jwk(&jwk).with_context(|| format!("{}", path.display()))?,
        );
    }
    let mut resolver = HttpResolver::new().with_disk_cache(cache_dir());
    if args.offline {
        resolver = resolver.offline();
    }
    let mut verifier = Verifier::new(trust, Arc::new(resolver));
    if let Some(at) = &args.at {
        let t = passeport_core::clock::parse_rfc3339(at)
            .ok_or_else(|| anyhow::anyhow!("--at `{at}` is not an RFC 3339 date-time"))?;
        verifier = verifier.with_clock(Arc::new(FixedClock(t)));
    }
    Ok(verifier)
}

/// Verifies.
pub fn run(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let verifier = build_verifier(&args)?;
    let expect = Expectation {
        audience: args.audience.clone(),
        nonce: args.nonce.clone(),
    };
    if let Some(batch) = &args.batch {
        return run_batch(&verifier, &expect, batch);
    }
    let path = args.file.as_ref().context("a FILE to verify is required")?;
    let text = io::read_text(path)?;
    let mut report = verifier.verify_with(&text, &expect);
    if args.offline {
        for c in &mut report.credentials {
            for check in &mut c.checks {
                if check.check == "status" {
                    check
                        .detail
                        .push_str(" [offline: from the local cache only]");
                }
            }
        }
    }
    io::print_line(&serde_json::to_string_pretty(&report)?)?;
    if args.summary {
        eprintln!("{}", report.summary());
    }
    Ok(if report.valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// One batch line's report, serialized on the worker thread: `{"line": N, …the report…}`, and
/// whether it is valid.
fn verify_line(
    verifier: &Verifier,
    default: &Expectation,
    n: usize,
    line: Result<&str, io::BadLine>,
) -> (bool, String) {
    #[derive(serde::Serialize)]
    struct Line<'a> {
        line: usize,
        #[serde(flatten)]
        report: &'a passeport_verifier::Report,
    }
    let parsed = line.map_err(|bad| bad.to_string()).and_then(|line| {
        passeport_core::json::parse_object_str(line)
            .map_err(|e| format!("line is not a JSON object: {e}"))
    });
    let report = match &parsed {
        Ok(obj) => match obj.get("presentation").and_then(serde_json::Value::as_str) {
            Some(p) => {
                let field = |k: &str| {
                    obj.get(k)
                        .and_then(serde_json::Value::as_str)
                        .map(str::to_owned)
                };
                let expect = Expectation {
                    audience: field("audience").or_else(|| default.audience.clone()),
                    nonce: field("nonce").or_else(|| default.nonce.clone()),
                };
                verifier.verify_with(p, &expect)
            }
            None => passeport_verifier::Report::unreadable("line has no `presentation` string"),
        },
        Err(e) => passeport_verifier::Report::unreadable(e.clone()),
    };
    let text = serde_json::to_string(&Line {
        line: n,
        report: &report,
    })
    .unwrap_or_else(|e| {
        serde_json::json!({"line": n, "valid": false, "errors": [e.to_string()], "credentials": []})
            .to_string()
    });
    (report.valid, text)
}

fn run_batch(
    verifier: &Verifier,
    expect: &Expectation,
    input: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    let mut out = std::io::BufWriter::new(std::io::stdout());
    let mut any_invalid = false;
    let mut write_reports = |reports: Vec<(bool, String)>| -> anyhow::Result<()> {
        for (valid, report) in reports {
            any_invalid |= !valid;
            out.write_all(report.as_bytes())?;
            out.write_all(b"\n")?;
        }
        Ok(())
    };
    // Each report is serialized on its worker.
    io::pipelined(
        input,
        |_| {},
        |n, line| verify_line(verifier, expect, n, line),
        &mut write_reports,
    )?;
    out.flush()?;
    Ok(if any_invalid {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
