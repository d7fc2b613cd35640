import { errorHandler, HttpError, healthRoutes, requestContext } from '@shardgate/shared';
import Koa from 'koa';
import type { ApiDeps } from './deps.js';
import type { ApiState } from './http/api-state.js';
import { apiRouter } from './routes.js';

/**
 * The API service's Koa app. Middleware, in order: request context (id, log line, metrics), error
 * rendering, health, the route table (identity first), then 405/404 (with `X-Shard: none`).
 */
export function createApiApp(deps: ApiDeps): Koa<ApiState> {
  const app = new Koa<ApiState>();
  app.silent = true;
  const router = apiRouter(deps);
  app.use(
    requestContext({
      logger: deps.logger,
      observe: deps.metrics.observeRequest,
      quietPaths: (path) => path === '/healthz' || path === '/readyz',
    }),
  );
  app.use(errorHandler(deps.logger));
  // Readiness does not check the shards: one shard's outage must not take the others' traffic away.
  app.use(healthRoutes(deps.lifecycle));
  app.use(router.routes());
  app.use(async function methodOrNotFound(ctx) {
    if (ctx.path.startsWith('/api')) ctx.set('X-Shard', ctx.response.get('X-Shard') || 'none');
    const allowed = router.stack
      .filter((layer) => layer.methods.length > 0 && layer.match(ctx.path))
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
