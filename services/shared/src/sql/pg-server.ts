import pg from 'pg';
import type { Statement } from './statement.js';

/** Something that runs named statements: a server's pool, or one of its connections. */
export interface StatementRunner {
  /** Runs a named statement with `values` as its parameters ($1, $2, ...); returns its rows. */
  rows<Row>(statement: Statement, values?: readonly unknown[]): Promise<Row[]>;
}

/**
 * One Postgres server (a primary or a replica), as the services' stores use it: a `pg` pool that
 * runs named statements, so the pool size bounds this process's connections to the server.
 */
export class PgServer implements StatementRunner {
  readonly #pool: pg.Pool;

  constructor(connectionString: string, poolSize: number) {
    this.#pool = new pg.Pool({ connectionString, max: poolSize, connectionTimeoutMillis: 2_000 });
    // an idle connection that dies (the server restarted) is dropped from the pool and reported
    // here; the next query opens a new one, and a query that fails says so on its own
    this.#pool.on('error', () => {});
  }

  /** Runs a named statement with `values` as its parameters ($1, $2, ...); returns its rows. */
  async rows<Row>(statement: Statement, values: readonly unknown[] = []): Promise<Row[]> {
    const result = await this.#pool.query({
      name: statement.name,
      text: statement.text,
      values: [...values],
    });
    return result.rows as Row[];
  }

  /**
   * Runs `fn` on one connection held throughout, for what lives in a database session (an
   * advisory lock). The connection is closed afterwards rather than returned to the pool, so no
   * session state outlives `fn`, even when it fails halfway: Postgres releases a closed session's
   * locks itself.
   */
  async onOneConnection<T>(fn: (connection: StatementRunner) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      return await fn({
        rows: async <Row>(statement: Statement, values: readonly unknown[] = []) =>
          (await client.query({ name: statement.name, text: statement.text, values: [...values] }))
            .rows as Row[],
      });
    } finally {
      client.release(true);
    }
  }

  /** Closes the pool and its connections. */
  close(): Promise<void> {
    return this.#pool.end();
  }
}
