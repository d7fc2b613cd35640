/**
 * What an order is, as plain types that both the domain and the store speak. They live here, below
 * both, so that the store never imports domain code: the rules about orders (legal transitions,
 * cursor encoding) stay in `domain/`, and this module imports nothing.
 */

/** The states of an order (the `OrderStatus` enum of the shard schema). */
export type OrderStatus = 'pending' | 'paid' | 'shipped' | 'delivered' | 'cancelled';

/** A position in a user's order list, newest first: the last order shown. */
export interface OrderCursor {
  readonly createdAt: Date;
  readonly id: string;
}
