import type { RequestListener } from 'node:http';
import { errorHandler, HttpError, healthRoutes, requestContext } from '@shardgate/shared';
import Koa from 'koa';
import type { AuthDeps } from './deps.js';
import type { AuthState } from './http/auth-state.js';
import { withGatewayVerify } from './routes/verify.js';
import { authRouter } from './routes.js';

/**
 * The auth service's request handler: `/verify` (the gateway's hot path) served directly, and
 * everything else by the Koa app.
 */
export function createAuthHandler(deps: AuthDeps): RequestListener {
  return withGatewayVerify(deps, createAuthApp(deps).callback());
}

/**
 * The auth service's Koa app. Middleware, in order: request context (id, log line, metrics),
 * error rendering, health, the route table, then 405/404.
 */
export function createAuthApp(deps: AuthDeps): Koa<AuthState> {
  const app = new Koa<AuthState>();
  // X-Forwarded-For is trusted for TRUST_PROXY_HOPS hops only, and only rate limiting reads it
  app.proxy = deps.config.TRUST_PROXY_HOPS > 0;
  app.maxIpsCount = deps.config.TRUST_PROXY_HOPS;
  app.silent = true; // errors are logged by errorHandler, with the request id

  const router = authRouter(deps);
  app.use(
    requestContext({
      logger: deps.logger,
      observe: deps.metrics.observeRequest,
      quietPaths: (path) => path === '/healthz' || path === '/readyz',
    }),
  );
  app.use(errorHandler(deps.logger));
  // Redis is deliberately not a readiness check: without it every endpoint still answers from
  // Postgres, and failing readiness would take every auth pod out of rotation at once.
  app.use(
    healthRoutes(deps.lifecycle, [{ name: 'database', check: () => deps.db.primaryReachable() }]),
  );
  app.use(router.routes());
  app.use(async function methodOrNotFound(ctx) {
    const allowed = router.stack
      .filter((layer) => layer.match(ctx.path))
      .flatMap((layer) => layer.methods);
    if (allowed.length > 0) {
      throw new HttpError(405, 'method_not_allowed', `${ctx.method} is not allowed here.`, {
        headers: { Allow: [...new Set(allowed)].join(', ') },
      });
    }
    throw new HttpError(404, 'not_found', 'No such resource.');
  });
  return app;
}
