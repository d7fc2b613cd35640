#!/usr/bin/env bash
# Compiles the services to dist/ (tsc project references).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
tsc -b services/shared services/auth services/api
