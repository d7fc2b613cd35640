import { createHash } from 'node:crypto';
import { HttpError } from '@shardgate/shared';
import { API_PROBLEMS } from '../problems.js';
import type { OrderRecord } from '../store/orders-store.js';
import type { OrderStatus } from '../types/orders.js';
import { decodeCursor, encodeCursor } from './order-cursor.js';
import { statusesLeadingTo } from './order-status.js';
import type { Caller } from './profiles.js';
import type { ReadYourWrites } from './read-your-writes.js';
import type { ShardStores } from './shards.js';

/** An order as answered. Amounts are integer cents. */
export interface OrderView {
  readonly id: string;
  readonly userId: string;
  readonly status: OrderStatus;
  readonly currency: string;
  readonly items: ReadonlyArray<{
    sku: string;
    quantity: number;
    unitPriceCents: number;
    lineTotalCents: number;
  }>;
  readonly totalCents: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** What a client asks to order. */
export interface OrderRequest {
  readonly currency: string;
  readonly items: ReadonlyArray<{ sku: string; quantity: number; unitPriceCents: number }>;
}

const notFound = () => new HttpError(API_PROBLEMS.not_found, 'No such order.');

/** Orders of the caller, on the caller's shard (placed by `identify`, passed in as `shard`). */
export class Orders {
  constructor(
    private readonly ryw: ReadYourWrites,
    private readonly onProfileWritten: (userId: number) => Promise<void>,
  ) {}

  /**
   * Places an order. With an idempotency key, a retry or a concurrent duplicate with the same body
   * gets the first order (`replayed`), never a second; the same key with another body is refused
   * with 422 `idempotency_key_reused`. One call to the store finds or creates the order; this
   * decides, before, what the request's fingerprint is and, after, whether a found order answers
   * it, and records a new one's write for read-your-writes.
   */
  async place(
    caller: Caller,
    shard: ShardStores,
    request: OrderRequest,
    idempotencyKey: string | null,
  ): Promise<{ order: OrderView; replayed: boolean }> {
    const requestHash = idempotencyKey ? hashRequest(request) : null;
    const outcome = await shard.orders.createOnce({
      userId: caller.userId,
      email: caller.email,
      ...request,
      idempotencyKey,
      requestHash,
    });
    if (!outcome.created) return { order: replay(outcome.order, requestHash), replayed: true };
    await this.ryw.recordWrite(caller.userId, outcome.lsn);
    // the order created the profile row: a cached "no profile" answer would now be wrong
    if (outcome.profileCreated) await this.onProfileWritten(caller.userId);
    return { order: toView(outcome.order), replayed: false };
  }

  /** One of the caller's orders; 404 also for someone else's. */
  async get(caller: Caller, shard: ShardStores, id: string): Promise<OrderView> {
    const { orders } = shard;
    const order = await orders.find(caller.userId, id, await this.ryw.minimumFor(caller.userId));
    if (!order) throw notFound();
    return toView(order);
  }

  /** A page of the caller's orders, newest first. */
  async list(
    caller: Caller,
    shard: ShardStores,
    limit: number,
    cursor: string | null,
  ): Promise<{ items: OrderView[]; nextCursor: string | null }> {
    const { orders } = shard;
    const after = cursor === null ? null : decodeCursor(cursor);
    const rows = await orders.page(
      caller.userId,
      limit + 1,
      after,
      await this.ryw.minimumFor(caller.userId),
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map(toView),
      nextCursor:
        rows.length > limit && last
          ? encodeCursor({ createdAt: last.createdAt, id: last.id })
          : null,
    };
  }

  /** Moves an order to `to` if the status machine allows it: 409 `illegal_transition` otherwise. */
  async changeStatus(
    caller: Caller,
    shard: ShardStores,
    id: string,
    to: OrderStatus,
  ): Promise<OrderView> {
    const { orders } = shard;
    const { result, lsn } = await orders.transition(caller.userId, id, statusesLeadingTo(to), to);
    await this.ryw.recordWrite(caller.userId, lsn);
    if (result) return toView(result);
    const current = await orders.find(caller.userId, id, 'primary');
    if (!current) throw notFound();
    throw new HttpError(
      API_PROBLEMS.illegal_transition,
      `An order that is ${current.status} cannot become ${to}.`,
    );
  }
}

/** A stable fingerprint of what was asked, to recognise a retry of the same request. */
function hashRequest(request: OrderRequest): string {
  const canonical = JSON.stringify({
    currency: request.currency,
    items: request.items.map(({ sku, quantity, unitPriceCents }) => [
      sku,
      quantity,
      unitPriceCents,
    ]),
  });
  return createHash('sha256').update(canonical).digest('hex');
}

function replay(order: OrderRecord, requestHash: string | null): OrderView {
  if (order.requestHash !== requestHash) {
    throw new HttpError(
      API_PROBLEMS.idempotency_key_reused,
      'This Idempotency-Key was already used with a different request.',
    );
  }
  return toView(order);
}

function toView(order: OrderRecord): OrderView {
  return {
    id: order.id,
    userId: String(order.userId),
    status: order.status,
    currency: order.currency,
    items: order.items.map((item) => ({
      sku: item.sku,
      quantity: item.quantity,
      unitPriceCents: item.unitPriceCents,
      lineTotalCents: item.quantity * item.unitPriceCents,
    })),
    totalCents: Number(order.totalCents),
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
  };
}
