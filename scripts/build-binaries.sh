#!/usr/bin/env bash
# Builds the Temporal CLI (dev server + Web UI) and FerretDB from Go modules into a cache outside
# the work tree, so later sessions reuse them. A fresh machine rebuilds them (a few minutes each).
set -euo pipefail

TEMPORAL_CLI_VERSION="${TEMPORAL_CLI_VERSION:-v1.5.1}"
TEMPORAL_SQLITE_VERSION="${TEMPORAL_SQLITE_VERSION:-v1.44.3}"
FERRETDB_VERSION="${FERRETDB_VERSION:-v1.24.2}"
BIN_DIR="${DO_BIN_DIR:-$HOME/.cache/device-orchestrator/bin}"
mkdir -p "$BIN_DIR"

log() { printf '[build-binaries] %s\n' "$*" >&2; }

need_go() {
  command -v go >/dev/null 2>&1 || { log "Go is required to build the Temporal CLI and FerretDB (install Go >= 1.25)"; exit 1; }
}

build_temporal() {
  # The CLI is built with a newer modernc.org/sqlite than its go.mod asks for (v1.34.1): that version
  # can interrupt the wrong statement when a query's context ends (a check-then-interrupt race in
  # interruptOnDone, fixed in v1.44.x, the version Temporal server itself moved to), and under load the dev
  # server's SQLite then answered every query `interrupted (9)` until restarted (docs/reliability.md).
  # `go install pkg@version` cannot override a dependency, so build from a throwaway module that requires both.
  local out="$BIN_DIR/temporal-$TEMPORAL_CLI_VERSION-sqlite-$TEMPORAL_SQLITE_VERSION"
  if [ -x "$out" ]; then echo "$out"; return; fi
  need_go
  log "building Temporal CLI $TEMPORAL_CLI_VERSION with modernc.org/sqlite $TEMPORAL_SQLITE_VERSION (first time only, ~4-6 min on 2 cores)"
  local tmp; tmp=$(mktemp -d)
  (
    cd "$tmp"
    export GOTOOLCHAIN=local GOFLAGS=-mod=mod
    go mod init local/temporal-build >/dev/null 2>&1
    printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/temporalio/cli/cmd/temporal"\n' >tools.go
    go get "github.com/temporalio/cli@$TEMPORAL_CLI_VERSION" "modernc.org/sqlite@$TEMPORAL_SQLITE_VERSION"
    go build -trimpath -ldflags "-X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_CLI_VERSION#v}" \
      -o "$out.tmp" github.com/temporalio/cli/cmd/temporal
  ) >&2
  mv "$out.tmp" "$out"; rm -rf "$tmp"
  echo "$out"
}

build_ferretdb() {
  local out="$BIN_DIR/ferretdb-$FERRETDB_VERSION"
  if [ -x "$out" ]; then echo "$out"; return; fi
  need_go
  log "building FerretDB $FERRETDB_VERSION (first time only, ~2-4 min on 2 cores)"
  # `go install pkg@version` fails for this module (the proxy refuses its version list, needed for
  # the deprecation check) and the module zip lacks the generated build/version/version.txt that
  # the binary embeds; so download the module, add that file to a writable copy and build it.
  local dir tmp
  dir=$(cd /tmp && GOTOOLCHAIN=local go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -d "$dir" ] || { log "could not download the FerretDB module"; exit 1; }
  tmp=$(mktemp -d)
  cp -r "$dir/." "$tmp/src"; chmod -R u+w "$tmp/src"
  echo "$FERRETDB_VERSION" > "$tmp/src/build/version/version.txt"
  (cd "$tmp/src" && GOTOOLCHAIN=local CGO_ENABLED=0 go build -trimpath -o "$out.tmp" ./cmd/ferretdb) >&2
  mv "$out.tmp" "$out"; rm -rf "$tmp"
  echo "$out"
}

case "${1:-all}" in
  temporal) build_temporal ;;
  ferretdb) build_ferretdb ;;
  all) build_temporal; build_ferretdb ;;
  *) log "usage: $0 [temporal|ferretdb|all]"; exit 2 ;;
esac
