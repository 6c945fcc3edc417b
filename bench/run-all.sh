#!/usr/bin/env bash
# Issue 15's ratio table from ONE run: OpenSSL's own figures and ours on the same machine, minutes
# apart, so the shared machine's load largely cancels in the ratios.
#   bash bench/run-all.sh            # ~4-6 minutes (a few seconds per figure)
#   bash bench/run-all.sh --full     # longer runs per figure
#   SKIP_BUILD=1 reuses the last Release build of bench/MedLedger.Bench;
#   SKIP_POSTGRES=1 bash bench/run-all.sh   # without the PostgreSQL ledger rows (needs the postgresql package)
#   SKIP_CONSORTIUM=1 bash bench/run-all.sh # without the consortium rows (3 etcd members + 3 peers; installs etcd-server if missing)
# Prints the raw output of every step to bench-run.log (or $LOG) and the table to stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
full=0
[[ "${1:-}" == "--full" ]] && full=1
log="${LOG:-bench-run.log}"
# The ledger rows run their full counts (60,000 / 40,000 transactions, ~5 s each after a 2 s untimed warm-up): the
# --quick counts finished in under a second, too short to say much.
secs=1; crypto_secs=2; cell=3; ledger_flag=; consortium_secs=15
if (( full )); then secs=3; crypto_secs=5; cell=10; ledger_flag=; consortium_secs=60; fi

[[ "${SKIP_BUILD:-0}" == 1 ]] || dotnet build bench/MedLedger.Bench -c Release -v q -nologo >/dev/null
bench() { dotnet bench/MedLedger.Bench/bin/Release/net10.0/MedLedger.Bench.dll macro "$@"; }

: >"$log"
{
  echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(openssl version), $(date -u +%FT%TZ)"
  for round in 1 2 3; do
    echo "== openssl speed -seconds $secs ecdsap256 ecdhp256 (round $round)"
    openssl speed -seconds "$secs" ecdsap256 ecdhp256 2>/dev/null | grep -E 'sign|op|nistp256'
  done
  echo "== crypto-ratio"
  bench crypto-ratio --seconds="$crypto_secs"
  echo "== ledger-throughput 256"
  bench ledger-throughput --submitters=256 $ledger_flag
  echo "== ledger-throughput 16"
  bench ledger-throughput --submitters=16 $ledger_flag
  if [[ "${SKIP_POSTGRES:-0}" != 1 ]]; then
    echo "== ledger-throughput postgres 256"
    bench ledger-throughput --postgres --submitters=256 $ledger_flag
    echo "== ledger-throughput postgres 16"
    bench ledger-throughput --postgres --submitters=16 $ledger_flag
  fi
  echo "== openssl speed again (after the ledger runs)"
  openssl speed -seconds "$secs" ecdsap256 2>/dev/null | grep -E 'sign|nistp256'
  echo "== records-e2e"
  bench records-e2e --duration="$cell" --clients=32
  if [[ "${SKIP_CONSORTIUM:-0}" != 1 ]] && ! command -v etcd >/dev/null; then
    # A fresh machine has no etcd until it is installed (the same packages scripts/etcd-cluster.sh installs).
    apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y etcd-server etcd-client >&2
  fi
  if [[ "${SKIP_CONSORTIUM:-0}" != 1 ]]; then
    echo "== consortium-throughput"
    bench consortium-throughput --duration="$consortium_secs"
    # The plateau: from ~1,000 submitters on the machine is CPU-bound (docs/benchmarks.md, session 35).
    echo "== consortium-throughput --submitters=2048"
    bench consortium-throughput --duration="$consortium_secs" --submitters=2048
    echo "== consortium-throughput --failover --catch-up"
    bench consortium-throughput --duration="$consortium_secs" --failover --catch-up
  fi
  echo "== end: load average $(cut -d' ' -f1-3 /proc/loadavg)"
} 2>&1 | tee -a "$log" >/dev/null

