//! `passeport present`: the holder presents credential files with a key file.
//!
//! The credentials go through the same path as the wallet's (an ephemeral in-memory wallet
//! holding the given key): each is checked to be authentic and bound to this key, then only the
//! chosen claims are disclosed.

use crate::io;
use anyhow::Context as _;
use passeport_core::keys::{SecretKey, Signer};
use passeport_verifier::resolve::HttpResolver;
use passeport_verifier::{TrustList, Verifier};
use passeport_wallet::storage::MemoryStore;
use passeport_wallet::{
    CreateOptions, HolderKeyChoice, IssuerTrust, KdfParams, PipelineImport, Selection, Wallet,
};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Arguments of `passeport present`.
#[derive(Debug, clap::Args)]
pub struct PresentArgs {
    /// The holder's private JWK (the key the credentials are bound to).
    #[arg(long)]
    pub key: PathBuf,
    /// A credential file (repeat for several: a vp+jwt is made).
    #[arg(long = "credential", required = true)]
    pub credentials: Vec<PathBuf>,
    /// A JSON pointer into the credential subject to disclose (repeatable).
    #[arg(long = "disclose")]
    pub disclose: Vec<String>,
    /// The verifier the presentation is for.
    #[arg(long)]
    pub audience: String,
    /// The verifier's nonce.
    #[arg(long)]
    pub nonce: String,
}

/// Builds a presentation.
pub fn run(args: PresentArgs) -> anyhow::Result<ExitCode> {
    let key = SecretKey::from_jwk_json(&io::read_text(&args.key)?)
        .with_context(|| format!("{}", args.key.display()))?;
    let signer: Arc<dyn Signer> = Arc::new(key);
    let options = CreateOptions {
        kdf: KdfParams::INSECURE_FOR_TESTS,
        holder_key: HolderKeyChoice::External(signer),
    };
    // The store lives in memory for this one command; the passphrase protects nothing on disk.
    let mut wallet = Wallet::create(MemoryStore::new(), "ephemeral", options)?;
    let verifier = Verifier::new(TrustList::new(), Arc::new(HttpResolver::new()));
    let import = PipelineImport {
        verifier: &verifier,
        issuer_trust: IssuerTrust::AuthenticOnly,
    };
    for pointer in &args.disclose {
        anyhow::ensure!(
            pointer.starts_with('/'),
            "--disclose `{pointer}` must be a JSON pointer into the subject, like /awardingDate"
        );
    }
    let mut selections = Vec::new();
    let mut used = vec![false; args.disclose.len()];
    for path in &args.credentials {
        let text = io::read_text(path)?;
        let record = wallet
            .import(text.trim(), &import)
            .with_context(|| format!("{}: cannot be presented", path.display()))?;
        let disclose: Vec<String> = args
            .disclose
            .iter()
            .enumerate()
            .filter(|(_, p)| record.subject.pointer(p).is_some())
            .map(|(i, p)| {
                if let Some(u) = used.get_mut(i) {
                    *u = true;
                }
                p.clone()
            })
            .collect();
        selections.push(Selection {
            credential_id: record.id,
            disclose,
        });
    }
    if let Some((pointer, _)) = args.disclose.iter().zip(&used).find(|(_, u)| !**u) {
        anyhow::bail!("--disclose {pointer}: no such claim in the subject of any given credential");
    }
    let presentation = wallet.present(&selections, &args.audience, &args.nonce)?;
    io::print_line(&presentation.text)?;
    Ok(ExitCode::SUCCESS)
}
