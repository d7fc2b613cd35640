import { Counter, collectDefaultMetrics, Histogram, type Registry } from 'prom-client';
import type { RequestObserver } from './http/request-context.js';

/** Receives the duration of each database operation. */
export type DbOperationObserver = (
  shard: string,
  role: string,
  operation: string,
  seconds: number,
) => void;

/** Counts one lookup of the cache `cache` (`hit`, `miss`, ...). */
export type CacheLookupObserver = (cache: string, result: string) => void;

/**
 * The metrics every shardgate service exports, registered on `registry`: Node's defaults (event
 * loop lag among them), HTTP requests by method, route and status with their duration, and
 * database operations by shard, role (primary/replica) and operation (`_count` is the query count),
 * and cache lookups by cache and result.
 */
export function registerServiceMetrics(registry: Registry): {
  observeRequest: RequestObserver;
  dbOperation: DbOperationObserver;
  cacheLookup: CacheLookupObserver;
} {
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method and route',
    labelNames: ['method', 'route'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const db = new Histogram({
    name: 'db_query_duration_seconds',
    help: 'Database operation duration by shard, role (primary/replica) and operation; _count is the query count',
    labelNames: ['shard', 'role', 'operation'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const cache = new Counter({
    name: 'cache_lookups_total',
    help: 'Cache lookups by cache (or cache layer) and result',
    labelNames: ['cache', 'result'],
    registers: [registry],
  });
  return {
    cacheLookup: (name, result) => cache.inc({ cache: name, result }),
    observeRequest: ({ method, route, status }, seconds) => {
      requests.inc({ method, route, status: String(status) });
      duration.observe({ method, route }, seconds);
    },
    dbOperation: (shard, role, operation, seconds) =>
      db.observe({ shard, role, operation }, seconds),
  };
}
