#!/usr/bin/env bash
# Generates the Prisma clients, then compiles the services to dist/ (tsc project references).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
bash scripts/prisma-generate.sh
tsc -b services/shared services/auth services/api
