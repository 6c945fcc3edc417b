#!/usr/bin/env bash
# Sets up and runs the server on the embedded defaults (SQLite file, local blob folder,
# in-process ledger) with a seeded demo world. Extra arguments go to `medledger serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# The browser app (web/): exact versions from package-lock.json, type-checked and bundled into web/dist,
# which the server build copies next to its binaries and serves at `/`.
(cd web && npm ci --no-audit --no-fund && npm run build)
dotnet restore MedLedger.slnx
dotnet build src/MedLedger.Cli --no-restore -c Release
exec dotnet src/MedLedger.Cli/bin/Release/net10.0/medledger.dll serve --demo "$@"
