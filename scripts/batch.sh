#!/usr/bin/env bash
# The CLI batch figures of BENCHMARKS.md: `passeport issue --batch` over N records (the 19 domain
# samples in turn) in each format, and `passeport verify --batch` over M issued credentials and
# over M holder presentations (SD-JWT + KB-JWT), each timed with /usr/bin/time (wall, CPU, peak
# RSS), between two measurements of the single-core Ed25519 floors (sign and verify) by the issue
# and verify benches. Each batch is also divided by its own floor: the raw signatures (or
# verifications) and SHA-256 digests of exactly its items, timed on one core right after it.
# ROUNDS=n repeats the batches n times (the inputs made once), for medians of the ratios.
#
#   scripts/batch.sh                      # 20 000 records, 10 000 verifications
#   RECORDS=2000 VERIFY=1000 PRESENTATIONS=2 scripts/batch.sh
#   FORMATS="vc+jwt" scripts/batch.sh
#   KEEP=1 scripts/batch.sh               # keeps the inputs and outputs (to profile them)
set -euo pipefail
cd "$(dirname "$0")/.."
records=${RECORDS:-20000}
verify=${VERIFY:-10000}
formats=${FORMATS:-"vc+sd-jwt dc+sd-jwt vc+jwt di-eddsa-jcs-2022 di-eddsa-rdfc-2022"}

cargo build -q --release -p passeport-cli
bin=target/release/passeport
work=$(mktemp -d)
if [ -n "${KEEP:-}" ]; then
  echo "inputs and outputs kept in $work" >&2
else
  trap 'rm -rf "$work"' EXIT
fi

"$bin" key generate --out "$work/issuer.jwk" >/dev/null 2>&1
"$bin" key public "$work/issuer.jwk" >"$work/issuer.pub.jwk"
issuer=$("$bin" key did "$work/issuer.jwk")

python3 - "$records" "$work/records.jsonl" <<'EOF'
import json, sys
count, out = int(sys.argv[1]), sys.argv[2]
root = "tests/vectors/domain/samples/"
index = json.load(open(root + "index.json"))["records"]
lines = [json.dumps({"type": r["cliType"], "subject": json.load(open(root + r["subjectFile"]))},
                    ensure_ascii=False, separators=(",", ":"))
         for r in index]
with open(out, "w") as f:
    for i in range(count):
        f.write(lines[i % len(lines)] + "\n")
EOF

# The driver whose `batch-floor` times, on one core, the raw signatures (or verifications)
# and SHA-256 digests of exactly a batch's items (crates/verifier/benches/common/batch_floor.rs).
driver=$(cargo bench -q -p passeport-verifier --bench callgrind --no-run --message-format=json \
  2>/dev/null | sed -n 's/.*"executable":"\([^"]*callgrind[^"]*\)".*/\1/p' | tail -1)

# Prints "<label> <items> <wall s> <CPU %> <µs per item> <peak RSS MB> <floor µs> <ratio>",
# the floor being `batch-floor <floor mode>` over <floor file>, timed right after the batch. A
# run that fails, or whose output has fewer lines than items, stops the script with its errors:
# no figure is printed for work that was not done.
measure() {
  local label=$1 items=$2 output=$3 floor_mode=$4 floor_file=$5
  shift 5
  # Wall clock to the microsecond from `date` (`/usr/bin/time`'s %e counts in 10 ms: 1.5 % of
  # a 0.66 s batch); CPU share and peak RSS from `/usr/bin/time`.
  local start end
  start=$(date +%s%N)
  if ! /usr/bin/time -f "%e %P %M" -o "$work/time" "$@" >"$work/stdout" 2>"$work/err"; then
    echo "$label: failed" >&2
    tail -5 "$work/err" >&2
    exit 1
  fi
  end=$(date +%s%N)
  local lines
  lines=$(wc -l <"${output:-$work/stdout}")
  if [ "$lines" -ne "$items" ]; then
    echo "$label: $lines output lines for $items items" >&2
    exit 1
  fi
  read -r _ cpu rss <"$work/time"
  wall=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", (e - s) / 1e9 }')
  local floor
  floor=$("$driver" batch-floor "$floor_mode" "$floor_file" | awk '{print $(NF-1)}')
  awk -v l="$label" -v n="$items" -v w="$wall" -v c="$cpu" -v r="$rss" -v f="$floor" \
    'BEGIN { u = w * 1e6 / n
      printf "%-34s %6d %7.3f s %5s %7.1f µs %6.1f MB %7.1f µs %5.2f×\n", l, n, w, c, u, r / 1024, f, u / f }'
}

# The single-core floors (raw ed25519-dalek sign and verify, from the issue and verify benches),
# measured before and after the batches: the machine's speed moves, and a ratio is only as good
# as the floor taken in the same state.
floors() {
  echo "single-core floors, $1:"
  echo "  sign   $(cargo bench -q -p passeport-issuer --bench issue -- --warm-up-time 1 \
    --measurement-time 3 'floor/ed25519_sign$' 2>/dev/null | grep -oE 'time: +\[[^]]*\]')"
  echo "  verify $(cargo bench -q -p passeport-verifier --bench verify -- --warm-up-time 1 \
    --measurement-time 3 'floor/ed25519_verify$' 2>/dev/null | grep -oE 'time: +\[[^]]*\]')"
}

