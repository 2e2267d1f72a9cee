#!/usr/bin/env bash
# `npm run lint`'s checks of ops/: the Prometheus configuration and alert rules with promtool (built from Go
# modules into ~/.cache/device-orchestrator/bin by scripts/build-binaries.sh, the first time ~9 min on 2 cores),
# the rules' unit tests, then the dashboard, the metric names and docker-compose.yml (scripts/ops-check.mjs).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
promtool="$(bash scripts/build-binaries.sh promtool)"
quiet() { local out; out=$("$@" 2>&1) || { printf '%s\n' "$out" >&2; echo "ops-check: failed: ${*}" >&2; exit 1; }; }
quiet "$promtool" check config --lint=all ops/prometheus/prometheus.yml # and the rule files it names
(cd ops/prometheus && quiet "$promtool" test rules alerts.test.yml)
node scripts/ops-check.mjs
