//! `passeport wallet …`: the holder's encrypted wallet (see `passeport_wallet`).
//!
//! The passphrase comes from `PASSEPORT_PASSPHRASE` or a prompt; `--wallet DIR` (or
//! `PASSEPORT_WALLET`) picks the wallet, by default `<data dir>/passeport/wallet`.

use crate::io;
use anyhow::Context as _;
use passeport_core::keys::{KeyAlgorithm, PublicJwk, PublicKey};
use passeport_core::model::RecordType;
use passeport_verifier::resolve::HttpResolver;
use passeport_verifier::{TrustList, Verifier};
use passeport_wallet::{
    CreateOptions, CredentialFilter, CredentialRecord, HolderKeyChoice, IssuerTrust, KdfParams,
    LinkError, LinkService, NoteKind, PipelineImport, PublishedLink, Selection, Wallet,
    WalletError,
};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// Longest answer read from a link service (64 KiB).
const MAX_ANSWER_BYTES: usize = 64 << 10;

/// Which wallet.
#[derive(Debug, Clone, clap::Args)]
pub struct WalletDir {
    /// The wallet directory (default: the platform data directory, `…/passeport/wallet`).
    #[arg(long = "wallet", value_name = "DIR", env = "PASSEPORT_WALLET")]
    pub wallet: Option<PathBuf>,
}

impl WalletDir {
    fn path(&self) -> anyhow::Result<PathBuf> {
        if let Some(dir) = &self.wallet {
            return Ok(dir.clone());
        }
        let base = dirs::data_dir().context("no platform data directory: give --wallet DIR")?;
        Ok(base.join("passeport").join("wallet"))
    }
}

/// Trust inputs for import.
#[derive(Debug, Clone, clap::Args)]
pub struct ImportTrust {
    /// Trust list (JSON, as for `verify`): with it (or --issuer-key), only issuers trusted
    /// for the record type are accepted.
    #[arg(long)]
    pub trust: Option<PathBuf>,
    /// Trust this issuer key directly.
    #[arg(long = "issuer-key", value_name = "JWK_FILE")]
    pub issuer_keys: Vec<PathBuf>,
    /// Never fetch (did:web documents, status lists): only cached ones.
    #[arg(long)]
    pub offline: bool,
}

/// Choice of credentials and claims.
#[derive(Debug, Clone, clap::Args)]
pub struct Choose {
    /// A credential id (see `wallet list`); repeat for several.
    #[arg(long = "credential", value_name = "ID", required = true)]
    pub credentials: Vec<String>,
    /// A claim to disclose: a JSON pointer into the subject (`/awardingDate`), applied to every
    /// chosen credential that has it, or `ID:/pointer` for one credential. Repeatable.
    #[arg(long = "disclose", value_name = "PATH")]
    pub disclose: Vec<String>,
}

