#!/usr/bin/env bash
# `npm test`: every check and every suite but the Kubernetes cluster's (`npm run test:cluster`).
# System tools and npm dependencies are installed first; the integration suites start their own
# stack of real servers on shifted ports (see tests/support/test-stack.ts) and stop it afterwards. Everything runs on the project's Node.js
# (scripts/node-env.sh). Arguments go to vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
# --cluster: the image suites need podman, the release suite skopeo, the dev-secrets suite openssl
# (the cluster's packages), so that `npm test` alone passes on a fresh machine.
bash scripts/bootstrap.sh --cluster
# shellcheck source=scripts/node-env.sh
source scripts/node-env.sh
shardgate_use_node
run() { bash scripts/with-deps.sh "$@"; }
echo "== lint";      run biome check .
echo "== build";     run bash scripts/build.sh
echo "== typecheck"; run tsc -p tsconfig.json --noEmit
echo "== tests";     run vitest run --project unit --project integration "$@"
