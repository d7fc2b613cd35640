import pg from 'pg';
import { inject } from 'vitest';

/** Runs one query on the test stack's auth primary: for assertions on what was stored. */
export async function authSql<T extends pg.QueryResultRow>(
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: inject('stack').pg.auth.primary });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}
