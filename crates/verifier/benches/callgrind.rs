//! A fixed-iteration driver for instruction counting under callgrind, which is repeatable on a
//! shared machine where wall-clock benchmarks are not (BENCHMARKS.md).
//!
//! ```sh
//! cargo bench -p passeport-verifier --bench callgrind --no-run
//! valgrind --tool=callgrind --toggle-collect='callgrind::measured*' \
//!   target/release/deps/callgrind-<hash> issue_vc+sd-jwt 200
//! ```
//!
//! Each operation runs once outside the measured region (lazy schema compilation, caches), then
//! `n` times inside `measured`. Dividing the collected instructions by `n` and by the floor's
//! gives the ratio. Without an operation name (as under `cargo bench`), it lists the operations.
//!
//! `paired <operation> <floor> [rounds]` times, on the wall clock, short bursts of the
//! operation and of its floor in turn (floor, operation, operation, floor, …) and prints the
//! median and quartiles of the per-round ratios: on a machine whose speed drifts under other
//! people's load, both sides of each ratio are taken a millisecond apart, in the same state.
//! Criterion's figures (BENCHMARKS.md) are the reference; this is for when they cannot be.
//!
//! ```sh
//! target/release/deps/callgrind-<hash> paired 'issue_vc+sd-jwt' 'floor_signatures_vc+sd-jwt'
//! ```
//!
//! `batch-floor sign|verify <file>` prints the single-core floor of a CLI batch over exactly
//! the items of `file` (an issue batch's output, or a verify batch's input), in microseconds
//! per item: what `scripts/batch.sh` divides each batch by (see `common/batch_floor.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "common/batch_floor.rs"]
mod batch_floor;
mod common;
#[path = "common/sd_floor.rs"]
mod sd_floor;

use common::Fixture;
use ed25519_dalek::{Signer as _, Verifier as _};
use passeport_issuer::Format;
use sd_floor::{PresentationFloor, SdFloor};
use std::hint::black_box;

/// The claims a holder hides in the `*_hiding_*` presentations.
const HIDDEN: [&str; 2] = ["awardingDate", "result"];
use std::time::{Duration, Instant};

/// The region callgrind counts: `n` calls of `op`.
#[inline(never)]
fn measured(n: usize, op: &dyn Fn()) {
    for _ in 0..n {
        op();
    }
}

/// Time of `k` calls of `op`.
fn burst(k: usize, op: &dyn Fn()) -> Duration {
    let start = Instant::now();
    for _ in 0..k {
        op();
    }
    start.elapsed()
}

