#!/usr/bin/env bash
# Embedded ledger committer, before vs after, interleaved in the same minutes so the shared machine's load
# hits both alike: `macro ledger-throughput --quick` at 256 and 16 submitters, ROUNDS times each, with
# `openssl speed ecdsap256` (verify/s: the issue-15 ratio's denominator) before and after.
#   BEFORE=/tmp/before/net10.0 bash bench/ledger-before-after.sh      # BEFORE = a built MedLedger.Bench output folder
# "after" is this tree's Release build (dotnet build bench/MedLedger.Bench -c Release first).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
after="${AFTER:-$here/MedLedger.Bench/bin/Release/net10.0}"
before="${BEFORE:?set BEFORE to the output folder of the before build}"
rounds="${ROUNDS:-2}"
load() { echo "== $(date -u +%T) load average $(cut -d' ' -f1-3 /proc/loadavg)"; }
ossl() { load; openssl speed -seconds 1 ecdsap256 2>/dev/null | grep -E 'nistp256' | sed 's/^/openssl: /'; }
run() { # label folder submitters
  load
  echo "== $1 submitters=$3"
  (cd "$2" && dotnet MedLedger.Bench.dll macro ledger-throughput --quick --submitters="$3") | grep -E 'submitters=|committer ms'
}
echo "== machine: $(nproc) cores, $(openssl version)"
ossl
for r in $(seq "$rounds"); do
  for s in 256 16; do
    run before "$before" "$s"
    run after "$after" "$s"
  done
done
ossl
load
