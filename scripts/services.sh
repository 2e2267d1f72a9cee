#!/usr/bin/env bash
# Local services for development and tests: Temporal dev server (with Web UI), PostgreSQL and
# FerretDB (MongoDB wire protocol). All on loopback, data under $DO_DATA_DIR (default .data/),
# reused when already running. A service whose URL is given from outside (TEMPORAL_ADDRESS,
# DATABASE_URL, MONGO_URL) is not started here.
#   scripts/services.sh start|stop|status|env
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="${DO_DATA_DIR:-$ROOT/.data}"
TEMPORAL_PORT="${TEMPORAL_PORT:-7233}"
TEMPORAL_UI_PORT="${TEMPORAL_UI_PORT:-8233}"
PG_PORT="${PG_PORT:-55432}"
MONGO_PORT="${MONGO_PORT:-27017}"
FERRETDB_DEBUG_PORT="${FERRETDB_DEBUG_PORT:-27117}"
SEARCH_ATTRIBUTES=(BatchId=Keyword TenantId=Keyword DeviceUid=Keyword BatchMode=Keyword)

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() { # name, seconds, command...
  local name=$1 secs=$2; shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || die "$name did not become ready within ${secs}s (log: $DATA/logs/)"
    sleep 0.3
  done
}

say() { log "$@"; }
# shellcheck source=scripts/app.sh
source "$ROOT/scripts/app.sh"

as_pg_user() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_bin_dir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/pg_ctl" ] && { echo "$d"; return; }; done
  return 1
}

# Where the cluster lives: under $DATA, unless the postgres user cannot reach it there (a clone
# under /root, say); then in a folder of its own under /var/tmp, named after $DATA.
pg_dir() {
  if [ "$(id -u)" != 0 ] || runuser -u postgres -- test -x "$DATA" 2>/dev/null; then
    echo "$DATA/postgres"
  else
    echo "/var/tmp/device-orchestrator-pg-$(printf '%s' "$DATA" | md5sum | cut -c1-12)"
  fi
}

ensure_postgres_installed() {
  pg_bin_dir >/dev/null && return
  [ "$(id -u)" = 0 ] || die "PostgreSQL is not installed; run: sudo apt-get install -y postgresql (or set DATABASE_URL)"
  log "installing PostgreSQL from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2
  pg_bin_dir >/dev/null || die "PostgreSQL installation failed"
}

start_postgres() {
  if [ -n "${DATABASE_URL:-}" ]; then log "PostgreSQL: external DATABASE_URL, not started"; return; fi
  if port_open "$PG_PORT"; then log "PostgreSQL: already running on 127.0.0.1:$PG_PORT"; return; fi
  ensure_postgres_installed
  local bin; bin=$(pg_bin_dir)
  local dir; dir=$(pg_dir)
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    log "PostgreSQL: initialising a cluster in $dir/data"
    as_pg_user "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$DATA/logs/postgres-initdb.log" 2>&1 \
      || die "initdb failed (see $DATA/logs/postgres-initdb.log)"
  fi
  log "PostgreSQL: starting on 127.0.0.1:$PG_PORT"
  # Local throwaway cluster tuned for throughput: synchronous_commit=off loses at most the last
  # few hundred ms of commits on an OS crash, never on a process restart.
  as_pg_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start -o \
    "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories=$dir -c max_connections=300 -c synchronous_commit=off -c shared_buffers=256MB" >&2 \
    || die "PostgreSQL did not start (see $dir/postgres.log)"
  as_pg_user "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='device_orchestrator'" | grep -q 1 \
    || as_pg_user "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres device_orchestrator
}

stop_postgres() {
  local dir bin; dir="$(pg_dir)/data"
  [ -f "$dir/postmaster.pid" ] || return 0
  bin=$(pg_bin_dir) || return 0
  log "PostgreSQL: stopping"
  as_pg_user "$bin/pg_ctl" -D "$dir" -m fast -w stop >&2 || true
}

start_ferretdb() {
  if [ -n "${MONGO_URL:-}" ]; then log "MongoDB: external MONGO_URL, not started"; return; fi
  if port_open "$MONGO_PORT"; then log "FerretDB: already running on 127.0.0.1:$MONGO_PORT"; return; fi
  local bin; bin=$(bash "$ROOT/scripts/build-binaries.sh" ferretdb)
  mkdir -p "$DATA/ferretdb/state"
  # The PostgreSQL handler, on our own cluster (database "ferretdb"): FerretDB's SQLite handler
  # scans a whole collection for any filter but _id (165 ms a lookup at 5,000 documents, against
  # 8 ms here) and refuses concurrent writes with SQLITE_BUSY. With an external DATABASE_URL and
  # no MONGO_URL, FerretDB falls back to SQLite under $DATA.
  local backend
  if [ -z "${DATABASE_URL:-}" ]; then
    start_postgres
    local bindir; bindir=$(pg_bin_dir)
    as_pg_user "$bindir/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='ferretdb'" | grep -q 1 \
      || as_pg_user "$bindir/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres ferretdb
    # pool_max_conns: FerretDB's default, 50, deadlocks once 50 updates run at once (src/platform/db/mongo.ts).
    backend=(--handler=postgresql --postgresql-url="postgres://postgres@127.0.0.1:$PG_PORT/ferretdb?pool_max_conns=200")
  else
    mkdir -p "$DATA/ferretdb/sqlite"
    backend=(--handler=sqlite --sqlite-url="file:$DATA/ferretdb/sqlite/")
  fi
  log "FerretDB: starting on 127.0.0.1:$MONGO_PORT (${backend[0]#--handler=} backend, telemetry disabled)"
  setsid nohup "$bin" "${backend[@]}" --state-dir="$DATA/ferretdb/state" \
    --listen-addr="127.0.0.1:$MONGO_PORT" --debug-addr="127.0.0.1:$FERRETDB_DEBUG_PORT" \
    --telemetry=disable --log-level=warn >"$DATA/logs/ferretdb.log" 2>&1 </dev/null &
  echo $! >"$DATA/run/ferretdb.pid"
  wait_for FerretDB 60 port_open "$MONGO_PORT"
}