/// Per-round ratios of `op` to `floor`, each round a burst of about a millisecond of each, in
/// the order floor, op, op, floor (drift within a round cancels).
fn paired(op: &dyn Fn(), floor: &dyn Fn(), rounds: usize) -> Vec<f64> {
    let calls = |f: &dyn Fn()| {
        let one = burst(20, f).as_secs_f64() / 20.0;
        ((1e-3 / one.max(1e-9)) as usize).clamp(1, 10_000)
    };
    let (k_op, k_floor) = (calls(op), calls(floor));
    let mut ratios: Vec<f64> = (0..rounds)
        .map(|_| {
            let f1 = burst(k_floor, floor).as_secs_f64() / k_floor as f64;
            let o1 = burst(k_op, op).as_secs_f64() / k_op as f64;
            let o2 = burst(k_op, op).as_secs_f64() / k_op as f64;
            let f2 = burst(k_floor, floor).as_secs_f64() / k_floor as f64;
            (o1 + o2) / (f1 + f2)
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    ratios
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let name = args.first().map(String::as_str).unwrap_or("");
    let n: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(100);

    if name == "batch-floor" {
        let (Some(mode), Some(path)) = (args.get(1), args.get(2)) else {
            println!("usage: callgrind batch-floor sign|verify <batch file>");
            std::process::exit(2);
        };
        let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
        match batch_floor::batch_floor(&key, mode, path) {
            Ok((per_item, items)) => {
                println!("batch-floor {mode} {items} items: {per_item:.2} µs/item")
            }
            Err(e) => {
                eprintln!("batch-floor: {e}");
                std::process::exit(1);
            }
        }
        return;
    }

    let fixture = Fixture::new();
    let Fixture {
        raw,
        raw_public,
        message,
        raw_signature,
        issuer,
        request,
        verifier,
        expect,
        ..
    } = &fixture;

    let mut ops: Vec<(String, Box<dyn Fn() + '_>)> = vec![
        (
            "floor_sign".into(),
            Box::new(|| {
                black_box(raw.sign(black_box(message)));
            }),
        ),
        (
            "floor_verify".into(),
            Box::new(|| {
                raw_public
                    .verify(black_box(message), raw_signature)
                    .unwrap()
            }),
        ),
    ];
    // The same floor over the bytes a vc+jwt really signs: base64url(header).base64url(payload)
    // is 4/3 the JSON's size, and SHA-512 over the message is most of an Ed25519 signature.
    let jws = issuer.issue(request, Format::VcJwt).unwrap().credential;
    let signing_input = jws.rsplit_once('.').unwrap().0.as_bytes().to_vec();
    ops.push((
        "floor_sign_jws_input".into(),
        Box::new(move || {
            black_box(raw.sign(black_box(&signing_input)));
        }),
    ));
    ops.push((
        "floor_2x_verify".into(),
        Box::new(|| {
            for _ in 0..2 {
                raw_public
                    .verify(black_box(message), raw_signature)
                    .unwrap()
            }
        }),
    ));
    // The floor of an SD-JWT issuance as the issue states it (as in the `issue` bench).
    for format in [Format::VcSdJwt, Format::DcSdJwt] {
        let floor = SdFloor::of(&issuer.issue(request, format).unwrap().credential);
        ops.push((
            format!("floor_signatures_{format}"),
            Box::new(move || {
                black_box(floor.run(raw));
            }),
        ));
    }
    for format in Format::ALL {
        ops.push((
            format!("issue_{format}"),
            Box::new(move || {
                black_box(issuer.issue(black_box(request), format).unwrap());
            }),
        ));
        let credential = issuer.issue(request, format).unwrap().credential;
        ops.push((
            format!("verify_credential_{format}"),
            Box::new(move || assert!(verifier.verify(black_box(&credential)).valid)),
        ));
    }
    // `issue_owned`, as a batch issues: each call takes a request of its own. The first call
    // (the one outside the measured region) copies the `n` the measured calls take.
    for format in [Format::DiEddsaJcs2022, Format::DiEddsaRdfc2022] {
        let requests = std::cell::RefCell::new(None::<Vec<_>>);
        ops.push((
            format!("issue_owned_{format}"),
            Box::new(move || {
                let mut pool = requests.borrow_mut();
                let request = match pool.as_mut() {
                    Some(pool) => pool.pop().expect("one request per measured call"),
                    None => {
                        *pool = Some(vec![request.clone(); n]);
                        request.clone()
                    }
                };
                drop(pool);
                black_box(issuer.issue_owned(black_box(request), format).unwrap());
            }),
        ));
    }
    // Decoding a public key: what verifying a KB-JWT adds to the floor's two verifications,
    // whose key is decoded once (the holder's `cnf` key comes with each presentation).
    let public_bytes = raw_public.to_bytes();
    ops.push((
        "floor_decode_key".into(),
        Box::new(move || {
            black_box(ed25519_dalek::VerifyingKey::from_bytes(black_box(&public_bytes)).unwrap());
        }),
    ));
    for format in [Format::VcSdJwt, Format::DcSdJwt] {
        let credential = issuer.issue(request, format).unwrap().credential;
        let presentation = fixture.present(&credential);
        // The floor of this very presentation (as `floor_signatures_*` is of an issue).
        let floor = PresentationFloor::of(&presentation, raw);
        ops.push((
            format!("floor_signatures_presentation_{format}"),
            Box::new(move || floor.run(raw_public)),
        ));
        ops.push((
            format!("verify_presentation_{format}"),
            Box::new(move || assert!(verifier.verify_with(black_box(&presentation), expect).valid)),
        ));
        // What a holder who keeps something back sends: a required claim (`awardingDate`)
        // and the grades (`result`) hidden, so the schema check takes its excusing path.
        let hiding = fixture.present_hiding(&credential, &HIDDEN);
        assert!(verifier.verify_with(&hiding, expect).valid);
        ops.push((
            format!("verify_presentation_hiding_{format}"),
            Box::new(move || assert!(verifier.verify_with(black_box(&hiding), expect).valid)),
        ));
        let fixture = &fixture;
        ops.push((
            format!("present_{format}"),
            Box::new(move || {
                black_box(fixture.present(black_box(&credential)));
            }),
        ));
    }

    if name == "paired" {
        let find = |wanted: Option<&String>| {
            ops.iter()
                .find(|(op, _)| Some(op) == wanted)
                .map(|(_, f)| f.as_ref())
        };
        // `issue_owned_*` hand out `n` requests prepared in advance: not for open-ended bursts.
        let owned = args.iter().any(|a| a.starts_with("issue_owned_"));
        let (Some(op), Some(floor), false) = (find(args.get(1)), find(args.get(2)), owned) else {
            println!("usage: callgrind paired <operation> <floor> [rounds] (not issue_owned_*)");
            return;
        };
        let rounds = args
            .get(3)
            .and_then(|r| r.parse().ok())
            .unwrap_or(300usize)
            .max(1);
        op();
        floor();
        let ratios = paired(op, floor, rounds);
        let at = |q: f64| {
            let index = (ratios.len().saturating_sub(1) as f64 * q) as usize;
            ratios.get(index).copied().unwrap_or(f64::NAN)
        };
        println!(
            "{} / {}: median {:.3} (quartiles {:.3} - {:.3}, {rounds} rounds)",
            args.get(1).map_or("", String::as_str),
            args.get(2).map_or("", String::as_str),
            at(0.5),
            at(0.25),
            at(0.75)
        );
        return;
    }
    match ops.iter().find(|(op, _)| op == name) {
        Some((_, op)) => {
            op();
            measured(n, op.as_ref());
            println!("{name}: {n} iterations");
        }
        None => {
            println!("usage: callgrind <operation> [iterations]; operations:");
            for (op, _) in &ops {
                println!("  {op}");
            }
        }
    }
}
