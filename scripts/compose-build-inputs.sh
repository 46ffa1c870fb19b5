#!/usr/bin/env bash
# Fills infra/docker/local/ (git-ignored; see its README.md) with this machine's inputs for the server image.
#   --ca FILE   PEM certificates trusted while building (default: $NODE_EXTRA_CA_CERTS when set)
#   --worker    the offline-built mediasoup worker (scripts/mediasoup-worker/build.sh; a cache hit once built),
#               for machines where mediasoup's postinstall cannot download its prebuilt worker
set -euo pipefail
cd "$(dirname "$0")/.."
dir=infra/docker/local
ca="${NODE_EXTRA_CA_CERTS:-}"
worker=0
while [ $# -gt 0 ]; do
  case "$1" in
    --ca) ca="$2"; shift 2 ;;
    --worker) worker=1; shift ;;
    *) echo "usage: $0 [--ca FILE] [--worker]" >&2; exit 2 ;;
  esac
done
rm -rf "$dir/ca" "$dir/mediasoup-worker"
if [ -n "$ca" ]; then
  [ -f "$ca" ] || { echo "compose-build-inputs: CA file $ca not found" >&2; exit 1; }
  mkdir -p "$dir/ca" && cp "$ca" "$dir/ca/extra.crt"
fi
if [ "$worker" = 1 ]; then
  cp "$(bash scripts/mediasoup-worker/build.sh --print-path)" "$dir/mediasoup-worker"
fi
