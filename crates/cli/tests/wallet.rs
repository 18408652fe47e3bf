//! `passeport wallet …` as `shared/CONTRACT.md` fixes it, end to end through the binary.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(dir: &Path, pass: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_passeport"))
        .current_dir(dir)
        .args(args)
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .env("PASSEPORT_PASSPHRASE", pass)
        .env("PASSEPORT_WALLET_KDF", "insecure-fast")
        .env_remove("PASSEPORT_WALLET")
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .trim()
        .to_owned()
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "passeport-cli-wallet-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn sample(file: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors/domain/samples/camille-laurent")
        .join(file)
        .display()
        .to_string()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn wallet_commands_follow_the_contract() {
    let dir = tempdir("flow");
    let pass = "s3cret passphrase";
    let w = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = extra.iter().map(|s| (*s).to_owned()).collect();
        v.extend(["--wallet".to_owned(), "w".to_owned()]);
        v
    };
    let go = |args: Vec<String>| -> Output {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&dir, pass, &refs)
    };

    ok(&go(w(&["wallet", "init"])));
    let holder = ok(&go(w(&["wallet", "holder-key"])));
    let holder: Value = serde_json::from_str(&holder).unwrap();
    assert_eq!(holder["kty"], "OKP");
    assert!(
        holder.get("d").is_none(),
        "holder-key prints the public JWK only"
    );
    std::fs::write(dir.join("holder.jwk"), holder.to_string()).unwrap();
    ok(&run(
        &dir,
        pass,
        &["key", "generate", "--out", "issuer.jwk"],
    ));
    let did = ok(&run(&dir, pass, &["key", "did", "issuer.jwk"]));

    let issue = |kind: &str, file: &str, format: &str, out: &str| {
        let credential = ok(&run(
            &dir,
            pass,
            &[
                "issue",
                "--key",
                "issuer.jwk",
                "--issuer",
                &did,
                "--type",
                kind,
                "--subject",
                &sample(file),
                "--holder",
                "holder.jwk",
                "--format",
                format,
            ],
        ));
        std::fs::write(dir.join(out), &credential).unwrap();
        credential
    };
    let diploma = issue(
        "Diploma",
        "01-diploma-bts-sio.subject.json",
        "vc+sd-jwt",
        "d.txt",
    );
    issue(
        "TrainingAction",
        "06-training-owasp.subject.json",
        "dc+sd-jwt",
        "t.txt",
    );

    let a = ok(&go(w(&["wallet", "import", "d.txt"])));
    let b = ok(&go(w(&["wallet", "import", "t.txt"])));

    // Tampered: a disclosure replaced by another one. Refused with 1, nothing stored.
    let mut parts: Vec<&str> = diploma.split('~').collect();
    parts[1] = "WyJzYWx0IiwgImF3YXJkaW5nRGF0ZSIsICIxOTkwLTAxLTAxIl0";
    std::fs::write(dir.join("bad.txt"), parts.join("~")).unwrap();
    let refused = go(w(&["wallet", "import", "bad.txt"]));
    assert_eq!(refused.status.code(), Some(1));

    let list: Value = serde_json::from_str(&ok(&go(w(&["wallet", "list", "--json"])))).unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    for entry in list {
        assert!(entry["id"].is_string() && entry["types"].is_array());
        assert_eq!(entry["issuer"], did.as_str());
    }

    // One SD-JWT credential: SD-JWT + KB-JWT that `verify` accepts for that audience/nonce.
    let p1 = ok(&go(w(&[
        "wallet",
        "present",
        "--credential",
        &a,
        "--disclose",
        "/awardingDate",
        "--audience",
        "https://employer.example",
        "--nonce",
        "n-1",
    ])));
    std::fs::write(dir.join("p1.txt"), &p1).unwrap();
    let public = ok(&run(&dir, pass, &["key", "public", "issuer.jwk"]));
    std::fs::write(dir.join("issuer.pub.jwk"), public).unwrap();
    let verify = |file: &str, nonce: &str| {
        run(
            &dir,
            pass,
            &[
                "verify",
                file,
                "--issuer-key",
                "issuer.pub.jwk",
                "--audience",
                "https://employer.example",
                "--nonce",
                nonce,
            ],
        )
    };
    let report: Value = serde_json::from_str(&ok(&verify("p1.txt", "n-1"))).unwrap();
    assert_eq!(report["valid"], true);
    let disclosed = &report["credentials"][0]["disclosed"];
    assert!(disclosed.get("awardingDate").is_some());
    assert!(
        disclosed.get("result").is_none(),
        "undisclosed claims stay hidden"
    );
    assert_eq!(verify("p1.txt", "other-nonce").status.code(), Some(1));

    // Two credentials: a vp+jwt.
    let p2 = ok(&go(w(&[
        "wallet",
        "present",
        "--credential",
        &a,
        "--credential",
        &b,
        "--disclose",
        &format!("{b}:/workload"),
        "--audience",
        "https://employer.example",
        "--nonce",
        "n-2",
    ])));
    std::fs::write(dir.join("p2.txt"), &p2).unwrap();
    let report: Value = serde_json::from_str(&ok(&verify("p2.txt", "n-2"))).unwrap();
    assert_eq!(report["valid"], true, "{report}");
    assert_eq!(report["credentials"].as_array().unwrap().len(), 2);

    // The CV.
    ok(&go(w(&[
        "wallet", "note", "add", "--kind", "skill", "--title", "Rust", "--text", "3 ans",
    ])));
    ok(&go(w(&[
        "wallet",
        "cv",
        "--out",
        "cv.html",
        "--credential",
        &a,
    ])));
    let html = std::fs::read_to_string(dir.join("cv.html")).unwrap();
    assert!(html.contains("BTS Services informatiques"));
    assert!(!html.contains("OWASP"), "only the chosen credential");
    assert!(html.contains("self-declared"));

    // Nothing in clear in the wallet directory.
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir.join("w")).unwrap() {
        bytes.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    for needle in [
        "Camille Laurent",
        "BTS Services",
        did.as_str(),
        "DiplomaCredential",
    ] {
        assert!(!contains(&bytes, needle.as_bytes()), "{needle} in clear");
    }

    // Export, restore elsewhere; wrong passphrase is exit 2.
    ok(&go(w(&["wallet", "export", "--out", "backup.bin"])));
    let wrong = run(&dir, "wrong", &["wallet", "list", "--wallet", "w"]);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("wrong passphrase"));
    ok(&run(
        &dir,
        pass,
        &["wallet", "restore", "backup.bin", "--wallet", "w2"],
    ));
    let restored: Value = serde_json::from_str(&ok(&run(
        &dir,
        pass,
        &["wallet", "list", "--json", "--wallet", "w2"],
    )))
    .unwrap();
    assert_eq!(restored.as_array().unwrap().len(), 2);
    let log = ok(&go(w(&["wallet", "log", "--json"])));
    assert!(
        log.contains("\"import\"") && log.contains("\"present\"") && log.contains("importRefused")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
