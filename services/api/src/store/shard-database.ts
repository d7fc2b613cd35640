import {
  asDependencyError,
  isDatabaseUnavailable,
  PgServer,
  statement,
  timed,
} from '@shardgate/shared';
import type { ShardUrls } from '../config.js';
import { parseLsn } from './wal-position.js';

/** Receives the duration of each database operation; the service's metrics implement it. */
export type ShardDbObserver = (
  shard: string,
  role: 'primary' | 'replica',
  operation: string,
  seconds: number,
) => void;

/** Settings of {@link ShardDatabase}. */
export interface ShardDatabaseOptions {
  readonly poolSize: number;
  /** How long a replica that failed is skipped. */
  readonly replicaRetryMs: number;
  readonly observe?: ShardDbObserver;
  readonly now?: () => number;
}

interface Replica {
  readonly server: PgServer;
  readonly label: string;
  downUntil: number;
  /** Last replay position read, and when; reused for a few milliseconds. */
  replayed: { lsn: bigint; at: number } | null;
}

/** How long a replica's replay position is reused before it is asked again. */
const REPLAY_POSITION_TTL_MS = 20;

const WAL_POSITION = statement('wal.current', 'SELECT pg_current_wal_lsn()::text AS lsn');
const REPLAY_POSITION = statement('wal.replayed', 'SELECT pg_last_wal_replay_lsn()::text AS lsn');
const PING = statement('ping', 'SELECT 1');

/**
 * One shard: a {@link PgServer} for its primary and one per streaming replica.
 *
 * Writes go to the primary and return the primary's WAL position after the commit. Reads go to a
 * replica (round robin), skipping replicas that failed recently; a read that must see a write at
 * WAL position `minLsn` goes to a replica only if it has replayed that far, otherwise to the
 * primary. When the primary is needed and down, a `DependencyUnavailableError` (503).
 */
export class ShardDatabase {
  readonly name: string;
  readonly primary: PgServer;
  readonly #replicas: Replica[];
  readonly #options: ShardDatabaseOptions;
  readonly #now: () => number;
  #next = 0;

  constructor(urls: ShardUrls, options: ShardDatabaseOptions) {
    this.name = urls.name;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.primary = new PgServer(urls.primaryUrl, options.poolSize);
    this.#replicas = urls.replicaUrls.map((url, i) => ({
      server: new PgServer(url, options.poolSize),
      label: `${urls.name}-replica-${i}`,
      downUntil: 0,
      replayed: null,
    }));
  }

  /** Runs a write on the primary; returns its result and the WAL position that includes it. */
  async write<T>(
    operation: string,
    fn: (server: PgServer) => Promise<T>,
  ): Promise<{ result: T; lsn: bigint }> {
    return this.#onPrimary(operation, async (server) => {
      const result = await fn(server);
      // after the commit: a replica that replayed this far sees the write
      const [row] = await server.rows<{ lsn: string }>(WAL_POSITION);
      return { result, lsn: parseLsn(row?.lsn ?? '0/0') };
    });
  }

  /**
   * Runs a read on a replica that is up and, when `minLsn` is given, has replayed at least that
   * far; otherwise on the primary. `minLsn === 'primary'` forces the primary.
   */
  async read<T>(
    operation: string,
    minLsn: bigint | null | 'primary',
    fn: (server: PgServer) => Promise<T>,
  ): Promise<T> {
    if (minLsn !== 'primary') {
      for (let tried = 0; tried < this.#replicas.length; tried++) {
        const replica = this.#replicas[this.#next++ % this.#replicas.length] as Replica;
        if (replica.downUntil > this.#now()) continue;
        try {
          if (minLsn !== null && !(await this.#hasReplayed(replica, minLsn))) continue;
          return await this.#timed('replica', operation, () => fn(replica.server));
        } catch (error) {
          if (!isDatabaseUnavailable(error)) throw error;
          replica.downUntil = this.#now() + this.#options.replicaRetryMs;
          replica.replayed = null; // it may come back as another server
        }
      }
    }
    return this.#onPrimary(operation, fn);
  }

  /** True when the primary answers. */
  async primaryReachable(): Promise<boolean> {
    await this.primary.rows(PING);
    return true;
  }

  async close(): Promise<void> {
    await Promise.all(
      [this.primary, ...this.#replicas.map((r) => r.server)].map((server) => server.close()),
    );
  }

  /**
   * True when the replica has replayed up to `lsn`. Replay positions only grow, so a remembered
   * position at or past `lsn` settles it without a query; otherwise the replica is asked (at most
   * every REPLAY_POSITION_TTL_MS).
   */
  async #hasReplayed(replica: Replica, lsn: bigint): Promise<boolean> {
    if (replica.replayed && replica.replayed.lsn >= lsn) return true;
    return (await this.#replayPosition(replica)) >= lsn;
  }

  async #replayPosition(replica: Replica): Promise<bigint> {
    const now = this.#now();
    if (replica.replayed && now - replica.replayed.at < REPLAY_POSITION_TTL_MS)
      return replica.replayed.lsn;
    const [row] = await this.#timed('replica', 'replayPosition', () =>
      replica.server.rows<{ lsn: string | null }>(REPLAY_POSITION),
    );
    const lsn = row?.lsn ? parseLsn(row.lsn) : 0n;
    replica.replayed = { lsn, at: now };
    return lsn;
  }

  async #onPrimary<T>(operation: string, fn: (server: PgServer) => Promise<T>): Promise<T> {
    try {
      return await this.#timed('primary', operation, () => fn(this.primary));
    } catch (error) {
      throw asDependencyError(error, `${this.name} primary`);
    }
  }

  #timed<T>(role: 'primary' | 'replica', operation: string, fn: () => Promise<T>): Promise<T> {
    return timed(fn, (seconds) => this.#options.observe?.(this.name, role, operation, seconds));
  }
}
