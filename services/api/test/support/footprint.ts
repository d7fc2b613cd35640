import { inject } from 'vitest';
import type { User } from './problem-requests.js';
import { sql } from './shard-sql.js';

/** A user's rows on shard0 and shard1 (index 0 and 1 of each array). */
export interface Footprint {
  readonly orders: readonly number[];
  readonly profiles: readonly number[];
}

/** The test stack's shard primaries, shard0 first. */
const primaries = () => {
  const { pg } = inject('stack');
  return [pg.shard0.primary, pg.shard1.primary] as const;
};

/** Index of the shard a user lives on (even ids on shard0, odd on shard1). */
const home = (u: User) => u.id % 2;

/** The URL of the primary of the shard `u` lives on. */
export const primaryOf = (u: User): string => primaries()[home(u) === 0 ? 0 : 1];

/** `[n, 0]` or `[0, n]`: `n` on the user's own shard, nothing on the other. */
export const onHome = (u: User, n: number): number[] => (home(u) === 0 ? [n, 0] : [0, n]);

/** The footprint of a user who wrote nothing. */
export const NOTHING: Footprint = { orders: [0, 0], profiles: [0, 0] };

/**
 * A user's orders and profiles, counted with SQL on both shard primaries: what requests really
 * wrote, and where.
 */
export async function footprint(u: User): Promise<{ orders: number[]; profiles: number[] }> {
  const count = async (url: string, table: 'orders' | 'profiles') =>
    (
      await sql<{ n: number }>(url, `SELECT count(*)::int AS n FROM ${table} WHERE user_id = $1`, [
        u.id,
      ])
    )[0]?.n ?? -1;
  return {
    orders: await Promise.all(primaries().map((url) => count(url, 'orders'))),
    profiles: await Promise.all(primaries().map((url) => count(url, 'profiles'))),
  };
}
