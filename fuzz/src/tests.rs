//! Stable-Rust replay: kept crashing inputs, then a deterministic mutation run over valid seeds.
//! `FUZZ_ITERS` (default 3000) sets the number of mutated inputs per target.

use super::*;
use passeport_core::keys::KeyAlgorithm;
use passeport_core::sd_jwt::{self, IssueOptions};
use passeport_core::status::bitstring::BitstringStatusList;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Map};
use std::path::PathBuf;

type Target = fn(&[u8]);

fn regressions(name: &str) -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/vectors/fuzz-regressions")
        .join(name);
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect()
}

fn mutate(rng: &mut StdRng, seed: &[u8], dictionary: &[&[u8]]) -> Vec<u8> {
    let mut out = seed.to_vec();
    for _ in 0..rng.gen_range(1..6) {
        let at = if out.is_empty() {
            0
        } else {
            rng.gen_range(0..out.len())
        };
        match rng.gen_range(0..7) {
            0 if !out.is_empty() => out[at] = rng.gen(),
            1 if !out.is_empty() => {
                let end = rng.gen_range(at..=out.len().min(at + 64));
                out.drain(at..end);
            }
            2 => {
                let word = dictionary[rng.gen_range(0..dictionary.len())];
                out.splice(at..at, word.iter().copied());
            }
            3 if !out.is_empty() => {
                let end = rng.gen_range(at..=out.len().min(at + 256));
                let chunk = out[at..end].to_vec();
                out.splice(at..at, chunk);
            }
            4 => out.truncate(at),
            5 if !out.is_empty() => out[at] ^= 1 << rng.gen_range(0..8),
            _ => out.insert(at, b"~.{}[]\"\0:,"[rng.gen_range(0..10)]),
        }
    }
    out
}

fn run(name: &str, target: Target, seeds: Vec<Vec<u8>>, dictionary: &[&[u8]]) {
    for input in regressions(name) {
        target(&input);
    }
    for seed in &seeds {
        target(seed);
    }
    let iters: usize = std::env::var("FUZZ_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let mut rng = StdRng::seed_from_u64(0x7061_7373);
    for _ in 0..iters {
        let seed = &seeds[rng.gen_range(0..seeds.len())];
        let input = mutate(&mut rng, seed, dictionary);
        let result = std::panic::catch_unwind(|| target(&input));
        if result.is_err() {
            let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../tests/vectors/fuzz-regressions")
                .join(name);
            std::fs::create_dir_all(&dir).unwrap();
            let file = dir.join(format!("crash-{:016x}", fxhash(&input)));
            std::fs::write(&file, &input).unwrap();
            panic!("{name} panicked; input kept in {}", file.display());
        }
    }
}

fn fxhash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    })
}

fn sd_jwt_seed(holder: bool) -> String {
    let mut claims = Map::new();
    claims.insert("iss".into(), json!("did:example:issuer"));
    claims.insert("iat".into(), json!(NOW - 10));
    claims.insert(
        "credentialSubject".into(),
        json!({"name": "Camille", "a": [1, {"b": "c"}, [true]], "address": {"locality": "Lyon"}}),
    );
    if holder {
        let h = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
        claims.insert("cnf".into(), json!({"jwk": h.public_jwk().to_value()}));
    }
    sd_jwt::issue(
        issuer_key(),
        &JwsHeaderParams::typed("vc+sd-jwt"),
        claims,
        &|_| true,
        &IssueOptions::default(),
    )
    .unwrap()
    .to_compact()
}

const SD_WORDS: &[&[u8]] = &[
    b"~",
    b"_sd",
    b"...",
    b"_sd_alg",
    b"eyJ",
    b"WyJ",
    b"\"cnf\"",
    b"[[[[[[[[",
    b"{\"_sd\":[",
    b"sha-256",
];

#[test]
fn sd_jwt_parse_replay() {
    let seeds = vec![
        sd_jwt_seed(false).into_bytes(),
        sd_jwt_seed(true).into_bytes(),
    ];
    run("sd_jwt_parse", sd_jwt_parse, seeds, SD_WORDS);
}

#[test]
fn sd_jwt_verify_replay() {
    // payload NUL disclosures…, from a real SD-JWT's decoded payload.
    let compact = sd_jwt_seed(false);
    let parsed = UnverifiedSdJwt::parse(&compact).unwrap();
    let payload = serde_json::to_vec(&parsed.insecure_claims().unwrap()).unwrap();
    let mut seed = payload.clone();
    for d in parsed.disclosures() {
        seed.push(0);
        seed.extend_from_slice(d.as_str().as_bytes());
    }
    run(
        "sd_jwt_verify",
        sd_jwt_verify,
        vec![seed, payload],
        SD_WORDS,
    );
}

