#!/bin/sh
# Entrypoint of the redis stand-in image (images/redis/Containerfile), written for shardgate after
# the documented behaviour of the official image's: options or a config file alone are arguments
# of redis-server; as root it takes /data and drops to the redis user; redis-server starts with a
# umask that keeps its files private. charts/redis replaces it (its own command runs redis-server).
set -e

case "$1" in
  -* | *.conf) set -- redis-server "$@" ;;
esac

if [ "$1" = redis-server ]; then
  if [ "$(id -u)" = 0 ]; then
    # /data may be a fresh volume owned by root
    find . \! -user redis -exec chown redis '{}' + 2>/dev/null || true
    exec setpriv --reuid=redis --regid=redis --init-groups -- "$0" "$@"
  fi
  # The official image is built with protected mode off by default (a container is reached from
  # other addresses); Debian's redis-server keeps it on. Without a config file the defaults decide,
  # so the option restores the official default. With a config file, the file decides.
  conf=
  for arg in "$@"; do
    case "$arg" in *.conf) conf=yes ;; esac
  done
  if [ -z "$conf" ]; then
    shift
    set -- redis-server --protected-mode no "$@"
  fi
  umask 0077
fi

exec "$@"
