#!/usr/bin/env bash
# Generates the client's types from the services' OpenAPI documents, then compiles the services
# and the client to dist/ (tsc project references).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
tsx packages/client/codegen/cli.ts
tsc -b services/shared services/auth services/api packages/client
