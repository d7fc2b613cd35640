import { readFileSync } from 'node:fs';
import Router from '@koa/router';
import type { ApiDeps } from './deps.js';
import type { ApiState } from './http/api-state.js';
import { identify } from './http/identify.js';
import { orderRoutes } from './routes/orders.js';
import { profileRoutes } from './routes/profiles.js';

const openApi = readFileSync(new URL('../openapi.json', import.meta.url), 'utf8');

/** Every route of the API service, in one table; all under `/api`, all identified. */
export function apiRouter(deps: ApiDeps): Router<ApiState> {
  const router = new Router<ApiState>({ prefix: '/api' });
  const profiles = profileRoutes(deps);
  const orders = orderRoutes(deps);
  router.use(identify(deps));
  router
    .get('/me', profiles.showMe)
    .post('/users', profiles.saveProfile)
    .post('/orders', orders.placeOrder)
    .get('/orders', orders.listOrders)
    .get('/orders/:id', orders.showOrder)
    .patch('/orders/:id', orders.updateOrder)
    .get('/openapi.json', async function openApiDocument(ctx) {
      ctx.type = 'application/json';
      ctx.body = openApi;
    });
  return router;
}
