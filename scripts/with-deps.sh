#!/usr/bin/env bash
# Runs a command from the repository root after making sure the npm dependencies are installed
# and match package-lock.json, so `npm run up` and `npm test` work on a fresh clone. The command
# (and `npm ci`) run on the project's Node.js: the pinned one goes first on PATH when the
# machine's node is older (scripts/node-env.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/node-env.sh
source scripts/node-env.sh
shardgate_use_node
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
PATH="$PWD/node_modules/.bin:$PATH" exec "$@"
