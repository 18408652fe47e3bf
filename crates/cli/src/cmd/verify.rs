//! `passeport verify`: one artefact, or a JSONL batch on every core.

use crate::io;
use anyhow::Context as _;
use passeport_core::clock::FixedClock;
use passeport_core::keys::{PublicJwk, PublicKey};
use passeport_verifier::resolve::HttpResolver;
use passeport_verifier::{Expectation, TrustList, Verifier};
use std::borrow::Cow;
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
    /// Verify a JSONL file of `{"presentation", "audience"?, "nonce"?}` lines (the presentation
    /// a string, or a Data Integrity document as an object, as `issue --batch` writes it).
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
                        .to_mut()
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

/// A `verify --batch` line. The presentation (a string, or a Data Integrity document as an
/// object) is borrowed from the line when it has no escapes (a compact SD-JWT or JWS never has),
/// instead of copied into a JSON tree. A member given twice
/// is refused (two readers could take different ones); other members are ignored.
///
/// Read by hand rather than derived: serde's derived struct also accepts a JSON array, its
/// items taken as the fields in order, and a batch line must be an object.
#[derive(Default)]
struct BatchLine<'a> {
    presentation: Option<Cow<'a, str>>,
    audience: Option<Cow<'a, str>>,
    nonce: Option<Cow<'a, str>>,
}

impl<'de> serde::Deserialize<'de> for BatchLine<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// A string, borrowed from the input when it can be.
        #[derive(serde::Deserialize)]
        struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

        struct Members;
        impl<'de> serde::de::Visitor<'de> for Members {
            type Value = BatchLine<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                use serde::de::Error as _;
                let mut line = BatchLine::default();
                while let Some(key) = map.next_key::<Text<'de>>()? {
                    let slot = match key.0.as_ref() {
                        "presentation" => &mut line.presentation,
                        "audience" => &mut line.audience,
                        "nonce" => &mut line.nonce,
                        _ => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                            continue;
                        }
                    };
                    if slot.is_some() {
                        return Err(A::Error::custom(format!("duplicate member `{}`", key.0)));
                    }
                    if key.0 != "presentation" {
                        *slot = Some(map.next_value::<Text<'de>>()?.0);
                        continue;
                    }
                    // A compact JWS / SD-JWT as a string, or a Data Integrity document as an
                    // object, the way `issue --batch` writes it: its text is handed over as
                    // is, and verification parses it strictly (duplicate members refused).
                    let raw = map.next_value::<&'de serde_json::value::RawValue>()?.get();
                    *slot = Some(if raw.starts_with('{') {
                        Cow::Borrowed(raw)
                    } else {
                        serde_json::from_str::<Text<'de>>(raw)
                            .map_err(|e| {
                                A::Error::custom(format!(
                                    "`presentation` must be a string (a compact JWS or SD-JWT) \
                                     or a JSON object (a Data Integrity document): {e}"
                                ))
                            })?
                            .0
                    });
                }
                Ok(line)
            }
        }
        deserializer.deserialize_map(Members)
    }
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
        serde_json::from_str::<BatchLine<'_>>(line).map_err(|e| {
            format!("line is not a JSON object {{\"presentation\": \"…\", \"audience\"?, \"nonce\"?}}: {e}")
        })
    });
    let report = match parsed {
        Ok(BatchLine {
            presentation: Some(p),
            audience,
            nonce,
        }) => {
            let expect = Expectation {
                audience: audience
                    .map(Cow::into_owned)
                    .or_else(|| default.audience.clone()),
                nonce: nonce.map(Cow::into_owned).or_else(|| default.nonce.clone()),
            };
            verifier.verify_with(&p, &expect)
        }
        Ok(_) => passeport_verifier::Report::unreadable("line has no `presentation` string"),
        Err(e) => passeport_verifier::Report::unreadable(e),
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

#[cfg(test)]
mod tests {
    use super::*;
    use passeport_verifier::resolve::StaticResolver;

    fn errors_of(line: &str) -> (bool, String) {
        let verifier = Verifier::new(TrustList::new(), Arc::new(StaticResolver::default()));
        let (valid, text) = verify_line(&verifier, &Expectation::default(), 3, Ok(line));
        let report: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(report["line"], 3);
        (valid, report["errors"].to_string())
    }

    #[test]
    fn batch_lines_are_read_strictly() {
        let (valid, errors) = errors_of(r#"{"presentation": 5}"#);
        assert!(!valid);
        assert!(errors.contains("must be a string"), "{errors}");
        assert!(errors.contains("invalid type"), "{errors}");
        let (_, errors) = errors_of(r#"{"presentation": "a", "presentation": "b"}"#);
        assert!(
            errors.contains("duplicate member `presentation`"),
            "{errors}"
        );
        let (_, errors) = errors_of(r#"{"credential": "a"}"#);
        assert!(errors.contains("no `presentation` string"), "{errors}");
        let (_, errors) = errors_of(r#"["presentation"]"#);
        assert!(errors.contains("not a JSON object"), "{errors}");
        let (_, errors) = errors_of(r#"{"presentation": "a"} trailing"#);
        assert!(errors.contains("trailing"), "{errors}");
    }

    #[test]
    fn an_escaped_presentation_is_the_same_presentation() {
        // Borrowed when it has no escapes, decoded when it has: the same verdict either way.
        let plain = errors_of(r#"{"presentation": "garbage~"}"#);
        let escaped = errors_of(r#"{"presentation": "gar\u0062age\u007e", "other": [1]}"#);
        assert!(!plain.0);
        assert_eq!(plain, escaped);
    }
}
