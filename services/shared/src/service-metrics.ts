import { collectDefaultMetrics, type Registry } from 'prom-client';
import type { RequestObserver } from './http/request-context.js';
import { SlottedCounter, SlottedHistogram } from './slotted-metrics.js';

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
  const requests = new SlottedCounter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const duration = new SlottedHistogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method and route',
    labelNames: ['method', 'route'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const db = new SlottedHistogram({
    name: 'db_query_duration_seconds',
    help: 'Database operation duration by shard, role (primary/replica) and operation; _count is the query count',
    labelNames: ['shard', 'role', 'operation'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const cache = new SlottedCounter({
    name: 'cache_lookups_total',
    help: 'Cache lookups by cache (or cache layer) and result',
    labelNames: ['cache', 'result'],
    registers: [registry],
  });
  return {
    // the label values in each metric's labelNames order (slotted-metrics.ts says why positional)
    cacheLookup: (name, result) => cache.count(name, result),
    observeRequest: ({ method, route, status }, seconds) => {
      requests.count(method, route, status);
      duration.observeAt(seconds, method, route);
    },
    dbOperation: (shard, role, operation, seconds) => db.observeAt(seconds, shard, role, operation),
  };
}
