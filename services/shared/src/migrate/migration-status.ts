import type { MigrationFile } from './migration-files.js';
import type { AppliedMigrationRow } from './prisma-migrations-table.js';

/** How far one database's history is from a migrations folder. */
export interface MigrationStatus {
  /** Folder migrations with no finished, not rolled back row: still to be applied. */
  readonly pending: readonly string[];
  /**
   * Migrations recorded as started and neither finished nor rolled back: being applied right now
   * by `prisma migrate deploy`, or failed half-way and waiting for a human.
   */
  readonly unfinished: readonly string[];
  /** Applied migrations whose file no longer matches the recorded checksum. */
  readonly checksumMismatches: readonly string[];
}

/**
 * Compares a migrations folder with a database's `_prisma_migrations` rows. Pure: the caller reads
 * both. A migration counts as applied once a row for it has `finished_at` set and `rolled_back_at`
 * empty, as Prisma counts it. Rows for migrations the folder lacks (applied by a newer release) are
 * ignored: an older image may still run against a newer schema during a rollback.
 */
export function migrationStatus(
  files: readonly MigrationFile[],
  history: readonly AppliedMigrationRow[],
): MigrationStatus {
  const applied = new Map<string, AppliedMigrationRow>();
  const unfinished = new Set<string>();
  for (const row of history) {
    if (row.rolled_back_at !== null) continue;
    if (row.finished_at === null) unfinished.add(row.migration_name);
    else applied.set(row.migration_name, row);
  }
  const pending: string[] = [];
  const checksumMismatches: string[] = [];
  for (const file of files) {
    const row = applied.get(file.name);
    if (!row) pending.push(file.name);
    else if (!file.acceptedChecksums.includes(row.checksum)) checksumMismatches.push(file.name);
  }
  return {
    pending,
    unfinished: [...unfinished].filter((name) => !applied.has(name)).sort(),
    checksumMismatches,
  };
}

/** True when a database has every migration of the folder applied and nothing in flight. */
export function isUpToDate(status: MigrationStatus): boolean {
  return (
    status.pending.length === 0 &&
    status.unfinished.length === 0 &&
    status.checksumMismatches.length === 0
  );
}
