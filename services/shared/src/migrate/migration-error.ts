/**
 * Stable codes of {@link MigrationError}; callers may `switch` on them.
 *
 * - `invalid_migrations_dir`: the folder is missing, empty of migrations, or a migration has no `migration.sql`.
 * - `checksum_mismatch`: an applied migration's file changed since it was applied.
 * - `unfinished_migration`: the database records a migration that started and never finished
 *   (Prisma's P3009 situation); a human must resolve it first.
 * - `migration_failed`: a migration's SQL failed; its transaction was rolled back.
 * - `lock_timeout`: another runner held the migration lock for longer than allowed.
 * - `wait_timeout`: `--wait` gave up before every migration was recorded as applied everywhere.
 * - `unreachable`: a database could not be reached before the connection timeout.
 */
export type MigrationErrorCode =
  | 'invalid_migrations_dir'
  | 'checksum_mismatch'
  | 'unfinished_migration'
  | 'migration_failed'
  | 'lock_timeout'
  | 'wait_timeout'
  | 'unreachable';

/** The one error type the migration runner throws; `message` is written for an operator. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';

  /**
   * @param code - stable, documented reason
   * @param message - what happened and what to do about it
   * @param migrationName - the migration concerned, when there is one
   */
  constructor(
    readonly code: MigrationErrorCode,
    message: string,
    readonly migrationName?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
