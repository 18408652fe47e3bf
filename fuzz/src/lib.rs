//! Fuzz entry points for every parser of outside input. Each function takes arbitrary bytes and
//! must return without panicking, whatever they are; the `fuzz_targets/` bins hand them to
//! libFuzzer (`cargo fuzz run <name>`), and the tests below replay the kept inputs
//! (`tests/vectors/fuzz-regressions/<name>/`, which CI also replays through
//! `tests/tests/fuzz_regressions.rs`) and a deterministic mutation run over valid seeds on stable
//! Rust (`cargo test --manifest-path fuzz/Cargo.toml --no-default-features`). See `README.md`.
#![forbid(unsafe_code)]

use passeport_core::clock::FixedClock;
use passeport_core::jose::{self, JwsHeaderParams, JwsPolicy, UnverifiedJws};
use passeport_core::keys::{PrivateJwk, PublicJwk, PublicKey, SecretKey, Signer};
use passeport_core::sd_jwt::{
    ClaimPathSegment, KbExpectation, SdJwtVerifyOptions, UnverifiedSdJwt, VerifiedSdJwt,
};
use passeport_core::status::bitstring;
use passeport_core::status::token::TokenStatusList;
use passeport_wallet::storage::MemoryStore;
use passeport_wallet::{
    CreateOptions, HolderKeyChoice, ImportRejected, ImportVerifier, KdfParams, VerifiedForImport,
    Wallet,
};
use std::hash::{Hash as _, Hasher as _};
use std::sync::{Mutex, OnceLock};

/// The fixed time all targets verify at (2026-01-01T00:00:00Z).
pub const NOW: i64 = 1_767_225_600;

/// The fixed issuer key the verification targets sign with and trust.
pub fn issuer_key() -> &'static SecretKey {
    static KEY: OnceLock<SecretKey> = OnceLock::new();
    KEY.get_or_init(|| {
        SecretKey::Ed25519(passeport_core::keys::Ed25519SecretKey::from_seed(&[42; 32]))
    })
}

fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// `UnverifiedSdJwt::parse` and everything readable before verification (disclosure paths,
/// selection, the unverified claims).
pub fn sd_jwt_parse(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let Ok(parsed) = UnverifiedSdJwt::parse(text) else {
        return;
    };
    let _ = parsed.insecure_claims();
    let _ = parsed.disclosure_paths();
    let _ = parsed.disclosable_paths();
    let _ = parsed.select(&|path| path.len() % 2 == 1);
    let _ = parsed.select_pointers(&["/credentialSubject/name", "/a/0"]);
    // The holder's presentation with key binding, over the same selection as `select`: it must
    // succeed exactly when `select` does, and be `select`'s output followed by one KB-JWT.
    let selected = parsed.select(&keep_half);
    let presented = parsed.present(&keep_half, holder_key(), "aud", "n", NOW);
    match (selected, presented) {
        (Ok(selected), Ok(presented)) => {
            let kb = presented.strip_prefix(selected.as_str());
            assert!(
                kb.is_some_and(|kb| !kb.is_empty() && !kb.contains('~')),
                "present is not select's output followed by a KB-JWT"
            );
        }
        (Ok(_), Err(e)) => panic!("select succeeded but present failed: {e}"),
        (Err(_), Ok(_)) => panic!("select failed but present succeeded"),
        (Err(_), Err(_)) => {}
    }
}

/// The fixed holder key the targets bind presentations with.
pub fn holder_key() -> &'static SecretKey {
    static KEY: OnceLock<SecretKey> = OnceLock::new();
    KEY.get_or_init(|| {
        SecretKey::Ed25519(passeport_core::keys::Ed25519SecretKey::from_seed(&[7; 32]))
    })
}

/// A deterministic selector keeping about half of the disclosable paths, whatever their shape:
/// a path is kept when the low bit of its (fixed-key SipHash) hash is 0.
pub fn keep_half(path: &[ClaimPathSegment]) -> bool {
    let mut hasher = std::hash::DefaultHasher::new();
    path.hash(&mut hasher);
    hasher.finish().is_multiple_of(2)
}

