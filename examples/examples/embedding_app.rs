//! A third-party app embedding the passeport wallet.
//!
//! The app brings its own pieces, as a phone app would:
//! - **storage**: its own database (here a small key-value table behind a mutex, standing in
//!   for the app's SQLite / Core Data / Room), through the `Storage` trait;
//! - **holder key**: kept in the platform keystore (here a `Signer` the app owns), never
//!   handed to the wallet;
//! - **verification**: the verifier crate's pipeline, trusting the issuers the app knows.
//!
//! Run: `cargo run -p passeport-examples --example embedding_app`

use passeport_core::keys::{KeyAlgorithm, SecretKey, Signer};
use passeport_core::model::RecordType;
use passeport_issuer::{Format, IssueRequest, Issuer};
use passeport_verifier::{resolve::StaticResolver, Expectation, TrustList, Verifier};
use passeport_wallet::storage::{Batch, Collection, Storage, StorageError};
use passeport_wallet::{
    CreateOptions, CredentialFilter, HolderKeyChoice, KdfParams, NoteKind, Selection, Wallet,
};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// The app's own database: one table `(collection, id) -> bytes` plus a header row. A batch is
/// applied under one lock, so it is all-or-nothing for readers.
#[derive(Clone, Default)]
struct AppDatabase {
    inner: Arc<Mutex<Tables>>,
}

/// The header row and the records table.
type Tables = (Option<Vec<u8>>, BTreeMap<(String, String), Vec<u8>>);

impl AppDatabase {
    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Tables>, StorageError> {
        self.inner
            .lock()
            .map_err(|_| StorageError::Backend("app database lock poisoned".into()))
    }
}

impl Storage for AppDatabase {
    fn header(&self) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.lock()?.0.clone())
    }
    fn get(&self, collection: Collection, id: &str) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self
            .lock()?
            .1
            .get(&(collection.as_str().to_owned(), id.to_owned()))
            .cloned())
    }
    fn list(&self, collection: Collection) -> Result<Vec<(String, Vec<u8>)>, StorageError> {
        Ok(self
            .lock()?
            .1
            .iter()
            .filter(|((c, _), _)| c == collection.as_str())
            .map(|((_, id), v)| (id.clone(), v.clone()))
            .collect())
    }
    fn commit(&mut self, batch: Batch) -> Result<(), StorageError> {
        let mut db = self.lock()?;
        if let Some(header) = batch.header {
            db.0 = Some(header);
        }
        for (c, id) in batch.deletes {
            db.1.remove(&(c.as_str().to_owned(), id));
        }
        for (c, id, v) in batch.puts {
            db.1.insert((c.as_str().to_owned(), id), v);
        }
        Ok(())
    }
}

fn sample(path: &str) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/vectors/domain/samples")
        .join(path);
    Ok(serde_json::from_str(&std::fs::read_to_string(full)?)?)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // --- The app's platform pieces -------------------------------------------------------
    let database = AppDatabase::default();
    let keystore: Arc<dyn Signer> = Arc::new(SecretKey::generate(KeyAlgorithm::P256)?);
    let passphrase = "the user's app PIN, stretched by Argon2id";

    // First launch: create the wallet in the app's database, with the keystore's key.
    let wallet = Wallet::create(
        database.clone(),
        passphrase,
        CreateOptions {
            // Real apps keep the default (RECOMMENDED); the example favours speed.
            kdf: KdfParams::INSECURE_FOR_TESTS,
            holder_key: HolderKeyChoice::External(Arc::clone(&keystore)),
        },
    )?;
    println!("holder (give to issuers): {}", wallet.holder_did()?);
    drop(wallet);

    // Next launch: unlock with the passphrase and the keystore's signer.
    let mut wallet = Wallet::open_with_signer(database.clone(), passphrase, Arc::clone(&keystore))?;

    // --- Two issuers send credentials bound to the holder key ------------------------------
    let school_key = SecretKey::generate(KeyAlgorithm::Ed25519)?;
    let school_public = school_key.public_key();
    let school_did = passeport_core::did::key::did_key(school_key.public_jwk())?;
    let school = Issuer::new(Arc::new(school_key), school_did.as_str())?;
    let trainer_key = SecretKey::generate(KeyAlgorithm::Ed25519)?;
    let trainer_public = trainer_key.public_key();
    let trainer_did = passeport_core::did::key::did_key(trainer_key.public_jwk())?;
    let trainer = Issuer::new(Arc::new(trainer_key), trainer_did.as_str())?;

    let mut diploma = IssueRequest::new(
        RecordType::Diploma,
        sample("camille-laurent/01-diploma-bts-sio.subject.json")?,
    );
    diploma.holder = Some(wallet.holder_jwk().clone());
    let diploma = school.issue(&diploma, Format::VcSdJwt)?.credential;
    let mut training = IssueRequest::new(
        RecordType::TrainingAction,
        sample("camille-laurent/06-training-owasp.subject.json")?,
    );
    training.holder = Some(wallet.holder_jwk().clone());
    let training = trainer.issue(&training, Format::DcSdJwt)?.credential;

    // --- Import: the verifier pipeline checks each one first ------------------------------
    let mut trust = TrustList::new();
    trust.add_direct_key(school_public);
    trust.add_direct_key(trainer_public);
    let verifier = Verifier::new(trust, Arc::new(StaticResolver::new()));
    let diploma = wallet.import(&diploma, &verifier)?;
    let training = wallet.import(&training, &verifier)?;
    for record in wallet.credentials(&CredentialFilter::default())? {
        println!(
            "stored {} [{}] from {}; hideable: {}",
            record.title(),
            record.format.as_str(),
            record.issuer,
            record.disclosable.join(" ")
        );
    }
    wallet.add_note(
        NoteKind::TrainingProposal,
        "Kubernetes administration",
        "Proposed at my professional interview (2026).",
    )?;

    // --- Present two credentials, a few claims each, to an employer ------------------------
    let presentation = wallet.present(
        &[
            Selection {
                credential_id: diploma.id.clone(),
                disclose: vec!["/awardingDate".into()],
            },
            Selection {
                credential_id: training.id.clone(),
                disclose: vec!["/workload".into()],
            },
        ],
        "https://employer.example",
        "nonce-from-the-employer",
    )?;
    println!(
        "presentation ({:?}): {} bytes",
        presentation.kind,
        presentation.text.len()
    );
    let report = verifier.verify_with(
        &presentation.text,
        &Expectation {
            audience: Some("https://employer.example".into()),
            nonce: Some("nonce-from-the-employer".into()),
        },
    );
    println!("employer's verdict: {}", report.summary());

    // --- The CV, a backup, the log ----------------------------------------------------------
    let html = wallet.cv_html(&[])?;
    println!("CV: {} bytes of HTML", html.len());
    let backup = wallet.export(passphrase)?;
    println!("backup: {} bytes, encrypted", backup.len());
    for entry in wallet.log()? {
        println!("log: {} {:?}", entry.at, entry.action);
    }
    Ok(())
}
