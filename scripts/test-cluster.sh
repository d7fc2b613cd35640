#!/usr/bin/env bash
# `npm run test:cluster`: the local Kubernetes cluster built from source (once; cached), shardgate
# deployed on it, then the suites that run through its ingress controller, against its Postgres
# replicas, Prometheus and NetworkPolicies (tests/cluster/). The cluster keeps running afterwards:
# `npm run cluster -- down` removes it. Arguments go to vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --cluster
run() { bash scripts/with-deps.sh "$@"; }
echo "== cluster up";     run tsx scripts/cluster/cli.ts up
echo "== cluster deploy"; run tsx scripts/cluster/cli.ts deploy
echo "== cluster tests";  run vitest run --project cluster "$@"
