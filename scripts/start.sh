#!/usr/bin/env bash
# `npm start`: the whole local stack on a fresh machine: installs what is missing, starts Temporal
# (with Web UI), PostgreSQL and FerretDB, migrates, seeds demo data, starts the simulated device-control gateway
# (unless GATEWAY_URL names a real one), worker and API, and
# prints where everything is. Running it again reuses whatever is already up. `npm stop` ends it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DATA="${DO_DATA_DIR:-$ROOT/.data}"
API_PORT="${API_PORT:-3000}"
export API_PORT
mkdir -p "$DATA/logs" "$DATA/run"

say() { printf '[start] %s\n' "$*"; }
# shellcheck source=scripts/app.sh
source "$ROOT/scripts/app.sh"

app_install
bash scripts/services.sh start
set -a; eval "$(bash scripts/services.sh env)"; set +a

app_build_and_seed
key=$DEMO_KEY workflow_id=$DEMO_WORKFLOW_ID
app_start_gateway "$DATA/run" "$DATA/logs"
app_start_node worker dist/platform/worker/main.js "$DATA/run" "$DATA/logs"
app_start_node api dist/platform/http/server.js "$DATA/run" "$DATA/logs"

api="http://127.0.0.1:$API_PORT"
app_wait_ready "$api" "$DATA/run/api.pid" "$DATA/logs/api.log"

cat <<MSG

device-orchestrator is running.
  Portal:           $api/   (sign in with the demo key below)
  API:              $api/v1   (readiness: $api/readyz, OpenAPI: $api/v1/openapi.json)
  Temporal Web UI:  ${TEMPORAL_UI_URL}
  Gateway:          ${GATEWAY_URL}   (the device-control gateway the worker sends lock commands to; docs/gateway-openapi.yaml)
  Note: this developer stack's Temporal (gRPC 127.0.0.1:${TEMPORAL_PORT:-7233}) and its Web UI have NO
  authentication and the UI can cancel or terminate any workflow: they listen on loopback only; never
  publish or forward these ports. Deployments: docs/deployment.md.
  Demo API key:     $key   (tenant "demo", role operator; do_demo_readonly_key is read-only)

Try a bulk assignment of the demo workflow to 200 demo devices:
  curl -sS -X POST "$api/v1/batches?mode=assign&workflowId=$workflow_id" \\
       -H "X-API-Key: $key" -H "Content-Type: text/csv" --data-binary @$DATA/demo/assign-demo.csv

Stop everything with: npm stop
MSG
