import type { OrderStatus } from '../types/orders.js';

/**
 * Legal transitions: pending → paid → shipped → delivered, and cancellation before shipping.
 * Anything else is refused with 409 `illegal_transition`.
 */
export const TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending: ['paid', 'cancelled'],
  paid: ['shipped', 'cancelled'],
  shipped: ['delivered'],
  delivered: [],
  cancelled: [],
};

/** The states from which `to` can be reached. */
export function statusesLeadingTo(to: OrderStatus): OrderStatus[] {
  return (Object.keys(TRANSITIONS) as OrderStatus[]).filter((from) =>
    TRANSITIONS[from].includes(to),
  );
}
