import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MigrationError } from './migration-error.js';

/** One migration folder on disk, in Prisma's layout: `<migrationsDir>/<name>/migration.sql`. */
export interface MigrationFile {
  /** Folder name, e.g. `20261123000000_init`; the order of application is the sort order of names. */
  readonly name: string;
  /** The SQL exactly as committed. */
  readonly sql: string;
  /** Lower-case hex SHA-256 of the file's bytes: the value Prisma stores in `_prisma_migrations.checksum`. */
  readonly checksum: string;
  /**
   * Checksums that count as this file when comparing with the history: its own, and those of the
   * same text with CRLF turned into LF and back, because Prisma accepts a migration whose only
   * change is a line-ending conversion (git's autocrlf does that on checkout).
   */
  readonly acceptedChecksums: readonly string[];
}

/**
 * Computes the checksum Prisma records for a migration script: SHA-256 over the file's raw bytes,
 * hex encoded. No line-ending normalisation, so a CRLF conversion counts as a change.
 */
export function migrationChecksum(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Reads every migration under `migrationsDir`, sorted by folder name as Prisma sorts them.
 * Plain files beside the folders (such as `migration_lock.toml`) are ignored.
 *
 * @throws {@link MigrationError} `invalid_migrations_dir` when the folder is missing or a migration
 *   folder lacks its `migration.sql`.
 */
export async function readMigrationFiles(migrationsDir: string): Promise<MigrationFile[]> {
  let entries: string[];
  try {
    entries = await readdir(migrationsDir);
  } catch (cause) {
    throw new MigrationError(
      'invalid_migrations_dir',
      `Cannot read the migrations folder ${migrationsDir}: ${(cause as Error).message}`,
      undefined,
      { cause },
    );
  }
  const files: MigrationFile[] = [];
  for (const name of entries.sort()) {
    const folder = join(migrationsDir, name);
    if (!(await stat(folder)).isDirectory()) continue;
    const scriptPath = join(folder, 'migration.sql');
    let bytes: Buffer;
    try {
      bytes = await readFile(scriptPath);
    } catch (cause) {
      throw new MigrationError(
        'invalid_migrations_dir',
        `Migration ${name} has no readable migration.sql (${scriptPath})`,
        name,
        { cause },
      );
    }
    const sql = bytes.toString('utf8');
    const lf = sql.replaceAll('\r\n', '\n');
    files.push({
      name,
      sql,
      checksum: migrationChecksum(bytes),
      acceptedChecksums: [bytes, Buffer.from(lf), Buffer.from(lf.replaceAll('\n', '\r\n'))].map(
        migrationChecksum,
      ),
    });
  }
  return files;
}
