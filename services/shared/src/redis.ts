import { Redis } from 'ioredis';
import type { Logger } from './logger.js';

export type { Redis } from 'ioredis';

/**
 * Creates the Redis client of a service, tuned so that a Redis outage slows nothing down: commands
 * fail at once while disconnected (no offline queue) and after `commandTimeoutMs` when Redis
 * hangs, so callers fall back to Postgres; the client reconnects by itself, forever, with backoff.
 */
export function createRedis(url: string, logger: Logger, commandTimeoutMs = 250): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1_000,
    commandTimeout: commandTimeoutMs,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
    lazyConnect: false,
    // commands issued in the same tick (concurrent requests' lookups) leave in one write: under
    // load a write per command was a tenth of the API's CPU (docs/benchmarks.md)
    enableAutoPipelining: true,
  });
  let lastLogged = 0;
  redis.on('error', (error: Error) => {
    // one line per 10 s at most: a down Redis must not flood the logs
    if (Date.now() - lastLogged > 10_000) {
      lastLogged = Date.now();
      logger.warn(
        { err: { message: error.message } },
        'redis unavailable; falling back to Postgres',
      );
    }
  });
  redis.on('ready', () => logger.info('redis connected'));
  return redis;
}
