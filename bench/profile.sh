#!/usr/bin/env bash
# A CPU profile of one macro benchmark, for the "where does the time go" sections of docs/benchmarks.md.
# perf samples every thread on the machine (cpu-clock, so it works without hardware counters), the .NET runtime writes
# /tmp/perf-<pid>.map so JIT-compiled frames have names, and bench/perf-split.py prints the split by process and library
# and the inclusive share of the frames that match a pattern.
#   bash bench/profile.sh [--wait-for=TEXT] [--delay=S] [--seconds=S] [--match=REGEX] -- <macro args>
#   bash bench/profile.sh --wait-for="idle process CPU before" --seconds=10 -- records-e2e --duration=14 --clients=32
#   bash bench/profile.sh --wait-for=signing --delay=12 --seconds=10 -- consortium-throughput --duration=20 --submitters=1024
# Installs linux-perf when missing (needs root). Output: the benchmark's own lines, then the split; perf.data in $OUT.
set -euo pipefail
cd "$(dirname "$0")/.."
wait_for=""; delay=0; seconds=10; match="MedLedger|EntityFrameworkCore|Sqlite|Crypto|Grpc|Kestrel"
while [[ $# -gt 0 && "$1" != "--" ]]; do
  case "$1" in
    --wait-for=*) wait_for="${1#*=}" ;;
    --delay=*) delay="${1#*=}" ;;
    --seconds=*) seconds="${1#*=}" ;;
    --match=*) match="${1#*=}" ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[[ "${1:-}" == "--" ]] && shift
[[ $# -gt 0 ]] || { echo "usage: bash bench/profile.sh [options] -- <macro args>" >&2; exit 2; }
source bench/perf-window.sh
ensure_perf
out="${OUT:-/tmp/medledger-profile-$$}"; mkdir -p "$out"
build_bench
# W^X off: with it on, JIT code runs from a memfd mapping that perf cannot match to the perf map.
DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 \
  dotnet bench/MedLedger.Bench/bin/Release/net10.0/MedLedger.Bench.dll macro "$@" >"$out/bench.log" 2>&1 &
pid=$!
[[ -z "$wait_for" ]] || wait_for_line "$out/bench.log" "$wait_for" "$pid"
sleep "$delay"
echo "== $(date -u +%FT%TZ) load average $(cut -d' ' -f1-3 /proc/loadavg); perf for ${seconds}s, all CPUs"
perf record -e cpu-clock -F 499 -g -a -o "$out/perf.data" -- sleep "$seconds" 2>/dev/null >/dev/null
wait "$pid" || true
cat "$out/bench.log"
python3 bench/perf-split.py "$out/perf.data" "$match"
