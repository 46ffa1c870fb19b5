#!/bin/sh
# As in the official coturn image: options alone run turnserver with them.
set -e
case "${1:-}" in -*) set -- turnserver "$@" ;; esac
exec "$@"
