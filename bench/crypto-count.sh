#!/usr/bin/env bash
# Counts the OpenSSL operations one macro cell performs per SDK call, with uprobes on libcrypto's entry points (perf can
# count calls where it cannot unwind: libcrypto has no frame pointers, so a CPU profile's stacks stop inside it).
# The counts are taken over a window inside the cell's timed part. Per call: divided by --per=EVENT's count when given
# (an operation known to happen once per call: HMAC_Final is one per HPKE seal or open, so one per record write or read),
# otherwise by the cell's calls/s × the window, which reads low because the probes slow the window more than the cell.
#   bash bench/crypto-count.sh [--seconds=S] [--per=EVENT] -- <macro args>
#   bash bench/crypto-count.sh --per=HMAC_Final -- records-e2e --duration=12 --clients=32 --warmup=2 --only="writes own record 1 KiB"
# Installs linux-perf when missing (needs root); leaves the probes defined (perf probe -d 'probe_libcrypto:*' removes them).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=8; per=""
while [[ $# -gt 0 && "$1" != "--" ]]; do
  case "$1" in
    --seconds=*) seconds="${1#*=}" ;;
    --per=*) per="${1#*=}" ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[[ "${1:-}" == "--" ]] && shift
[[ $# -gt 0 ]] || { echo "usage: bash bench/crypto-count.sh [--seconds=S] -- <macro args>" >&2; exit 2; }
source bench/perf-window.sh
ensure_perf
lib=$(ldconfig -p | awk '/libcrypto\.so\.3 /{print $NF; exit}')
# What each entry point stands for in .NET's OpenSSL shim: sign / verify / ECDH / key generation / key import / a hash
# finished / an AES-GCM seal or open finished / an HMAC / a curve point decoded.
functions="EVP_PKEY_sign EVP_PKEY_verify EVP_PKEY_derive EVP_PKEY_keygen EVP_PKEY_fromdata EVP_DigestFinal_ex EVP_CipherFinal_ex EVP_MAC_final HMAC_Final EC_POINT_mul EC_POINT_oct2point"
for f in $functions; do
  if ! perf probe -l 2>/dev/null | grep -q "probe_libcrypto:c_$f "; then
    # At the function's own address: a name alone also probes its PLT slot, and calls from inside libcrypto count twice.
    address=$(objdump -T "$lib" | awk -v f="$f" '$NF==f{print $1; exit}')
    perf probe -q -x "$lib" -a "c_$f=0x$address" >/dev/null
  fi
done
build_bench
log=$(mktemp); stat=$(mktemp)
dotnet "${BENCH_DLL:-bench/MedLedger.Bench/bin/Release/net10.0/MedLedger.Bench.dll}" macro "$@" >"$log" 2>&1 &
pid=$!
wait_for_line "$log" "idle process CPU before" "$pid"
sleep 1
perf stat -x, -e 'probe_libcrypto:*' -p "$pid" -- sleep "$seconds" 2>"$stat" >/dev/null
wait "$pid" || true
row=$(grep -E '^\| [a-z].*\| [0-9]+ \| [0-9]+ \| [0-9.]+ \|' "$log" | head -1)
echo "$row"
rate=$(echo "$row" | awk -F'|' '{gsub(/ /,"",$6); print $6}')
python3 - "$stat" "$rate" "$seconds" "$per" <<'PY'
import sys
stat, rate, seconds, per = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
counts = {}
for line in open(stat):
    parts = line.strip().split(",")
    if len(parts) > 2 and parts[2].startswith("probe_libcrypto:c_"):
        counts[parts[2].removeprefix("probe_libcrypto:c_")] = int(parts[0]) if parts[0].isdigit() else 0
if per:
    calls = counts.get(per) or sys.exit(f"no {per} calls counted")
    print(f"calls in the {seconds:g} s window: {calls:,} (one {per} per call)")
else:
    calls = rate * seconds
    print(f"calls in the {seconds:g} s window (cell rate x window, reads low): ~{calls:,.0f}")
for name, count in counts.items():
    print(f"{name:>20} {count:>9,} {count / calls:8.2f} per call")
PY
rm -f "$log" "$stat"
