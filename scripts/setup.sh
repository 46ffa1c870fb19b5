#!/usr/bin/env bash
# One-step set-up used by `npm start`, `npm test` and `npm run bench`: installs only what is missing.
#   runtime: pnpm (from the npm registry), workspace dependencies, the generated Prisma client, the web apps,
#            the mediasoup worker, ffmpeg (recording), coturn (the TURN server npm start runs).
#   test:    runtime + Debian packages the tests drive for real (coturn, docker.io, docker-compose and mmdebstrap
#            for the compose stack test, chromium and firefox-esr for the browser tests).
set -euo pipefail
mode="${1:-runtime}"
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }

if ! command -v pnpm >/dev/null 2>&1 || ! pnpm --version 2>/dev/null | grep -q '^10\.'; then
  log "installing pnpm 10 from the npm registry (npm i -g pnpm@10)"
  npm i -g pnpm@10 >/dev/null
fi

# pnpm install is cheap when node_modules is current; --frozen-lockfile keeps CI honest.
if [ ! -f node_modules/.modules.yaml ] || [ pnpm-lock.yaml -nt node_modules/.modules.yaml ]; then
  log "installing workspace dependencies (pnpm install)"
  pnpm install --frozen-lockfile --reporter=silent
fi

# Prisma 7's CLI wants a native schema engine for migrate/db push, which cannot be downloaded here; `generate`
# never runs it but checks it exists, so any executable satisfies it. Migrations are plain SQL (docs/operations.md).
schema=prisma/schema.prisma
client=apps/server/src/generated/prisma/client.ts
if [ ! -f "$client" ] || [ "$schema" -nt "$client" ]; then
  log "generating the Prisma client"
  (cd apps/server && CHECKPOINT_DISABLE=1 PRISMA_HIDE_UPDATE_MESSAGE=1 PRISMA_SCHEMA_ENGINE_BINARY="$(which true)" \
    pnpm exec prisma generate --schema ../../prisma/schema.prisma >/dev/null)
fi

# The clinician, patient and admin apps (apps/web, Vite), rebuilt when their sources are newer than the build.
web_built=apps/web/dist/join/index.html
if [ ! -f "$web_built" ] || [ -n "$(find apps/web/src apps/web/*.ts \
  packages/call-engine/src packages/protocol/src -newer "$web_built" -print -quit)" ]; then
  log "building the web apps (vite)"
  pnpm --filter @consulta/web build >/dev/null
fi

need=()
# Recording writes files with ffmpeg (and the tests read them back with its ffprobe).
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
# The TURN server: npm start runs it from the rendered config (turn.embedded); the tests start their own.
command -v turnserver >/dev/null 2>&1 || need+=(coturn)
if [ "$mode" = test ]; then
  # The compose test (tests/ops) builds and runs the stack on a real Docker engine (scripts/docker-engine.sh
  # starts it) from base images made locally with mmdebstrap (scripts/docker-base-images.sh).
  command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
  [ -x /usr/sbin/dockerd ] || need+=(docker.io)
  command -v mmdebstrap >/dev/null 2>&1 || need+=(mmdebstrap)
  # Browser tests: Debian's Chromium driven by playwright-core (no browser download), in a loopback-only netns.
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  # The second engine (docs/browsers.md): Debian's Firefox ESR driven by puppeteer-core over WebDriver BiDi.
  command -v firefox-esr >/dev/null 2>&1 || need+=(firefox-esr)
  command -v unshare >/dev/null 2>&1 || need+=(util-linux)
  command -v ip >/dev/null 2>&1 || need+=(iproute2)
  # The network lab (tests/netlab, docs/network-lab.md): NAT, firewalls and loss with nftables, a self-signed CA
  # for coturn's TLS listener made with openssl and trusted by the lab's browsers through NSS's certutil.
  command -v nft >/dev/null 2>&1 || need+=(nftables)
  command -v certutil >/dev/null 2>&1 || need+=(libnss3-tools)
  command -v openssl >/dev/null 2>&1 || need+=(openssl)
fi
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  log "installing Debian packages: ${need[*]}"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# mediasoup's C++ worker (the SFU), built offline from the pinned npm tarball against Debian packages and a static
# OpenSSL (scripts/mediasoup-worker/README.md). Cached by version and script hash: about 15 minutes once, instant
# after. Its build script installs its own apt packages.
bash scripts/mediasoup-worker/build.sh >/dev/null

# coturn's Debian package starts a system service on 3478; npm start and the tests run their own from the
# rendered config instead.
if command -v systemctl >/dev/null 2>&1; then systemctl stop coturn >/dev/null 2>&1 || true; fi
