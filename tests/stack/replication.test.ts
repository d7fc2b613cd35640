import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { CLUSTERS } from '../../scripts/stack/layout.js';

const stack = inject('stack');

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

describe.each(CLUSTERS)('the %s cluster', (cluster) => {
  const { primary, replica } = stack.pg[cluster];

  it('has its standby streaming from the primary', async () => {
    const rows = await withClient(
      primary,
      async (c) =>
        (
          await c.query<{ application_name: string; state: string }>(
            'SELECT application_name, state FROM pg_stat_replication',
          )
        ).rows,
    );
    expect(rows).toEqual([{ application_name: `${cluster}-replica`, state: 'streaming' }]);
    const inRecovery = await withClient(
      replica,
      async (c) => (await c.query('SELECT pg_is_in_recovery() AS r')).rows[0].r,
    );
    expect(inRecovery).toBe(true);
  });

  it('shows a row written on the primary on the standby shortly after', async () => {
    const table = `replication_probe_${randomBytes(4).toString('hex')}`;
    const value = randomBytes(8).toString('hex');
    await withClient(primary, async (c) => {
      await c.query(`CREATE TABLE ${table} (value TEXT)`);
      await c.query(`INSERT INTO ${table} VALUES ($1)`, [value]);
    });
    const seen = await withClient(replica, async (c) => {
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        const exists = await c.query('SELECT to_regclass($1) AS t', [table]);
        if (exists.rows[0].t !== null) {
          const rows = await c.query(`SELECT value FROM ${table}`);
          if (rows.rowCount === 1) return rows.rows[0].value as string;
        }
        await sleep(50);
      }
      return null;
    });
    expect(seen).toBe(value);
  });

  it('refuses writes on the standby', async () => {
    const error = await withClient(replica, (c) =>
      c.query('CREATE TABLE must_fail (id INTEGER)'),
    ).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('25006'); // read_only_sql_transaction
  });
});
