import type { RequestObserver } from '@shardgate/shared';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** Outcomes of `/verify`, one counter series each. */
export type VerifyOutcome = 'allowed' | 'invalid_token' | 'revoked' | 'inactive' | 'error';

/**
 * Every metric of the auth service, in one place; the rest of the code reports through these
 * methods and never imports prom-client. Served on METRICS_PORT.
 */
export class AuthMetrics {
  readonly registry = new Registry();

  readonly #requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });
  readonly #duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method and route',
    labelNames: ['method', 'route'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly #verify = new Counter({
    name: 'auth_verify_total',
    help: 'Gateway /verify answers by outcome',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly #logins = new Counter({
    name: 'auth_login_total',
    help: 'Login attempts by outcome',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly #cache = new Counter({
    name: 'cache_lookups_total',
    help: 'Identity-state cache lookups by cache layer and result',
    labelNames: ['cache', 'result'],
    registers: [this.registry],
  });
  readonly #db = new Histogram({
    name: 'db_query_duration_seconds',
    help: 'Database operation duration by role (primary/replica) and operation',
    labelNames: ['shard', 'role', 'operation'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly #bcrypt = new Histogram({
    name: 'auth_bcrypt_duration_seconds',
    help: 'bcrypt hash and compare duration',
    labelNames: ['operation'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2],
    registers: [this.registry],
  });

  constructor() {
    // includes nodejs_eventloop_lag_seconds and its percentiles
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
  }

  readonly observeRequest: RequestObserver = ({ method, route, status }, seconds) => {
    this.#requests.inc({ method, route, status: String(status) });
    this.#duration.observe({ method, route }, seconds);
  };

  readonly verifyOutcome = (outcome: VerifyOutcome) => this.#verify.inc({ outcome });
  readonly loginOutcome = (outcome: string) => this.#logins.inc({ outcome });
  readonly cacheLookup = (cache: string, result: string) => this.#cache.inc({ cache, result });
  readonly dbOperation = (role: string, operation: string, seconds: number) =>
    this.#db.observe({ shard: 'auth', role, operation }, seconds);
  readonly bcryptOperation = (operation: string, seconds: number) =>
    this.#bcrypt.observe({ operation }, seconds);
}