/// `passeport wallet` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum WalletCommand {
    /// Create a wallet and its holder key.
    Init {
        #[command(flatten)]
        dir: WalletDir,
        /// Holder key algorithm.
        #[arg(long, value_parser = ["ed25519", "p256"], default_value = "ed25519")]
        alg: String,
    },
    /// Verify a credential and store it (an invalid one is refused).
    Import {
        /// The credential (compact string or Data Integrity JSON).
        file: PathBuf,
        #[command(flatten)]
        trust: ImportTrust,
        #[command(flatten)]
        dir: WalletDir,
    },
    /// List the credentials.
    List {
        /// JSON on stdout: `[{"id", "types", "issuer"}]`.
        #[arg(long)]
        json: bool,
        /// Only this record type (`Diploma`, …).
        #[arg(long = "type")]
        record_type: Option<RecordType>,
        /// Only issuers whose id or name contains this.
        #[arg(long)]
        issuer: Option<String>,
        /// Only credentials valid from this date (RFC 3339 / YYYY-MM-DD) or later.
        #[arg(long)]
        since: Option<String>,
        /// Only credentials valid from before this date.
        #[arg(long)]
        until: Option<String>,
        #[command(flatten)]
        dir: WalletDir,
    },
    /// Show one credential's claims and which are selectively disclosable.
    Show {
        /// The credential id.
        id: String,
        /// JSON on stdout.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        dir: WalletDir,
    },
    /// The holder's public JWK, for issuers to bind credentials to.
    HolderKey {
        /// Print the did:jwk instead.
        #[arg(long)]
        did: bool,
        #[command(flatten)]
        dir: WalletDir,
    },
    /// Present chosen claims of chosen credentials to a verifier.
    Present {
        #[command(flatten)]
        choose: Choose,
        /// The verifier (KB-JWT / VP `aud`).
        #[arg(long)]
        audience: String,
        /// The verifier's nonce.
        #[arg(long)]
        nonce: String,
        #[command(flatten)]
        dir: WalletDir,
    },
    /// Share a presentation as a link on a passeport service; prints `URL/p/ID`.
    Share {
        #[command(flatten)]
        choose: Choose,
        /// The service's public URL.
        #[arg(long)]
        server: String,
        /// How long the link lives (`3600`, `90m`, `24h`, `7d`).
        #[arg(long)]
        expires: Option<String>,
        /// Also draw the link as a QR code on stderr.
        #[arg(long)]
        qr: bool,
        #[command(flatten)]
        dir: WalletDir,
    },
    /// The links shared so far.
    Links {
        /// JSON on stdout.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        dir: WalletDir,
    },
    /// Delete a shared link on its service.
    Unshare {
        /// The link id (see `wallet links`).
        id: String,
        #[command(flatten)]
        dir: WalletDir,
    },
    /// Write the probative CV (HTML).
    Cv {
        /// The HTML file.
        #[arg(long)]
        out: PathBuf,
        /// Credentials to include (default: all).
        #[arg(long = "credential", value_name = "ID")]
        credentials: Vec<String>,
        #[command(flatten)]
        dir: WalletDir,
    },
    /// Write one encrypted backup file.
    Export {
        /// The backup file.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        dir: WalletDir,
    },
    /// Rebuild a wallet from a backup (in a new directory).
    Restore {
        /// The backup file.
        file: PathBuf,
        #[command(flatten)]
        dir: WalletDir,
    },
    /// The transaction log.
    Log {
        /// JSON on stdout.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        dir: WalletDir,
    },
    /// Holder notes (self-declared).
    #[command(subcommand)]
    Note(NoteCommand),
}

/// `passeport wallet note …`.
#[derive(Debug, clap::Subcommand)]
pub enum NoteCommand {
    /// Add a note.
    Add {
        /// `training-proposal`, `skill` or `other`.
        #[arg(long, value_parser = ["training-proposal", "skill", "other"], default_value = "other")]
        kind: String,
        /// Title.
        #[arg(long)]
        title: String,
        /// Text.
        #[arg(long, default_value = "")]
        text: String,
        #[command(flatten)]
        dir: WalletDir,
    },
    /// List notes.
    List {
        #[command(flatten)]
        dir: WalletDir,
    },
}

fn passphrase(confirm: bool) -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("PASSEPORT_PASSPHRASE") {
        anyhow::ensure!(!p.is_empty(), "PASSEPORT_PASSPHRASE is empty");
        return Ok(p);
    }
    let p = rpassword::prompt_password("Wallet passphrase: ")
        .context("no PASSEPORT_PASSPHRASE and no terminal to ask for the passphrase")?;
    anyhow::ensure!(!p.is_empty(), "the passphrase is empty");
    if confirm {
        let again = rpassword::prompt_password("Again: ")?;
        anyhow::ensure!(p == again, "the two passphrases differ");
    }
    Ok(p)
}

fn open(dir: &WalletDir) -> anyhow::Result<Wallet> {
    let path = dir.path()?;
    Wallet::open_in(&path, &passphrase(false)?).map_err(|e| wallet_err(e, &path))
}

fn wallet_err(e: WalletError, path: &Path) -> anyhow::Error {
    anyhow::anyhow!("wallet {}: {e}", path.display())
}

fn kdf() -> KdfParams {
    // Tests may lower the cost (never below the accepted floor).
    match std::env::var("PASSEPORT_WALLET_KDF").as_deref() {
        Ok("insecure-fast") => KdfParams::INSECURE_FOR_TESTS,
        _ => KdfParams::RECOMMENDED,
    }
}

