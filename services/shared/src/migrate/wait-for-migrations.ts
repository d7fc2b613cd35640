import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { describeDatabase } from './describe-database.js';
import { MigrationError } from './migration-error.js';
import { type MigrationFile, readMigrationFiles } from './migration-files.js';
import { isUpToDate, type MigrationStatus, migrationStatus } from './migration-status.js';
import { type AppliedMigrationRow, readMigrationHistory } from './prisma-migrations-table.js';

/** Options of {@link waitForMigrations}. */
export interface WaitForMigrationsOptions {
  /** `postgresql://` URLs of the databases that must be migrated (primaries or standbys). */
  readonly databaseUrls: readonly string[];
  /** The `prisma/migrations` folder whose migrations must all be applied. */
  readonly migrationsDir: string;
  /** Give up after this long. */
  readonly timeoutMs: number;
  /**
   * Pause between two checks.
   * @default 2000
   */
  readonly intervalMs?: number;
  /** Called after each check that did not succeed yet with a one-line reason per database. */
  readonly onWaiting?: (reasons: readonly string[]) => void;
}

const UNDEFINED_TABLE = '42P01';

/**
 * Waits until every migration of `migrationsDir` is recorded as finished in `_prisma_migrations`
 * of every database, applying nothing; for an initContainer that holds a service back until its
 * migration Job is done. Unreachable databases and a missing history table count as "not yet".
 *
 * @throws {@link MigrationError} `checksum_mismatch` at once when a database holds a different
 *   version of one of the migrations (waiting cannot fix that), `wait_timeout` when the time is
 *   up, `invalid_migrations_dir` when the folder cannot be read.
 */
export async function waitForMigrations(options: WaitForMigrationsOptions): Promise<void> {
  const files = await readMigrationFiles(options.migrationsDir);
  const deadline = Date.now() + options.timeoutMs;
  const intervalMs = options.intervalMs ?? 2_000;
  for (;;) {
    const reasons: string[] = [];
    for (const url of options.databaseUrls) {
      const reason = await checkOne(url, files);
      if (reason) reasons.push(reason);
    }
    if (reasons.length === 0) return;
    if (Date.now() + intervalMs > deadline) {
      throw new MigrationError(
        'wait_timeout',
        `Migrations of ${options.migrationsDir} were not all applied within ` +
          `${Math.round(options.timeoutMs / 1000)} s:\n  ${reasons.join('\n  ')}\n` +
          'Check the migration Job (kubectl -n shardgate logs -l app.kubernetes.io/name=<service>-migrations).',
      );
    }
    options.onWaiting?.(reasons);
    await sleep(intervalMs);
  }
}

/** Returns why `url` is not up to date, or undefined when it is. */
async function checkOne(url: string, files: readonly MigrationFile[]): Promise<string | undefined> {
  const database = describeDatabase(url);
  let history: AppliedMigrationRow[];
  try {
    history = await readHistory(url);
  } catch (error) {
    if ((error as { code?: string }).code === UNDEFINED_TABLE) {
      return `${database}: no _prisma_migrations table yet (${files.length} pending)`;
    }
    return `${database}: unreachable (${(error as Error).message})`;
  }
  const status = migrationStatus(files, history);
  if (status.checksumMismatches.length > 0) {
    throw new MigrationError(
      'checksum_mismatch',
      `${database} records different contents for ${status.checksumMismatches.join(', ')} than ` +
        'this image has: the image and the database disagree, and waiting will not fix that.',
      status.checksumMismatches[0],
    );
  }
  return isUpToDate(status) ? undefined : `${database}: ${describeStatus(status)}`;
}

function describeStatus(status: MigrationStatus): string {
  const parts: string[] = [];
  if (status.pending.length > 0) parts.push(`pending ${status.pending.join(', ')}`);
  if (status.unfinished.length > 0) parts.push(`in progress ${status.unfinished.join(', ')}`);
  return parts.join('; ');
}

async function readHistory(url: string): Promise<AppliedMigrationRow[]> {
  const client = new pg.Client({
    connectionString: url,
    application_name: 'shardgate-migrate-wait',
    connectionTimeoutMillis: 5_000,
  });
  // An 'error' event on a broken connection must not crash the process while we wait.
  client.on('error', () => {});
  await client.connect();
  try {
    return await readMigrationHistory(client);
  } finally {
    await client.end().catch(() => {});
  }
}
