import type { RequestObserver } from '@shardgate/shared';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/**
 * Every metric of the API service, in one place; the rest of the code reports through these
 * methods and never imports prom-client. Served on METRICS_PORT.
 */
export class ApiMetrics {
  readonly registry = new Registry();

  readonly #requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route, status and shard',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });
  readonly #duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method and route',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly #db = new Histogram({
    name: 'db_query_duration_seconds',
    help: 'Database operation duration by shard, role (primary/replica) and operation; _count is the query count',
    labelNames: ['shard', 'role', 'operation'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly #cache = new Counter({
    name: 'cache_lookups_total',
    help: 'Cache lookups by cache and result',
    labelNames: ['cache', 'result'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
  }

  readonly observeRequest: RequestObserver = ({ method, route, status }, seconds) => {
    this.#requests.inc({ method, route, status: String(status) });
    this.#duration.observe({ method, route }, seconds);
  };

  readonly dbOperation = (shard: string, role: string, operation: string, seconds: number) =>
    this.#db.observe({ shard, role, operation }, seconds);
  readonly profileCache = (result: string) => this.#cache.inc({ cache: 'profile', result });
}