/// Runs a wallet command.
pub fn run(command: WalletCommand) -> anyhow::Result<ExitCode> {
    match command {
        WalletCommand::Init { dir, alg } => {
            let path = dir.path()?;
            let alg = if alg == "p256" {
                KeyAlgorithm::P256
            } else {
                KeyAlgorithm::Ed25519
            };
            let options = CreateOptions {
                kdf: kdf(),
                holder_key: HolderKeyChoice::Generate(alg),
            };
            let wallet = Wallet::create_in(&path, &passphrase(true)?, options)
                .map_err(|e| wallet_err(e, &path))?;
            eprintln!("wallet created in {}", path.display());
            io::print_line(&wallet.holder_did()?.to_string())?;
        }
        WalletCommand::Import { file, trust, dir } => {
            let text = io::read_text(&file)?;
            let (verifier, issuer_trust) = import_verifier(&trust)?;
            let mut wallet = open(&dir)?;
            let pipeline = PipelineImport {
                verifier: &verifier,
                issuer_trust,
            };
            match wallet.import(&text, &pipeline) {
                Ok(record) => {
                    eprintln!(
                        "imported {} ({}) from {}",
                        record.title(),
                        record.format.as_str(),
                        record.issuer
                    );
                    io::print_line(&record.id)?;
                }
                Err(WalletError::Rejected(rejected)) => {
                    eprintln!("passeport: {} refused:", file.display());
                    for reason in &rejected.reasons {
                        eprintln!("  - {reason}");
                    }
                    return Ok(ExitCode::from(1));
                }
                Err(e) => return Err(anyhow::anyhow!("{}: {e}", file.display())),
            }
        }
        WalletCommand::List {
            json,
            record_type,
            issuer,
            since,
            until,
            dir,
        } => {
            let wallet = open(&dir)?;
            let filter = CredentialFilter {
                record_type,
                issuer,
                since,
                until,
            };
            let records = wallet.credentials(&filter)?;
            if json {
                let list: Vec<serde_json::Value> = records
                    .iter()
                    .map(|r| {
                        serde_json::json!({
                            "id": r.id, "types": r.types, "issuer": r.issuer,
                            "recordType": r.record_type.map(|t| t.name()),
                            "format": r.format.as_str(), "title": r.title(),
                            "validFrom": r.valid_from,
                        })
                    })
                    .collect();
                io::print_line(&serde_json::to_string_pretty(&list)?)?;
            } else {
                for r in &records {
                    io::print_line(&format!(
                        "{}  {:<26} {:<10} {}  ({})",
                        r.id,
                        r.record_type.map_or("-", |t| t.name()),
                        r.valid_from
                            .as_deref()
                            .and_then(|d| d.get(..10))
                            .unwrap_or("-"),
                        r.title(),
                        r.issuer_name.as_deref().unwrap_or(&r.issuer)
                    ))?;
                }
            }
        }
        WalletCommand::Show { id, json, dir } => {
            let wallet = open(&dir)?;
            let r = wallet.credential(&id)?;
            if json {
                io::print_line(&serde_json::to_string_pretty(&serde_json::json!({
                    "id": r.id, "format": r.format.as_str(), "issuer": r.issuer,
                    "issuerName": r.issuer_name, "types": r.types,
                    "validFrom": r.valid_from, "validUntil": r.valid_until,
                    "subject": r.subject, "disclosable": r.disclosable,
                }))?)?;
            } else {
                show(&r)?;
            }
        }
        WalletCommand::HolderKey { did, dir } => {
            let wallet = open(&dir)?;
            if did {
                io::print_line(wallet.holder_did()?.as_str())?;
            } else {
                io::print_line(&serde_json::to_string_pretty(
                    &wallet.holder_jwk().to_value(),
                )?)?;
            }
        }
        WalletCommand::Present {
            choose,
            audience,
            nonce,
            dir,
        } => {
            let mut wallet = open(&dir)?;
            let selections = selections(&wallet, &choose)?;
            let presentation = wallet.present(&selections, &audience, &nonce)?;
            warn_whole(&presentation.shown_whole);
            io::print_line(&presentation.text)?;
        }
        WalletCommand::Share {
            choose,
            server,
            expires,
            qr,
            dir,
        } => {
            let expires = expires.as_deref().map(parse_duration).transpose()?;
            let mut wallet = open(&dir)?;
            let selections = selections(&wallet, &choose)?;
            let service = HttpLinkService::new(&server)?;
            let link = wallet.share(&selections, &service, expires)?;
            eprintln!(
                "shared as link {} (delete with `passeport wallet unshare {}`)",
                link.id, link.id
            );
            if qr {
                eprintln!("{}", qr_text(&link.url)?);
            }
            io::print_line(&link.url)?;
        }
        WalletCommand::Links { json, dir } => {
            let wallet = open(&dir)?;
            let links = wallet.links()?;
            if json {
                let list: Vec<serde_json::Value> = links
                    .iter()
                    .map(|l| {
                        serde_json::json!({
                            "id": l.id, "url": l.url, "server": l.server,
                            "credentials": l.credential_ids,
                            "createdAt": passeport_core::clock::format_rfc3339(l.created_at),
                            "expiresAt": l.expires_at.map(passeport_core::clock::format_rfc3339),
                            "deletedAt": l.deleted_at.map(passeport_core::clock::format_rfc3339),
                        })
                    })
                    .collect();
                io::print_line(&serde_json::to_string_pretty(&list)?)?;
            } else {
                for l in &links {
                    let state = match (l.deleted_at, l.expires_at) {
                        (Some(_), _) => "deleted".to_owned(),
                        (None, Some(e)) => {
                            format!("expires {}", passeport_core::clock::format_rfc3339(e))
                        }
                        (None, None) => "no expiry".to_owned(),
                    };
                    io::print_line(&format!("{}  {}  [{state}]", l.id, l.url))?;
                }
            }
        }
        WalletCommand::Unshare { id, dir } => {
            let mut wallet = open(&dir)?;
            let link = wallet
                .links()?
                .into_iter()
                .find(|l| l.id == id)
                .with_context(|| format!("no shared link with id {id}"))?;
            let service = HttpLinkService::new(&link.server)?;
            wallet.unshare(&id, &service)?;
            eprintln!("link {} deleted", link.url);
        }
        WalletCommand::Cv {
            out,
            credentials,
            dir,
        } => {
            let wallet = open(&dir)?;
            let html = wallet.cv_html(&credentials)?;
            passeport_wallet::write_file_atomic(&out, html.as_bytes())?;
            eprintln!("CV written to {}", out.display());
        }
        WalletCommand::Export { out, dir } => {
            let path = dir.path()?;
            let pass = passphrase(false)?;
            let mut wallet = Wallet::open_in(&path, &pass).map_err(|e| wallet_err(e, &path))?;
            let bytes = wallet.export(&pass)?;
            passeport_wallet::write_file_atomic(&out, &bytes)?;
            eprintln!("backup written to {} (same passphrase)", out.display());
        }
        WalletCommand::Restore { file, dir } => {
            let path = dir.path()?;
            let meta = std::fs::metadata(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            anyhow::ensure!(
                meta.len() <= passeport_wallet::MAX_BACKUP_BYTES as u64,
                "{} is too large for a wallet backup",
                file.display()
            );
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let wallet = Wallet::restore_in(&path, &bytes, &passphrase(false)?)
                .map_err(|e| wallet_err(e, &path))?;
            eprintln!(
                "wallet restored in {} ({} credentials)",
                path.display(),
                wallet.credentials(&CredentialFilter::default())?.len()
            );
        }
        WalletCommand::Log { json, dir } => {
            let wallet = open(&dir)?;
            let log = wallet.log()?;
            if json {
                io::print_line(&serde_json::to_string_pretty(&log)?)?;
            } else {
                for entry in &log {
                    let action = serde_json::to_value(&entry.action)?;
                    io::print_line(&format!(
                        "{}  {}",
                        passeport_core::clock::format_rfc3339(entry.at),
                        action
                    ))?;
                }
            }
        }
        WalletCommand::Note(NoteCommand::Add {
            kind,
            title,
            text,
            dir,
        }) => {
            let kind = match kind.as_str() {
                "training-proposal" => NoteKind::TrainingProposal,
                "skill" => NoteKind::Skill,
                _ => NoteKind::Other,
            };
            let mut wallet = open(&dir)?;
            let note = wallet.add_note(kind, &title, &text)?;
            io::print_line(&note.id)?;
        }
        WalletCommand::Note(NoteCommand::List { dir }) => {
            let wallet = open(&dir)?;
            for n in wallet.notes()? {
                io::print_line(&format!(
                    "{}  [{}] {} — {} (self-declared)",
                    n.id,
                    n.kind.label_en(),
                    n.title,
                    n.text
                ))?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn show(r: &CredentialRecord) -> anyhow::Result<()> {
    io::print_line(&format!("{}  {}", r.id, r.title()))?;
    io::print_line(&format!(
        "issuer: {}{}",
        r.issuer,
        r.issuer_name
            .as_deref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default()
    ))?;
    io::print_line(&format!(
        "format: {}  types: {}",
        r.format.as_str(),
        r.types.join(", ")
    ))?;
    io::print_line("claims (* = selectively disclosable):")?;
    let mut lines = Vec::new();
    walk(&r.subject, String::new(), r, &mut lines);
    for line in lines {
        io::print_line(&line)?;
    }
    Ok(())
}

fn walk(value: &serde_json::Value, pointer: String, r: &CredentialRecord, out: &mut Vec<String>) {
    let mark = if r.is_disclosable(&pointer) { "*" } else { " " };
    match value {
        serde_json::Value::Object(map) => {
            if !pointer.is_empty() {
                out.push(format!("{mark} {pointer}"));
            }
            for (k, v) in map {
                let key = k.replace('~', "~0").replace('/', "~1");
                walk(v, format!("{pointer}/{key}"), r, out);
            }
        }
        serde_json::Value::Array(items) => {
            out.push(format!("{mark} {pointer}"));
            for (i, v) in items.iter().enumerate() {
                walk(v, format!("{pointer}/{i}"), r, out);
            }
        }
        leaf => out.push(format!("{mark} {pointer} = {leaf}")),
    }
}

fn warn_whole(ids: &[String]) {
    for id in ids {
        eprintln!("note: credential {id} cannot hide claims (not an SD-JWT): it is shown whole");
    }
}

/// Builds per-credential selections from `--credential` and `--disclose`.
fn selections(wallet: &Wallet, choose: &Choose) -> anyhow::Result<Vec<Selection>> {
    let records = choose
        .credentials
        .iter()
        .map(|id| wallet.credential(id))
        .collect::<Result<Vec<_>, _>>()?;
    let mut out: Vec<Selection> = records
        .iter()
        .map(|r| Selection {
            credential_id: r.id.clone(),
            disclose: Vec::new(),
        })
        .collect();
    for path in &choose.disclose {
        let targeted = match path.split_once(':') {
            Some((id, pointer)) if pointer.starts_with('/') && !id.contains('/') => {
                Some((id, pointer))
            }
            _ => None,
        };
        let mut used = false;
        for (record, selection) in records.iter().zip(out.iter_mut()) {
            let pointer = match targeted {
                Some((id, pointer)) if id == record.id => pointer,
                Some(_) => continue,
                None => path.as_str(),
            };
            if record.subject.pointer(pointer).is_some() {
                selection.disclose.push(pointer.to_owned());
                used = true;
            } else if targeted.is_some() {
                anyhow::bail!(
                    "--disclose {path}: credential {} has no claim at {pointer}",
                    record.id
                );
            }
        }
        anyhow::ensure!(
            used,
            "--disclose {path}: no chosen credential has a claim there (pointers start at the subject, e.g. /awardingDate)"
        );
    }
    Ok(out)
}

fn import_verifier(trust: &ImportTrust) -> anyhow::Result<(Verifier, IssuerTrust)> {
    let mut list = match &trust.trust {
        Some(path) => TrustList::from_json(io::read_text(path)?.as_bytes())
            .with_context(|| format!("{}", path.display()))?,
        None => TrustList::new(),
    };
    for path in &trust.issuer_keys {
        let jwk = PublicJwk::from_value(&io::read_json(path)?)
            .with_context(|| format!("{}", path.display()))?;
        list.add_direct_key(
            PublicKey::from_jwk(&jwk).with_context(|| format!("{}", path.display()))?,
        );
    }
    // Without trust inputs, the holder keeps any authentic credential (its issuer's key
    // resolved from its DID, signature and every other check passing); with them, the issuer
    // must be trusted for the record type.
    let issuer_trust = if trust.trust.is_none() && trust.issuer_keys.is_empty() {
        IssuerTrust::AuthenticOnly
    } else {
        IssuerTrust::TrustList
    };
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(dirs::cache_dir)
        .unwrap_or_else(std::env::temp_dir)
        .join("passeport")
        .join("fetched");
    let mut resolver = HttpResolver::new().with_disk_cache(cache);
    if trust.offline {
        resolver = resolver.offline();
    }
    Ok((Verifier::new(list, Arc::new(resolver)), issuer_trust))
}

/// `3600`, `90s`, `90m`, `24h`, `7d` to seconds.
fn parse_duration(text: &str) -> anyhow::Result<u64> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let n: u64 = number
        .parse()
        .with_context(|| format!("--expires `{text}`: expected a number with s, m, h or d"))?;
    let factor = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => anyhow::bail!("--expires `{text}`: unit must be s, m, h or d"),
    };
    n.checked_mul(factor)
        .with_context(|| format!("--expires `{text}` is too large"))
}

fn qr_text(url: &str) -> anyhow::Result<String> {
    let code = qrcode::QrCode::new(url.as_bytes()).context("the link is too long for a QR code")?;
    let width = code.width();
    let colors = code.to_colors();
    let dark = |x: usize, y: usize| -> bool {
        x < width
            && y < width
            && colors
                .get(y * width + x)
                .is_some_and(|c| *c == qrcode::Color::Dark)
    };
    // Two modules per character cell (upper and lower half blocks), with a quiet zone.
    let mut out = String::new();
    let quiet = 2usize;
    let size = width + 2 * quiet;
    let mut y = 0;
    while y < size {
        for x in 0..size {
            let top = x >= quiet && y >= quiet && dark(x - quiet, y - quiet);
            let bottom = x >= quiet && y + 1 >= quiet && dark(x - quiet, y + 1 - quiet);
            out.push(match (top, bottom) {
                (true, true) => ' ',
                (true, false) => '▄',
                (false, true) => '▀',
                (false, false) => '█',
            });
        }
        out.push('\n');
        y += 2;
    }
    Ok(out)
}

/// The passeport service's `/v1/presentations` routes over HTTP.
struct HttpLinkService {
    base: String,
    client: reqwest::Client,
    runtime: tokio::runtime::Runtime,
}

impl HttpLinkService {
    fn new(server: &str) -> anyhow::Result<Self> {
        let base = server.trim_end_matches('/').to_owned();
        anyhow::ensure!(
            base.starts_with("https://") || base.starts_with("http://"),
            "--server `{server}` must be an http(s) URL"
        );
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(Self {
            base,
            client,
            runtime,
        })
    }

    fn unreachable(&self, e: &(dyn std::error::Error + 'static)) -> LinkError {
        let mut reason = e.to_string();
        let mut source = e.source();
        while let Some(inner) = source {
            reason.push_str(": ");
            reason.push_str(&inner.to_string());
            source = inner.source();
        }
        LinkError::Unreachable {
            server: self.base.clone(),
            reason,
        }
    }
}

async fn read_body(response: reqwest::Response) -> Result<(u16, String), reqwest::Error> {
    let status = response.status().as_u16();
    let bytes = response.bytes().await?;
    let end = bytes.len().min(MAX_ANSWER_BYTES);
    let body = String::from_utf8_lossy(bytes.get(..end).unwrap_or_default()).into_owned();
    Ok((status, body))
}

impl LinkService for HttpLinkService {
    fn audience(&self) -> &str {
        &self.base
    }

    fn publish(
        &self,
        presentation: &str,
        expires_in_secs: Option<u64>,
    ) -> Result<PublishedLink, LinkError> {
        let mut body = serde_json::Map::new();
        body.insert("presentation".into(), presentation.into());
        if let Some(secs) = expires_in_secs {
            body.insert("expiresIn".into(), secs.into());
        }
        let url = format!("{}/v1/presentations", self.base);
        let (status, text) = self
            .runtime
            .block_on(async {
                let response = self.client.post(&url).json(&body).send().await?;
                read_body(response).await
            })
            .map_err(|e| self.unreachable(&e))?;
        if status != 201 && status != 200 {
            return Err(LinkError::Refused {
                server: self.base.clone(),
                status,
                body: text.chars().take(500).collect(),
            });
        }
        let bad = |reason: String| LinkError::BadAnswer {
            server: self.base.clone(),
            reason,
        };
        let answer =
            passeport_core::json::parse_object_str(&text).map_err(|e| bad(e.to_string()))?;
        let field = |name: &str| {
            answer
                .get(name)
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| bad(format!("no `{name}` string")))
        };
        let id = field("id")?;
        let url = field("url").unwrap_or_else(|_| format!("{}/p/{id}", self.base));
        Ok(PublishedLink {
            url,
            delete_token: field("deleteToken")?,
            id,
        })
    }

    fn delete(&self, link_id: &str, delete_token: &str) -> Result<(), LinkError> {
        let url = format!("{}/v1/presentations/{link_id}", self.base);
        let (status, text) = self
            .runtime
            .block_on(async {
                let response = self
                    .client
                    .delete(&url)
                    .bearer_auth(delete_token)
                    .send()
                    .await?;
                read_body(response).await
            })
            .map_err(|e| self.unreachable(&e))?;
        // 410: already gone, which is what the holder wants.
        if (200..300).contains(&status) || status == 410 {
            Ok(())
        } else {
            Err(LinkError::Refused {
                server: self.base.clone(),
                status,
                body: text.chars().take(500).collect(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_durations() {
        assert_eq!(parse_duration("3600").unwrap(), 3600);
        assert_eq!(parse_duration("90m").unwrap(), 5400);
        assert_eq!(parse_duration("7d").unwrap(), 604_800);
        assert!(parse_duration("7w").is_err());
        assert!(parse_duration("h").is_err());
    }

    /// A one-thread HTTP/1.1 stand-in for the service's `/v1/presentations` routes: answers
    /// `n` requests, returns what it received.
    fn mock_service(n: usize) -> (String, std::thread::JoinHandle<Vec<String>>) {
        use std::io::{BufRead as _, BufReader, Read as _, Write as _};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let url = base.clone();
        let handle = std::thread::spawn(move || {
            let mut seen = Vec::new();
            for stream in listener.incoming().take(n) {
                let mut stream = stream.unwrap();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut head = String::new();
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    reader.read_line(&mut line).unwrap();
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap();
                    }
                    head.push_str(&line);
                    if line == "\r\n" {
                        break;
                    }
                }
                let mut body = vec![0u8; length];
                reader.read_exact(&mut body).unwrap();
                let request = format!("{head}{}", String::from_utf8(body).unwrap());
                let (status, answer) = if request.starts_with("POST /v1/presentations ") {
                    if request.contains("\"presentation\":\"bad\"") {
                        (
                            "422 Unprocessable Entity",
                            "{\"title\":\"wrong audience\"}".to_owned(),
                        )
                    } else {
                        (
                            "201 Created",
                            format!(
                                "{{\"id\":\"l1\",\"url\":\"{url}/p/l1\",\"deleteToken\":\"dt-1\"}}"
                            ),
                        )
                    }
                } else if request.starts_with("DELETE /v1/presentations/l1 ")
                    && request
                        .to_ascii_lowercase()
                        .contains("authorization: bearer dt-1")
                {
                    ("204 No Content", String::new())
                } else {
                    ("401 Unauthorized", String::new())
                };
                write!(
                    stream,
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                    answer.len()
                )
                .unwrap();
                seen.push(request);
            }
            seen
        });
        (base, handle)
    }

    #[test]
    fn link_client_speaks_the_presentations_contract() {
        let (base, server) = mock_service(4);
        let service = HttpLinkService::new(&format!("{base}/")).unwrap();
        assert_eq!(
            service.audience(),
            base,
            "trailing slash dropped: the audience is the URL"
        );
        let link = service.publish("eyJ.presentation~", Some(3600)).unwrap();
        assert_eq!(link.id, "l1");
        assert_eq!(link.url, format!("{base}/p/l1"));
        assert_eq!(link.delete_token, "dt-1");
        let refused = service.publish("bad", None).unwrap_err();
        assert!(
            matches!(refused, LinkError::Refused { status: 422, .. }),
            "{refused:?}"
        );
        service.delete("l1", "dt-1").unwrap();
        let wrong = service.delete("l1", "guess").unwrap_err();
        assert!(
            matches!(wrong, LinkError::Refused { status: 401, .. }),
            "{wrong:?}"
        );
        let seen = server.join().unwrap();
        assert!(seen[0].contains("\"presentation\":\"eyJ.presentation~\""));
        assert!(seen[0].contains("\"expiresIn\":3600"));
        assert!(!seen[1].contains("expiresIn"));
    }

    #[test]
    fn draws_a_qr_code() {
        let text = qr_text("https://passeport.example/p/abc").unwrap();
        assert!(text.lines().count() > 10);
        assert!(text.contains('█'));
    }
}
