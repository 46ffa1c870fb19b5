#!/usr/bin/env bash
# `npm start`: set up what is missing, build the server into JavaScript (esbuild, a fraction of a second), then
# run it with node directly, the way the production image does (no tsx, no pnpm process in between).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh runtime
if [ -z "${MEDIASOUP_WORKER_BIN:-}" ]; then
  MEDIASOUP_WORKER_BIN="$(bash scripts/mediasoup-worker/build.sh --print-path)"
  export MEDIASOUP_WORKER_BIN
fi
node apps/server/build.mjs >/dev/null
exec node --enable-source-maps apps/server/dist/server.js
