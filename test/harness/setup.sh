#!/usr/bin/env bash
# Brings a fresh clone to the point where `npm test` and `npm run demo` can run: node_modules exactly as
# the lockfile says. The heavier things (Debian Go sources, code-server, Chromium) are provisioned by
# the test layers and the demo that need them, each cached (see go-sources.sh and code-server.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing node_modules from package-lock.json" >&2
  npm ci --no-audit --no-fund
fi
