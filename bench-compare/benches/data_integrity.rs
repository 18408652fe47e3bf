//! Data Integrity (eddsa-rdfc-2022, eddsa-jcs-2022) and JWS-secured VCs (VC-JOSE-COSE):
//! passeport-core and ssi 0.16 (SpruceID) on the same credential, the same Ed25519 key and the
//! same `did:key` verification method, with the raw ed25519-dalek floor in the same run.
//!
//! Before timing, each side's proofs go through the *other* side's verifier (the interop check),
//! and the outcome is asserted: JOSE verifies both ways (ssi writes the older `typ: vc-ld+jwt`);
//! eddsa-rdfc-2022 gives byte-identical proofs without the one boolean that ssi 0.16 turns into
//! RDF differently from JSON-LD 1.1 (see the comment at the cross-verification). ssi 0.16 has no
//! eddsa-jcs-2022 suite, so that line is ours alone.
//!
//! Both JSON-LD loaders are offline and serve the same documents: ssi gets a
//! `ContextLoader` filled from `crates/core/assets/contexts/` (our embedded copies), not its own
//! static contexts.
//!
//! ```sh
//! cd bench-compare && CARGO_TARGET_DIR=../target cargo bench --bench data_integrity -- --warm-up-time 1 --measurement-time 3
//! # instruction counts, one operation n times (the setup and one warm-up call are not counted):
//! DI_CALLGRIND='verify_eddsa-rdfc-2022/ssi:20' valgrind --tool=callgrind \
//!   --toggle-collect='data_integrity::measured*' ../target/release/deps/data_integrity-<hash>
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{black_box, Criterion};
use ed25519_dalek::{Signer as _, SigningKey, Verifier as _};
use futures::executor::block_on;
use passeport_core::clock::FixedClock;
use passeport_core::data_integrity::{self, ContextSet, Cryptosuite, ProofOptions};
use passeport_core::jose::{self, JwsHeaderParams, JwsPolicy, UnverifiedJws};
use passeport_core::keys::{Ed25519SecretKey, SecretKey, Signer};
use serde_json::{json, Map, Value};
use ssi::claims::data_integrity::suites::EdDsaRdfc2022;
use ssi::claims::data_integrity::{CryptographicSuite, DataIntegrity};
use ssi::claims::vc::v2::JsonCredential;
use ssi::claims::vc_jose_cose::JoseVc;
use ssi::claims::{JwsBuf, JwsPayload, SignatureEnvironment, VerificationParameters};
use ssi::dids::{DIDKey, VerificationMethodDIDResolver};
use ssi::json_ld::{ContextLoader, Expandable};
use ssi::rdf::{AnyLdEnvironment, LdEnvironment};
use ssi::verification_methods::{Multikey, SingleSecretSigner};
use ssi::JWK;
use std::collections::HashMap;
use std::path::PathBuf;

/// 2026-01-01T00:00:00Z: `created` of every proof.
const CREATED: i64 = 1_767_225_600;
const CREATED_STR: &str = "2026-01-01T00:00:00Z";
/// Verification time, a minute later.
const NOW: i64 = CREATED + 60;

type SsiSigned = DataIntegrity<JsonCredential, EdDsaRdfc2022>;

/// A named operation, timed by criterion or counted by callgrind.
type Op<'a> = (&'static str, Box<dyn Fn() + 'a>);

fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(path)
}

/// The Diploma sample, without proof, issued by `did` (the issuer profile keeps its other
/// members; `verify` requires the issuer id to control the verification method).
fn credential(did: &str) -> Map<String, Value> {
    let path =
        repo("tests/vectors/domain/samples/camille-laurent/01-diploma-bts-sio.credential.json");
    let mut credential: Map<String, Value> =
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    credential.remove("proof");
    credential["issuer"]["id"] = json!(did);
    credential
}

/// ssi's JSON-LD loader: offline, exactly the documents passeport embeds (no ssi static copy).
fn ssi_loader() -> ContextLoader {
    let dir = repo("crates/core/assets/contexts");
    let urls = [
        (
            "credentials-v2.jsonld",
            "https://www.w3.org/ns/credentials/v2",
        ),
        (
            "ob-v3p0-context-3.0.3.json",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ),
        (
            "passeport-v1.jsonld",
            "https://passeport.example/contexts/passeport-v1.jsonld",
        ),
    ];
    let map: HashMap<String, String> = urls
        .iter()
        .map(|(file, url)| {
            (
                (*url).to_owned(),
                std::fs::read_to_string(dir.join(file)).unwrap(),
            )
        })
        .collect();
    ContextLoader::empty().with_context_map_from(map).unwrap()
}

