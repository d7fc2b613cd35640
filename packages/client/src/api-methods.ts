/** The API service's operations as methods: the caller's profile and orders. */
import type { ShardgateClient } from './client.js';
import type { OperationAt, QueryOf, Schema } from './operations.js';

/** What the API methods need of the client. */
export interface ApiMethodDeps {
  readonly request: ShardgateClient['request'];
}

/** Options of {@link ApiMethods.orders}`.create`. */
export interface CreateOrderOptions {
  /**
   * Makes the request safe to retry: the same key and body answer the first order, never a
   * second one. Send one per order the user meant to place, e.g. a `crypto.randomUUID()`.
   */
  readonly idempotencyKey?: string;
}

/** `client.api`: see each method. */
export interface ApiMethods {
  /** `GET /api/me`: the caller's profile, from their shard. */
  me(): Promise<Schema<'Profile'>>;
  readonly orders: {
    /** `POST /api/orders`: places a `pending` order. */
    create(body: Schema<'CreateOrder'>, options?: CreateOrderOptions): Promise<Schema<'Order'>>;
    /** `GET /api/orders/{id}`. */
    get(id: string): Promise<Schema<'Order'>>;
    /** `GET /api/orders`: a page, newest first; follow `nextCursor` until it is `null`. */
    list(query?: QueryOf<OperationAt<'/api/orders', 'GET'>>): Promise<Schema<'OrderPage'>>;
    /** `PATCH /api/orders/{id}` with `{ status: 'cancelled' }`. */
    cancel(id: string): Promise<Schema<'Order'>>;
  };
}

/** Builds `client.api`. */
export function apiMethods({ request }: ApiMethodDeps): ApiMethods {
  return {
    me: () => request('GET', '/api/me'),
    orders: {
      create: (body, options = {}) =>
        request('POST', '/api/orders', {
          json: body,
          ...(options.idempotencyKey
            ? { headers: { 'idempotency-key': options.idempotencyKey } }
            : {}),
        }),
      get: (id) => request('GET', '/api/orders/{id}', { params: { id } }),
      list: (query) => request('GET', '/api/orders', query ? { query } : {}),
      cancel: (id) =>
        request('PATCH', '/api/orders/{id}', { params: { id }, json: { status: 'cancelled' } }),
    },
  };
}
