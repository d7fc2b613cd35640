import { asDependencyError, PgServer, type SqlRunner, statement, timed } from '@shardgate/shared';

/** Receives the duration of each store operation; the service's metrics implement it. */
export type DbObserver = (role: 'primary' | 'replica', operation: string, seconds: number) => void;

const PING = statement('ping', 'SELECT 1');

/**
 * The auth database: a `pg` pool on the primary and one per streaming replica, running the stores'
 * named statements. Use {@link AuthDatabase.onPrimary} for writes and for reads that must see a
 * fresh write (logins, token checks, revocation state); {@link AuthDatabase.readStale} for reads
 * that may lag.
 */
export class AuthDatabase {
  readonly #primary: PgServer;
  readonly #replicas: PgServer[];
  #next = 0;

  constructor(
    primaryUrl: string,
    replicaUrls: readonly string[],
    poolSize: number,
    private readonly observe: DbObserver = () => {},
  ) {
    this.#primary = new PgServer(primaryUrl, poolSize);
    this.#replicas = replicaUrls.map((url) => new PgServer(url, poolSize));
  }

  /** Runs a timed operation on the primary. */
  async onPrimary<T>(operation: string, fn: (server: PgServer) => Promise<T>): Promise<T> {
    return this.#timed('primary', operation, () => fn(this.#primary));
  }

  /**
   * Runs `work` in one transaction on the primary, timed as one operation: committed when it
   * resolves, rolled back when it throws. Store methods that take a `SqlRunner` (such as
   * `MailOutboxStore.enqueue`) join it when handed `tx`.
   *
   * @example
   * await db.transaction('account.register', async (tx) => {
   *   await outbox.enqueue(welcomeMail, tx);
   * });
   */
  async transaction<T>(operation: string, work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    return this.onPrimary(operation, (server) => server.transaction(work));
  }

  /**
   * Runs a read on a replica (round robin); when the replica fails, on the primary instead, so a
   * replica outage costs freshness never availability.
   */
  async readStale<T>(operation: string, fn: (server: PgServer) => Promise<T>): Promise<T> {
    if (this.#replicas.length === 0) return this.onPrimary(operation, fn);
    const replica = this.#replicas[this.#next++ % this.#replicas.length] as PgServer;
    try {
      return await this.#timed('replica', operation, () => fn(replica));
    } catch {
      return this.onPrimary(operation, fn);
    }
  }

  /** True when the primary answers. */
  async primaryReachable(): Promise<boolean> {
    await this.#primary.rows(PING);
    return true;
  }

  async close(): Promise<void> {
    await Promise.all([this.#primary, ...this.#replicas].map((server) => server.close()));
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
