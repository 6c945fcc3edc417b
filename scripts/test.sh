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

dotnet tool restore
dotnet restore MedLedger.slnx
dotnet build MedLedger.slnx --no-restore -c Release
# -m:1: one test project at a time. The browser suite drives Chromium against its own server process, and on a
# 2-core machine running it beside the server suite only adds contention (and slow-page timeouts).
dotnet test MedLedger.slnx --no-build -c Release -m:1 --logger "console;verbosity=normal" "$@"
