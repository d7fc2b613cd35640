#!/usr/bin/env bash
# `npm run up`: system tools, npm dependencies, build, then the whole stack of real servers, all on
# the project's Node.js (scripts/node-env.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
# shellcheck source=scripts/node-env.sh
source scripts/node-env.sh
shardgate_use_node
bash scripts/with-deps.sh bash scripts/build.sh
exec bash scripts/with-deps.sh tsx --conditions=source scripts/stack/cli.ts up "$@"
