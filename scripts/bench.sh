#!/usr/bin/env bash
# Runs a benchmark or the fault suite from bench/<name>.ts: installs what is missing, builds the
# app (dist/) and the bench scripts (dist-bench/), then runs it with the remaining arguments.
#   scripts/bench.sh faults [--only worker] ...
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
name="${1:?usage: scripts/bench.sh <name> [args]}"; shift
[ -d node_modules/@temporalio/worker ] || npm install --no-audit --no-fund
# The running local services' addresses (external TEMPORAL_ADDRESS / DATABASE_URL / MONGO_URL win).
set -a; eval "$(bash scripts/services.sh env)"; set +a
npx tsc -p tsconfig.build.json
npx tsc -p tsconfig.bench.json
exec node "dist-bench/bench/$name.js" "$@"
