import pg from 'pg';
import type { Statement } from './statement.js';

/**
 * What runs named statements: a {@link PgServer} (each statement on any pooled connection), or the
 * one connection of a transaction that {@link PgServer.transaction} hands its closure. A store
 * method that takes one can run inside its caller's transaction.
 */
export interface SqlRunner {
  /** Runs a named statement with `values` as its parameters ($1, $2, ...); returns its rows. */
  rows<Row>(statement: Statement, values?: readonly unknown[]): Promise<Row[]>;
}

/**
 * One Postgres server (a primary or a replica), as the services' stores use it: a `pg` pool that
 * runs named statements, so the pool size bounds this process's connections to the server.
 */
export class PgServer implements SqlRunner {
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
   * Runs `work` in one transaction on one connection: committed when `work` resolves, rolled back
   * when it throws (and the error rethrown). A closure, so that no transaction is ever left open
   * across functions.
   *
   * @example
   * await server.transaction(async (tx) => {
   *   await tx.rows(INSERT_USER, [email]);
   *   await outbox.enqueue(welcome, tx);
   * });
   */
  async transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const tx: SqlRunner = {
        rows: async <Row>(statement: Statement, values: readonly unknown[] = []) =>
          (
            await client.query({
              name: statement.name,
              text: statement.text,
              values: [...values],
            })
          ).rows as Row[],
      };
      const result = await work(tx);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      // a connection that cannot even roll back is not handed to the next caller
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /** Closes the pool and its connections. */
  close(): Promise<void> {
    return this.#pool.end();
  }
}
