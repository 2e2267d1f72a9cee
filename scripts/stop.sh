#!/usr/bin/env bash
# `npm stop`: stops API, worker and the local services started by `npm start`. Data is kept in .data/.
set -euo pipefail
exec bash "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/services.sh" stop
