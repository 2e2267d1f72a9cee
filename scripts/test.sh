#!/usr/bin/env bash
# `npm test`: installs what is missing, starts (or reuses) the local services, then runs the unit,
# integration, workflow and replay tests (`npm test -- <jest arguments>` runs just what it is given, e.g.
# `--selectProjects scale`). Services this script started are stopped again at the end.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# playwright-core never downloads a browser; the variable makes sure no package's install step does.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 PUPPETEER_SKIP_DOWNLOAD=1
[ -d node_modules/@temporalio/worker ] || npm install --no-audit --no-fund

# The portal's browser test drives Debian's chromium through its executable path.
if [ -z "${CHROMIUM_PATH:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || { echo "[test] chromium is not installed; run: sudo apt-get install -y chromium (or set CHROMIUM_PATH)" >&2; exit 1; }
  echo "[test] installing chromium from Debian's packages" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
fi

status=$(bash scripts/services.sh status)
started_here=0
[ "$(grep -c ' up ' <<<"$status")" = 3 ] || started_here=1
bash scripts/services.sh start
if [ "$started_here" = 1 ] && [ -z "${DO_KEEP_SERVICES:-}" ]; then
  trap 'bash scripts/services.sh stop >/dev/null 2>&1 || true' EXIT
fi
set -a; eval "$(bash scripts/services.sh env)"; set +a
# Temporal's time-skipping test server, for the workflow tests with mocked activities (fetched once).
DO_TEST_SERVER="$(bash scripts/build-binaries.sh test-server)"; export DO_TEST_SERVER

if [ $# -gt 0 ]; then
  npx jest --ci "$@"
  exit
fi

# The whole suite in one jest run. Most test files wait on services or timers more than they compute, so they run
# DO_TEST_WORKERS at a time (default 5 on these 2-core machines; each file has its own task queue and tenants), the
# longest first (test/sequencer.js), so the run does not end waiting on one long file. The two randomized simulations
# (each with a dev server of its own) run among the rest: they wait on their schedules' timers more than they compute,
# and run apart they left the cores half idle for their 45 s (2026-12-07: 238 s in one run against 280 s in two).
# The scale tests (test/scale/: a rate limit, grouping, fairness, a flood of check-ins, thousands of commands between
# them) are `npm run test:scale`, which CI runs after this.
npx jest --ci --maxWorkers="${DO_TEST_WORKERS:-5}" --selectProjects unit integration workflows replay
