#!/usr/bin/env bash
# Generates the Prisma clients of the services whose schema has a generator (the auth service's:
# services/*/prisma/schema.prisma → src/generated/).
# Generation itself runs on Prisma's bundled WebAssembly, but the CLI insists on finding its
# schema-engine binary, which cannot be downloaded on machines without Prisma's CDN. When none is
# installed, point it at a stub that explains itself if anything ever tries to run it.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${PRISMA_SCHEMA_ENGINE_BINARY:-}" ] && ! compgen -G 'node_modules/@prisma/engines/schema-engine-*' >/dev/null; then
  export PRISMA_SCHEMA_ENGINE_BINARY="$PWD/scripts/prisma-schema-engine-stub.sh"
fi
for schema in services/*/prisma/schema.prisma; do
  # a schema without a generator (the API's) only defines tables and migrations
  grep -q '^generator ' "$schema" || continue
  service_dir="$(dirname "$(dirname "$schema")")"
  (cd "$service_dir" && ../../node_modules/.bin/prisma generate --no-hints >/dev/null)
done
