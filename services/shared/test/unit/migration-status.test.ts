import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  isUpToDate,
  MigrationError,
  type MigrationFile,
  migrationStatus,
  waitForMigrations,
} from '../../src/migrate/index.js';
import type { AppliedMigrationRow } from '../../src/migrate/prisma-migrations-table.js';

const file = (name: string, checksum = `sum-${name}`): MigrationFile => ({
  name,
  sql: '',
  checksum,
  acceptedChecksums: [checksum, `${checksum}-crlf`],
});
const T = new Date('2026-11-30T00:00:00Z');
const row = (
  name: string,
  state: 'finished' | 'unfinished' | 'rolled_back',
  checksum = `sum-${name}`,
): AppliedMigrationRow => ({
  id: `${name}-${state}`,
  migration_name: name,
  checksum,
  logs: null,
  finished_at: state === 'finished' ? T : null,
  rolled_back_at: state === 'rolled_back' ? T : null,
});

describe('migrationStatus', () => {
  const files = [file('1_init'), file('2_more')];

  it('is up to date when every folder migration has a finished row', () => {
    const status = migrationStatus(files, [row('1_init', 'finished'), row('2_more', 'finished')]);
    expect(status).toEqual({ pending: [], unfinished: [], checksumMismatches: [] });
    expect(isUpToDate(status)).toBe(true);
  });

  it('lists missing and rolled-back migrations as pending, in folder order', () => {
    const status = migrationStatus(files, [row('2_more', 'rolled_back')]);
    expect(status.pending).toEqual(['1_init', '2_more']);
    expect(isUpToDate(status)).toBe(false);
  });

  it('reports a started, unfinished migration as in progress, not as done', () => {
    const status = migrationStatus(files, [row('1_init', 'finished'), row('2_more', 'unfinished')]);
    expect(status.pending).toEqual(['2_more']);
    expect(status.unfinished).toEqual(['2_more']);
    expect(isUpToDate(status)).toBe(false);
  });

  it('counts a retry that finished after a rolled-back attempt as applied', () => {
    const status = migrationStatus(files, [
      row('1_init', 'finished'),
      row('2_more', 'rolled_back'),
      row('2_more', 'finished'),
    ]);
    expect(isUpToDate(status)).toBe(true);
  });

  it('accepts the line-ending variants of a checksum and flags any other', () => {
    expect(
      migrationStatus([file('1_init')], [row('1_init', 'finished', 'sum-1_init-crlf')])
        .checksumMismatches,
    ).toEqual([]);
    const status = migrationStatus([file('1_init')], [row('1_init', 'finished', 'other')]);
    expect(status.checksumMismatches).toEqual(['1_init']);
    expect(isUpToDate(status)).toBe(false);
  });

  it('ignores rows the folder does not know (a newer release applied them)', () => {
    const status = migrationStatus(
      [file('1_init')],
      [row('1_init', 'finished'), row('9_future', 'finished')],
    );
    expect(isUpToDate(status)).toBe(true);
  });
});

describe('waitForMigrations', () => {
  it('gives up with wait_timeout naming the unreachable database, without its password', async () => {
    // A port that refuses connections: listen, note the port, close.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const address = server.address() as { port: number };
        server.close(() => resolve(address.port));
      });
    });
    const dir = mkdtempSync(join(tmpdir(), 'mig-wait-'));
    mkdirSync(join(dir, '1_init'));
    writeFileSync(join(dir, '1_init', 'migration.sql'), 'SELECT 1;\n');
    const waiting: string[][] = [];
    const error = await waitForMigrations({
      databaseUrls: [`postgresql://app:s3cret-pw@127.0.0.1:${port}/auth`],
      migrationsDir: dir,
      timeoutMs: 400,
      intervalMs: 100,
      onWaiting: (reasons) => waiting.push([...reasons]),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).code).toBe('wait_timeout');
    expect((error as Error).message).toContain(`127.0.0.1:${port}/auth: unreachable`);
    expect((error as Error).message).not.toContain('s3cret-pw');
    expect(waiting.length).toBeGreaterThan(0);
  });

  it('fails at once with invalid_migrations_dir for a missing folder', async () => {
    const error = await waitForMigrations({
      databaseUrls: ['postgresql://127.0.0.1:1/x'],
      migrationsDir: join(tmpdir(), 'does-not-exist-mig-wait'),
      timeoutMs: 10_000,
    }).catch((e: unknown) => e);
    expect((error as MigrationError).code).toBe('invalid_migrations_dir');
  });
});
