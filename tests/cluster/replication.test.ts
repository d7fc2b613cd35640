import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { eventually } from '../support/wait.js';
import { clusterGateway } from './support/cluster-gateway.js';
import { replicaReads } from './support/drill.js';
import { podIsReady } from './support/kube.js';

/**
 * Each Postgres cluster of charts/postgres-shard (auth, shard0, shard1): the standby streams from
 * its primary, and a row written on the primary is read on the standby. psql runs in the pods over
 * their Unix sockets (`kubectl exec`), as the superuser the chart's pg_hba.conf trusts locally.
 */
const { send, kube, accounts } = clusterGateway();
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
    // through a replication slot of its own name, which keeps the WAL it still needs
    expect(
      await kube.psql(
        primary,
        "SELECT slot_name || ' ' || active FROM pg_replication_slots WHERE slot_type = 'physical'",
      ),
    ).toEqual([`${standby.replaceAll('-', '_')} true`]);
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

describe('a standby that stops streaming', () => {
  const standby = 'postgres-shard1-standby-0';
  const ready = async () => podIsReady(await kube.pod(standby));
  const setConninfo = async (value: string) => {
    await kube.psql(
      standby,
      `ALTER SYSTEM SET primary_conninfo = '${value.replaceAll("'", "''")}'`,
    );
    await kube.psql(standby, 'SELECT pg_reload_conf()');
  };

  it('leaves the ro Service (NotReady) while the API reads from the primary, and returns once it streams', async () => {
    const user = await accounts.newUser();
    // shard1 holds odd user ids (the dev shard map): make one until the user lands there
    let reader = user;
    while (Number(reader.id) % 2 !== 1) reader = await accounts.newUser();
    expect(await ready()).toBe(true);
    // the value pg_basebackup -R wrote (it holds the replication password: never printed)
    const [conninfo] = await kube.psql(standby, 'SHOW primary_conninfo');
    expect(conninfo).toMatch(/host=/);
    try {
      await setConninfo('host=nonexistent.invalid port=1 user=nobody connect_timeout=1');
      await eventually(async () => !(await ready()), 90_000, `${standby} NotReady`);
      const endpoints = await kube.json<{ subsets?: Array<{ addresses?: unknown[] }> }>([
        'get',
        'endpoints',
        'postgres-shard1-ro',
      ]);
      expect((endpoints.subsets ?? []).flatMap((s) => s.addresses ?? [])).toEqual([]);
      // the API keeps answering reads of that shard, from the primary: the first read may try
      // the standby's Service once (counted), after which the API leaves it alone for
      // REPLICA_RETRY_MS (5 s), so ten reads within a second add at most one attempt
      const read = async () =>
        expect((await send('GET', '/api/orders', { token: reader.accessToken })).status).toBe(200);
      await read();
      const before = await replicaReads(kube, 'shard1');
      for (let i = 0; i < 10; i++) await read();
      expect((await replicaReads(kube, 'shard1')) - before).toBeLessThanOrEqual(1);
    } finally {
      await setConninfo(conninfo as string);
    }
    await eventually(ready, 90_000, `${standby} Ready again`);
  }, 240_000);
});