floors "before the batches"
echo
echo "label                              items    wall   CPU  per item  peak RSS   floor  ratio"
issue_batches() {
  for format in $formats; do
    measure "issue --batch $format" "$records" "$work/out-$format.jsonl" \
      sign "$work/out-$format.jsonl" "$bin" issue --batch "$work/records.jsonl" \
      --key "$work/issuer.jwk" --issuer "$issuer" --format "$format" --out "$work/out-$format.jsonl"
  done
}
issue_batches

# Verification input: the first M issued vc+sd-jwt (or the first format's) credentials, verified
# as issued (one issuer signature each), trusting the issuer key directly, offline.
first=$(echo "$formats" | awk '{print $1}')
case "$first" in
  di-*) echo "(verify --batch needs a JOSE or SD-JWT format first)"; echo; floors "after the batches"; exit 0 ;;
esac
python3 - "$verify" "$work/out-$first.jsonl" "$work/presentations.jsonl" <<'EOF'
import json, sys
count, source, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
issued = [json.loads(l)["credential"] for l in open(source)]
with open(out, "w") as f:
    for i in range(count):
        f.write(json.dumps({"presentation": issued[i % len(issued)]}) + "\n")
EOF
verify_batch() {
  measure "verify --batch $first" "$verify" "" verify "$work/presentations.jsonl" \
    "$bin" verify --batch "$work/presentations.jsonl" --issuer-key "$work/issuer.pub.jwk" --offline
}
verify_batch

# Presentations, as the holder sends them: each of the 19 samples issued bound to a holder key,
# then presented PRESENTATIONS times by `passeport present` (every top-level subject claim
# disclosed, a KB-JWT for one audience and its own nonce). The M lines cycle through them; each
# line carries its audience and nonce, and is verified in full (issuer signature, disclosures,
# KB-JWT signature, sd_hash, audience, nonce): two signature checks a line.
"$bin" key generate --out "$work/holder.jwk" >/dev/null 2>&1
"$bin" key public "$work/holder.jwk" >"$work/holder.pub.jwk"
python3 - "$work/holder.pub.jwk" "$work/bound.jsonl" <<'EOF2'
import json, sys
holder, out = json.load(open(sys.argv[1])), sys.argv[2]
root = "tests/vectors/domain/samples/"
with open(out, "w") as f:
    for r in json.load(open(root + "index.json"))["records"]:
        subject = json.load(open(root + r["subjectFile"]))
        f.write(json.dumps({"type": r["cliType"], "subject": subject, "holder": holder}) + "\n")
EOF2
if ! "$bin" issue --batch "$work/bound.jsonl" --key "$work/issuer.jwk" --issuer "$issuer" \
  --format "$first" --out "$work/bound-out.jsonl" 2>"$work/err"; then
  echo "issuing the holder-bound credentials failed:" >&2
  tail -5 "$work/err" >&2
  exit 1
fi
# For output line N (record N): cred-N, the credential, and disclose-N, its --disclose flags.
python3 - "$work/bound.jsonl" "$work/bound-out.jsonl" "$work" <<'EOF2'
import json, sys
records = [json.loads(l) for l in open(sys.argv[1])]
for line in open(sys.argv[2]):
    issued = json.loads(line)
    n = issued["line"]
    open(f"{sys.argv[3]}/cred-{n}", "w").write(issued["credential"])
    with open(f"{sys.argv[3]}/disclose-{n}", "w") as f:
        for claim in records[n - 1]["subject"]:
            if claim not in ("id", "type"):
                f.write(f"--disclose=/{claim}\n")
EOF2
per=${PRESENTATIONS:-10}
audience=https://employer.example
: >"$work/kb.jsonl"
for cred in "$work"/cred-*; do
  n=${cred##*-}
  mapfile -t disclose <"$work/disclose-$n"
  for i in $(seq 1 "$per"); do
    nonce="n-$n-$i"
    "$bin" present --key "$work/holder.jwk" --credential "$cred" "${disclose[@]}" \
      --audience "$audience" --nonce "$nonce" |
      python3 -c 'import json,sys; print(json.dumps({"presentation": sys.stdin.read().strip(),
        "audience": sys.argv[1], "nonce": sys.argv[2]}))' "$audience" "$nonce" >>"$work/kb.jsonl"
  done
done
python3 - "$verify" "$work/kb.jsonl" "$work/kb-batch.jsonl" <<'EOF2'
import sys
count, source, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
lines = open(source).read().splitlines()
with open(out, "w") as f:
    for i in range(count):
        f.write(lines[i % len(lines)] + "\n")
EOF2
kb_batch() {
  measure "verify --batch $first + KB-JWT" "$verify" "" verify "$work/kb-batch.jsonl" \
    "$bin" verify --batch "$work/kb-batch.jsonl" --issuer-key "$work/issuer.pub.jwk" --offline
}
kb_batch
for round in $(seq 2 "${ROUNDS:-1}"); do
  echo "round $round:"
  issue_batches
  verify_batch
  kb_batch
done

echo
floors "after the batches"