fn run(callgrind: Option<(String, usize)>) {
    let seed = [7u8; 32];
    let raw = SigningKey::from_bytes(&seed);
    let raw_public = raw.verifying_key();

    // passeport
    let key = SecretKey::Ed25519(Ed25519SecretKey::from_seed(&seed));
    let did = passeport_core::did::key::did_key(key.public_jwk()).unwrap();
    let method = passeport_core::did::key::method_id(&did);
    let document = credential(did.as_str());
    let document_json = serde_json::to_vec(&document).unwrap();
    let clock = FixedClock(NOW);
    let ours_options = |cryptosuite| ProofOptions {
        cryptosuite,
        verification_method: method.clone(),
        created: CREATED,
        expires: None,
    };
    let rdfc = ours_options(Cryptosuite::EddsaRdfc2022);
    let jcs = ours_options(Cryptosuite::EddsaJcs2022);
    let ours_sign =
        |options: &ProofOptions| data_integrity::sign(&document, &key, options).unwrap();
    // Verification starts from the received JSON text, on both sides.
    let ours_verify = |text: &str| {
        let parsed: Map<String, Value> = serde_json::from_str(text).unwrap();
        data_integrity::verify(&parsed, &data_integrity::resolve_offline, &clock)
    };
    let ours_rdfc = serde_json::to_string(&ours_sign(&rdfc)).unwrap();
    let ours_jcs = serde_json::to_string(&ours_sign(&jcs)).unwrap();
    ours_verify(&ours_rdfc).unwrap();
    ours_verify(&ours_jcs).unwrap();

    // ssi: the same key as a JWK, the same did:key method (ssi derives it itself).
    let jwk: JWK = serde_json::from_value(json!({
        "kty": "OKP",
        "crv": "Ed25519",
        "x": passeport_core::b64::encode(raw_public.to_bytes()),
        "d": passeport_core::b64::encode(seed),
    }))
    .unwrap();
    let ssi_method = DIDKey::generate_url(&jwk).unwrap();
    assert_eq!(
        ssi_method.as_str(),
        method,
        "ssi and passeport derive the same did:key method"
    );
    let resolver = VerificationMethodDIDResolver::<DIDKey, Multikey>::new(DIDKey);
    let signer = SingleSecretSigner::new(jwk.clone());
    let loader = ssi_loader();
    let environment = SignatureEnvironment {
        json_ld_loader: loader.clone(),
        eip712_loader: (),
    };
    let ssi_vc: JsonCredential = serde_json::from_slice(&document_json).unwrap();
    let mut ssi_options = ssi::claims::data_integrity::ProofOptions::from_method(
        ssi_method.clone().into_iri().into(),
    );
    ssi_options.created = Some(serde_json::from_value(json!(CREATED_STR)).unwrap());
    let ssi_sign = |vc: &JsonCredential| -> SsiSigned {
        block_on(EdDsaRdfc2022.sign_with(
            &environment,
            vc.clone(),
            &resolver,
            &signer,
            ssi_options.clone(),
            (),
        ))
        .unwrap()
    };
    let params = VerificationParameters::from_resolver(&resolver)
        .with_json_ld_loader(&loader)
        .with_date_time(ssi::claims::chrono::DateTime::from_timestamp(NOW, 0).unwrap());
    let ssi_verify = |text: &str| {
        let signed: SsiSigned = serde_json::from_str(text).unwrap();
        block_on(signed.verify(&params))
    };
    let ssi_rdfc = serde_json::to_string(&ssi_sign(&ssi_vc)).unwrap();
    ssi_verify(&ssi_rdfc).unwrap().unwrap();

    // Cross-verification (the interop proof), outside the timed loops.
    //
    // On this credential the two sides sign different RDF, and each rejects the other's proof.
    // The one differing quad is `hashed: false` (an Open Badges `IdentityObject`): the OB 3.0.3
    // context types it `xsd:boolean` with `"xsd": "https://www.w3.org/2001/XMLSchema#"` (https).
    // JSON-LD 1.1 (Object to RDF Conversion: a boolean gets `xsd:boolean` only "if datatype is
    // null") keeps the coerced type, as passeport and the json-ld crate's own `toRdf` do:
    // `"false"^^<https://www.w3.org/2001/XMLSchema#boolean>`. ssi 0.16 converts through
    // json-ld-core 0.21's `linked_data` interpretation, which writes every JSON boolean as
    // `http://www.w3.org/2001/XMLSchema#boolean` whatever the coercion. `assert_ssi_boolean_quirk`
    // checks that this quad is the only difference, and the credential without `hashed`
    // cross-verifies both ways.
    assert_ssi_boolean_quirk(&document, &loader);
    assert_eq!(
        format!("{:?}", ssi_verify(&ours_rdfc).unwrap()),
        "Err(Proof(Signature))",
        "ssi rejects passeport's eddsa-rdfc-2022 proof over `hashed: false` (see above)"
    );
    assert!(
        matches!(
            ours_verify(&ssi_rdfc),
            Err(data_integrity::DataIntegrityError::BadSignature)
        ),
        "passeport rejects ssi's eddsa-rdfc-2022 proof over `hashed: false` (see above)"
    );
    let mut without_boolean = document.clone();
    without_boolean["credentialSubject"]["identifier"][0]
        .as_object_mut()
        .unwrap()
        .remove("hashed")
        .unwrap();
    let ours_plain =
        serde_json::to_string(&data_integrity::sign(&without_boolean, &key, &rdfc).unwrap())
            .unwrap();
    let ssi_plain = serde_json::to_string(&ssi_sign(
        &serde_json::from_value(Value::Object(without_boolean.clone())).unwrap(),
    ))
    .unwrap();
    ssi_verify(&ours_plain)
        .expect("ssi verifies passeport's eddsa-rdfc-2022 proof (no error)")
        .expect("ssi verifies passeport's eddsa-rdfc-2022 proof (valid)");
    ours_verify(&ssi_plain).expect("passeport verifies ssi's eddsa-rdfc-2022 proof");
    // An issuer that does not control the method (the sample's own did:web issuer, signed with
    // our did:key): ssi accepts the proof, passeport refuses it.
    let mut foreign_issuer = without_boolean.clone();
    foreign_issuer["issuer"]["id"] = json!("did:web:passeport.example:orgs:academie-lyon-demo");
    let ssi_foreign = serde_json::to_string(&ssi_sign(
        &serde_json::from_value(Value::Object(foreign_issuer)).unwrap(),
    ))
    .unwrap();
    ssi_verify(&ssi_foreign)
        .unwrap()
        .expect("ssi does not check that the issuer controls the method");
    assert!(matches!(
        ours_verify(&ssi_foreign),
        Err(data_integrity::DataIntegrityError::MethodNotControlledByIssuer { .. })
    ));
    let proof = |text: &str| serde_json::from_str::<Value>(text).unwrap()["proof"].take();
    // Ed25519 is deterministic: the same key over the same canonical data, the same proof.
    assert_eq!(
        proof(&ours_plain),
        proof(&ssi_plain),
        "byte-identical proofs"
    );
    eprintln!("cross-verification eddsa-rdfc-2022: both ways without `hashed`; each side rejects the other's proof over `hashed: false` (ssi drops the coerced boolean datatype)");
    eprintln!("passeport proof: {}", proof(&ours_plain));
    eprintln!("ssi proof:       {}", proof(&ssi_plain));

    // A term no context defines: both sides refuse to sign it (ssi's strict expansion policy,
    // passeport's safe mode).
    let mut undefined = document.clone();
    undefined["credentialSubject"]["notInAnyContext"] = json!("x");
    let ssi_undefined: Result<SsiSigned, _> = block_on(EdDsaRdfc2022.sign_with(
        &environment,
        serde_json::from_value::<JsonCredential>(Value::Object(undefined.clone())).unwrap(),
        &resolver,
        &signer,
        ssi_options.clone(),
        (),
    ));
    assert!(ssi_undefined
        .unwrap_err()
        .to_string()
        .contains("Key `notInAnyContext` expansion failed"));
    assert!(matches!(
        data_integrity::sign(&undefined, &key, &rdfc),
        Err(data_integrity::DataIntegrityError::UndefinedTerm { .. })
    ));

    // JOSE: a VCDM 2.0 credential secured as a compact JWS. Both serialize the credential in
    // the timed loop; verification parses the token, checks the signature and decodes the claims.
    let header = JwsHeaderParams::typed("vc+jwt");
    let ours_jwt_sign = |doc: &Map<String, Value>| {
        jose::sign_compact(&key, &header, &serde_json::to_vec(doc).unwrap()).unwrap()
    };
    let public = key.public_key();
    let policy = JwsPolicy::typed(&["vc+jwt"]);
    let ours_jwt_verify = |token: &str| {
        UnverifiedJws::parse(token)
            .and_then(|jws| jws.verify(&public, &policy))
            .and_then(|verified| verified.claims())
    };
    let ours_jwt = ours_jwt_sign(&document);
    ours_jwt_verify(&ours_jwt).unwrap();
    let ssi_jwt_sign = |vc: &JsonCredential| -> JwsBuf {
        block_on(JwsPayload::sign(&JoseVc(vc.clone()), &jwk)).unwrap()
    };
    let jwt_params = VerificationParameters::from_resolver(&jwk)
        .with_date_time(ssi::claims::chrono::DateTime::from_timestamp(NOW, 0).unwrap());
    let ssi_jwt_verify = |token: &str| {
        let jws = ssi::claims::JwsSlice::new(token.as_bytes()).unwrap();
        let decoded = JoseVc::<JsonCredential>::decode(jws).unwrap();
        block_on(decoded.verify(&jwt_params))
    };
    let ssi_jwt = ssi_jwt_sign(&ssi_vc);
    ssi_jwt_verify(ssi_jwt.as_str()).unwrap().unwrap();
    ssi_jwt_verify(&ours_jwt)
        .expect("ssi verifies passeport's vc+jwt (no error)")
        .expect("ssi verifies passeport's vc+jwt (valid)");
    // ssi 0.16 writes `typ: vc-ld+jwt` and `cty: vc` (an earlier VC-JOSE-COSE draft; the
    // Recommendation registers `vc+jwt`): our `vc+jwt` policy refuses the type, and the
    // signature and payload verify once that older type is allowed.
    let header_of = |token: &str| -> Value {
        serde_json::from_slice(
            &passeport_core::b64::decode(token.split('.').next().unwrap()).unwrap(),
        )
        .unwrap()
    };
    assert_eq!(
        header_of(ssi_jwt.as_str()),
        json!({"alg": "EdDSA", "typ": "vc-ld+jwt", "cty": "vc"})
    );
    assert!(matches!(
        ours_jwt_verify(ssi_jwt.as_str()),
        Err(passeport_core::jose::JoseError::WrongType { .. })
    ));
    let ssi_claims = UnverifiedJws::parse(ssi_jwt.as_str())
        .unwrap()
        .verify(&public, &JwsPolicy::typed(&["vc+jwt", "vc-ld+jwt"]))
        .expect("passeport verifies ssi's JWS-secured VC (typ vc-ld+jwt allowed)")
        .claims()
        .unwrap();
    assert_eq!(
        ssi_claims, document,
        "ssi's payload is the credential itself"
    );
    eprintln!("cross-verification JOSE: ssi verifies ours; ours verifies ssi's once `typ: vc-ld+jwt` is allowed");

    let message = &document_json;
    let raw_signature = raw.sign(message);
    eprintln!(
        "credential: {} bytes of JSON; proofs: passeport rdfc {} B, jcs {} B, ssi rdfc {} B",
        message.len(),
        ours_rdfc.len(),
        ours_jcs.len(),
        ssi_rdfc.len()
    );

    let ops: Vec<Op<'_>> = vec![
        (
            "floor/ed25519_sign",
            Box::new(|| sink(raw.sign(black_box(message)))),
        ),
        (
            "floor/ed25519_verify",
            Box::new(|| {
                raw_public
                    .verify(black_box(message), &raw_signature)
                    .unwrap()
            }),
        ),
        (
            "sign_eddsa-rdfc-2022/passeport",
            Box::new(|| sink(ours_sign(black_box(&rdfc)))),
        ),
        (
            "sign_eddsa-rdfc-2022/ssi",
            Box::new(|| sink(ssi_sign(black_box(&ssi_vc)))),
        ),
        (
            "verify_eddsa-rdfc-2022/passeport",
            Box::new(|| sink(ours_verify(black_box(&ours_rdfc)).unwrap())),
        ),
        (
            "verify_eddsa-rdfc-2022/ssi",
            Box::new(|| ssi_verify(black_box(&ssi_rdfc)).unwrap().unwrap()),
        ),
        (
            "sign_eddsa-jcs-2022/passeport",
            Box::new(|| sink(ours_sign(black_box(&jcs)))),
        ),
        (
            "verify_eddsa-jcs-2022/passeport",
            Box::new(|| sink(ours_verify(black_box(&ours_jcs)).unwrap())),
        ),
        (
            "sign_vc+jwt/passeport",
            Box::new(|| sink(ours_jwt_sign(black_box(&document)))),
        ),
        (
            "sign_vc+jwt/ssi",
            Box::new(|| sink(ssi_jwt_sign(black_box(&ssi_vc)))),
        ),
        (
            "verify_vc+jwt/passeport",
            Box::new(|| sink(ours_jwt_verify(black_box(&ours_jwt)).unwrap())),
        ),
        (
            "verify_vc+jwt/ssi",
            Box::new(|| {
                ssi_jwt_verify(black_box(ssi_jwt.as_str()))
                    .unwrap()
                    .unwrap()
            }),
        ),
    ];

    match callgrind {
        Some((name, n)) => {
            let (_, op) = ops
                .iter()
                .find(|(op_name, _)| *op_name == name)
                .unwrap_or_else(|| panic!("no operation {name}"));
            op();
            measured(n, op.as_ref());
        }
        None => {
            let mut c = Criterion::default().configure_from_args();
            let mut g = c.benchmark_group("di");
            for (name, op) in &ops {
                g.bench_function(*name, |b| b.iter(op.as_ref()));
            }
            g.finish();
            c.final_summary();
        }
    }
}

