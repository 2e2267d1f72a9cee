#!/usr/bin/env bash
# Builds the Temporal CLI (dev server + Web UI) and FerretDB from Go modules into a cache outside
# the work tree, so later sessions reuse them. A fresh machine rebuilds them (a few minutes each).
# `temporal-server` (the server, services run one per process, and its SQL schema tool) and
# `temporal-ui` (the Web UI server) are for `npm run start:cluster` (and CI's cluster smoke test, .ci/cluster-smoke).
# `test-server` fetches Temporal's Java test server (time skipping, for workflow tests) with Maven.
set -euo pipefail

TEMPORAL_CLI_VERSION="${TEMPORAL_CLI_VERSION:-v1.5.1}"
TEMPORAL_SQLITE_VERSION="${TEMPORAL_SQLITE_VERSION:-v1.44.3}"
FERRETDB_VERSION="${FERRETDB_VERSION:-v1.24.2}"
TEMPORAL_SERVER_VERSION="${TEMPORAL_SERVER_VERSION:-v1.29.1}"
# The Web UI the CLI's dev server bundles (its go.mod's version), run on its own beside a cluster.
TEMPORAL_UI_VERSION="${TEMPORAL_UI_VERSION:-v2.42.1}"
TEST_SERVER_VERSION="${TEST_SERVER_VERSION:-1.32.0}"
# Prometheus 3.x's Go module carries v0.3xx tags (v0.316.0 is Prometheus 3.16.0): promtool checks the alert rules.
PROMTOOL_VERSION="${PROMTOOL_VERSION:-v0.316.0}"
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

# `go install` of pinned packages into a folder of their own, filled only once all are built: folder, packages.
go_install_into() {
  local dir=$1; shift
  rm -rf "$dir.tmp"
  (cd /tmp && GOTOOLCHAIN=local GOBIN="$dir.tmp" go install -trimpath "$@") >&2
  rm -rf "$dir"; mv "$dir.tmp" "$dir"
}

# Temporal's server and temporal-sql-tool, as released (no dependency changed): prints the folder
# holding `server` and `sql`.
build_temporal_server() {
  local dir="$BIN_DIR/temporal-server-$TEMPORAL_SERVER_VERSION"
  if [ -x "$dir/server" ] && [ -x "$dir/sql" ]; then echo "$dir"; return; fi
  need_go
  log "building Temporal server $TEMPORAL_SERVER_VERSION and its SQL tool (first time only, ~6-10 min on 2 cores)"
  go_install_into "$dir" "go.temporal.io/server/cmd/server@$TEMPORAL_SERVER_VERSION" "go.temporal.io/server/cmd/tools/sql@$TEMPORAL_SERVER_VERSION"
  echo "$dir"
}

# The Temporal Web UI's server (its pages are embedded in the Go module): prints the binary's path.
build_temporal_ui() {
  local dir="$BIN_DIR/temporal-ui-server-$TEMPORAL_UI_VERSION"
  if [ -x "$dir/server" ]; then echo "$dir/server"; return; fi
  need_go
  log "building the Temporal Web UI server $TEMPORAL_UI_VERSION (first time only, ~1-2 min on 2 cores)"
  go_install_into "$dir" "github.com/temporalio/ui-server/v2/cmd/server@$TEMPORAL_UI_VERSION"
  echo "$dir/server"
}

build_test_server() {
  # The time-skipping test server of TestWorkflowEnvironment.createTimeSkipping: a Java program published
  # as io.temporal:temporal-test-server. Its jars go to a folder next to the binaries, and a wrapper script
  # runs it the way the SDK runs its own test-server binary (`<executable> <port> [extra args]`).
  local dir="$BIN_DIR/temporal-test-server-$TEST_SERVER_VERSION" out="$BIN_DIR/temporal-test-server-$TEST_SERVER_VERSION/run"
  if [ -x "$out" ]; then echo "$out"; return; fi
  command -v java >/dev/null 2>&1 || { log "java (>= 11) is required to run Temporal's test server"; exit 1; }
  command -v mvn >/dev/null 2>&1 || { log "Maven (mvn) is required to fetch Temporal's test server"; exit 1; }
  log "fetching io.temporal:temporal-test-server $TEST_SERVER_VERSION with Maven (first time only, ~1-2 min)"
  local tmp; tmp=$(mktemp -d)
  cat >"$tmp/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local</groupId>
  <artifactId>temporal-test-server-fetch</artifactId>
  <version>1</version>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>$TEST_SERVER_VERSION</version>
    </dependency>
  </dependencies>
</project>
POM
  (cd "$tmp" && mvn -q -B dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$dir.tmp/lib") >&2
  # The SDK gives the server 5 s to accept connections, which a loaded 2-core machine's JVM start can miss
  # (~2.5 s idle): a class-data archive of one start (JDK >= 13) brings it to ~1 s.
  local port=$((30000 + RANDOM % 20000))
  # Dumped with the final class path: an archive only serves the class path it was made with.
  rm -rf "$dir"; mv "$dir.tmp" "$dir"
  java -XX:ArchiveClassesAtExit="$dir/classes.jsa" -XX:+UseSerialGC -cp "$dir/lib/*" io.temporal.testserver.TestServer "$port" >/dev/null 2>&1 &
  local pid=$! tries=0
  until (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null || [ $((tries++)) -ge 600 ]; do sleep 0.1; done
  kill "$pid"; wait "$pid" 2>/dev/null || true
  cat >"$out.tmp" <<'RUN'
#!/usr/bin/env bash
# Temporal's Java test server: `run <port> [args]`, as TestWorkflowEnvironment.createTimeSkipping starts it.
dir="$(dirname "$0")"
exec java -XX:SharedArchiveFile="$dir/classes.jsa" -Xshare:auto -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k \
  -cp "$dir/lib/*" io.temporal.testserver.TestServer "$@"
RUN
  chmod +x "$out.tmp"; mv "$out.tmp" "$out"; rm -rf "$tmp"
  echo "$out"
}

build_promtool() {
  # promtool (`npm run lint`: `promtool check rules`, `promtool test rules` on ops/prometheus/).
  local out="$BIN_DIR/promtool-$PROMTOOL_VERSION"
  if [ -x "$out" ]; then echo "$out"; return; fi
  need_go
  log "building promtool $PROMTOOL_VERSION (first time only, ~5-10 min on 2 cores)"
  local tmp; tmp=$(mktemp -d)
  # Its version as `promtool --version` prints it: the Prometheus release of the module's v0.3xx tag.
  local release="3.$(echo "$PROMTOOL_VERSION" | sed -E 's/^v0\.3([0-9]+)\.([0-9]+).*/\1.\2/')"
  (GOTOOLCHAIN=local GOBIN="$tmp" CGO_ENABLED=0 go install -trimpath -ldflags "-X github.com/prometheus/common/version.Version=$release" \
    "github.com/prometheus/prometheus/cmd/promtool@$PROMTOOL_VERSION") >&2
  mv "$tmp/promtool" "$out"; rm -rf "$tmp"
  echo "$out"
}

case "${1:-all}" in
  temporal) build_temporal ;;
  ferretdb) build_ferretdb ;;
  test-server) build_test_server ;;
  promtool) build_promtool ;;
  temporal-server) build_temporal_server ;;
  temporal-ui) build_temporal_ui ;;
  all) build_temporal; build_ferretdb; build_test_server; build_promtool; build_temporal_server; build_temporal_ui ;;
  *) log "usage: $0 [temporal|ferretdb|test-server|promtool|temporal-server|temporal-ui|all]"; exit 2 ;;
esac
