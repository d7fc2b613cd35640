import type { ClientBase } from 'pg';

/**
 * The advisory lock key `prisma migrate deploy` takes on PostgreSQL. Taking the same key means our
 * runner and Prisma's never run at the same time against one database.
 */
export const PRISMA_ADVISORY_LOCK_KEY = 72707369;

/** DDL identical to the table Prisma's schema engine creates, so either tool can read the other's history. */
export const CREATE_PRISMA_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

/** One row of `_prisma_migrations`. */
export interface AppliedMigrationRow {
  readonly id: string;
  readonly checksum: string;
  readonly migration_name: string;
  readonly finished_at: Date | null;
  readonly rolled_back_at: Date | null;
  readonly logs: string | null;
}

/** Reads the migration history, oldest first. */
export async function readMigrationHistory(client: ClientBase): Promise<AppliedMigrationRow[]> {
  const result = await client.query<AppliedMigrationRow>(
    `SELECT id, checksum, migration_name, finished_at, rolled_back_at, logs
       FROM "_prisma_migrations" ORDER BY started_at, migration_name`,
  );
  return result.rows;
}

/** Records a successfully applied migration, as Prisma does after running it. */
export async function recordAppliedMigration(
  client: ClientBase,
  row: { id: string; name: string; checksum: string },
): Promise<void> {
  await client.query(
    `INSERT INTO "_prisma_migrations"
       (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
     VALUES ($1, $2, $3, clock_timestamp(), clock_timestamp(), 1)`,
    [row.id, row.checksum, row.name],
  );
}

/**
 * Records a migration whose transaction failed and was rolled back. `rolled_back_at` is set because
 * nothing of it remains in the database: Prisma then treats the migration as not applied and will
 * retry it, instead of refusing to run (P3009) as it would for a half-applied migration.
 */
export async function recordRolledBackMigration(
  client: ClientBase,
  row: { id: string; name: string; checksum: string; logs: string },
): Promise<void> {
  await client.query(
    `INSERT INTO "_prisma_migrations"
       (id, checksum, migration_name, started_at, rolled_back_at, logs, applied_steps_count)
     VALUES ($1, $2, $3, clock_timestamp(), clock_timestamp(), $4, 0)`,
    [row.id, row.checksum, row.name, row.logs],
  );
}
