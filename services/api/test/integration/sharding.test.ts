import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { call, startApiServer, type TestApiServer, tokenFor } from '../support/api-server.js';
import { sql } from '../support/shard-sql.js';

let api: TestApiServer;
const stack = inject('stack');
beforeAll(async () => {
  api = await startApiServer();
});
afterAll(() => api.close());

describe('routing users to shards', () => {
  it('puts users 1-12 on the shard the map says, and their rows only on that primary', async () => {
    for (let userId = 1; userId <= 12; userId++) {
      const token = await tokenFor(userId);
      const expected = userId % 2 === 0 ? 'shard0' : 'shard1';
      const other = expected === 'shard0' ? 'shard1' : 'shard0';
      const profile = await call(api.url, 'POST', '/api/users', { token });
      expect([200, 201]).toContain(profile.status);
      expect(profile.headers.get('x-shard'), `user ${userId}`).toBe(expected);
      const placed = await call(api.url, 'POST', '/api/orders', {
        token,
        json: { items: [{ sku: `U${userId}`, quantity: 1, unitPriceCents: 100 }], currency: 'EUR' },
      });
      expect(placed.headers.get('x-shard')).toBe(expected);

      const here = stack.pg[expected].primary;
      const there = stack.pg[other].primary;
      expect(await sql(here, 'SELECT 1 FROM profiles WHERE user_id = $1', [userId])).toHaveLength(
        1,
      );
      expect(
        await sql(here, 'SELECT 1 FROM orders WHERE id = $1 AND user_id = $2', [
          placed.body.id,
          userId,
        ]),
      ).toHaveLength(1);
      expect(await sql(there, 'SELECT 1 FROM profiles WHERE user_id = $1', [userId])).toHaveLength(
        0,
      );
      expect(await sql(there, 'SELECT 1 FROM orders WHERE user_id = $1', [userId])).toHaveLength(0);
    }
  });

  it('reports the same placement from the where-user command', async () => {
    const { spawnSync } = await import('node:child_process');
    const { join } = await import('node:path');
    const { REPO_ROOT } = await import('../../../../scripts/stack/layout.js');
    const result = spawnSync(
      process.execPath,
      [
        join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'),
        join(REPO_ROOT, 'services/api/src/cli/where-user.ts'),
        '7',
        '12',
        '1030',
      ],
      { encoding: 'utf8', env: { ...process.env, SHARD_MAP: '' } },
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('user 7: bucket 7 of 1024 -> shard1 (shard map v1)');
    expect(result.stdout).toContain('user 12: bucket 12 of 1024 -> shard0');
    expect(result.stdout).toContain('user 1030: bucket 6 of 1024 -> shard0');
  });
});
