#!/usr/bin/env bash
# `npm run test:batch-sim -- --runs N --seed S`: the randomized BatchAssign simulation over seeds
# S..S+N-1 (defaults: 200 runs from a seed taken from the clock) on the time-skipping test server.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=200
seed=$(( $(date +%s) % 1000000 ))
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    *) echo "usage: npm run test:batch-sim -- [--runs N] [--seed S]" >&2; exit 2 ;;
  esac
done
echo "[batch-sim] seeds $seed..$(( seed + runs - 1 ))" >&2
DO_TEST_SERVER="$(bash scripts/build-binaries.sh test-server)" BATCH_SIM_RUNS="$runs" BATCH_SIM_SEED="$seed" \
  exec npx jest test/workflows/batchSimulation.test.ts --selectProjects workflows
