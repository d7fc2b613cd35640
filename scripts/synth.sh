#!/usr/bin/env bash
# Synthesizes the cdk8s app (cdk8s/src/main.ts) into k8s/dev/ and k8s/prod/.
#   bash scripts/synth.sh [outRoot]   (or K8S_OUT_DIR=<outRoot>; default: <repo>/k8s; relative to the repo root)
# The output is byte-for-byte reproducible; tests/unit/synth-drift.test.ts synthesizes into a
# temporary folder and compares it with the committed k8s/. The infrastructure is rendered by the
# real `helm template` (scripts/bootstrap.sh installs Helm); set HELM to use another binary.
set -euo pipefail
cd "$(dirname "$0")/.."

helm_bin="${HELM:-helm}"
if ! command -v "$helm_bin" >/dev/null 2>&1; then
  for candidate in /usr/local/bin/helm "$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin/helm"; do
    if [ -x "$candidate" ]; then helm_bin="$candidate"; break; fi
  done
fi
if ! command -v "$helm_bin" >/dev/null 2>&1 && [ ! -x "$helm_bin" ]; then
  echo "synth: helm not found; run scripts/bootstrap.sh (it builds Helm with go install)" >&2
  exit 1
fi
export HELM="$helm_bin"

# cdk8s's Helm construct leaves its rendered chart in a mkdtemp folder; keep those in one
# private folder that is removed afterwards.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export TMPDIR="$work"

PATH="$PWD/node_modules/.bin:$PATH" tsx cdk8s/src/main.ts "$@"
