#!/usr/bin/env bash
# `npm start`: the whole local stack on a fresh machine: installs what is missing, starts Temporal
# (with Web UI), PostgreSQL and FerretDB, migrates, seeds demo data, starts worker and API, and
# prints where everything is. Running it again reuses whatever is already up. `npm stop` ends it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DATA="${DO_DATA_DIR:-$ROOT/.data}"
API_PORT="${API_PORT:-3000}"
export API_PORT
mkdir -p "$DATA/logs" "$DATA/run"

say() { printf '[start] %s\n' "$*"; }
pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

[ -d node_modules/@temporalio/worker ] || { say "installing npm dependencies"; npm install --no-audit --no-fund; }
bash scripts/services.sh start
set -a; eval "$(bash scripts/services.sh env)"; set +a

say "building"
npx tsc -p tsconfig.build.json
# The portal is rebuilt when it is missing or a source file is newer than the last build.
if [ ! -f dist/portal/index.html ] || [ -n "$(find portal -type f -newer dist/portal/index.html -print -quit)" ]; then
  say "building the portal"
  npm run --silent build:portal
fi
say "migrating"
node dist/db/migrate-cli.js
seed=$(node dist/db/demoSeed.js "$DATA/demo/assign-demo.csv")
key=$(sed -n 's/.*"operatorKey":"\([^"]*\)".*/\1/p' <<<"$seed")
workflow_id=$(sed -n 's/.*"workflowId":"\([^"]*\)".*/\1/p' <<<"$seed")

start_node() { # name, script
  if pid_alive "$DATA/run/$1.pid"; then say "$1 already running (pid $(cat "$DATA/run/$1.pid"))"; return; fi
  setsid nohup node "$2" >>"$DATA/logs/$1.log" 2>&1 </dev/null &
  echo $! >"$DATA/run/$1.pid"
  say "$1 started (log: $DATA/logs/$1.log)"
}
start_node worker dist/workers/main.js
start_node api dist/api/server.js

api="http://127.0.0.1:$API_PORT"
for _ in $(seq 1 120); do
  curl -fsS "$api/readyz" >/dev/null 2>&1 && break
  pid_alive "$DATA/run/api.pid" || { tail -5 "$DATA/logs/api.log"; exit 1; }
  sleep 0.5
done
curl -fsS "$api/readyz" >/dev/null || { say "API did not become ready:"; curl -sS "$api/readyz"; echo; exit 1; }

cat <<MSG

device-orchestrator is running.
  Portal:           $api/   (sign in with the demo key below)
  API:              $api/v1   (readiness: $api/readyz, OpenAPI: $api/v1/openapi.json)
  Temporal Web UI:  ${TEMPORAL_UI_URL}
  Demo API key:     $key   (tenant "demo", role operator; do_demo_readonly_key is read-only)

Try a bulk assignment of the demo workflow to 200 demo devices:
  curl -sS -X POST "$api/v1/batches?mode=assign&workflowId=$workflow_id" \\
       -H "X-API-Key: $key" -H "Content-Type: text/csv" --data-binary @$DATA/demo/assign-demo.csv

Stop everything with: npm stop
MSG
