# Sourced by scripts/start.sh (dev server), scripts/cluster.sh (Temporal cluster) and scripts/services.sh:
# the app's part of the local stack, and process handling. Expects ROOT, DATA and the services' variables (TEMPORAL_ADDRESS, DATABASE_URL, ...)
# exported, and a `say` function.

# A process that was killed stays a zombie (signalable) until it is reaped: it counts as gone.
pid_alive() {
  [ -f "$1" ] || return 1
  local pid; pid=$(cat "$1")
  kill -0 "$pid" 2>/dev/null && ! grep -qE '^[0-9]+ \(.*\) Z' "/proc/$pid/stat" 2>/dev/null
}

# Ends the process a pid file names: SIGTERM, then SIGKILL after 10 s; removes the file. Pid file, name.
stop_pid_file() {
  if pid_alive "$1"; then
    say "$2: stopping"
    local pid; pid=$(cat "$1")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$1"
}

app_install() {
  [ -d "$ROOT/node_modules/@temporalio/worker" ] || { say "installing npm dependencies"; (cd "$ROOT" && npm install --no-audit --no-fund); }
}

# Compiles dist/ (and the dev tools into dist-dev/), builds the portal when it is missing or older than its sources, migrates, seeds the
# demo data; sets DEMO_KEY and DEMO_WORKFLOW_ID.
app_build_and_seed() {
  say "building"
  (cd "$ROOT" && npx tsc -p tsconfig.build.json && npx tsc -p tsconfig.dev.json)
  if [ ! -f "$ROOT/dist/portal/index.html" ] || [ -n "$(find "$ROOT/portal" -type f -newer "$ROOT/dist/portal/index.html" -print -quit)" ]; then
    say "building the portal"
    (cd "$ROOT" && npm run --silent build:portal)
  fi
  say "migrating"
  (cd "$ROOT" && node dist/platform/db/migrate-cli.js)
  local seed
  seed=$(cd "$ROOT" && node dist-dev/dev/demoSeed.js "$DATA/demo/assign-demo.csv")
  DEMO_KEY=$(sed -n 's/.*"operatorKey":"\([^"]*\)".*/\1/p' <<<"$seed")
  DEMO_WORKFLOW_ID=$(sed -n 's/.*"workflowId":"\([^"]*\)".*/\1/p' <<<"$seed")
}

# A node process in the background, unless its pid file names a live one: name, script, pid dir, log dir,
# then VAR=value settings of its own.
app_start_node() {
  local name=$1 script=$2 run=$3 logs=$4; shift 4
  if pid_alive "$run/$name.pid"; then say "$name already running (pid $(cat "$run/$name.pid"))"; return; fi
  # exec: the pid file names node itself.
  (cd "$ROOT" && exec env "$@" setsid nohup node "$script") >>"$logs/$name.log" 2>&1 </dev/null &
  echo $! >"$run/$name.pid"
  say "$name started (log: $logs/$name.log)"
}

# The device-control gateway the workers command: GATEWAY_URL when it is set (a real gateway), otherwise the simulated
# gateway (dev/gatewaySimulator.ts, implementing docs/gateway-openapi.yaml), started here on GATEWAY_SIMULATOR_PORT
# (3100). Pid dir, log dir; exports GATEWAY_URL for the workers started after it.
app_start_gateway() {
  local run=$1 logs=$2
  if [ -n "${GATEWAY_URL:-}" ]; then say "device-control gateway: $GATEWAY_URL"; return; fi
  local port=${GATEWAY_SIMULATOR_PORT:-3100}
  app_start_node gateway-simulator dist-dev/dev/gatewaySimulator.js "$run" "$logs" "GATEWAY_SIMULATOR_PORT=$port"
  export GATEWAY_URL="http://127.0.0.1:$port"
}

# Waits until an API answers /readyz: base URL, its pid file, its log.
app_wait_ready() {
  local api=$1 pidfile=$2 logfile=$3
  for _ in $(seq 1 120); do
    curl -fsS "$api/readyz" >/dev/null 2>&1 && return 0
    pid_alive "$pidfile" || { say "the API at $api exited; the end of $logfile:"; tail -5 "$logfile"; exit 1; }
    sleep 0.5
  done
  say "the API at $api did not become ready within 60 s; its /readyz answers:"
  curl -sS "$api/readyz"
  echo
  exit 1
}
