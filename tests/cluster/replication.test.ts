import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { eventually } from '../support/wait.js';
import { Kube } from './support/kube.js';

/**
 * Each Postgres cluster of charts/postgres-shard (auth, shard0, shard1): the standby streams from
 * its primary, and a row written on the primary is read on the standby. psql runs in the pods over
 * their Unix sockets (`kubectl exec`), as the superuser the chart's pg_hba.conf trusts locally.
 */
const kube = new Kube();
const CLUSTERS = ['auth', 'shard0', 'shard1'] as const;

/** How long a row may take to appear on a standby of this small, busy machine. */
const REPLAY_DEADLINE_MS = 20_000;
/** How long a standby that just (re)started may take to catch up and stream. */
const STREAMING_DEADLINE_MS = 60_000;

describe.each(CLUSTERS)('postgres-%s', (cluster) => {
  const primary = `postgres-${cluster}-primary-0`;
  const standby = `postgres-${cluster}-standby-0`;

  it("the primary's pg_stat_replication shows the standby pod streaming", async () => {
    const standbyIp = (await kube.pod(standby)).status.podIP;
    expect(standbyIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    // steady state, but a standby restarted by a drill just before may still be catching up
    let rows: string[] = [];
    await eventually(
      async () => {
        rows = await kube.psql(
          primary,
          "SELECT state || ' ' || host(client_addr) FROM pg_stat_replication",
        );
        return rows.length === 1 && rows[0]?.startsWith('streaming ') === true;
      },
      STREAMING_DEADLINE_MS,
      `${standby} streaming from ${primary}`,
    );
    expect(rows).toEqual([`streaming ${standbyIp}`]);
    const [recovery] = await kube.psql(
      standby,
      "SELECT pg_is_in_recovery()::text || ' ' || coalesce((SELECT status FROM pg_stat_wal_receiver), 'none')",
    );
    expect(recovery).toBe('true streaming');
  });

  it('a row written on the primary is read on the standby; the standby refuses writes', async () => {
    const table = `cluster_test_${randomBytes(4).toString('hex')}`;
    const value = randomBytes(8).toString('hex');
    try {
      await kube.psql(
        primary,
        `CREATE TABLE ${table} (v text); INSERT INTO ${table} VALUES ('${value}')`,
      );
      const written = performance.now();
      let seen: string[] = [];
      await eventually(
        async () => {
          seen = await kube.psql(standby, `SELECT v FROM ${table}`).catch(() => []);
          return seen.length > 0;
        },
        REPLAY_DEADLINE_MS,
        `the row on ${standby}`,
      );
      expect(seen).toEqual([value]);
      expect(performance.now() - written).toBeLessThan(REPLAY_DEADLINE_MS);
      await expect(kube.psql(standby, `INSERT INTO ${table} VALUES ('x')`)).rejects.toThrow(
        /read-only transaction/,
      );
    } finally {
      await kube.psql(primary, `DROP TABLE IF EXISTS ${table}`);
    }
  });
});