/// The SD-JWT an [`sd_jwt_verify`] input stands for: the input is `payload NUL disclosure NUL …`,
/// the payload is signed with [`issuer_key`] as a `vc+sd-jwt`, the disclosures follow. `None`
/// when a disclosure is not UTF-8 or the payload cannot be signed.
pub fn sd_jwt_verify_compact(data: &[u8]) -> Option<String> {
    let mut parts = data.split(|b| *b == 0);
    let payload = parts.next().unwrap_or_default();
    let mut compact =
        jose::sign_compact(issuer_key(), &JwsHeaderParams::typed("vc+sd-jwt"), payload).ok()?;
    compact.push('~');
    for part in parts {
        compact.push_str(text(part)?);
        compact.push('~');
    }
    Some(compact)
}

/// SD-JWT verification past the signature (see [`sd_jwt_verify_compact`]): the SD-JWT is
/// verified as issued and as a presentation, so digests, recursion, `cnf`, time checks and KB
/// rules all see fuzzed data.
pub fn sd_jwt_verify(data: &[u8]) {
    let Some(compact) = sd_jwt_verify_compact(data) else {
        return;
    };
    let key = issuer_key();
    let public = key.public_key();
    let clock = FixedClock(NOW);
    let as_issued = SdJwtVerifyOptions {
        typ: vec!["vc+sd-jwt".into()],
        key_binding: KbExpectation::Issuance,
        leeway_secs: 60,
    };
    if let Ok(parsed) = UnverifiedSdJwt::parse(&compact) {
        let verified: Result<VerifiedSdJwt, _> = parsed.verify(&public, &as_issued, &clock);
        if let Ok(verified) = verified {
            let _ = verified.disclosed_paths();
        }
    }
    // The verifier's pipeline on the same input, bound to a holder that signs a KB-JWT.
    if let Ok(bound) =
        passeport_core::sd_jwt::add_key_binding(&compact, holder_key(), "aud", "n", NOW)
    {
        let _ = verifier().verify_with(
            &bound,
            &passeport_verifier::Expectation {
                audience: Some("aud".into()),
                nonce: Some("n".into()),
            },
        );
    }
    let _ = verifier().verify(&compact);
}

fn verifier() -> &'static passeport_verifier::Verifier {
    static VERIFIER: OnceLock<passeport_verifier::Verifier> = OnceLock::new();
    VERIFIER.get_or_init(|| {
        let mut trust = passeport_verifier::TrustList::new();
        trust.add_direct_key(issuer_key().public_key());
        passeport_verifier::Verifier::new(
            trust,
            std::sync::Arc::new(passeport_verifier::resolve::StaticResolver::new()),
        )
        .with_clock(std::sync::Arc::new(FixedClock(NOW)))
    })
}

/// Compact JWS parsing, header policy and verification against a fixed key; and the verifier's
/// whole pipeline on the same text (format detection, `vc+jwt`, `vp+jwt`, Data Integrity JSON).
pub fn jws_parse(data: &[u8]) {
    let Some(text) = text(data) else { return };
    if let Ok(jws) = UnverifiedJws::parse(text) {
        let _ = jws.insecure_claims();
        let _ = jws.header().kid();
        let _ = jws.verify(&issuer_key().public_key(), &JwsPolicy::untyped());
    }
    let _ = verifier().verify(text);
}

/// Public and private JWK parsing, key construction, thumbprints, `did:key` / `did:jwk` from them.
pub fn jwk_parse(data: &[u8]) {
    let Some(text) = text(data) else { return };
    if let Ok(jwk) = PublicJwk::from_json(text) {
        let _ = jwk.thumbprint();
        let _ = PublicKey::from_jwk(&jwk);
        let _ = passeport_core::did::key::did_key(&jwk);
        let _ = passeport_core::did::jwk::did_jwk(&jwk);
    }
    if let Ok(private) = PrivateJwk::from_json(text) {
        if let Ok(key) = SecretKey::from_jwk(&private) {
            let _ = key.try_sign(b"fuzz");
        }
    }
}

