//! The `passeport` command line as `shared/CONTRACT.md` fixes it: names, flags, exit codes, JSON.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn passeport(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_passeport"))
        .current_dir(dir)
        .args(args)
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .output()
        .unwrap()
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/domain/samples")
}

/// A domain sample's subject (`<person>/<record>.subject.json`), parsed.
fn sample_subject(file: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(samples().join(file)).unwrap()).unwrap()
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("passeport-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

struct Keys {
    dir: PathBuf,
    issuer_did: String,
}

fn keys(name: &str) -> Keys {
    let dir = tempdir(name);
    assert_eq!(
        code(&passeport(
            &dir,
            &["key", "generate", "--out", "issuer.jwk"]
        )),
        0
    );
    assert_eq!(
        code(&passeport(
            &dir,
            &["key", "generate", "--alg", "p256", "--out", "holder.jwk"]
        )),
        0
    );
    let public = passeport(&dir, &["key", "public", "holder.jwk"]);
    std::fs::write(dir.join("holder.pub.jwk"), &public.stdout).unwrap();
    let public = passeport(&dir, &["key", "public", "issuer.jwk"]);
    std::fs::write(dir.join("issuer.pub.jwk"), &public.stdout).unwrap();
    let did = stdout(&passeport(&dir, &["key", "did", "issuer.jwk"]))
        .trim()
        .to_owned();
    Keys {
        dir,
        issuer_did: did,
    }
}

#[test]
fn key_commands_follow_the_contract() {
    let dir = tempdir("keys");
    let out = passeport(&dir, &["key", "generate", "--out", "k.jwk"]);
    assert_eq!(code(&out), 0);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.join("k.jwk"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "private key file mode");
    }
    // Never overwritten without --force.
    assert_eq!(
        code(&passeport(&dir, &["key", "generate", "--out", "k.jwk"])),
        2
    );
    assert_eq!(
        code(&passeport(
            &dir,
            &["key", "generate", "--out", "k.jwk", "--force"]
        )),
        0
    );
    // A device is not a key file: refused, and left as it was (its mode included).
    #[cfg(unix)]
    {
        use std::os::unix::fs::{FileTypeExt as _, PermissionsExt as _};
        let before = std::fs::metadata("/dev/null").unwrap();
        let out = passeport(&dir, &["key", "generate", "--out", "/dev/null", "--force"]);
        assert_eq!(code(&out), 2);
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("not a regular file"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let after = std::fs::metadata("/dev/null").unwrap();
        assert!(after.file_type().is_char_device());
        assert_eq!(after.permissions().mode(), before.permissions().mode());
    }

    let private: Value =
        serde_json::from_slice(&std::fs::read(dir.join("k.jwk")).unwrap()).unwrap();
    assert_eq!(private["kty"], "OKP");
    assert!(private["d"].is_string());
    let public: Value =
        serde_json::from_str(&stdout(&passeport(&dir, &["key", "public", "k.jwk"]))).unwrap();
    assert!(public.get("d").is_none());
    assert_eq!(public["x"], private["x"]);

    let did = stdout(&passeport(&dir, &["key", "did", "k.jwk"]));
    assert!(did.trim().starts_with("did:key:z6Mk"), "{did}");
    let did = stdout(&passeport(
        &dir,
        &["key", "did", "k.jwk", "--method", "jwk"],
    ));
    assert!(did.trim().starts_with("did:jwk:"), "{did}");

    // A JWK written by another library (RFC 8037 A.2) is accepted; bad input is exit 2.
    std::fs::write(
        dir.join("rfc.jwk"),
        r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#,
    )
    .unwrap();
    // RFC 8037 A.2's key: multicodec 0xed01 + key, base58btc (computed independently).
    let did = stdout(&passeport(&dir, &["key", "did", "rfc.jwk"]));
    assert_eq!(
        did.trim(),
        "did:key:z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw"
    );
    std::fs::write(dir.join("bad.jwk"), r#"{"kty":"oct","k":"AAAA"}"#).unwrap();
    assert_eq!(code(&passeport(&dir, &["key", "public", "bad.jwk"])), 2);
    assert_eq!(code(&passeport(&dir, &["key", "public", "missing.jwk"])), 2);
    assert_eq!(code(&passeport(&dir, &["key", "frobnicate"])), 2);
}

#[test]
fn issue_present_verify_with_exit_codes() {
    let k = keys("ipv");
    let subject = samples().join("camille-laurent/01-diploma-bts-sio.subject.json");
    let subject = subject.to_str().unwrap();
    for format in [
        "vc+sd-jwt",
        "dc+sd-jwt",
        "vc+jwt",
        "di-eddsa-rdfc-2022",
        "di-eddsa-jcs-2022",
    ] {
        let out = passeport(
            &k.dir,
            &[
                "issue",
                "--key",
                "issuer.jwk",
                "--issuer",
                &k.issuer_did,
                "--type",
                "Diploma",
                "--subject",
                subject,
                "--holder",
                "holder.pub.jwk",
                "--format",
                format,
            ],
        );
        assert_eq!(
            code(&out),
            0,
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let file = format!("cred-{format}.txt");
        std::fs::write(k.dir.join(&file), &out.stdout).unwrap();
        let out = passeport(&k.dir, &["verify", &file, "--issuer-key", "issuer.pub.jwk"]);
        assert_eq!(code(&out), 0, "{format}: {}", stdout(&out));
        let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(report["valid"], true);
        assert_eq!(report["credentials"][0]["format"], format);
        assert!(report["credentials"][0]["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["check"].is_string() && c["ok"] == true && c["detail"].is_string()));
        // Untrusted: a verdict (1) with a report, not a usage error.
        let out = passeport(&k.dir, &["verify", &file]);
        assert_eq!(code(&out), 1);
        assert_eq!(
            serde_json::from_str::<Value>(&stdout(&out)).unwrap()["valid"],
            false
        );
    }
    // Present two claims of one SD-JWT credential, then of several credentials (vp+jwt).
    let out = passeport(
        &k.dir,
        &[
            "present",
            "--key",
            "holder.jwk",
            "--credential",
            "cred-vc+sd-jwt.txt",
            "--disclose",
            "/awardingDate",
            "--audience",
            "https://employer.example",
            "--nonce",
            "n-1",
        ],
    );
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::write(k.dir.join("p1.txt"), &out.stdout).unwrap();
    let out = passeport(
        &k.dir,
        &[
            "verify",
            "p1.txt",
            "--issuer-key",
            "issuer.pub.jwk",
            "--audience",
            "https://employer.example",
            "--nonce",
            "n-1",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let disclosed = &report["credentials"][0]["disclosed"];
    assert_eq!(disclosed["awardingDate"], "2021-07-06T00:00:00Z");
    assert!(
        disclosed.get("accessRoute").is_none(),
        "undisclosed claims stay hidden: {disclosed}"
    );
    // Replay elsewhere, or with another nonce: invalid.
    assert_eq!(
        code(&passeport(
            &k.dir,
            &[
                "verify",
                "p1.txt",
                "--issuer-key",
                "issuer.pub.jwk",
                "--audience",
                "https://evil.example",
                "--nonce",
                "n-1"
            ]
        )),
        1
    );
    assert_eq!(
        code(&passeport(
            &k.dir,
            &[
                "verify",
                "p1.txt",
                "--issuer-key",
                "issuer.pub.jwk",
                "--audience",
                "https://employer.example",
                "--nonce",
                "n-2"
            ]
        )),
        1
    );

    let out = passeport(
        &k.dir,
        &[
            "present",
            "--key",
            "holder.jwk",
            "--credential",
            "cred-vc+sd-jwt.txt",
            "--credential",
            "cred-dc+sd-jwt.txt",
            "--credential",
            "cred-vc+jwt.txt",
            "--disclose",
            "/awardingDate",
            "--audience",
            "https://employer.example",
            "--nonce",
            "n-3",
        ],
    );
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::write(k.dir.join("p2.txt"), &out.stdout).unwrap();
    let out = passeport(
        &k.dir,
        &[
            "verify",
            "p2.txt",
            "--issuer-key",
            "issuer.pub.jwk",
            "--audience",
            "https://employer.example",
            "--nonce",
            "n-3",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert_eq!(
        serde_json::from_str::<Value>(&stdout(&out)).unwrap()["credentials"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // Garbage, truncated, tampered: exit 1 with a report, never 2, never a crash.
    let cred = std::fs::read_to_string(k.dir.join("cred-vc+jwt.txt")).unwrap();
    for (name, text) in [
        ("garbage", "not a credential".to_owned()),
        ("truncated", cred[..cred.len() / 2].to_owned()),
        ("tampered", cred.replacen('e', "f", 3)),
    ] {
        std::fs::write(k.dir.join(name), text).unwrap();
        let out = passeport(&k.dir, &["verify", name, "--issuer-key", "issuer.pub.jwk"]);
        assert_eq!(code(&out), 1, "{name}");
        assert_eq!(
            serde_json::from_str::<Value>(&stdout(&out)).unwrap()["valid"],
            false,
            "{name}"
        );
    }
    // The caller's own mistakes: exit 2.
    assert_eq!(code(&passeport(&k.dir, &["verify", "no-such-file"])), 2);
    std::fs::write(k.dir.join("trust.json"), "{\"issuers\": 3}").unwrap();
    assert_eq!(
        code(&passeport(
            &k.dir,
            &["verify", "cred-vc+jwt.txt", "--trust", "trust.json"]
        )),
        2
    );
    // --at in the past: not yet valid.
    assert_eq!(
        code(&passeport(
            &k.dir,
            &[
                "verify",
                "cred-vc+jwt.txt",
                "--issuer-key",
                "issuer.pub.jwk",
                "--at",
                "2001-01-01T00:00:00Z"
            ]
        )),
        1
    );
}

#[test]
fn issue_rejects_a_subject_naming_the_field() {
    let k = keys("schema");
    let mut subject: Value = sample_subject("camille-laurent/01-diploma-bts-sio.subject.json");
    subject["achievement"]["name"] = Value::from(7);
    std::fs::write(k.dir.join("bad.json"), subject.to_string()).unwrap();
    let out = passeport(
        &k.dir,
        &[
            "issue",
            "--key",
            "issuer.jwk",
            "--issuer",
            &k.issuer_did,
            "--type",
            "Diploma",
            "--subject",
            "bad.json",
        ],
    );
    assert_eq!(code(&out), 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/achievement/name"), "{stderr}");
    assert!(out.stdout.is_empty());
    let out = passeport(
        &k.dir,
        &[
            "issue",
            "--key",
            "issuer.jwk",
            "--issuer",
            &k.issuer_did,
            "--type",
            "Astronaut",
            "--subject",
            "bad.json",
        ],
    );
    assert_eq!(code(&out), 2);
}

#[test]
fn trust_list_per_record_type() {
    let k = keys("trust");
    let subject = samples().join("camille-laurent/01-diploma-bts-sio.subject.json");
    let out = passeport(
        &k.dir,
        &[
            "issue",
            "--key",
            "issuer.jwk",
            "--issuer",
            &k.issuer_did,
            "--type",
            "Diploma",
            "--subject",
            subject.to_str().unwrap(),
        ],
    );
    std::fs::write(k.dir.join("cred.txt"), &out.stdout).unwrap();
    let trust = |types: &str| {
        format!(
            r#"{{"issuers": [{{"id": "{}", "name": "École", "types": [{types}]}}]}}"#,
            k.issuer_did
        )
    };
    std::fs::write(k.dir.join("ok.json"), trust("\"Diploma\"")).unwrap();
    std::fs::write(k.dir.join("no.json"), trust("\"Habilitation\"")).unwrap();
    assert_eq!(
        code(&passeport(
            &k.dir,
            &["verify", "cred.txt", "--trust", "ok.json"]
        )),
        0
    );
    let out = passeport(&k.dir, &["verify", "cred.txt", "--trust", "no.json"]);
    assert_eq!(code(&out), 1);
    assert!(stdout(&out).contains("not for Diploma"));
}

/// `issue --batch in.jsonl` with the issuer key of `k`, writing to `out` (the default format
/// unless `format` is given).
fn run_issue_batch(k: &Keys, format: Option<&str>, out: &str) -> Output {
    let mut args = vec![
        "issue",
        "--batch",
        "in.jsonl",
        "--key",
        "issuer.jwk",
        "--issuer",
        &k.issuer_did,
        "--out",
        out,
    ];
    if let Some(format) = format {
        args.extend(["--format", format]);
    }
    passeport(&k.dir, &args)
}

/// `issue --batch` of `input` (as `in.jsonl`) in `format` with the issuer key of `k`: the
/// command's output and the lines of `out.jsonl`.
fn issue_batch(k: &Keys, input: &[u8], format: &str) -> (Output, Vec<Value>) {
    std::fs::write(k.dir.join("in.jsonl"), input).unwrap();
    let out = run_issue_batch(k, Some(format), "out.jsonl");
    let issued = std::fs::read_to_string(k.dir.join("out.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (out, issued)
}

/// `verify --batch` over `input` (as `v.jsonl` in `dir`), trusting `issuer.pub.jwk`: the exit
/// code and one report per line.
fn verify_batch(dir: &Path, input: &[u8], extra: &[&str]) -> (i32, Vec<Value>) {
    std::fs::write(dir.join("v.jsonl"), input).unwrap();
    let mut args = vec![
        "verify",
        "--batch",
        "v.jsonl",
        "--issuer-key",
        "issuer.pub.jwk",
    ];
    args.extend_from_slice(extra);
    let out = passeport(dir, &args);
    let reports = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (code(&out), reports)
}

#[test]
fn batch_issue_and_batch_verify() {
    let k = keys("batch");
    let subject = sample_subject("lea-moreau/05-training-caces-r489.subject.json");
    let holder: Value =
        serde_json::from_slice(&std::fs::read(k.dir.join("holder.pub.jwk")).unwrap()).unwrap();
    let mut lines = Vec::new();
    for i in 0..40 {
        let line = match i {
            7 => "{not json".to_owned(),
            13 => {
                serde_json::json!({"type": "TrainingAction", "subject": {"salary": 1}}).to_string()
            }
            _ => {
                serde_json::json!({"type": "TrainingAction", "subject": subject, "holder": holder})
                    .to_string()
            }
        };
        lines.push(line);
    }
    // Line 41 is not UTF-8: a bad line like the others, not the end of the batch.
    let mut input = lines.join("\n").into_bytes();
    input.extend_from_slice(b"\n{\"type\": \"TrainingAction\xff\"}\n");
    let (out, issued) = issue_batch(&k, &input, "vc+jwt");
    assert_eq!(code(&out), 2, "bad lines make exit 2 at the end");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("line 8")
            && stderr.contains("line 14")
            && stderr.contains("line 41: line is not UTF-8"),
        "{stderr}"
    );
    assert_eq!(issued.len(), 38);
    assert_eq!(issued[0]["line"], 1);
    assert!(issued.iter().all(|l| l["line"] != 8 && l["line"] != 14));

    // Verify them as a batch (credentials as issued: no audience).
    let mut batch: Vec<String> = issued
        .iter()
        .map(|l| serde_json::json!({"presentation": l["credential"]}).to_string())
        .collect();
    batch.push(serde_json::json!({"presentation": "garbage"}).to_string());
    let mut input = batch.join("\n").into_bytes();
    input.extend_from_slice(b"\n{\"presentation\": \"\xc3\"}\n");
    let (exit, reports) = verify_batch(&k.dir, &input, &[]);
    assert_eq!(exit, 1, "one invalid line");
    assert_eq!(reports.len(), 40);
    assert!(reports[..38].iter().all(|r| r["valid"] == true));
    assert_eq!(reports[38]["valid"], false);
    assert_eq!(reports[38]["line"], 39);
    assert_eq!(reports[39]["valid"], false);
    assert_eq!(reports[39]["line"], 40);
    let errors = reports[39]["errors"].to_string();
    assert!(errors.contains("not UTF-8"), "{errors}");
}

/// Data Integrity credentials, written by `issue --batch` as JSON objects, verify in a
/// `verify --batch` as they are (an object `presentation`) or as a string; a document with a
/// member given twice is refused there, as it is on its own.
#[test]
fn batch_verifies_data_integrity_documents_as_objects() {
    let k = keys("batch-di");
    let subject: Value = sample_subject("lea-moreau/05-training-caces-r489.subject.json");
    let record = serde_json::json!({"type": "TrainingAction", "subject": subject}).to_string();
    for format in ["di-eddsa-jcs-2022", "di-eddsa-rdfc-2022"] {
        let input = format!("{record}\n{record}\n");
        let (out, issued) = issue_batch(&k, input.as_bytes(), format);
        assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
        let document = &issued[0]["credential"];
        assert!(document.is_object(), "{format}: {document}");
        let text = document.to_string();
        // The same member twice in the document: `"id"` again, at the front.
        let doubled = format!("{{\"id\":\"urn:uuid:other\",{}", &text[1..]);
        let batch = [
            serde_json::json!({"presentation": document}).to_string(),
            serde_json::json!({"presentation": text}).to_string(),
            format!("{{\"presentation\":{doubled}}}"),
        ];
        let (exit, reports) = verify_batch(&k.dir, batch.join("\n").as_bytes(), &["--offline"]);
        assert_eq!(exit, 1, "{format}: the doubled document is invalid");
        assert_eq!(reports.len(), 3);
        assert_eq!(reports[0]["valid"], true, "{format}: {}", reports[0]);
        assert_eq!(reports[1]["valid"], true, "{format}: {}", reports[1]);
        assert_eq!(reports[2]["valid"], false);
        let errors = reports[2]["errors"].to_string();
        assert!(
            errors.contains("duplicate member name `id`"),
            "{format}: {errors}"
        );
    }
}

/// A batch whose input cannot be read to its end fails without leaving an output file, whole
/// or partial.
#[test]
fn a_failed_batch_leaves_no_output() {
    let k = keys("batch-fail");
    std::fs::create_dir_all(k.dir.join("not-a-file.jsonl")).unwrap();
    let out = passeport(
        &k.dir,
        &[
            "issue",
            "--batch",
            "not-a-file.jsonl",
            "--key",
            "issuer.jwk",
            "--issuer",
            &k.issuer_did,
            "--out",
            "out.jsonl",
        ],
    );
    assert_eq!(code(&out), 2, "bad input");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("not-a-file.jsonl: line 1") && !stderr.contains("0 credential(s) issued"),
        "{stderr}"
    );
    assert!(!k.dir.join("out.jsonl").exists());
    let left: Vec<_> = std::fs::read_dir(&k.dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("partial"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// A batch's `--out` may be a link (the file it points to gets the output, the link stays) or
/// a FIFO (written straight into, not replaced by a file): as `/dev/null` is.
#[cfg(unix)]
#[test]
fn a_batch_writes_through_links_and_into_fifos() {
    use std::os::unix::fs::FileTypeExt as _;
    let k = keys("batch-out");
    let subject = sample_subject("lea-moreau/05-training-caces-r489.subject.json");
    let record = serde_json::json!({"type": "TrainingAction", "subject": subject}).to_string();
    std::fs::write(k.dir.join("in.jsonl"), format!("{record}\n{record}\n")).unwrap();
    let batch = |out: &str| run_issue_batch(&k, None, out);

    std::fs::create_dir_all(k.dir.join("real")).unwrap();
    std::os::unix::fs::symlink("real/target.jsonl", k.dir.join("link.jsonl")).unwrap();
    let out = batch("link.jsonl");
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let link = std::fs::symlink_metadata(k.dir.join("link.jsonl")).unwrap();
    assert!(link.file_type().is_symlink());
    let written = std::fs::read_to_string(k.dir.join("real/target.jsonl")).unwrap();
    assert_eq!(written.lines().count(), 2);

    let fifo = k.dir.join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let out = batch("pipe");
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let read = reader.join().unwrap();
    assert_eq!(read.lines().count(), 2);
    for line in read.lines() {
        let line: Value = serde_json::from_str(line).unwrap();
        assert!(line["credential"].is_string(), "{line}");
    }
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    for dir in [k.dir.clone(), k.dir.join("real")] {
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            assert!(!name.contains("partial"), "{name} left behind");
        }
    }
}
