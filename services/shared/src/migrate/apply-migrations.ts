import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { connectWithRetry } from './connect-with-retry.js';
import { describeDatabase } from './describe-database.js';
import { MigrationError } from './migration-error.js';
import { type MigrationFile, readMigrationFiles } from './migration-files.js';
import {
  CREATE_PRISMA_MIGRATIONS_TABLE,
  PRISMA_ADVISORY_LOCK_KEY,
  readMigrationHistory,
  recordAppliedMigration,
  recordRolledBackMigration,
} from './prisma-migrations-table.js';

/** Options of {@link applyMigrations}. */
export interface ApplyMigrationsOptions {
  /** A `postgresql://` URL of the database to migrate (a primary: standbys refuse writes). */
  readonly databaseUrl: string;
  /** The `prisma/migrations` folder. */
  readonly migrationsDir: string;
  /**
   * How long to wait for another runner (ours or `prisma migrate deploy`) to release the lock.
   * @default 60000
   */
  readonly lockTimeoutMs?: number;
  /** Called once per migration as it is applied; for progress output. */
  readonly onApplied?: (migrationName: string, database: string) => void;
  /**
   * How long to keep trying to connect while the database is not reachable yet (starting up, no
   * ready endpoint, network rules not yet in place for a pod that has just started).
   * @default 60000
   */
  readonly connectTimeoutMs?: number;
}

/** What one run did to one database. */
export interface MigrationReport {
  /** `host:port/database`, never the password. */
  readonly database: string;
  /** Migrations this run applied, in order. */
  readonly applied: readonly string[];
  /** Migrations that were already applied (a re-run reports them all here and applies nothing). */
  readonly alreadyApplied: readonly string[];
  /** Migrations recorded in the database that the folder does not have (applied by a newer release?). */
  readonly unknownToFolder: readonly string[];
}

const DEFAULT_LOCK_TIMEOUT_MS = 60_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 60_000;
const LOCK_NOT_AVAILABLE = '55P03';

/**
 * Applies the pending migrations of `migrationsDir` to one database, recording them in
 * `_prisma_migrations` exactly as `prisma migrate deploy` does, so either tool can take over.
 *
 * Each migration runs in its own transaction together with its history row: it is applied whole or
 * not at all. Runners are serialised by Prisma's own advisory lock. The run refuses to start when
 * an applied migration's file has changed (`checksum_mismatch`) or when the history holds a
 * migration that never finished (`unfinished_migration`).
 *
 * Migrations that cannot run inside a transaction (`CREATE INDEX CONCURRENTLY`) are not supported.
 *
 * @throws {@link MigrationError}
 */
export async function applyMigrations(options: ApplyMigrationsOptions): Promise<MigrationReport> {
  const files = await readMigrationFiles(options.migrationsDir);
  const database = describeDatabase(options.databaseUrl);
  const client = await connectWithRetry(
    { connectionString: options.databaseUrl, application_name: 'shardgate-migrate' },
    database,
    options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
  );
  try {
    await acquireLock(client, options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS, database);
    try {
      return await applyPending(client, files, database, options.onApplied);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_ADVISORY_LOCK_KEY]);
    }
  } finally {
    await client.end();
  }
}

async function acquireLock(client: pg.Client, timeoutMs: number, database: string): Promise<void> {
  // lock_timeout bounds advisory-lock waits too; it is reset at once so that it never applies to
  // the migrations themselves.
  await client.query(`SELECT set_config('lock_timeout', $1, false)`, [`${timeoutMs}ms`]);
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_ADVISORY_LOCK_KEY]);
  } catch (cause) {
    if ((cause as { code?: string }).code === LOCK_NOT_AVAILABLE) {
      throw new MigrationError(
        'lock_timeout',
        `Another migration run held the lock on ${database} for more than ${timeoutMs} ms`,
        undefined,
        { cause },
      );
    }
    throw cause;
  } finally {
    await client.query('RESET lock_timeout');
  }
}

async function applyPending(
  client: pg.Client,
  files: readonly MigrationFile[],
  database: string,
  onApplied: ApplyMigrationsOptions['onApplied'],
): Promise<MigrationReport> {
  await client.query(CREATE_PRISMA_MIGRATIONS_TABLE);
  const history = await readMigrationHistory(client);

  const unfinished = history.find((row) => row.finished_at === null && row.rolled_back_at === null);
  if (unfinished) {
    throw new MigrationError(
      'unfinished_migration',
      `Migration ${unfinished.migration_name} started on ${database} but never finished. ` +
        'Inspect the database, then mark it with `prisma migrate resolve --rolled-back` or ' +
        '`--applied` before migrating again.',
      unfinished.migration_name,
    );
  }

  const appliedRows = new Map(
    history
      .filter((row) => row.finished_at !== null && row.rolled_back_at === null)
      .map((row) => [row.migration_name, row]),
  );
  const fileNames = new Set(files.map((file) => file.name));
  for (const file of files) {
    const row = appliedRows.get(file.name);
    if (row && !file.acceptedChecksums.includes(row.checksum)) {
      throw new MigrationError(
        'checksum_mismatch',
        `Migration ${file.name} was modified after it was applied to ${database} ` +
          `(recorded checksum ${row.checksum}, file now ${file.checksum}). ` +
          'Applied migrations must never change: restore the file and add a new migration instead.',
        file.name,
      );
    }
  }

  const applied: string[] = [];
  const alreadyApplied: string[] = [];
  for (const file of files) {
    if (appliedRows.has(file.name)) {
      alreadyApplied.push(file.name);
      continue;
    }
    await applyOne(client, file, database);
    applied.push(file.name);
    onApplied?.(file.name, database);
  }
  const unknownToFolder = [...appliedRows.keys()].filter((name) => !fileNames.has(name));
  return { database, applied, alreadyApplied, unknownToFolder };
}

async function applyOne(client: pg.Client, file: MigrationFile, database: string): Promise<void> {
  const id = randomUUID();
  await client.query('BEGIN');
  try {
    // No parameters: the simple query protocol, which accepts a script of many statements.
    await client.query(file.sql);
    await recordAppliedMigration(client, { id, name: file.name, checksum: file.checksum });
    await client.query('COMMIT');
  } catch (cause) {
    const reason = describePgError(cause);
    try {
      await client.query('ROLLBACK');
      await recordRolledBackMigration(client, {
        id,
        name: file.name,
        checksum: file.checksum,
        logs: reason,
      });
    } catch {
      // The connection itself is gone: the server rolls the transaction back anyway, and the
      // failure is still reported below, which is what matters to the operator.
    }
    throw new MigrationError(
      'migration_failed',
      `Migration ${file.name} failed on ${database} and was rolled back; nothing of it was applied. ${reason}`,
      file.name,
      { cause },
    );
  }
}

function describePgError(error: unknown): string {
  const e = error as { message?: string; code?: string; position?: string; detail?: string };
  const parts = [`${e.code ? `[${e.code}] ` : ''}${e.message ?? String(error)}`];
  if (e.position) parts.push(`at character ${e.position}`);
  if (e.detail) parts.push(`detail: ${e.detail}`);
  return parts.join('; ');
}