/// DID parsing and offline resolution (`did:key`, `did:jwk`), `did:web` to URL, DID documents.
pub fn did_resolve(data: &[u8]) {
    let Some(text) = text(data) else { return };
    if let Ok(did) = passeport_core::did::Did::parse(text) {
        if let Ok(doc) = passeport_core::did::resolve_offline(&did) {
            let _ = doc.assertion_keys();
            let _ = doc.authentication_keys();
            let _ = doc.assertion_key(text);
        }
        let _ = passeport_core::did::web::document_url(&did);
    }
    let _ = passeport_core::did::key::jwk_from_multikey(text);
    if let Ok(doc) = passeport_core::did::DidDocument::from_json(data) {
        let _ = doc.assertion_keys();
        let _ = doc.assertion_key(text);
    }
}

/// Status lists: Bitstring `encodedList`, a Bitstring status list credential, a Token Status
/// List claim. Decompression is bounded, so a bomb must fail fast.
pub fn status_list(data: &[u8]) {
    if let Some(text) = text(data) {
        if let Ok(list) = bitstring::decode_encoded_list(text) {
            let _ = list.get(list.len().saturating_sub(1));
            let _ = list.get(list.len());
        }
    }
    if let Ok(value) = passeport_core::json::parse_strict(data) {
        let _ = bitstring::from_credential(&value);
        if let Ok(list) = TokenStatusList::from_claim(&value) {
            let _ = list.get(list.len().saturating_sub(1));
            let _ = list.get(list.len());
        }
    }
}

/// A verifier stub that accepts whatever parses and hands back its unverified claims, so the
/// wallet's own reading of an accepted credential (format detection, record fields, disclosable
/// claims) sees fuzzed data. The real pipeline is fuzzed by the other targets.
struct AcceptAll;

impl ImportVerifier for AcceptAll {
    fn verify_for_import(&self, credential: &str) -> Result<VerifiedForImport, ImportRejected> {
        let text = credential.trim();
        let claims = if text.starts_with('{') {
            passeport_core::json::parse_object(text.as_bytes()).ok()
        } else if text.contains('~') {
            UnverifiedSdJwt::parse(text)
                .ok()
                .and_then(|p| p.insecure_claims().ok().cloned())
        } else {
            UnverifiedJws::parse(text)
                .ok()
                .and_then(|j| j.insecure_claims().ok())
        };
        claims
            .map(|claims| VerifiedForImport { claims })
            .ok_or_else(|| ImportRejected::because("unreadable"))
    }
}

/// The wallet's import of a credential the verifier accepted. The wallet logs every refusal,
/// so a fresh one is made every [`WALLET_REUSE`] inputs to keep the harness linear.
pub fn wallet_import(data: &[u8]) {
    static WALLET: Mutex<Option<(usize, Wallet<MemoryStore>)>> = Mutex::new(None);
    let Some(text) = text(data) else { return };
    let Ok(mut slot) = WALLET.lock() else { return };
    if slot.as_ref().is_none_or(|(uses, _)| *uses >= WALLET_REUSE) {
        let created = Wallet::create(
            MemoryStore::new(),
            "fuzz",
            CreateOptions {
                kdf: KdfParams::INSECURE_FOR_TESTS,
                holder_key: HolderKeyChoice::Generate(passeport_core::keys::KeyAlgorithm::Ed25519),
            },
        );
        let Ok(wallet) = created else { return };
        *slot = Some((0, wallet));
    }
    let Some((uses, wallet)) = slot.as_mut() else {
        return;
    };
    *uses += 1;
    if let Ok(record) = wallet.import(text, &AcceptAll) {
        let _ = wallet.remove_credential(&record.id);
    }
}

/// Inputs one wallet sees before [`wallet_import`] makes a fresh one.
pub const WALLET_REUSE: usize = 256;

#[cfg(test)]
mod tests;
