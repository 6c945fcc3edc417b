#!/usr/bin/env bash
# Regenerates the single Initial migration for both providers from the current model.
# Used while the schema is pre-release (no deployed databases yet); once a release ships,
# add incremental migrations instead.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet tool restore >/dev/null
rm -rf src/MedLedger.Server/Infrastructure/Data/Migrations
dotnet build src/MedLedger.Server -p:BuildProjectReferences=${BUILD_REFS:-true} >/dev/null
cd src/MedLedger.Server
dotnet ef migrations add Initial --no-build --context SqliteMedLedgerDbContext --output-dir Infrastructure/Data/Migrations/Sqlite
dotnet ef migrations add Initial --no-build --context PostgresMedLedgerDbContext --output-dir Infrastructure/Data/Migrations/Postgres
