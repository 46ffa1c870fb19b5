#!/usr/bin/env bash
# Builds the base images docker-compose.yml and the Dockerfile name, locally, for machines that cannot reach Docker
# Hub (CI and the developers' machines here). Everywhere else `docker compose` pulls the official images instead
# and this script is not needed.
#   debian:bookworm-slim    mmdebstrap minbase root filesystem        (infra/docker/debian)
#   node:20-bookworm-slim   + this host's Node 20 and npm             (infra/docker/node)
#   postgres:15-bookworm    + Debian's PostgreSQL 15                  (infra/docker/postgres)
#   coturn/coturn:4.6       + Debian's coturn 4.6                     (infra/docker/coturn)
#   caddy:2                 + Debian's Caddy 2                        (infra/docker/caddy)
# Each image carries the hash of its recipe (and its parent's) in the label org.consulta.recipe and is rebuilt only
# when that changes, so a second run takes a second. Builds reach Debian's apt sources from inside containers.
set -euo pipefail
cd "$(dirname "$0")/.."
docker=/usr/bin/docker
log() { printf '[base-images] %s\n' "$*" >&2; }

recipe_label() { $docker image inspect -f '{{index .Config.Labels "org.consulta.recipe"}}' "$1" 2>/dev/null || true; }
hash_of() { cat "$@" | sha256sum | cut -c1-16; }

debian_hash="$(hash_of infra/docker/debian/*)"
if [ "$(recipe_label debian:bookworm-slim)" != "$debian_hash" ]; then
  log "building debian:bookworm-slim (mmdebstrap)"
  tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
  bash infra/docker/debian/rootfs.sh "$tmp/rootfs.tar"
  $docker import --change "LABEL org.consulta.recipe=$debian_hash" --change 'CMD ["bash"]' \
    "$tmp/rootfs.tar" debian:bookworm-slim >/dev/null
  rm -rf "$tmp"; trap - EXIT
fi

build() { # build <image> <recipe dir> <hash> [context dir]
  local image="$1" dir="$2" hash="$3" context="${4:-$2}"
  if [ "$(recipe_label "$image")" = "$hash" ]; then return; fi
  log "building $image"
  $docker build --quiet --label "org.consulta.recipe=$hash" -f "$dir/Dockerfile" -t "$image" "$context" >/dev/null
}

# Node: the host's own Node 20 and npm (no other source of Node is reachable here); their versions are in the hash.
node_bin="$(readlink -f "$(command -v node)")"
npm_dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
node_version="$("$node_bin" --version)"
case "$node_version" in v20.*) ;; *) log "need Node 20 on the host, found $node_version"; exit 1 ;; esac
node_hash="$( (hash_of infra/docker/node/*; echo "$debian_hash $node_version"; cat "$npm_dir/package.json") | sha256sum | cut -c1-16)"
if [ "$(recipe_label node:20-bookworm-slim)" != "$node_hash" ]; then
  ctx="$(mktemp -d)"; trap 'rm -rf "$ctx"' EXIT
  cp "$node_bin" "$ctx/node"
  cp -a "$npm_dir" "$ctx/npm"
  cp -a "$(dirname "$npm_dir")/corepack" "$ctx/corepack"
  build node:20-bookworm-slim infra/docker/node "$node_hash" "$ctx"
  rm -rf "$ctx"; trap - EXIT
fi

for spec in postgres:15-bookworm=postgres coturn/coturn:4.6=coturn caddy:2=caddy; do
  image="${spec%%=*}"; dir="infra/docker/${spec#*=}"
  build "$image" "$dir" "$( (hash_of "$dir"/*; echo "$debian_hash") | sha256sum | cut -c1-16)"
done
