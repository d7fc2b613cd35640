import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** Creates an empty database on the server of `serverUrl` and returns its URL. */
export async function createScratchDatabase(serverUrl: string): Promise<string> {
  const name = `scratch_${randomBytes(6).toString('hex')}`;
  const admin = new URL(serverUrl);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs one query against a database and returns its rows. */
export async function query<T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Writes a Prisma-layout migrations folder: `{ name: sql }` → `<dir>/<name>/migration.sql`. */
export function writeMigrations(migrations: Record<string, string>, dir?: string): string {
  const root = dir ?? mkdtempSync(join(tmpdir(), 'migrations-'));
  writeFileSync(join(root, 'migration_lock.toml'), 'provider = "postgresql"\n');
  for (const [name, sql] of Object.entries(migrations)) {
    mkdirSync(join(root, name), { recursive: true });
    writeFileSync(join(root, name, 'migration.sql'), sql);
  }
  return root;
}
