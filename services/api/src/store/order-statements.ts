import { NOW_UTC, statement, utcColumn } from '@shardgate/shared';
import type { OrderStatus } from '../types/orders.js';

/**
 * The SQL of every order operation, one prepared statement each: a read returns the orders with
 * their items aggregated as JSON (Prisma's `include` ran two queries through its query compiler;
 * measured in docs/benchmarks.md). Timestamps follow statement.ts: written as `NOW_UTC`, read
 * through `utcColumn`.
 */

/** An order with its items, as stored. Amounts are integer cents. */
export interface OrderRecord {
  readonly id: string;
  readonly userId: number;
  readonly status: OrderStatus;
  readonly currency: string;
  readonly totalCents: bigint;
  readonly idempotencyKey: string | null;
  readonly requestHash: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly items: ReadonlyArray<{ sku: string; quantity: number; unitPriceCents: number }>;
}

/** A row of the statements below, as `pg` parses it. */
export interface OrderRow {
  readonly id: string;
  readonly user_id: number;
  readonly status: OrderStatus;
  readonly currency: string;
  /** `bigint` arrives as text: `pg` does not guess at precision. */
  readonly total_cents: string;
  readonly idempotency_key: string | null;
  readonly request_hash: string | null;
  readonly created_at: Date;
  readonly updated_at: Date;
  /** `[sku, quantity, unitPriceCents]` per item, in order; absent where the caller knows them. */
  readonly items?: ReadonlyArray<readonly [string, number, number]>;
}

/** The row as the store hands it on; `items` when the row does not carry them. */
export function toOrderRecord(row: OrderRow, items?: OrderRecord['items']): OrderRecord {
  return {
    id: row.id,
    userId: row.user_id,
    status: row.status,
    currency: row.currency,
    totalCents: BigInt(row.total_cents),
    idempotencyKey: row.idempotency_key,
    requestHash: row.request_hash,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    items:
      items ??
      (row.items ?? []).map(([sku, quantity, unitPriceCents]) => ({
        sku,
        quantity,
        unitPriceCents,
      })),
  };
}

const COLUMNS = `o.id, o.user_id, o.status, o.currency, o.total_cents, o.idempotency_key,
  o.request_hash, ${utcColumn('o.created_at')}, ${utcColumn('o.updated_at')}`;

const ITEMS = `(SELECT coalesce(json_agg(json_build_array(i.sku, i.quantity, i.unit_price_cents)
  ORDER BY i.position), '[]') FROM order_items i WHERE i.order_id = o.id) AS items`;

/** $1 order id, $2 user id. */
export const FIND_ORDER = statement(
  'order.find',
  `SELECT ${COLUMNS}, ${ITEMS} FROM orders o WHERE o.id = $1 AND o.user_id = $2`,
);

/** $1 user id, $2 idempotency key. */
export const FIND_ORDER_BY_KEY = statement(
  'order.findByKey',
  `SELECT ${COLUMNS}, ${ITEMS} FROM orders o WHERE o.user_id = $1 AND o.idempotency_key = $2`,
);

/** $1 user id, $2 limit: the newest orders. Walks the (user_id, created_at DESC, id DESC) index. */
export const FIRST_PAGE = statement(
  'order.page.first',
  `SELECT ${COLUMNS}, ${ITEMS} FROM orders o WHERE o.user_id = $1
   ORDER BY o.created_at DESC, o.id DESC LIMIT $2`,
);

/**
 * $1 user id, $2 limit, $3 the cursor's instant (ISO 8601 with `Z`), $4 its order id: the orders
 * strictly older than the cursor, in the same order. The row comparison uses the same index.
 */
export const NEXT_PAGE = statement(
  'order.page.next',
  `SELECT ${COLUMNS}, ${ITEMS} FROM orders o WHERE o.user_id = $1
   AND (o.created_at, o.id) < ($3::timestamptz AT TIME ZONE 'UTC', $4::uuid)
   ORDER BY o.created_at DESC, o.id DESC LIMIT $2`,
);

/**
 * One statement, so one transaction: the user's profile if it is missing (ON CONFLICT, so
 * concurrent first orders cannot collide on it), the order, and its items from three parallel
 * arrays. Foreign keys are checked at the end of the statement, when all three are in.
 * $1 id, $2 user id, $3 email, $4 currency, $5 total, $6 idempotency key, $7 request hash,
 * $8 skus, $9 quantities, $10 unit prices. Returns the order and whether the profile was created.
 */
export const CREATE_ORDER = statement(
  'order.create',
  `WITH profile AS (
     INSERT INTO profiles (user_id, email, created_at, updated_at)
     VALUES ($2, $3, ${NOW_UTC}, ${NOW_UTC})
     ON CONFLICT (user_id) DO NOTHING
     RETURNING user_id
   ), o AS (
     INSERT INTO orders (id, user_id, currency, total_cents, idempotency_key, request_hash,
                         created_at, updated_at)
     VALUES ($1, $2, $4, $5, $6, $7, ${NOW_UTC}, ${NOW_UTC})
     RETURNING *
   ), items AS (
     INSERT INTO order_items (order_id, position, sku, quantity, unit_price_cents)
     SELECT $1, (item.n - 1)::int, item.sku, item.quantity, item.unit_price_cents
     FROM unnest($8::text[], $9::int[], $10::int[])
          WITH ORDINALITY AS item(sku, quantity, unit_price_cents, n)
   )
   SELECT ${COLUMNS}, EXISTS (SELECT 1 FROM profile) AS profile_created FROM o`,
);

/**
 * $1 order id, $2 user id, $3 the statuses it may leave, $4 the new status: moves the order only if
 * it is in one of them; no row when it is not (or is not the user's).
 */
export const TRANSITION_ORDER = statement(
  'order.transition',
  `UPDATE orders o SET status = $4::"OrderStatus", updated_at = ${NOW_UTC}
   WHERE o.id = $1 AND o.user_id = $2 AND o.status = ANY($3::"OrderStatus"[])
   RETURNING ${COLUMNS}, ${ITEMS}`,
);
