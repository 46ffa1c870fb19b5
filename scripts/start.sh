#!/usr/bin/env bash
# `npm start`: set up what is missing, then run the server with the offline-built mediasoup worker.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh runtime
if [ -z "${MEDIASOUP_WORKER_BIN:-}" ]; then
  MEDIASOUP_WORKER_BIN="$(bash scripts/mediasoup-worker/build.sh --print-path)"
  export MEDIASOUP_WORKER_BIN
fi
exec pnpm --filter @consulta/server start
