import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { applyMigrations } from '@shardgate/shared/migrate';
import pg from 'pg';
import { inject } from 'vitest';
import { REPO_ROOT } from '../../../../scripts/stack/layout.js';

/**
 * A migrated auth database of a test's own, on the test stack's auth primary: for suites whose
 * delivery loops must be the only ones (the stack's own auth process sends what is in the stack's
 * auth database).
 */
export interface ScratchAuthDatabase {
  readonly url: string;
  /** Runs one query on it. */
  query<T extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Drops it (close every pool on it first). */
  drop(): Promise<void>;
}

/** Creates the database and applies the auth service's migrations to it. */
export async function createScratchAuthDatabase(): Promise<ScratchAuthDatabase> {
  const server = inject('stack').pg.auth.primary;
  const name = `auth_scratch_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: server });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  await applyMigrations({
    databaseUrl: url.toString(),
    migrationsDir: join(REPO_ROOT, 'services/auth/prisma/migrations'),
  });
  return {
    url: url.toString(),
    async query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) {
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      try {
        return (await client.query<T>(sql, params)).rows;
      } finally {
        await client.end();
      }
    },
    drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}
