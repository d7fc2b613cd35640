#!/bin/sh
# Entrypoint of the node stand-in image (images/node/Containerfile), written for shardgate after
# the documented behaviour of the official image's: what is not a command (an option such as
# --version, a script file that is not executable) is run by node; anything else runs as given.
set -e

if [ "${1#-}" != "$1" ] || ! command -v "$1" >/dev/null 2>&1 || { [ -f "$1" ] && [ ! -x "$1" ]; }; then
  set -- node "$@"
fi

exec "$@"
