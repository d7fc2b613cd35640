import Koa, { type Context, type Middleware } from 'koa';
import { healthRoutes, type ReadinessCheck } from '../health.js';
import type { Lifecycle } from '../lifecycle.js';
import type { Logger } from '../logger.js';
import { errorHandler } from './error-handler.js';
import type { HstsSettings } from './hsts.js';
import { HttpError } from './http-error.js';
import { COMMON_PROBLEMS } from './problems.js';
import { type RequestObserver, type RequestState, requestContext } from './request-context.js';
import { securityHeaders } from './security-headers-middleware.js';

/** What the app needs of a route table (an `@koa/router` Router has it). */
export interface RouteTable<State> {
  /** The routes as middleware (typed `never` for the context: a router adds its own members). */
  routes(): Middleware<State, never>;
  /** The routes, to tell a wrong method (405) from an unknown path (404). */
  readonly stack: ReadonlyArray<{
    readonly methods: readonly string[];
    match(path: string): boolean;
  }>;
}

/** What a service's Koa app is built from. */
export interface ServiceAppOptions<State extends RequestState> {
  readonly logger: Logger;
  /** Records each request's duration and status (the service's metrics). */
  readonly observe: RequestObserver;
  /** Drives `/healthz` and `/readyz`. */
  readonly lifecycle: Lifecycle;
  /** What `/readyz` checks beyond the lifecycle; none by default. */
  readonly readiness?: readonly ReadinessCheck[];
  /** The service's one route table. */
  readonly router: RouteTable<State>;
  /**
   * How many proxies in front of the service may set `X-Forwarded-For` and `X-Forwarded-Proto`
   * (0: none, the peer's address is the client's and only an encrypted socket is TLS). Only what
   * reads `ctx.ip` and the HSTS decision are affected.
   */
  readonly trustProxyHops?: number;
  /** When answers carry `Strict-Transport-Security` (only ever on requests that came over TLS). */
  readonly hsts: HstsSettings;
  /** Runs for a request no route answered, before its 404 or 405 (to add a header, say). */
  readonly beforeNotFound?: (ctx: Context) => void;
}

/** Probes are not worth a log line each (they still are at debug level). */
const isProbe = (path: string): boolean => path === '/healthz' || path === '/readyz';

/**
 * The Koa app of a shardgate service, set up one way for all of them. Middleware, in order: the
 * request context (id, log line, metrics), the security headers (before everything that answers,
 * so errors, health checks, 404 and 405 carry them too), error rendering (problem+json),
 * `/healthz` and `/readyz`, the route table, then 405 with `Allow` for a known path or 404.
 */
export function createServiceApp<State extends RequestState>(
  options: ServiceAppOptions<State>,
): Koa<State> {
  const app = new Koa<State>();
  app.silent = true; // errors are logged by errorHandler, with the request id
  const hops = options.trustProxyHops ?? 0;
  app.proxy = hops > 0;
  app.maxIpsCount = hops;
  const { router } = options;
  app.use(
    requestContext({ logger: options.logger, observe: options.observe, quietPaths: isProbe }),
  );
  app.use(securityHeaders({ hsts: options.hsts, trustProxyHops: hops }));
  app.use(errorHandler(options.logger));
  app.use(healthRoutes(options.lifecycle, options.readiness));
  app.use(router.routes());
  app.use(async function methodOrNotFound(ctx) {
    options.beforeNotFound?.(ctx);
    const allowed = router.stack
      .filter((layer) => layer.methods.length > 0 && layer.match(ctx.path))
      .flatMap((layer) => layer.methods);
    if (allowed.length > 0) {
      throw new HttpError(
        COMMON_PROBLEMS.method_not_allowed,
        `${ctx.method} is not allowed here.`,
        {
          headers: { Allow: [...new Set(allowed)].join(', ') },
        },
      );
    }
    throw new HttpError(COMMON_PROBLEMS.not_found, 'No such resource.');
  });
  return app;
}
