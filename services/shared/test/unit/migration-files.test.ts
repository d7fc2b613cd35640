import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeDatabase, MigrationError, readMigrationFiles } from '../../src/migrate/index.js';

function folder(files: Record<string, string | null>): string {
  const root = mkdtempSync(join(tmpdir(), 'mig-unit-'));
  for (const [name, sql] of Object.entries(files)) {
    mkdirSync(join(root, name));
    if (sql !== null) writeFileSync(join(root, name, 'migration.sql'), sql);
  }
  return root;
}

describe('readMigrationFiles', () => {
  it('sorts folders by name, ignores plain files, and hashes the raw bytes', async () => {
    const root = folder({ '20260102_b': 'B;\r\n', '20260101_a': 'A;\n' });
    writeFileSync(join(root, 'migration_lock.toml'), 'provider = "postgresql"\n');
    const files = await readMigrationFiles(root);
    expect(files.map((f) => f.name)).toEqual(['20260101_a', '20260102_b']);
    expect(files[1]?.checksum).toBe(createHash('sha256').update('B;\r\n').digest('hex'));
    expect(files[1]?.acceptedChecksums).toContain(
      createHash('sha256').update('B;\n').digest('hex'),
    );
    expect(files[0]?.acceptedChecksums).toContain(
      createHash('sha256').update('A;\r\n').digest('hex'),
    );
  });

  it('names a migration folder that lacks migration.sql', async () => {
    const error = await readMigrationFiles(folder({ '1_ok': 'SELECT 1;', '2_empty': null })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).code).toBe('invalid_migrations_dir');
    expect((error as MigrationError).migrationName).toBe('2_empty');
  });
});

describe('describeDatabase', () => {
  it('keeps host, port and database and drops the credentials', () => {
    expect(
      describeDatabase('postgresql://user:s3cret@db.internal:6543/orders?sslmode=require'),
    ).toBe('db.internal:6543/orders');
    expect(describeDatabase('postgresql://user:s3cret@db/orders')).toBe('db:5432/orders');
  });

  it('never echoes an unparsable URL', () => {
    expect(describeDatabase('not a url with s3cret')).toBe('<invalid database URL>');
  });
});
