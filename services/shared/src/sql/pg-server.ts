import pg from 'pg';
import type { Statement } from './statement.js';

/**
 * One Postgres server (a primary or a replica), as the services' stores use it: a `pg` pool that
 * runs named statements, so the pool size bounds this process's connections to the server.
 */
export class PgServer {
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

  /** Closes the pool and its connections. */
  close(): Promise<void> {
    return this.#pool.end();
  }
}
