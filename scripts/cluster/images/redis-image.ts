import { ensureDebianStandIn } from './debian-stand-in.js';
import type { BuiltImage } from './image-cache.js';

/** The image charts/redis names (`redis:7.2.12-bookworm`, fully qualified). */
export const REDIS_IMAGE = 'docker.io/library/redis:7.2.12-bookworm';

/**
 * The redis stand-in (`images/redis/`): Debian 12's redis-server, which is Redis 7.0 rather than
 * 7.2, with `redis-cli`, user `redis` 999, `/data`, and an entrypoint of this project's own with
 * the official one's behaviour. Built once, then cached.
 */
export function ensureRedisImage(): Promise<BuiltImage> {
  return ensureDebianStandIn({
    name: 'redis',
    ref: REDIS_IMAGE,
    packages: ['redis-server', 'redis-tools', 'libc6'],
    describe: (versions) => {
      const server = versions.get('redis-server') ?? '?';
      const upstream = server.replace(/^\d+:/, '').replace(/-.*/, '');
      return {
        title: 'redis',
        standsInFor: REDIS_IMAGE,
        version: server,
        contains: `Redis ${upstream} from Debian 12 (redis-server ${server}), not Redis 7.2.12; the entrypoint is shardgate's own (images/redis/docker-entrypoint.sh)`,
        debianPackages: versions,
      };
    },
  });
}
