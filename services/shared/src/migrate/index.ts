/**
 * Applies Prisma-format SQL migrations without Prisma's schema engine, compatibly with it.
 * @packageDocumentation
 */
export {
  type ApplyMigrationsOptions,
  applyMigrations,
  type MigrationReport,
} from './apply-migrations.js';
export { applyMigrationsEverywhere, type MigrationTarget } from './apply-migrations-everywhere.js';
export { describeDatabase } from './describe-database.js';
export { MigrationError, type MigrationErrorCode } from './migration-error.js';
export { type MigrationFile, migrationChecksum, readMigrationFiles } from './migration-files.js';
export { isUpToDate, type MigrationStatus, migrationStatus } from './migration-status.js';
export { type WaitForMigrationsOptions, waitForMigrations } from './wait-for-migrations.js';
