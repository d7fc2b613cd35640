import { createRedis, JwksTokenVerifier, Lifecycle, type Logger } from '@shardgate/shared';
import type { ApiConfig } from './config.js';
import type { ApiDeps } from './deps.js';
import { Orders } from './domain/orders.js';
import { Profiles } from './domain/profiles.js';
import { ReadYourWrites } from './domain/read-your-writes.js';
import { Shards } from './domain/shards.js';
import { ApiMetrics } from './metrics.js';
import { ShardDatabase } from './store/shard-database.js';

/** Builds every dependency of the API app from its configuration (the composition root). */
export function createApiDeps(config: ApiConfig, logger: Logger): ApiDeps {
  const metrics = new ApiMetrics();
  const redis = createRedis(config.REDIS_URL, logger);
  const databases = config.shards.map(
    (urls) =>
      new ShardDatabase(urls, {
        poolSize: config.DATABASE_POOL_SIZE,
        replicaRetryMs: config.REPLICA_RETRY_MS,
        observe: metrics.dbOperation,
      }),
  );
  const shards = new Shards(config.shardMap, databases);
  const ryw = new ReadYourWrites(redis, config.READ_YOUR_WRITES_WINDOW_SECONDS);
  const profiles = new Profiles(redis, ryw, config.PROFILE_CACHE_TTL_SECONDS, metrics.profileCache);
  const orders = new Orders(ryw, (userId) => profiles.forget(userId));
  const verifier = new JwksTokenVerifier({
    jwksUrl: config.AUTH_JWKS_URL,
    issuer: config.AUTH_ISSUER,
    audience: config.AUTH_AUDIENCE,
    cacheSize: config.TOKEN_CACHE_SIZE,
  });
  return {
    config,
    logger,
    lifecycle: new Lifecycle(),
    metrics,
    redis,
    verifier,
    shards,
    profiles,
    orders,
  };
}

/** Releases the connections of {@link createApiDeps}. */
export async function closeApiDeps(deps: ApiDeps): Promise<void> {
  await Promise.all(deps.shards.all.map((shard) => shard.database.close()));
  deps.redis.disconnect();
}
