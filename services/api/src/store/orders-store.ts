import { randomUUID } from 'node:crypto';
import type { OrderCursor, OrderStatus } from '../types/orders.js';
import {
  CREATE_ORDER,
  FIND_ORDER,
  FIND_ORDER_BY_KEY,
  FIRST_PAGE,
  NEXT_PAGE,
  type OrderRecord,
  type OrderRow,
  TRANSITION_ORDER,
  toOrderRecord,
} from './order-statements.js';
import type { ShardDatabase } from './shard-database.js';

export type { OrderRecord } from './order-statements.js';

/** A new order. */
export interface NewOrder {
  readonly userId: number;
  readonly email: string;
  readonly currency: string;
  readonly items: ReadonlyArray<{ sku: string; quantity: number; unitPriceCents: number }>;
  readonly idempotencyKey: string | null;
  readonly requestHash: string | null;
}

/**
 * What {@link OrdersStore.createOnce} did: created the order (committed at WAL position `lsn`;
 * `profileCreated` when the order created the user's profile row too), or found the order that
 * already holds its idempotency key, which it returns instead.
 */
export type CreateOutcome =
  | {
      readonly created: true;
      readonly order: OrderRecord;
      readonly lsn: bigint;
      readonly profileCreated: boolean;
    }
  | { readonly created: false; readonly order: OrderRecord };

/**
 * A unique violation, translated: another order holds this user's idempotency key. It escapes
 * {@link OrdersStore.createOnce} only when that order cannot be read back, or when the order had
 * no key (then only a collision of random UUIDs could cause it).
 */
export class DuplicateIdempotencyKey extends Error {
  override readonly name = 'DuplicateIdempotencyKey';
}

/** Postgres' SQLSTATE for a unique violation. */
const UNIQUE_VIOLATION = '23505';

/** Orders of one shard, one prepared statement per operation (order-statements.ts). Knows nothing of HTTP. */
export class OrdersStore {
  constructor(private readonly shard: ShardDatabase) {}

  /**
   * Creates the order unless the user already has one with its idempotency key: a retry finds
   * that order first, and a concurrent duplicate that loses the race on the unique index reads the
   * winner's. Whether a found order answers the request (same body?) is the caller's to decide.
   * @throws {@link DuplicateIdempotencyKey} when the key's order cannot be read back.
   */
  async createOnce(order: NewOrder): Promise<CreateOutcome> {
    const key = order.idempotencyKey;
    if (key) {
      const existing = await this.findByIdempotencyKey(order.userId, key);
      if (existing) return { created: false, order: existing };
    }
    try {
      const { result, lsn } = await this.#create(order);
      return { created: true, order: result.order, profileCreated: result.profileCreated, lsn };
    } catch (error) {
      if (!(error instanceof DuplicateIdempotencyKey) || !key) throw error;
      const winner = await this.findByIdempotencyKey(order.userId, key);
      if (!winner) throw error;
      return { created: false, order: winner };
    }
  }

  /** Creates the order, and the user's profile if this is their first write, in one statement. */
  async #create(
    order: NewOrder,
  ): Promise<{ result: { order: OrderRecord; profileCreated: boolean }; lsn: bigint }> {
    const totalCents = order.items.reduce(
      (sum, item) => sum + BigInt(item.quantity) * BigInt(item.unitPriceCents),
      0n,
    );
    try {
      return await this.shard.write('order.create', async (server) => {
        const [row] = await server.rows<OrderRow & { profile_created: boolean }>(CREATE_ORDER, [
          randomUUID(),
          order.userId,
          order.email,
          order.currency,
          totalCents.toString(),
          order.idempotencyKey,
          order.requestHash,
          order.items.map((item) => item.sku),
          order.items.map((item) => item.quantity),
          order.items.map((item) => item.unitPriceCents),
        ]);
        if (!row) throw new Error('order.create returned no row');
        const items = order.items.map(({ sku, quantity, unitPriceCents }) => ({
          sku,
          quantity,
          unitPriceCents,
        }));
        return { order: toOrderRecord(row, items), profileCreated: row.profile_created };
      });
    } catch (error) {
      if ((error as { code?: unknown }).code === UNIQUE_VIOLATION)
        throw new DuplicateIdempotencyKey();
      throw error;
    }
  }

  /** The order a user created with an idempotency key, on the primary (it may have just been written). */
  async findByIdempotencyKey(userId: number, key: string): Promise<OrderRecord | null> {
    const rows = await this.shard.read('order.findByKey', 'primary', (server) =>
      server.rows<OrderRow>(FIND_ORDER_BY_KEY, [userId, key]),
    );
    return rows[0] ? toOrderRecord(rows[0]) : null;
  }

  /** One of the user's orders; null when it does not exist or belongs to someone else. */
  async find(
    userId: number,
    id: string,
    minLsn: bigint | null | 'primary',
  ): Promise<OrderRecord | null> {
    const rows = await this.shard.read('order.find', minLsn, (server) =>
      server.rows<OrderRow>(FIND_ORDER, [id, userId]),
    );
    return rows[0] ? toOrderRecord(rows[0]) : null;
  }

  /** A page of the user's orders, newest first, strictly after `cursor`. */
  async page(
    userId: number,
    limit: number,
    cursor: OrderCursor | null,
    minLsn: bigint | null | 'primary',
  ): Promise<OrderRecord[]> {
    const rows = await this.shard.read('order.page', minLsn, (server) =>
      cursor
        ? server.rows<OrderRow>(NEXT_PAGE, [
            userId,
            limit,
            cursor.createdAt.toISOString(),
            cursor.id,
          ])
        : server.rows<OrderRow>(FIRST_PAGE, [userId, limit]),
    );
    return rows.map((row) => toOrderRecord(row));
  }

  /** Moves an order to `to` if it is in one of `from`; null when no order of the user matched. */
  async transition(
    userId: number,
    id: string,
    from: readonly OrderStatus[],
    to: OrderStatus,
  ): Promise<{ result: OrderRecord | null; lsn: bigint }> {
    return this.shard.write('order.transition', async (server) => {
      const [row] = await server.rows<OrderRow>(TRANSITION_ORDER, [id, userId, from, to]);
      return row ? toOrderRecord(row) : null;
    });
  }
}
