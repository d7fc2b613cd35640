import type { RequestListener } from 'node:http';
import { createServiceApp, hstsSettings } from '@shardgate/shared';
import type Koa from 'koa';
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
 * The auth service's Koa app: the shared set-up (request context, errors, health, 405/404) around
 * the auth route table. `X-Forwarded-For` is trusted for `TRUST_PROXY_HOPS` hops only, and only
 * rate limiting reads it (`X-Forwarded-Proto` only for HSTS). Redis is deliberately not a
 * readiness check: without it every endpoint still answers from Postgres, and failing readiness
 * would take every auth pod out at once.
 */
export function createAuthApp(deps: AuthDeps): Koa<AuthState> {
  return createServiceApp<AuthState>({
    logger: deps.logger,
    observe: deps.metrics.observeRequest,
    lifecycle: deps.lifecycle,
    readiness: [{ name: 'database', check: () => deps.db.primaryReachable() }],
    router: authRouter(deps),
    trustProxyHops: deps.config.TRUST_PROXY_HOPS,
    hsts: hstsSettings(deps.config),
  });
}
