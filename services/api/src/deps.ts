import type { JwksTokenVerifier, Lifecycle, Logger, Redis } from '@shardgate/shared';
import type { ApiConfig } from './config.js';
import type { Orders } from './domain/orders.js';
import type { Profiles } from './domain/profiles.js';
import type { Shards } from './domain/shards.js';
import type { ApiMetrics } from './metrics.js';

/** Everything the API app is built from; made by `createApiDeps`, passed to `createApiApp`. */
export interface ApiDeps {
  readonly config: ApiConfig;
  readonly logger: Logger;
  readonly lifecycle: Lifecycle;
  readonly metrics: ApiMetrics;
  readonly redis: Redis;
  readonly verifier: JwksTokenVerifier;
  readonly shards: Shards;
  readonly profiles: Profiles;
  readonly orders: Orders;
}
