#!/usr/bin/env bash
# The CLI batch figures of BENCHMARKS.md: `passeport issue --batch` over N records (the 19 domain
# samples in turn) in each format, and `passeport verify --batch` over M issued credentials, each
# timed with /usr/bin/time (wall, CPU, peak RSS), between two measurements of the single-core
# Ed25519 floors (sign and verify) by the issue and verify benches.
#
#   scripts/batch.sh                      # 20 000 records, 10 000 verifications
#   RECORDS=2000 VERIFY=1000 scripts/batch.sh
#   FORMATS="vc+jwt" scripts/batch.sh
set -euo pipefail
cd "$(dirname "$0")/.."
records=${RECORDS:-20000}
verify=${VERIFY:-10000}
formats=${FORMATS:-"vc+sd-jwt dc+sd-jwt vc+jwt di-eddsa-jcs-2022 di-eddsa-rdfc-2022"}

cargo build -q --release -p passeport-cli
bin=target/release/passeport
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$bin" key generate --out "$work/issuer.jwk" >/dev/null
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

# Prints "<label> <items> <wall s> <CPU %> <µs per item> <peak RSS MB>". A run that fails, or
# whose output has fewer lines than items, stops the script with its errors: no figure is
# printed for work that was not done.
measure() {
  local label=$1 items=$2 output=$3
  shift 3
  if ! /usr/bin/time -f "%e %P %M" -o "$work/time" "$@" >"$work/stdout" 2>"$work/err"; then
    echo "$label: failed" >&2
    tail -5 "$work/err" >&2
    exit 1
  fi
  local lines
  lines=$(wc -l <"${output:-$work/stdout}")
  if [ "$lines" -ne "$items" ]; then
    echo "$label: $lines output lines for $items items" >&2
    exit 1
  fi
  read -r wall cpu rss <"$work/time"
  awk -v l="$label" -v n="$items" -v w="$wall" -v c="$cpu" -v r="$rss" \
    'BEGIN { printf "%-34s %6d %7.2f s %5s %7.1f µs %6.1f MB\n", l, n, w, c, w * 1e6 / n, r / 1024 }'
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
echo "label                              items    wall   CPU  per item  peak RSS"
for format in $formats; do
  measure "issue --batch $format" "$records" "$work/out-$format.jsonl" \
    "$bin" issue --batch "$work/records.jsonl" --key "$work/issuer.jwk" --issuer "$issuer" \
    --format "$format" --out "$work/out-$format.jsonl"
done

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
measure "verify --batch $first" "$verify" "" \
  "$bin" verify --batch "$work/presentations.jsonl" --issuer-key "$work/issuer.pub.jwk" --offline

echo
floors "after the batches"
