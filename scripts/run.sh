#!/usr/bin/env bash
# Sets up and runs the server on the embedded defaults (SQLite file, local blob folder,
# in-process ledger) with a seeded demo world. Extra arguments go to `medledger serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet restore MedLedger.slnx
dotnet build src/MedLedger.Cli --no-restore -c Release
exec dotnet src/MedLedger.Cli/bin/Release/net10.0/medledger.dll serve --demo "$@"
