import { createServiceApp, hstsSettings } from '@shardgate/shared';
import type Koa from 'koa';
import type { ApiDeps } from './deps.js';
import type { ApiState } from './http/api-state.js';
import { apiRouter } from './routes.js';

/**
 * The API service's Koa app: the shared set-up (request context, errors, health, 405/404) around
 * the API's route table. Readiness does not check the shards: one shard's outage must not take
 * the others' traffic away.
 */
export function createApiApp(deps: ApiDeps): Koa<ApiState> {
  return createServiceApp<ApiState>({
    logger: deps.logger,
    observe: deps.metrics.observeRequest,
    lifecycle: deps.lifecycle,
    router: apiRouter(deps),
    // the gateway's X-Forwarded-Proto says whether the client used TLS (HSTS)
    trustProxyHops: deps.config.TRUST_PROXY_HOPS,
    hsts: hstsSettings(deps.config),
    // every /api answer says which shard served it; no route, no shard
    beforeNotFound(ctx) {
      if (ctx.path.startsWith('/api')) ctx.set('X-Shard', ctx.response.get('X-Shard') || 'none');
    },
  });
}
