#!/usr/bin/env bash
# Recipe for the local `debian:bookworm-slim` image (scripts/docker-base-images.sh imports its output): a minbase
# Debian 12 root filesystem made with mmdebstrap from the host's own Debian apt sources, trimmed like Docker's
# official slim image (no man pages, docs or translations; apt lists removed). Only used where Docker Hub cannot
# be reached; elsewhere `docker compose` pulls the official image of the same name.
# Usage: rootfs.sh <output.tar>
set -euo pipefail
out="$1"
# The host's Debian sources (the standard deb822 file of a Debian 12 system) become the image's sources.
sources=/etc/apt/sources.list.d/debian.sources
[ -f "$sources" ] || { echo "rootfs.sh: $sources not found (is this Debian 12?)" >&2; exit 1; }
mmdebstrap --quiet --variant=minbase --mode=root --format=tar \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-exclude=/usr/share/lintian/*' \
  --aptopt='Acquire::Languages "none"' \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin "$1"/var/log/*.log' \
  --customize-hook='printf "%s\n" "DPkg::Post-Invoke { \"rm -f /var/cache/apt/archives/*.deb || true\"; };" \
    "APT::Update::Post-Invoke { \"rm -f /var/cache/apt/archives/*.deb || true\"; };" \
    "Binary::apt::APT::Keep-Downloaded-Packages \"false\";" >"$1"/etc/apt/apt.conf.d/docker-clean' \
  bookworm "$out" "$sources"
