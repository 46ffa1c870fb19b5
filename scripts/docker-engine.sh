#!/usr/bin/env bash
# Makes a Docker engine available for the compose test and for operators trying the stack on a Debian host:
# installs Debian's docker.io and docker-compose when missing, and starts dockerd in the background when nothing
# answers on the socket (these machines have no systemd). Idempotent; prints nothing on success unless -v.
#   bash scripts/docker-engine.sh          ensure the engine runs
#   bash scripts/docker-engine.sh --stop   stop a dockerd this script started (by the pid it recorded)
set -euo pipefail

log() { printf '[docker-engine] %s\n' "$*" >&2; }
pidfile=/run/consulta-dockerd.pid
logfile=/var/log/consulta-dockerd.log
# Debian's docker CLI; another `docker` earlier in PATH (a newer static client) works too, but scripts call this one.
docker=/usr/bin/docker

if [ "${1:-}" = --stop ]; then
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    kill "$(cat "$pidfile")"
    log "stopped dockerd (pid $(cat "$pidfile"))"
  fi
  rm -f "$pidfile"
  exit 0
fi

sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
need=()
[ -x /usr/sbin/dockerd ] || need+=(docker.io)
command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
# mmdebstrap builds the debian base image's root filesystem (infra/docker/debian).
command -v mmdebstrap >/dev/null 2>&1 || need+=(mmdebstrap)
if [ ${#need[@]} -gt 0 ]; then
  log "installing Debian packages: ${need[*]}"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if $docker info >/dev/null 2>&1; then exit 0; fi

# dockerd sets the host's FORWARD policy to DROP when it has to turn IP forwarding on itself; with forwarding
# already on it leaves the policy alone, so network namespaces other tests route through the host keep working.
if [ "$(cat /proc/sys/net/ipv4/ip_forward)" != 1 ]; then
  $sudo sysctl -q -w net.ipv4.ip_forward=1
fi
log "starting dockerd (log: $logfile)"
# setsid: the daemon outlives this script and the shell that ran it.
$sudo setsid /usr/sbin/dockerd --storage-driver=overlay2 >>"$logfile" 2>&1 < /dev/null &
echo $! | $sudo tee "$pidfile" >/dev/null
for _ in $(seq 1 120); do
  if $docker info >/dev/null 2>&1; then exit 0; fi
  if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    log "dockerd exited; last lines of $logfile:"
    tail -n 20 "$logfile" >&2
    exit 1
  fi
  sleep 0.5
done
log "dockerd did not answer within 60 s; see $logfile"
exit 1
