#!/usr/bin/env bash
# `npm run test:lock-sim -- [--runs N] [--seed S] [--concurrency C] [--chunk K]`: the randomized lock simulation
# (test/workflows/lockSimulation/) over N schedules from seed S (default: 1000 from a seed drawn from the clock),
# C at a time (default 160), on a fresh dev server every K schedules (--chunk, default 500). Each failing seed
# prints its schedule, what happened, and the line that replays it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

runs=1000 seed=$(( $(date +%s) % 1000000 + 1000 )) concurrency=160 chunk=500
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --concurrency) concurrency="$2"; shift 2 ;;
    --chunk) chunk="$2"; shift 2 ;;
    *) echo "usage: npm run test:lock-sim -- [--runs N] [--seed S] [--concurrency C] [--chunk K]" >&2; exit 2 ;;
  esac
done
[ -d node_modules/@temporalio/worker ] || npm install --no-audit --no-fund
# Temporal's dev server, built once from Go modules (scripts/build-binaries.sh).
# --forceExit: the SDK's native runtime outlives the last chunk's dev server by a minute or so.
DO_TEMPORAL_CLI="$(bash scripts/build-binaries.sh temporal)"
echo "[lock-sim] $runs schedules from seed $seed, $concurrency at a time" >&2
DO_TEMPORAL_CLI="$DO_TEMPORAL_CLI" DO_LOCK_SIM_RUNS="$runs" DO_LOCK_SIM_SEED="$seed" DO_LOCK_SIM_CONCURRENCY="$concurrency" DO_LOCK_SIM_CHUNK="$chunk" \
  exec npx jest --ci --forceExit --selectProjects workflows --runTestsByPath test/workflows/lockSimulation.test.ts
