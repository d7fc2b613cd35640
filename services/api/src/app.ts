import { healthRoutes, type Lifecycle } from '@shardgate/shared';
import Koa from 'koa';

/** What the app needs from outside; grows with the service. */
export interface ApiAppDeps {
  readonly lifecycle: Lifecycle;
}

/** The API service's Koa app: health only until the orders API lands (issue 4). */
export function createApiApp(deps: ApiAppDeps): Koa {
  const app = new Koa();
  app.use(healthRoutes(deps.lifecycle));
  return app;
}
