#!/usr/bin/env bash
# `npm test`: installs what is missing, starts (or reuses) the local services, then runs the unit,
# integration and replay tests. Services this script started are stopped again at the end.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

[ -d node_modules/@temporalio/worker ] || npm install --no-audit --no-fund

status=$(bash scripts/services.sh status)
started_here=0
[ "$(grep -c ' up ' <<<"$status")" = 3 ] || started_here=1
bash scripts/services.sh start
if [ "$started_here" = 1 ] && [ -z "${DO_KEEP_SERVICES:-}" ]; then
  trap 'bash scripts/services.sh stop >/dev/null 2>&1 || true' EXIT
fi
set -a; eval "$(bash scripts/services.sh env)"; set +a

npx jest --ci "$@"
