import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { REPO_ROOT } from '../../../../scripts/stack/layout.js';
import { createScratchDatabase, writeMigrations } from './scratch-database.js';

const stack = inject('stack');
const tsx = join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs');
const cli = join(REPO_ROOT, 'services/shared/src/migrate/cli.ts');
const migrate = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, [tsx, cli, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });

describe('shardgate-migrate', () => {
  it('migrates every database in DATABASE_URLS and never prints a password', async () => {
    const urls = [
      await createScratchDatabase(stack.pg.shard0.primary),
      await createScratchDatabase(stack.pg.shard1.primary),
    ];
    const dir = writeMigrations({ '1_init': 'CREATE TABLE t (id INTEGER);\n' });
    const result = migrate([dir], { DATABASE_URLS: urls.join(',') });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.match(/applied 1_init on/g)).toHaveLength(2);
    expect(result.stdout + result.stderr).not.toContain(new URL(urls[0] as string).password);
  });

  it('exits 1 with the refusal reason, and 2 with usage when misused', async () => {
    const url = await createScratchDatabase(stack.pg.auth.primary);
    const failing = migrate([writeMigrations({ '1_bad': 'SELEC 1;\n' })], { DATABASE_URLS: url });
    expect(failing.status).toBe(1);
    expect(failing.stderr).toMatch(
      /migration refused \(migration_failed\): Migration 1_bad failed/,
    );
    const usage = migrate([], { DATABASE_URLS: '' });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('usage:');
  });
});
