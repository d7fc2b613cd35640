#!/bin/sh
# Stands in for Prisma's schema-engine binary where it cannot be downloaded; see prisma-generate.sh.
echo "Prisma's schema engine is not installed here. Apply migrations with shardgate-migrate (docs/migrations.md)." >&2
exit 1
