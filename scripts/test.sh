#!/usr/bin/env bash
# Sets up and runs every test: restores packages, builds warnings-as-errors, runs all test projects
# (SQLite suites, the PostgreSQL collection on a throwaway local cluster, property tests, and the browser
# app's tests in headless Debian Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if [ ! -x /usr/lib/postgresql/15/bin/initdb ]; then
  echo "PostgreSQL 15 server binaries missing; installing (needs root)…"
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql-15
fi

# The browser app (web/): exact versions from package-lock.json, type-checked and bundled into web/dist,
# which the server build copies next to its binaries and serves at `/`.
(cd web && npm ci --no-audit --no-fund && npm run build)
# The browser tests drive Debian's Chromium (never a downloaded browser).
if [ ! -x /usr/bin/chromium ]; then
  echo "Chromium missing; installing Debian's chromium (needs root)…"
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi
# The consortium tests start several etcd clusters at once; installed here, their scripts never run apt side by side.
if ! command -v etcd >/dev/null || ! command -v etcdctl >/dev/null; then
  echo "etcd missing; installing Debian's etcd-server and etcd-client (needs root)…"
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y etcd-server etcd-client
fi

dotnet tool restore
dotnet restore MedLedger.slnx
dotnet build MedLedger.slnx --no-restore -c Release
# -m:1: one test project at a time. The browser suite drives Chromium against its own server process, and on a
# 2-core machine running it beside the server suite only adds contention (and slow-page timeouts).
# TRX files as well: scripts/test-report.py prints, at the very end, which tests failed and why (a CI log shows its end).
results="$PWD/TestResults/run"
rm -rf "$results"
status=0
dotnet test MedLedger.slnx --no-build -c Release -m:1 --logger "console;verbosity=normal" --logger trx --results-directory "$results" "$@" || status=$?
flaky=""
if (( status != 0 )) && filter=$(python3 scripts/test-report.py rerun-filter "$results" MedLedger.Web.Tests.dll) && [[ -n "$filter" ]]; then
  # Only the Chromium suite, and only when every failure is in it: each failed browser test runs once more, alone. A real
  # bug fails twice and fails the run; one that passes alone is reported as FLAKY below, by name, with its first failure.
  echo "== browser test(s) failed; running each once more, alone"
  status=0
  dotnet test tests/MedLedger.Web.Tests --no-build -c Release --logger "console;verbosity=normal" --logger trx \
    --results-directory "$results/rerun" --filter "$filter" || status=$?
  (( status == 0 )) && flaky="$filter"
fi
python3 scripts/test-report.py summary "$results"
if [[ -n "$flaky" ]]; then
  echo "== FLAKY: failed in the full run, passed when run again alone (the first failure is listed above): ${flaky//FullyQualifiedName=/}"
fi
exit "$status"
