import {
  type ApplyMigrationsOptions,
  applyMigrations,
  type MigrationReport,
} from './apply-migrations.js';

/** One database and the migrations folder that belongs to it. */
export interface MigrationTarget {
  readonly databaseUrl: string;
  readonly migrationsDir: string;
}

/**
 * Migrates several databases one after another (the auth database, then every shard), stopping at
 * the first failure so that shards never drift apart silently.
 *
 * @throws {@link MigrationError} from the first database that fails; the reports of the databases
 *   already migrated are lost with it, but their history rows record what happened.
 */
export async function applyMigrationsEverywhere(
  targets: readonly MigrationTarget[],
  options: Pick<ApplyMigrationsOptions, 'lockTimeoutMs' | 'onApplied' | 'connectTimeoutMs'> = {},
): Promise<MigrationReport[]> {
  const reports: MigrationReport[] = [];
  for (const target of targets) {
    reports.push(await applyMigrations({ ...options, ...target }));
  }
  return reports;
}
