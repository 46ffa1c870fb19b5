#!/bin/sh
# Service "turn-tls" (docker-compose.yml): hands coturn the certificate Caddy manages for TURN_TLS_NAME (default
# SITE_ADDRESS), so TURN over TLS (turns:) presents the same certificate as the site: Let's Encrypt/ZeroSSL by ACME
# for a real domain, Caddy's internal CA for localhost or an IP address. Caddy keeps its keys readable by root only
# in caddy-data; this copies the current pair into the turn-tls volume, owned by coturn's unprivileged user, and
# again whenever Caddy renews it (internal certificates live 12 hours, ACME ones 90 days). coturn's wrapper
# (coturn-run.sh) notices the new certificate and reloads it.
set -eu
name="${TURN_TLS_NAME:-${SITE_ADDRESS:-localhost}}"
store=/data/caddy/certificates
out=/turn-tls
owner="${TURN_TLS_OWNER:-65534:65534}"
interval="${TURN_TLS_CHECK_SECONDS:-60}"

log() { echo "[turn-tls] $*"; }

# Caddy stores a certificate per issuer (local, acme-v02.api.letsencrypt.org-directory, ...); the newest is current.
current() { ls -t "$store"/*/"$name"/"$name".crt 2>/dev/null | head -n 1; }

copy() { # copy <certificate file>: the key first, so that a new certificate is never read with an old key
  key="${1%.crt}.key"
  cp "$key" "$out/.key.pem" && chown "$owner" "$out/.key.pem" && chmod 600 "$out/.key.pem"
  cp "$1" "$out/.cert.pem" && chown "$owner" "$out/.cert.pem" && chmod 644 "$out/.cert.pem"
  mv -f "$out/.key.pem" "$out/key.pem"
  mv -f "$out/.cert.pem" "$out/cert.pem"
  log "certificate for $name from ${1#"$store"/} handed to coturn"
}

trap 'exit 0' TERM INT
log "waiting for Caddy's certificate for $name"
while :; do
  crt="$(current)"
  if [ -n "$crt" ] && ! cmp -s "$crt" "$out/cert.pem" 2>/dev/null; then copy "$crt"; fi
  sleep "$interval" &
  wait $! || true
done
