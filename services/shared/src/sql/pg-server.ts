import pg from 'pg';
import type { Statement } from './statement.js';

/**
 * What runs named statements: a {@link PgServer} (each statement on any pooled connection), or the
 * one connection that {@link PgServer.transaction} or {@link PgServer.onOneConnection} hands its
 * closure. A store method that takes one can run inside its caller's transaction.
 */
export interface SqlRunner {
  /** Runs a named statement with `values` as its parameters ($1, $2, ...); returns its rows. */
  rows<Row>(statement: Statement, values?: readonly unknown[]): Promise<Row[]>;
}

/** Runs `statement` on `client` (a pool, or one connection) as a named prepared statement. */
async function runOn<Row>(
  client: pg.Pool | pg.PoolClient,
  statement: Statement,
  values: readonly unknown[],
): Promise<Row[]> {
  const result = await client.query({
    name: statement.name,
    text: statement.text,
    values: [...values],
  });
  return result.rows as Row[];
}

/** The {@link SqlRunner} of one connection. */
const runnerOf = (client: pg.PoolClient): SqlRunner => ({
  rows: <Row>(statement: Statement, values: readonly unknown[] = []) =>
    runOn<Row>(client, statement, values),
});

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
  rows<Row>(statement: Statement, values: readonly unknown[] = []): Promise<Row[]> {
    return runOn<Row>(this.#pool, statement, values);
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
      const result = await work(runnerOf(client));
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

  /**
   * Runs `fn` on one connection held throughout, for what lives in a database session (an
   * advisory lock). The connection is closed afterwards rather than returned to the pool, so no
   * session state outlives `fn`, even when it fails halfway: Postgres releases a closed session's
   * locks itself.
   */
  async onOneConnection<T>(fn: (connection: SqlRunner) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      return await fn(runnerOf(client));
    } finally {
      client.release(true);
    }
  }

  /** Closes the pool and its connections. */
  close(): Promise<void> {
    return this.#pool.end();
  }
}
