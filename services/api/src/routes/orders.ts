import { HttpError, readJsonBody, storableQuery, validateBody } from '@shardgate/shared';
import type { Context } from 'koa';
import type { ApiDeps } from '../deps.js';
import type { ApiState } from '../http/api-state.js';
import { identified } from '../http/identify.js';
import {
  IDEMPOTENCY_KEY,
  listQuery,
  ORDER_ID,
  orderBody,
  orderPatchBody,
} from '../http/schemas.js';
import { API_PROBLEMS } from '../problems.js';

type Ctx = Context & { state: ApiState; params: Record<string, string> };

function orderId(ctx: Ctx): string {
  const id = ctx.params.id ?? '';
  if (!ORDER_ID.test(id)) throw new HttpError(API_PROBLEMS.not_found, 'No such order.');
  return id;
}

/** `/api/orders` and `/api/orders/:id`. */
export function orderRoutes(deps: Pick<ApiDeps, 'orders'>) {
  return {
    /** Places an order; honours `Idempotency-Key`. */
    async placeOrder(ctx: Ctx) {
      // a header sent empty is a malformed key, not an absent one: the client meant something
      const sent = ctx.headers['idempotency-key'] !== undefined;
      const key = ctx.get('Idempotency-Key');
      if (sent && !IDEMPOTENCY_KEY.test(key)) {
        throw new HttpError(API_PROBLEMS.validation_failed, 'The request is invalid.', {
          errors: [
            {
              field: 'Idempotency-Key',
              code: 'invalid_string',
              message: 'must be 1-255 printable ASCII characters',
            },
          ],
        });
      }
      const body = validateBody(orderBody, await readJsonBody(ctx));
      const { caller, shard } = identified(ctx.state);
      const { order, replayed } = await deps.orders.place(caller, shard, body, sent ? key : null);
      ctx.status = 201;
      ctx.set('Location', `/api/orders/${order.id}`);
      if (replayed) ctx.set('Idempotent-Replayed', 'true');
      ctx.body = order;
    },

    /** The caller's orders, newest first, by cursor. */
    async listOrders(ctx: Ctx) {
      const query = validateBody(listQuery, storableQuery(ctx));
      const { caller, shard } = identified(ctx.state);
      ctx.body = await deps.orders.list(caller, shard, query.limit ?? 20, query.cursor ?? null);
    },

    async showOrder(ctx: Ctx) {
      const { caller, shard } = identified(ctx.state);
      ctx.body = await deps.orders.get(caller, shard, orderId(ctx));
    },

    /** `{status: "cancelled"}`: 409 when the order can no longer be cancelled. */
    async updateOrder(ctx: Ctx) {
      const id = orderId(ctx);
      const body = validateBody(orderPatchBody, await readJsonBody(ctx));
      const { caller, shard } = identified(ctx.state);
      ctx.body = await deps.orders.changeStatus(caller, shard, id, body.status);
    },
  };
}
