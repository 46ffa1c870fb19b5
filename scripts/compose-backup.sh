#!/usr/bin/env bash
# Backup and restore of a docker-compose deployment's state (docs/deployment.md, "Backups"):
#   postgres.dump    the database, pg_dump's custom format (consistent while the stack runs)
#   recordings.tar   the recordings volume (/app/recordings in the server container)
#   caddy-data.tar   Caddy's certificates, ACME account and internal CA (/data in the caddy container)
#
#   bash scripts/compose-backup.sh backup  DIR [docker-compose options...]   stack running; nothing stops
#   bash scripts/compose-backup.sh restore DIR [docker-compose options...]   stops the server and caddy, replaces
#                                      the database, the recordings and Caddy's data with DIR's, starts them again
# Run it where docker-compose.yml and .env are, or pass -p/-f/--env-file as the docker-compose options.
set -euo pipefail
action="${1:-}"; dir="${2:-}"
[ -n "$action" ] && [ -n "$dir" ] || { sed -n '2,12p' "$0" >&2; exit 2; }
shift 2
dc() { docker-compose --ansi never "$@"; }
log() { printf '[compose-backup] %s\n' "$*" >&2; }

case "$action" in
  backup)
    mkdir -p "$dir"
    log "database -> $dir/postgres.dump"
    dc "$@" exec -T postgres pg_dump -U consulta -d consulta --format=custom >"$dir/postgres.dump.tmp"
    mv "$dir/postgres.dump.tmp" "$dir/postgres.dump"
    log "recordings -> $dir/recordings.tar"
    dc "$@" exec -T server tar -C /app/recordings -cf - . >"$dir/recordings.tar.tmp"
    mv "$dir/recordings.tar.tmp" "$dir/recordings.tar"
    log "caddy data -> $dir/caddy-data.tar"
    dc "$@" exec -T caddy tar -C /data -cf - . >"$dir/caddy-data.tar.tmp"
    mv "$dir/caddy-data.tar.tmp" "$dir/caddy-data.tar"
    log "done: $(du -sh "$dir" | cut -f1) in $dir"
    ;;
  restore)
    for f in postgres.dump recordings.tar caddy-data.tar; do
      [ -f "$dir/$f" ] || { log "missing $dir/$f"; exit 1; }
    done
    log "stopping server and caddy"
    dc "$@" stop server caddy
    log "database <- $dir/postgres.dump"
    dc "$@" exec -T postgres dropdb -U consulta --force --if-exists consulta
    dc "$@" exec -T postgres createdb -U consulta consulta
    dc "$@" exec -T postgres pg_restore -U consulta -d consulta --no-owner --exit-on-error <"$dir/postgres.dump"
    # One-off containers on the stopped services' volumes, fed the archives on stdin.
    log "recordings <- $dir/recordings.tar"
    dc "$@" run --rm --no-deps -T --entrypoint sh server \
      -c 'find /app/recordings -mindepth 1 -delete && tar -C /app/recordings -xf -' <"$dir/recordings.tar"
    log "caddy data <- $dir/caddy-data.tar"
    dc "$@" run --rm --no-deps -T --entrypoint sh caddy \
      -c 'find /data -mindepth 1 -delete && tar -C /data -xf -' <"$dir/caddy-data.tar"
    log "starting server and caddy"
    dc "$@" up -d server caddy
    ;;
  *) sed -n '2,12p' "$0" >&2; exit 2 ;;
esac