awk '
  # openssl speed rows: " 256 bits ecdsa (nistp256)   0.0000s   0.0001s  50489.0  16715.0" and " 256 bits ecdh (nistp256)   0.0000s  21958.0"
  # best of the OpenSSL runs (the machine is shared: the best run is the least disturbed one)
  /bits ecdsa \(nistp256\)/ { if ($(NF-1) + 0 > osign) osign = $(NF-1) + 0; if ($NF + 0 > ver) ver = $NF + 0 }
  /bits ecdh \(nistp256\)/ { if ($NF + 0 > oecdh) oecdh = $NF + 0 }
  /^crypto / { split($3, a, "="); ours[$2] = a[2] }
  /^submitters=/ {
    line = $0; gsub(/ +/, " ", line); gsub(/= /, "=", line)
    m = split(line, f, " ")
    for (i = 1; i <= m; i++) { split(f[i], kv, "="); v[kv[1]] = kv[2] }
    s = v["submitters"] pg; txs[s] = v["committed/s"]; p99[s] = v["p99"]; sub(/ms/, "", p99[s])
  }
  /^== ledger-throughput postgres/ { pg = "pg" }
  /^== openssl speed again/ { pg = "" }
  # first table only (the per-route table after it starts its rows the same way)
  /^\| patient writes own record \| 1 KiB FHIR \| 32 / && !fw { split($0, c, "|"); fw = c[6] + 0 }
  /^\| patient reads own record \| 1 KiB FHIR \| 32 / && !fr { split($0, c, "|"); fr = c[6] + 0 }
  /^\| patient writes own record \| 1 MiB file \| 32 / && !mb { split($0, c, "|"); mb = c[7] + 0 }
  # consortium rows: "consortium submitters=256 duration=… committed/s=573 p50=…ms p99=…ms …" then "    check: 0 lost / 0 duplicated / 0 divergent …"
  /^== consortium-throughput --submitters=2048/ { cf = 2 }
  /^== consortium-throughput --failover/ { cf = 1 }
  /^consortium submitters=/ {
    for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "committed/s") ctx[cf + 0] = kv[2]; if (kv[1] == "p99") { cp99[cf + 0] = kv[2]; sub(/ms/, "", cp99[cf + 0]) } }
  }
  /^    check: / { ccheck[cf + 0] = $2 " lost/" $5 " dup/" $8 " div" }
  # the failover line: "... longest interval with no acknowledged commit after the kill: 1234 ms (from 15.2s) ..."
  /^    failover: / { for (i = 1; i <= NF; i++) if ($i == "kill:") cgap = $(i + 1) }
  /peer-c replayed its backlog/ { for (i = 1; i <= NF; i++) if ($i ~ /^blocks\/s/) ccatch = $(i - 1) }
  /^== machine:/ { machine = $0 } /^== end:/ { endload = $0 }
  END {
    printf "%s\n%s\n\n", machine, endload
    printf "| figure | ours | OpenSSL (same run) | ratio | target |\n|---|---:|---:|---:|---|\n"
    printf "| sign (loaded key), time ÷ OpenSSL time | %.0f/s | %.0f/s | %.2f | ≤ 1.25 |\n", ours["sign"], osign, osign / ours["sign"]
    printf "| sign, key imported per call (before) | %.0f/s | %.0f/s | %.2f | — |\n", ours["sign-import-per-call"], osign, osign / ours["sign-import-per-call"]
    printf "| verify (cached public key) | %.0f/s | %.0f/s | %.2f | ≤ 1.25 |\n", ours["verify"], ver, ver / ours["verify"]
    printf "| verify, key imported per call (before) | %.0f/s | %.0f/s | %.2f | — |\n", ours["verify-import-per-call"], ver, ver / ours["verify-import-per-call"]
    # HPKE seal = ephemeral key generation (a fixed-base multiplication, what ECDSA sign costs) + one ECDH.
    seal_ref = 1 / (1 / osign + 1 / oecdh)
    printf "| HPKE seal ÷ (OpenSSL ECDSA sign + ECDH) | %.0f/s | %.0f/s | %.2f | ≤ 1.25 |\n", ours["hpke-seal"], seal_ref, seal_ref / ours["hpke-seal"]
    printf "| HPKE open (loaded pair) ÷ OpenSSL ECDH | %.0f/s | %.0f/s | %.2f | ≤ 1.25 |\n", ours["hpke-open"], oecdh, oecdh / ours["hpke-open"]
    printf "| HPKE open, key imported per call (before) | %.0f/s | %.0f/s | %.2f | — |\n", ours["hpke-open-import-per-call"], oecdh, oecdh / ours["hpke-open-import-per-call"]
    printf "| ledger tx/s, 256 submitters ÷ 2×OpenSSL verify/s (p99 %s ms) | %.0f/s | %.0f/s | %.2f | ≥ 0.60, p99 ≤ 50 ms |\n", p99[256], txs[256], 2 * ver, txs[256] / (2 * ver)
    printf "| ledger tx/s, 16 submitters ÷ 2×OpenSSL verify/s (p99 %s ms) | %.0f/s | %.0f/s | %.2f | ≥ 0.30 |\n", p99[16], txs[16], 2 * ver, txs[16] / (2 * ver)
    if (txs["256pg"]) {
      printf "| PostgreSQL: ledger tx/s, 256 submitters ÷ 2×OpenSSL verify/s (p99 %s ms) | %.0f/s | %.0f/s | %.2f | (beside SQLite) |\n", p99["256pg"], txs["256pg"], 2 * ver, txs["256pg"] / (2 * ver)
      printf "| PostgreSQL: ledger tx/s, 16 submitters ÷ 2×OpenSSL verify/s (p99 %s ms) | %.0f/s | %.0f/s | %.2f | (beside SQLite) |\n", p99["16pg"], txs["16pg"], 2 * ver, txs["16pg"] / (2 * ver)
    }
    printf "| records e2e 1 KiB FHIR writes/s, 32 clients | %.1f/s | — | — | ≥ 1,000 |\n", fw
    printf "| records e2e 1 KiB FHIR reads/s, 32 clients | %.1f/s | — | — | ≥ 3,000 |\n", fr
    printf "| 1 MiB file writes, 32 clients | %.1f MB/s | — | — | ≥ 150 MB/s |\n", mb
    if (ctx[0]) {
      printf "| consortium tx/s, 3 peers + 3 etcd, 256 submitters ÷ OpenSSL verify/s (p99 %s ms; %s) | %.0f/s | %.0f/s | %.3f | ≥ 2,500 tx/s |\n", cp99[0], ccheck[0], ctx[0], ver, ctx[0] / ver
    }
    if (ctx[2]) {
      printf "| consortium tx/s, 2,048 submitters (the CPU-bound plateau; p99 %s ms; %s) | %.0f/s | %.0f/s | %.3f | ≥ 2,500 tx/s |\n", cp99[2], ccheck[2], ctx[2], ver, ctx[2] / ver
    }
    if (ctx[1]) {
      printf "| consortium with etcd leader killed + peer-c stopped/restarted: tx/s (gap after the kill %s ms, catch-up %s blocks/s; %s) | %.0f/s | — | — | 0 lost / 0 duplicated |\n", cgap, ccatch, ccheck[1], ctx[1]
    }
  }' "$log"