#[test]
fn jws_parse_replay() {
    let jws = jose::sign_compact(
        issuer_key(),
        &JwsHeaderParams::typed("vc+jwt"),
        br#"{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":"did:example:x","credentialSubject":{"id":"did:example:y"}}"#,
    )
    .unwrap();
    let words: &[&[u8]] = &[
        b".",
        b"eyJhbGciOiJub25lIn0",
        b"\"crit\"",
        b"\"alg\"",
        b"\"b64\":false",
    ];
    run("jws_parse", jws_parse, vec![jws.into_bytes()], words);
}

#[test]
fn jwk_parse_replay() {
    let ed = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let p = SecretKey::generate(KeyAlgorithm::P256).unwrap();
    let seeds = vec![
        ed.public_jwk().to_value().to_string().into_bytes(),
        p.public_jwk().to_value().to_string().into_bytes(),
        ed.to_private_jwk().to_json_pretty().as_bytes().to_vec(),
    ];
    let words: &[&[u8]] = &[
        b"\"OKP\"",
        b"\"EC\"",
        b"\"P-256\"",
        b"\"Ed25519\"",
        b"\"d\":\"",
        b"\"x\":\"AA\"",
    ];
    run("jwk_parse", jwk_parse, seeds, words);
}

#[test]
fn did_resolve_replay() {
    let ed = SecretKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let p = SecretKey::generate(KeyAlgorithm::P256).unwrap();
    let key = passeport_core::did::key::did_key(ed.public_jwk()).unwrap();
    let seeds = vec![
        key.to_string().into_bytes(),
        format!("{}#{}", key, key.method_id()).into_bytes(),
        passeport_core::did::key::did_key(p.public_jwk())
            .unwrap()
            .to_string()
            .into_bytes(),
        passeport_core::did::jwk::did_jwk(ed.public_jwk())
            .unwrap()
            .to_string()
            .into_bytes(),
        b"did:web:passeport.example%3A8443:orgs:lycee".to_vec(),
        serde_json::to_vec(&passeport_core::did::resolve_offline(&key).unwrap())
            .unwrap_or_default(),
    ];
    let words: &[&[u8]] = &[b"did:", b"key:", b"jwk:", b"z6Mk", b"zDn", b"%", b"#", b":"];
    run("did_resolve", did_resolve, seeds, words);
}

#[test]
fn status_list_replay() {
    let mut list = BitstringStatusList::new(131_072).unwrap();
    list.set(42, true).unwrap();
    let encoded = list.encode().unwrap();
    let mut token = TokenStatusList::new(2, 1024).unwrap();
    token.set(3, 2).unwrap();
    let seeds = vec![
        encoded.clone().into_bytes(),
        json!({"credentialSubject": {"type": "BitstringStatusList", "statusPurpose": "revocation", "encodedList": encoded}})
            .to_string()
            .into_bytes(),
        token.to_claim().unwrap().to_string().into_bytes(),
    ];
    let words: &[&[u8]] = &[b"u", b"H4sI", b"eNr", b"\"bits\":8", b"\"bits\":3", b"AAAA"];
    run("status_list", status_list, seeds, words);
}

#[test]
fn wallet_import_replay() {
    let seeds: Vec<Vec<u8>> = vec![
        sd_jwt_seed(false).into_bytes(),
        jose::sign_compact(
            issuer_key(),
            &JwsHeaderParams::typed("vc+jwt"),
            json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "id": "urn:uuid:1",
                   "type": ["VerifiableCredential", "DiplomaCredential"], "issuer": {"id": "did:example:x", "name": "X"},
                   "validFrom": "2025-01-01T00:00:00Z",
                   "credentialSubject": {"achievement": {"name": "BTS"}}})
            .to_string()
            .as_bytes(),
        )
        .unwrap()
        .into_bytes(),
        json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
               "issuer": "did:example:x", "credentialSubject": {}, "proof": {"type": "DataIntegrityProof"}})
            .to_string()
            .into_bytes(),
    ];
    let words: &[&[u8]] = &[
        b"\"type\":",
        b"\"vct\"",
        b"\"cnf\"",
        b"\"issuer\":{",
        b"null",
        b"[]",
    ];
    run("wallet_import", wallet_import, seeds, words);
}
