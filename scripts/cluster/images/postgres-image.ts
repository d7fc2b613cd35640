import { ensureDebianStandIn } from './debian-stand-in.js';
import type { BuiltImage } from './image-cache.js';

/** The image charts/postgres-shard names (`postgres:15.20-bookworm`, fully qualified). */
export const POSTGRES_IMAGE = 'docker.io/library/postgres:15.20-bookworm';

/**
 * The postgres stand-in (`images/postgres/`): Debian 12's postgresql-15, user `postgres` 999,
 * `PGDATA` and `PATH` as in the official image, en_US.UTF-8, and this project's own
 * `docker-entrypoint.sh` implementing the official entrypoint's documented interface (initdb,
 * `/docker-entrypoint-initdb.d`, `POSTGRES_*`). Built once, then cached.
 */
export function ensurePostgresImage(): Promise<BuiltImage> {
  return ensureDebianStandIn({
    name: 'postgres',
    ref: POSTGRES_IMAGE,
    packages: ['postgresql-15', 'postgresql-client-15', 'postgresql-common', 'locales', 'libc6'],
    describe: (versions) => {
      const server = versions.get('postgresql-15') ?? '?';
      return {
        title: 'postgres',
        standsInFor: POSTGRES_IMAGE,
        version: server,
        contains: `PostgreSQL ${server.replace(/-.*/, '')} from Debian 12 (postgresql-15 ${server}), Debian's build rather than apt.postgresql.org's; the entrypoint is shardgate's own (images/postgres/docker-entrypoint.sh)`,
        debianPackages: versions,
      };
    },
  });
}
