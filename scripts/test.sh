#!/usr/bin/env bash
# `npm test`: every check and every suite. System tools and npm dependencies are installed first;
# the integration suites start their own stack of real servers on shifted ports (see
# tests/support/test-stack.ts) and stop it afterwards. Arguments go to vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
run() { bash scripts/with-deps.sh "$@"; }
echo "== lint";      run biome check .
echo "== build";     run bash scripts/build.sh
echo "== typecheck"; run tsc -p tsconfig.json --noEmit
echo "== tests";     run vitest run "$@"
