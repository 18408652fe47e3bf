#!/usr/bin/env bash
# Instructions per operation, counted by callgrind: repeatable on a shared, noisy machine where
# wall-clock benchmarks are not. Builds the fixed-iteration driver
# (crates/verifier/benches/callgrind.rs), then prints "<operation> <instructions per iteration>"
# for each operation given (all of them when none is given).
#
#   scripts/callgrind.sh                          # every operation, 50 iterations each
#   ITERATIONS=20 scripts/callgrind.sh floor_sign issue_vc+jwt
#   BIN=path/to/callgrind-<hash> scripts/callgrind.sh ...   # an already built driver
set -euo pipefail
cd "$(dirname "$0")/.."
n=${ITERATIONS:-50}
if [ -z "${BIN:-}" ]; then
  BIN=$(cargo bench -p passeport-verifier --bench callgrind --no-run --message-format=json 2>/dev/null \
    | sed -n 's/.*"executable":"\([^"]*callgrind[^"]*\)".*/\1/p' | tail -1)
fi
ops=("$@")
if [ ${#ops[@]} -eq 0 ]; then
  mapfile -t ops < <("$BIN" | sed -n 's/^  //p')
fi
out=$(mktemp -d)
for op in "${ops[@]}"; do
  iterations=$n
  case "$op" in *di-eddsa*) iterations=$(( n < 5 ? n : 5 ));; esac
  valgrind --tool=callgrind --callgrind-out-file="$out/cg" \
    --toggle-collect='callgrind::measured*' "$BIN" "$op" "$iterations" >/dev/null 2>"$out/log"
  total=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$out/log")
  echo "$op $(( total / iterations ))"
done
rm -rf "$out"
