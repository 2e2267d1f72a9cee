#!/usr/bin/env bash
# The OpenAPI documents as CI checks them. `lint` writes the API's from src/platform/openapi/document.ts, lints it and
# the gateway contract (docs/gateway-openapi.yaml) with Redocly's recommended-strict rules (redocly.yaml) and checks that
# src/platform/openapi/types.ts was generated from the API's;
# `types` regenerates that file. Both run offline: telemetry and update checks are off.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
bin=node_modules/.bin
types=src/platform/openapi/types.ts
for tool in redocly openapi-typescript prettier; do
  [[ -x "$bin/$tool" ]] || { echo "openapi: $bin/$tool is missing; run: npm install --no-audit --no-fund" >&2 && exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

node scripts/openapi-document.cjs >"$work/openapi.json"

generate() {
  "$bin/openapi-typescript" "$work/openapi.json" --output "$work/raw.ts" --silent
  "$bin/prettier" --stdin-filepath "$types" <"$work/raw.ts" >"$1"
}

case "${1:-lint}" in
  lint)
    "$bin/redocly" lint --config redocly.yaml "$work/openapi.json"
    "$bin/redocly" lint --config redocly.yaml docs/gateway-openapi.yaml
    generate "$work/openapiTypes.ts"
    if ! diff -u "$types" "$work/openapiTypes.ts" >"$work/types.diff"; then
      head -40 "$work/types.diff" >&2
      echo "openapi: $types does not match the document; run: npm run openapi:types" >&2
      exit 1
    fi
    echo "openapi: $types matches the document"
    ;;
  types) generate "$types" && echo "openapi: wrote $types" ;;
  *) echo "usage: scripts/openapi.sh lint|types" >&2 && exit 2 ;;
esac