/// The canonical N-Quads of `document` by ssi (JSON-LD expansion, then its RDF
/// interpretation and RDFC-1.0) and by passeport differ in exactly one quad: the JSON boolean
/// whose term is coerced to `https://www.w3.org/2001/XMLSchema#boolean`.
fn assert_ssi_boolean_quirk(document: &Map<String, Value>, loader: &ContextLoader) {
    let vc: JsonCredential = serde_json::from_value(Value::Object(document.clone())).unwrap();
    let mut ld = LdEnvironment::default();
    let expanded = block_on(vc.expand_with(&mut ld, loader)).unwrap();
    let theirs = ld.canonical_form_of(&expanded).unwrap();
    let ours =
        data_integrity::canonicalize(Cryptosuite::EddsaRdfc2022, document, ContextSet::embedded())
            .unwrap();
    // Blank node labels depend on every quad, so compare with them blanked out.
    let blank = |line: &str| {
        let mut out = String::new();
        let mut rest = line;
        while let Some(at) = rest.find("_:c14n") {
            out.push_str(&rest[..at]);
            out.push_str("_:b");
            rest = rest[at + 6..].trim_start_matches(|c: char| c.is_ascii_digit());
        }
        out.push_str(rest);
        out
    };
    let mut theirs: Vec<String> = theirs.iter().map(|l| blank(l.trim_end())).collect();
    let mut ours: Vec<String> = ours.lines().map(blank).collect();
    theirs.sort();
    ours.sort();
    let only_theirs: Vec<&String> = theirs.iter().filter(|l| !ours.contains(l)).collect();
    let only_ours: Vec<&String> = ours.iter().filter(|l| !theirs.contains(l)).collect();
    let hashed = "_:b <https://purl.imsglobal.org/spec/vc/ob/vocab.html#hashed> \"false\"^^";
    assert_eq!(
        only_theirs,
        [&format!(
            "{hashed}<http://www.w3.org/2001/XMLSchema#boolean> ."
        )]
    );
    assert_eq!(
        only_ours,
        [&format!(
            "{hashed}<https://www.w3.org/2001/XMLSchema#boolean> ."
        )]
    );
}

/// The region callgrind counts: `n` calls of `op`.
#[inline(never)]
fn measured(n: usize, op: &dyn Fn()) {
    for _ in 0..n {
        op();
    }
}

fn main() {
    // `DI_CALLGRIND=<operation>:<n>`: run one operation n times inside `measured` and exit.
    let callgrind = std::env::var("DI_CALLGRIND").ok().map(|spec| {
        let (name, n) = spec.rsplit_once(':').expect("DI_CALLGRIND=<operation>:<n>");
        (name.to_owned(), n.parse().expect("an iteration count"))
    });
    run(callgrind);
}

/// Keeps a result alive so the optimizer cannot drop the work.
fn sink<T>(value: T) {
    black_box(value);
}
