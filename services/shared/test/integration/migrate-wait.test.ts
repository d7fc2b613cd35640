import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { REPO_ROOT } from '../../../../scripts/stack/layout.js';
import { createScratchDatabase, query, writeMigrations } from './scratch-database.js';

const stack = inject('stack');
const tsx = join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs');
const cli = join(REPO_ROOT, 'services/shared/src/migrate/cli.ts');

/** Runs the CLI to its end; resolves with its exit status and output. */
function migrate(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [tsx, cli, ...args], {
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('shardgate-migrate --wait', () => {
  it('waits until a concurrent run has migrated every database, applying nothing itself', async () => {
    const urls = [
      await createScratchDatabase(stack.pg.shard0.primary),
      await createScratchDatabase(stack.pg.shard1.primary),
    ];
    const dir = writeMigrations({ '1_init': 'CREATE TABLE t (id INTEGER);\n' });
    const env = { DATABASE_URLS: urls.join(',') };
    const waiting = migrate(['--wait', '--timeout', '30', dir], env);
    // Give the waiter time to see the empty databases first.
    await new Promise((r) => setTimeout(r, 2_500));
    const applied = await migrate([dir], env);
    expect(applied.status, applied.stderr).toBe(0);
    const waited = await waiting;
    expect(waited.status, waited.stderr).toBe(0);
    expect(waited.stdout).toMatch(/waiting: .*no _prisma_migrations table yet/);
    expect(waited.stdout).toContain('all migrations of');
  });

  it('applies nothing itself: an empty database stays empty when the wait times out', async () => {
    const url = await createScratchDatabase(stack.pg.shard0.primary);
    const dir = writeMigrations({ '1_init': 'CREATE TABLE t (id INTEGER);\n' });
    const timedOut = await migrate(['--wait', '--timeout', '1', dir], { DATABASE_URLS: url });
    expect(timedOut.status, timedOut.stderr).toBe(1);
    expect(timedOut.stderr).toContain('no _prisma_migrations table yet (1 pending)');
    const tables = await query<{ name: string }>(
      url,
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'",
    );
    expect(tables).toEqual([]);
  });

  it('exits 1 after --timeout naming what is missing, and 2 for a bad --timeout', async () => {
    const url = await createScratchDatabase(stack.pg.auth.primary);
    const dir = writeMigrations({ '1_init': 'CREATE TABLE t (id INTEGER);\n' });
    const first = await migrate([dir], { DATABASE_URLS: url });
    expect(first.status, first.stderr).toBe(0);
    writeMigrations({ '2_next': 'CREATE TABLE u (id INTEGER);\n' }, dir);
    const timedOut = await migrate(['--wait', '--timeout', '1', dir], { DATABASE_URLS: url });
    expect(timedOut.status).toBe(1);
    expect(timedOut.stderr).toMatch(/\(wait_timeout\).*not all applied within 1 s/);
    expect(timedOut.stderr).toContain('pending 2_next');
    // The wait applied nothing: 2_next's table is absent and its migration unrecorded.
    const recorded = await query<{ name: string }>(
      url,
      'SELECT migration_name AS name FROM _prisma_migrations ORDER BY migration_name',
    );
    expect(recorded.map((r) => r.name)).toEqual(['1_init']);
    expect(await query(url, "SELECT to_regclass('public.u') IS NULL AS absent")).toEqual([
      { absent: true },
    ]);
    const bad = await migrate(['--wait', '--timeout', 'soon', dir], { DATABASE_URLS: url });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--timeout must be');
  });
});
