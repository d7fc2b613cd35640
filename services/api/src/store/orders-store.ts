import { randomUUID } from 'node:crypto';
import { Prisma } from '../generated/prisma/client.js';
import type { OrderCursor, OrderStatus } from '../types/orders.js';
import type { ShardDatabase } from './shard-database.js';

/** An order with its items, as stored. */
export type OrderRecord = Prisma.OrderGetPayload<{ include: { items: true } }>;

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
 * What {@link OrdersStore.createOnce} did: created the order (committed at WAL position `lsn`), or
 * found the order that already holds its idempotency key, which it returns instead.
 */
export type CreateOutcome =
  | { readonly created: true; readonly order: OrderRecord; readonly lsn: bigint }
  | { readonly created: false; readonly order: OrderRecord };

/**
 * A unique violation, translated: another order holds this user's idempotency key. It escapes
 * {@link OrdersStore.createOnce} only when that order cannot be read back, or when the order had
 * no key (then only a collision of random UUIDs could cause it).
 */
export class DuplicateIdempotencyKey extends Error {
  override readonly name = 'DuplicateIdempotencyKey';
}

const withItems = { items: { orderBy: { position: 'asc' } } } as const;

/** Orders of one shard. Knows nothing of HTTP. */
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
      return { created: true, order: result, lsn };
    } catch (error) {
      if (!(error instanceof DuplicateIdempotencyKey) || !key) throw error;
      const winner = await this.findByIdempotencyKey(order.userId, key);
      if (!winner) throw error;
      return { created: false, order: winner };
    }
  }

  /** Creates the order, and the user's profile if this is their first write, in one transaction. */
  async #create(order: NewOrder): Promise<{ result: OrderRecord; lsn: bigint }> {
    const totalCents = order.items.reduce(
      (sum, item) => sum + BigInt(item.quantity) * BigInt(item.unitPriceCents),
      0n,
    );
    try {
      return await this.shard.write('order.create', (db) =>
        db.$transaction(async (tx) => {
          // ON CONFLICT, not Prisma's upsert: concurrent first orders must not collide on the profile
          await tx.$executeRaw`
            INSERT INTO "profiles" ("user_id", "email", "updated_at")
            VALUES (${order.userId}, ${order.email}, CURRENT_TIMESTAMP)
            ON CONFLICT ("user_id") DO NOTHING`;
          return tx.order.create({
            data: {
              id: randomUUID(),
              userId: order.userId,
              currency: order.currency,
              totalCents,
              idempotencyKey: order.idempotencyKey,
              requestHash: order.requestHash,
              items: { create: order.items.map((item, position) => ({ position, ...item })) },
            },
            include: withItems,
          });
        }),
      );
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        throw new DuplicateIdempotencyKey();
      }
      throw error;
    }
  }

  /** The order a user created with an idempotency key, on the primary (it may have just been written). */
  findByIdempotencyKey(userId: number, key: string): Promise<OrderRecord | null> {
    return this.shard.read('order.findByKey', 'primary', (db) =>
      db.order.findUnique({
        where: { userId_idempotencyKey: { userId, idempotencyKey: key } },
        include: withItems,
      }),
    );
  }

  /** One of the user's orders; null when it does not exist or belongs to someone else. */
  find(userId: number, id: string, minLsn: bigint | null | 'primary'): Promise<OrderRecord | null> {
    return this.shard.read('order.find', minLsn, (db) =>
      db.order.findFirst({ where: { id, userId }, include: withItems }),
    );
  }

  /** A page of the user's orders, newest first, strictly after `cursor`. */
  page(
    userId: number,
    limit: number,
    cursor: OrderCursor | null,
    minLsn: bigint | null | 'primary',
  ): Promise<OrderRecord[]> {
    const after = cursor
      ? {
          OR: [
            { createdAt: { lt: cursor.createdAt } },
            { createdAt: cursor.createdAt, id: { lt: cursor.id } },
          ],
        }
      : {};
    return this.shard.read('order.page', minLsn, (db) =>
      db.order.findMany({
        where: { userId, ...after },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: limit,
        include: withItems,
      }),
    );
  }

  /** Moves an order to `to` if it is in one of `from`; null when no order of the user matched. */
  async transition(
    userId: number,
    id: string,
    from: readonly OrderStatus[],
    to: OrderStatus,
  ): Promise<{ result: OrderRecord | null; lsn: bigint }> {
    return this.shard.write('order.transition', async (db) => {
      const changed = await db.order.updateMany({
        where: { id, userId, status: { in: [...from] } },
        data: { status: to },
      });
      return changed.count === 1
        ? db.order.findFirst({ where: { id, userId }, include: withItems })
        : null;
    });
  }
}
