#!/bin/sh
# Entrypoint of the "coturn" service (docker-compose.yml): runs turnserver with the given options and, when TURN
# over TLS is configured, sends it SIGUSR2 (coturn's "reload TLS certificates", without dropping relays) whenever
# the turn-tls service has replaced the certificate. Runs as coturn's unprivileged user; the signal stays within
# this container.
set -eu
cert=/etc/consulta-turn-tls/cert.pem
interval="${TURN_TLS_CHECK_SECONDS:-60}"

turnserver "$@" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null' TERM INT

stamp() { cksum <"$cert" 2>/dev/null || true; }
seen="$(stamp)"
while kill -0 "$pid" 2>/dev/null; do
  sleep "$interval" &
  wait $! || true
  now="$(stamp)"
  if [ -n "$now" ] && [ "$now" != "$seen" ]; then
    echo "[coturn-run] new TLS certificate: reloading"
    kill -USR2 "$pid" 2>/dev/null || true
    seen="$now"
  fi
done
wait "$pid"
