#!/usr/bin/env bash
# `npm run test:cluster`: starts the cluster stack (scripts/cluster.sh; reused when it runs), then runs
# against it the cluster smoke test (test/cluster/: the two API processes and the two worker processes
# serving a batch and a temp lock) and the integration tests that matter for scale-out: batch end to end,
# cancel, retry, a worker lost mid-batch, the temp lock's lifecycle, check-ins, cancel and override.
# The integration tests run their own workers and API in the test process, against the cluster's
# Temporal frontend. What this script started is stopped again at the end (DO_KEEP_SERVICES=1 keeps it).
#   npm run test:cluster                                   smoke test and the integration tests above
#   npm run test:cluster -- --selectProjects cluster       the smoke test alone (~1 min once the stack is up)
#   npm run test:cluster -- test/integration/x.test.ts     any jest arguments instead of the default set
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DATA="${DO_DATA_DIR:-$ROOT/.data}"

started_here=0
grep -q ' down' <<<"$(bash scripts/cluster.sh status)" && started_here=1
# Set before the start, so a start that fails half-way stops what it had started too.
if [ "$started_here" = 1 ] && [ -z "${DO_KEEP_SERVICES:-}" ]; then
  trap 'bash scripts/cluster.sh stop >/dev/null 2>&1 || true' EXIT
fi
start=$SECONDS
bash scripts/cluster.sh start >/dev/null
echo "[test:cluster] cluster stack up in $((SECONDS - start)) s" >&2
set -a; eval "$(bash scripts/cluster.sh env)"; set +a
# The smoke test seeds its tenants where the cluster's API processes read: the stack's own databases
# (the integration tests' global set-up points DATABASE_URL and MONGO_DB at throwaway ones).
export DO_CLUSTER_DATABASE_URL="$DATABASE_URL" DO_CLUSTER_MONGO_DB="${MONGO_DB:-device_orchestrator}"
export DO_CLUSTER_API_URLS="http://127.0.0.1:${CLUSTER_API_PORT_1:-3000},http://127.0.0.1:${CLUSTER_API_PORT_2:-3001}"

if [ $# -eq 0 ]; then
  set -- --selectProjects cluster integration scale --runTestsByPath test/cluster/clusterSmoke.test.ts \
    test/integration/harness.test.ts test/integration/batchAssign.test.ts test/integration/batchResilience.test.ts \
    test/integration/tempLock.test.ts test/scale/tempLockCheckIns.test.ts test/integration/tempLockCancel.test.ts
fi
npx jest --ci "$@"