start_temporal() {
  if [ -n "${TEMPORAL_ADDRESS:-}" ]; then log "Temporal: external TEMPORAL_ADDRESS, not started"; return; fi
  if port_open "$TEMPORAL_PORT"; then log "Temporal: already running on 127.0.0.1:$TEMPORAL_PORT"; return; fi
  local bin; bin=$(bash "$ROOT/scripts/build-binaries.sh" temporal)
  mkdir -p "$DATA/temporal"
  local sa=() a
  for a in "${SEARCH_ATTRIBUTES[@]}"; do sa+=(--search-attribute "$a"); done
  log "Temporal: starting dev server on 127.0.0.1:$TEMPORAL_PORT, Web UI on http://127.0.0.1:$TEMPORAL_UI_PORT"
  # Updates carry the device's check-in; eager activity execution hands an activity scheduled by a workflow
  # task (e.g. a lock's unlock) straight back to the worker that completed it, without a matching round trip.
  # Fairness: tasks with fairness keys (the tenant's) are dispatched round-robin per key (README, "Per-tenant fairness").
  setsid nohup "$bin" server start-dev --ip 127.0.0.1 --ui-ip 127.0.0.1 --port "$TEMPORAL_PORT" --ui-port "$TEMPORAL_UI_PORT" \
    --db-filename "$DATA/temporal/temporal.db" --sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal \
    "${sa[@]}" --log-level warn \
    --dynamic-config-value frontend.enableUpdateWorkflowExecution=true \
    --dynamic-config-value system.enableActivityEagerExecution=true \
    --dynamic-config-value matching.enableFairness=true \
    ${TEMPORAL_EXTRA_ARGS:-} \
    >"$DATA/logs/temporal.log" 2>&1 </dev/null &
  echo $! >"$DATA/run/temporal.pid"
  wait_for Temporal 120 "$bin" operator cluster health --address "127.0.0.1:$TEMPORAL_PORT"
}

stop_pidfile() { stop_pid_file "$DATA/run/$1.pid" "$1"; }

print_env() {
  echo "TEMPORAL_ADDRESS=${TEMPORAL_ADDRESS:-127.0.0.1:$TEMPORAL_PORT}"
  echo "TEMPORAL_UI_URL=${TEMPORAL_UI_URL:-http://127.0.0.1:$TEMPORAL_UI_PORT}"
  echo "DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:$PG_PORT/device_orchestrator}"
  echo "MONGO_URL=${MONGO_URL:-mongodb://127.0.0.1:$MONGO_PORT/}"
  # FerretDB runs on our PostgreSQL: the app adds the lookup indexes FerretDB lacks (src/platform/db/ferretdbPostgres.ts).
  if [ -z "${MONGO_URL:-}" ] && [ -z "${DATABASE_URL:-}" ]; then
    echo "FERRETDB_POSTGRES_URL=${FERRETDB_POSTGRES_URL:-postgres://postgres@127.0.0.1:$PG_PORT/ferretdb}"
  elif [ -n "${FERRETDB_POSTGRES_URL:-}" ]; then
    echo "FERRETDB_POSTGRES_URL=$FERRETDB_POSTGRES_URL"
  fi
}

mkdir -p "$DATA/logs" "$DATA/run"
case "${1:-start}" in
  start)
    # Temporal's first build takes minutes: start the others while nothing else waits on them.
    start_postgres
    start_ferretdb
    start_temporal
    ;;
  stop)
    stop_pidfile api; stop_pidfile worker; stop_pidfile gateway-simulator
    # The dev server (~3.5 s) and FerretDB (~2 s) stop gracefully at the same time; FerretDB before PostgreSQL, its backend.
    stop_pidfile temporal &
    # The cluster stack (npm run start:cluster) runs on the same PostgreSQL and FerretDB.
    if pid_alive "$DATA/cluster/run/temporal-frontend.pid"; then
      log "PostgreSQL and FerretDB left running: the cluster stack uses them; npm run stop:cluster ends them"
      wait
    else
      stop_pidfile ferretdb; wait; stop_postgres
    fi ;;
  # One service at a time, for fault injection (npm run test:faults) and by hand.
  stop-postgres) stop_postgres ;;
  start-postgres) start_postgres ;;
  stop-temporal) stop_pidfile temporal ;;
  start-temporal) start_temporal ;;
  stop-ferretdb) stop_pidfile ferretdb ;;
  start-ferretdb) start_ferretdb ;;
  status)
    for p in "Temporal:$TEMPORAL_PORT" "PostgreSQL:$PG_PORT" "FerretDB:$MONGO_PORT"; do
      if port_open "${p#*:}"; then echo "${p%%:*} up (127.0.0.1:${p#*:})"; else echo "${p%%:*} down"; fi
    done ;;
  env) print_env ;;
  *) die "usage: $0 start|stop|status|env|start-<service>|stop-<service> (service: temporal, postgres, ferretdb)" ;;
esac
