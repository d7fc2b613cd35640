import { healthRoutes, type Lifecycle } from '@shardgate/shared';
import Koa from 'koa';

/** What the app needs from outside; grows with the service. */
export interface AuthAppDeps {
  readonly lifecycle: Lifecycle;
}

/**
 * The auth service's Koa app. Until accounts and tokens land (issue 3), `/verify` denies every
 * request, so the gateway already fails closed.
 */
export function createAuthApp(deps: AuthAppDeps): Koa {
  const app = new Koa();
  app.use(healthRoutes(deps.lifecycle));
  app.use(async function verify(ctx, next) {
    if (ctx.path !== '/verify' && !ctx.path.startsWith('/verify/')) return next();
    ctx.status = 401;
    ctx.set('WWW-Authenticate', 'Bearer error="invalid_token"');
    ctx.set('Cache-Control', 'no-store');
  });
  return app;
}
