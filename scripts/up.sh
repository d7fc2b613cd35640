#!/usr/bin/env bash
# `npm run up`: system tools, npm dependencies, build, then the whole stack of real servers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/with-deps.sh bash scripts/build.sh
exec bash scripts/with-deps.sh tsx scripts/stack/cli.ts up "$@"
