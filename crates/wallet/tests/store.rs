//! The encrypted store: round trips, nothing in clear, wrong passphrase, crash safety,
//! backups.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use passeport_core::model::RecordType;
use passeport_issuer::Format;
use passeport_wallet::storage::{MemoryStore, StorageError};
use passeport_wallet::{
    CredentialFilter, HolderKeyChoice, KdfParams, LogAction, NoteKind, Wallet, WalletError, DB_FILE,
};
use std::path::{Path, PathBuf};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "passeport-wallet-test-{name}-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn rand_suffix() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u8(0);
    h.finish()
}

fn all_bytes(dir: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            out.extend(std::fs::read(&path).unwrap());
        }
    }
    out
}

#[test]
fn round_trip_through_the_encrypted_sqlite_store() {
    let dir = temp_dir("roundtrip");
    let school = issuer("did:web:passeport.example:orgs:lycee-canuts");
    let trainer = issuer("https://campus.example");
    let (id1, id2, holder) = {
        let mut wallet = Wallet::create_in(&dir, PASS, options()).unwrap();
        let holder = holder_of(&wallet);
        let diploma = school.issue(
            RecordType::Diploma,
            sample_subject("camille-laurent", "01-diploma-bts-sio.subject.json"),
            &holder,
            Format::VcSdJwt,
        );
        let training = trainer.issue(
            RecordType::TrainingAction,
            sample_subject("camille-laurent", "06-training-owasp.subject.json"),
            &holder,
            Format::VcJwt,
        );
        let verifier = KeyVerifier(vec![school.public.clone(), trainer.public.clone()]);
        let a = wallet.import(&diploma, &verifier).unwrap();
        let b = wallet.import(&training, &verifier).unwrap();
        wallet
            .add_note(NoteKind::Skill, "Rust", "Three years of Rust.")
            .unwrap();
        (a.id, b.id, holder)
    };
    let wallet = Wallet::open_in(&dir, PASS).unwrap();
    assert_eq!(wallet.holder_jwk().thumbprint(), holder.thumbprint());
    let all = wallet.credentials(&CredentialFilter::default()).unwrap();
    assert_eq!(all.len(), 2);
    let diploma = wallet.credential(&id1).unwrap();
    assert_eq!(diploma.record_type, Some(RecordType::Diploma));
    assert_eq!(
        diploma.issuer,
        "did:web:passeport.example:orgs:lycee-canuts"
    );
    assert_eq!(
        diploma.subject.pointer("/achievement/name").unwrap(),
        "BTS Services informatiques aux organisations, option B « Solutions logicielles et applications métiers »"
    );
    assert!(
        !diploma.disclosable.is_empty(),
        "vc+sd-jwt lists disclosable claims"
    );
    let training = wallet.credential(&id2).unwrap();
    assert_eq!(training.record_type, Some(RecordType::TrainingAction));
    assert!(training.disclosable.is_empty(), "vc+jwt cannot hide claims");
    // Filters.
    let only_training = wallet
        .credentials(&CredentialFilter {
            record_type: Some(RecordType::TrainingAction),
            ..CredentialFilter::default()
        })
        .unwrap();
    assert_eq!(only_training.len(), 1);
    assert_eq!(only_training[0].id, id2);
    let by_issuer = wallet
        .credentials(&CredentialFilter {
            issuer: Some("lycee-canuts".into()),
            ..CredentialFilter::default()
        })
        .unwrap();
    assert_eq!(by_issuer.len(), 1);
    assert_eq!(by_issuer[0].id, id1);
    assert!(wallet
        .credentials(&CredentialFilter {
            since: Some("2999-01-01".into()),
            ..CredentialFilter::default()
        })
        .unwrap()
        .is_empty());
    assert_eq!(wallet.notes().unwrap()[0].title, "Rust");
    let log = wallet.log().unwrap();
    let imports = log
        .iter()
        .filter(|e| matches!(e.action, LogAction::Import { .. }))
        .count();
    assert_eq!(imports, 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn nothing_in_clear_on_disk() {
    let dir = temp_dir("clear");
    let school = issuer("did:web:passeport.example:orgs:lycee-canuts");
    let subject = sample_subject("camille-laurent", "01-diploma-bts-sio.subject.json");
    let mut wallet = Wallet::create_in(&dir, PASS, options()).unwrap();
    let holder = holder_of(&wallet);
    let credential = school.issue(
        RecordType::Diploma,
        subject.clone(),
        &holder,
        Format::VcSdJwt,
    );
    wallet
        .import(&credential, &KeyVerifier(vec![school.public.clone()]))
        .unwrap();
    wallet
        .add_note(
            NoteKind::TrainingProposal,
            "Formation Kubernetes",
            "Proposée en entretien",
        )
        .unwrap();
    let backup = wallet.export(PASS).unwrap();
    let backup_path = dir.join("backup.json");
    passeport_wallet::write_file_atomic(&backup_path, &backup).unwrap();
    drop(wallet);

    let bytes = all_bytes(&dir);
    assert!(bytes.len() > 1000, "the store files were read");
    let mut needles: Vec<String> = vec![
        subject
            .pointer("/achievement/name")
            .unwrap()
            .as_str()
            .unwrap()
            .into(),
        subject
            .pointer("/identifier/0/identityHash")
            .unwrap()
            .as_str()
            .unwrap()
            .into(),
        subject["awardingDate"].as_str().unwrap().into(),
        "did:web:passeport.example:orgs:lycee-canuts".into(),
        "DiplomaCredential".into(),
        "Formation Kubernetes".into(),
        holder.x.clone(),
    ];
    // The credential's own parts: each JWS segment and each disclosure.
    let (jwt, disclosures) = credential.split_once('~').unwrap();
    needles.extend(jwt.split('.').map(str::to_owned));
    needles.extend(
        disclosures
            .split('~')
            .filter(|d| !d.is_empty())
            .map(str::to_owned),
    );
    for needle in &needles {
        assert!(
            !contains(&bytes, needle.as_bytes()),
            "found `{needle}` in clear in the wallet files"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn wrong_passphrase_is_a_clear_error() {
    let dir = temp_dir("wrongpass");
    drop(Wallet::create_in(&dir, PASS, options()).unwrap());
    let err = Wallet::open_in(&dir, "not the passphrase").unwrap_err();
    assert!(matches!(err, WalletError::WrongPassphrase), "{err:?}");
    assert_eq!(err.to_string(), "wrong passphrase");
    assert!(Wallet::open_in(&dir, PASS).is_ok());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn open_without_init_says_so() {
    let dir = temp_dir("noinit");
    let err = Wallet::open_in(&dir, PASS).unwrap_err();
    assert!(matches!(err, WalletError::NotInitialised(_)), "{err:?}");
    assert!(!dir.join(DB_FILE).exists());
}

#[test]
fn init_twice_is_refused() {
    let dir = temp_dir("twice");
    drop(Wallet::create_in(&dir, PASS, options()).unwrap());
    let err = Wallet::create_in(&dir, PASS, options()).unwrap_err();
    assert!(matches!(err, WalletError::AlreadyInitialised), "{err:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn interrupted_write_leaves_the_previous_state() {
    let dir = temp_dir("crash");
    let school = issuer("https://school.example");
    let verifier = KeyVerifier(vec![school.public.clone()]);
    let mut wallet = Wallet::create_in(&dir, PASS, options()).unwrap();
    let holder = holder_of(&wallet);
    let first = school.issue(
        RecordType::Diploma,
        sample_subject("lea-moreau", "01-diploma-cap-logistique.subject.json"),
        &holder,
        Format::VcSdJwt,
    );
    let second = school.issue(
        RecordType::Diploma,
        sample_subject("lea-moreau", "03-diploma-bac-pro-logistique.subject.json"),
        &holder,
        Format::VcSdJwt,
    );
    let kept = wallet.import(&first, &verifier).unwrap();
    let log_before = wallet.log().unwrap().len();
    // The import batch is: put credential (step 0), put log entry (step 1), commit (step 2).
    // Die at each step in turn: nothing of the batch may survive.
    for fail_at in 0..3 {
        wallet
            .store_mut()
            .set_write_hook(Some(Box::new(move |step| {
                if step == fail_at {
                    Err(StorageError::Interrupted { step })
                } else {
                    Ok(())
                }
            })));
        let err = wallet.import(&second, &verifier).unwrap_err();
        assert!(
            matches!(err, WalletError::Storage(StorageError::Interrupted { step }) if step == fail_at),
            "{err:?}"
        );
    }
    drop(wallet);
    let wallet = Wallet::open_in(&dir, PASS).unwrap();
    let all = wallet.credentials(&CredentialFilter::default()).unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].id, kept.id);
    assert_eq!(wallet.log().unwrap().len(), log_before);
    // And the store still takes writes.
    let mut wallet = wallet;
    wallet.import(&second, &verifier).unwrap();
    assert_eq!(
        wallet
            .credentials(&CredentialFilter::default())
            .unwrap()
            .len(),
        2
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A backup written through a link lands in the file it points to (the link stays); a device
/// is refused and left as it was rather than replaced by a file.
#[cfg(unix)]
#[test]
fn atomic_writes_follow_links_and_refuse_devices() {
    use std::os::unix::fs::FileTypeExt as _;
    let dir = temp_dir("atomic-links");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("target.bin"), b"old").unwrap();
    std::os::unix::fs::symlink("target.bin", dir.join("link.bin")).unwrap();
    passeport_wallet::write_file_atomic(&dir.join("link.bin"), b"new").unwrap();
    assert!(std::fs::symlink_metadata(dir.join("link.bin"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read(dir.join("target.bin")).unwrap(), b"new");

    let err = passeport_wallet::write_file_atomic(Path::new("/dev/null"), b"x").unwrap_err();
    assert!(err.to_string().contains("not a regular file"), "{err}");
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
    let err = passeport_wallet::write_file_atomic(&dir, b"x").unwrap_err();
    assert!(err.to_string().contains("not a regular file"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn export_and_restore_on_a_fresh_directory() {
    let dir = temp_dir("export-src");
    let fresh = temp_dir("export-dst");
    let school = issuer("https://school.example");
    let mut wallet = Wallet::create_in(&dir, PASS, options()).unwrap();
    let holder = holder_of(&wallet);
    let credential = school.issue(
        RecordType::Habilitation,
        sample_subject("karim-benali", "04-habilitation-electrique.subject.json"),
        &holder,
        Format::DcSdJwt,
    );
    let imported = wallet
        .import(&credential, &KeyVerifier(vec![school.public.clone()]))
        .unwrap();
    wallet.add_note(NoteKind::Skill, "Soudure", "TIG").unwrap();
    let backup_path = dir.join("wallet.backup");
    passeport_wallet::write_file_atomic(&backup_path, &wallet.export(PASS).unwrap()).unwrap();
    let backup = std::fs::read(&backup_path).unwrap();
    assert!(!contains(&backup, b"Habilitation"));
    assert!(!contains(&backup, b"Soudure"));

    assert!(matches!(
        Wallet::restore_in(&fresh, &backup, "wrong").unwrap_err(),
        WalletError::WrongPassphrase
    ));
    let restored = Wallet::restore_in(&fresh, &backup, PASS).unwrap();
    assert_eq!(restored.holder_jwk().thumbprint(), holder.thumbprint());
    let copy = restored.credential(&imported.id).unwrap();
    assert_eq!(copy.credential, credential.trim());
    assert_eq!(copy.record_type, Some(RecordType::Habilitation));
    assert_eq!(restored.notes().unwrap()[0].text, "TIG");
    assert!(matches!(
        restored.log().unwrap().last().unwrap().action,
        LogAction::Restore
    ));
    drop(restored);
    // Restoring over an existing wallet is refused.
    assert!(matches!(
        Wallet::restore_in(&fresh, &backup, PASS).unwrap_err(),
        WalletError::AlreadyInitialised
    ));
    // A tampered backup does not restore.
    let mut tampered = backup.clone();
    let pos = tampered.len() - 10;
    tampered[pos] = if tampered[pos] == b'A' { b'B' } else { b'A' };
    let other = temp_dir("export-tampered");
    assert!(Wallet::restore_in(&other, &tampered, PASS).is_err());
    for d in [&dir, &fresh, &other] {
        let _ = std::fs::remove_dir_all(d);
    }
}

#[test]
fn passphrase_change_and_kdf_upgrade() {
    let mut wallet = memory_wallet();
    assert_eq!(wallet.kdf_params(), KdfParams::INSECURE_FOR_TESTS);
    let stronger = KdfParams {
        memory_kib: 64,
        time_cost: 2,
        parallelism: 1,
    };
    wallet.change_passphrase("new pass", stronger).unwrap();
    let holder = holder_of(&wallet);
    let store = wallet.into_store();
    assert!(matches!(
        Wallet::open(store.clone(), PASS).unwrap_err(),
        WalletError::WrongPassphrase
    ));
    let reopened = Wallet::open(store, "new pass").unwrap();
    assert_eq!(reopened.kdf_params(), stronger);
    assert_eq!(reopened.holder_jwk().thumbprint(), holder.thumbprint());
}

#[test]
fn swapped_records_do_not_decrypt() {
    use passeport_wallet::storage::{Batch, Collection, Storage};
    let mut wallet = memory_wallet();
    let a = wallet.add_note(NoteKind::Other, "a", "secret a").unwrap();
    let b = wallet.add_note(NoteKind::Other, "b", "secret b").unwrap();
    let mut store = wallet.into_store();
    let sealed_a = store.get(Collection::Note, &a.id).unwrap().unwrap();
    store
        .commit(Batch {
            puts: vec![(Collection::Note, b.id.clone(), sealed_a)],
            ..Batch::default()
        })
        .unwrap();
    let wallet = Wallet::open(store, PASS).unwrap();
    assert!(matches!(
        wallet.notes().unwrap_err(),
        WalletError::Corrupt(_)
    ));
}

#[test]
fn external_holder_key_needs_its_signer() {
    use passeport_core::keys::{KeyAlgorithm, SecretKey};
    use std::sync::Arc;
    let keystore = Arc::new(SecretKey::generate(KeyAlgorithm::P256).unwrap());
    let wallet = Wallet::create(
        MemoryStore::new(),
        PASS,
        passeport_wallet::CreateOptions {
            kdf: KdfParams::INSECURE_FOR_TESTS,
            holder_key: HolderKeyChoice::External(keystore.clone()),
        },
    )
    .unwrap();
    let store = wallet.into_store();
    assert!(!contains(&store.raw_bytes(), b"\"d\""));
    assert!(matches!(
        Wallet::open(store.clone(), PASS).unwrap_err(),
        WalletError::ExternalHolderKey
    ));
    let stranger = Arc::new(SecretKey::generate(KeyAlgorithm::P256).unwrap());
    assert!(matches!(
        Wallet::open_with_signer(store.clone(), PASS, stranger).unwrap_err(),
        WalletError::HolderKeyMismatch
    ));
    let wallet = Wallet::open_with_signer(store, PASS, keystore.clone()).unwrap();
    assert_eq!(
        wallet.holder_jwk().thumbprint(),
        passeport_core::keys::Signer::public_jwk(keystore.as_ref()).thumbprint()
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Whatever the holder writes comes back intact, and is never stored in clear.
        #[test]
        fn notes_round_trip_and_stay_sealed(
            title in "[a-zA-Z0-9éà ]{8,40}",
            text in "\\PC{8,200}",
        ) {
            let mut wallet = memory_wallet();
            let note = wallet.add_note(NoteKind::Skill, &title, &text).unwrap();
            let store = wallet.into_store();
            let raw = store.raw_bytes();
            prop_assert!(!contains(&raw, title.as_bytes()));
            prop_assert!(!contains(&raw, text.as_bytes()));
            let wallet = Wallet::open(store, PASS).unwrap();
            let notes = wallet.notes().unwrap();
            prop_assert_eq!(notes.len(), 1);
            prop_assert_eq!(&notes[0].id, &note.id);
            prop_assert_eq!(&notes[0].title, &title);
            prop_assert_eq!(&notes[0].text, &text);
        }

        /// Flipping any byte of any sealed record makes it fail to open, never yield other data.
        #[test]
        fn any_flipped_byte_is_detected(index in 0usize..4096, bit in 0u8..8) {
            use passeport_wallet::storage::{Batch, Collection, Storage};
            let mut wallet = memory_wallet();
            let note = wallet.add_note(NoteKind::Other, "t", "some secret text").unwrap();
            let mut store = wallet.into_store();
            let mut sealed = store.get(Collection::Note, &note.id).unwrap().unwrap();
            let i = index % sealed.len();
            sealed[i] ^= 1 << bit;
            store.commit(Batch { puts: vec![(Collection::Note, note.id.clone(), sealed)], ..Batch::default() }).unwrap();
            let wallet = Wallet::open(store, PASS).unwrap();
            prop_assert!(matches!(wallet.notes(), Err(WalletError::Corrupt(_))));
        }
    }
}

#[test]
fn debug_output_shows_no_secret() {
    let wallet = memory_wallet();
    let shown = format!("{wallet:?}");
    assert!(shown.starts_with("Wallet { holder: "), "{shown}");
    assert!(!shown.contains("\"d\""), "{shown}");
    assert!(!shown.contains("data_key"), "{shown}");
}

/// Run as a child process by `killed_mid_write_leaves_a_consistent_store`: writes notes (each
/// with its log entry, one batch each) until killed.
#[test]
fn child_writer() {
    let Some(dir) = std::env::var_os("PASSEPORT_WALLET_CHILD_DIR") else {
        return; // Not a child: nothing to do.
    };
    let mut wallet = Wallet::open_in(Path::new(&dir), PASS).unwrap();
    let big = "x".repeat(20_000);
    for i in 0.. {
        wallet
            .add_note(NoteKind::Other, &format!("note {i}"), &big)
            .unwrap();
        if i == 2 {
            // Tell the parent writes are under way.
            std::fs::write(Path::new(&dir).join("started"), b"1").unwrap();
        }
    }
}

#[test]
fn killed_mid_write_leaves_a_consistent_store() {
    let dir = temp_dir("killed");
    drop(Wallet::create_in(&dir, PASS, options()).unwrap());
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_writer", "--nocapture", "--test-threads=1"])
        .env("PASSEPORT_WALLET_CHILD_DIR", &dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    while !dir.join("started").exists() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the writer died on its own"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    std::thread::sleep(std::time::Duration::from_millis(150));
    child.kill().unwrap(); // SIGKILL: no destructor, no rollback by the process itself.
    child.wait().unwrap();

    let wallet = Wallet::open_in(&dir, PASS).unwrap();
    let notes = wallet.notes().unwrap();
    let logged = wallet
        .log()
        .unwrap()
        .iter()
        .filter(|e| matches!(e.action, LogAction::Note { .. }))
        .count();
    assert!(
        notes.len() >= 3,
        "the writer got going ({} notes)",
        notes.len()
    );
    assert_eq!(
        notes.len(),
        logged,
        "every note has its log entry: no half-written batch"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
