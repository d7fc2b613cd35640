import { PrismaPg } from '@prisma/adapter-pg';
import { asDependencyError, timed } from '@shardgate/shared';
import { PrismaClient } from '../generated/prisma/client.js';

export type { PrismaClient } from '../generated/prisma/client.js';

/** Receives the duration of each store operation; the service's metrics implement it. */
export type DbObserver = (role: 'primary' | 'replica', operation: string, seconds: number) => void;

/**
 * The auth database: a Prisma client on the primary and one per streaming replica.
 * Use {@link AuthDatabase.primary} for writes and for reads that must see a fresh write
 * (logins, token checks, revocation state); {@link AuthDatabase.readStale} for reads that may lag.
 */
export class AuthDatabase {
  readonly primary: PrismaClient;
  readonly #replicas: PrismaClient[];
  #next = 0;

  constructor(
    primaryUrl: string,
    replicaUrls: readonly string[],
    poolSize: number,
    private readonly observe: DbObserver = () => {},
  ) {
    const client = (connectionString: string) =>
      new PrismaClient({
        adapter: new PrismaPg({ connectionString, max: poolSize, connectionTimeoutMillis: 2_000 }),
      });
    this.primary = client(primaryUrl);
    this.#replicas = replicaUrls.map(client);
  }

  /** Runs a timed operation on the primary. */
  async onPrimary<T>(operation: string, fn: (db: PrismaClient) => Promise<T>): Promise<T> {
    return this.#timed('primary', operation, () => fn(this.primary));
  }

  /**
   * Runs a read on a replica (round robin); when the replica fails, on the primary instead, so a
   * replica outage costs freshness never availability.
   */
  async readStale<T>(operation: string, fn: (db: PrismaClient) => Promise<T>): Promise<T> {
    if (this.#replicas.length === 0) return this.onPrimary(operation, fn);
    const replica = this.#replicas[this.#next++ % this.#replicas.length] as PrismaClient;
    try {
      return await this.#timed('replica', operation, () => fn(replica));
    } catch {
      return this.onPrimary(operation, fn);
    }
  }

  /** True when the primary answers. */
  async primaryReachable(): Promise<boolean> {
    await this.primary.$queryRaw`SELECT 1`;
    return true;
  }

  async close(): Promise<void> {
    await Promise.all([this.primary, ...this.#replicas].map((c) => c.$disconnect()));
  }

  async #timed<T>(
    role: 'primary' | 'replica',
    operation: string,
    fn: () => Promise<T>,
  ): Promise<T> {
    try {
      return await timed(fn, (seconds) => this.observe(role, operation, seconds));
    } catch (error) {
      throw asDependencyError(error, `auth database ${role}`);
    }
  }
}
