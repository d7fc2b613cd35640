import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../e2e/support/accounts.js';
import { eventually } from '../support/wait.js';
import { clusterGateway } from './support/cluster-gateway.js';
import { runFailover } from './support/failover-run.js';
import { freezePod, killFrozenPod, thawPod } from './support/freeze-pod.js';
import { podIsReady } from './support/kube.js';

/**
 * `npm run db:failover` on shard1 under light write load through the gateway: a planned
 * switchover to the standby (the primary stopped cleanly first: no acknowledged write may be
 * lost), then an unplanned failover back (the primary's processes frozen, as when its node stops
 * answering, and killed once fenced, without a clean stop: the writes lost are counted by the
 * script and by the load, and the load's count can be no greater). After each, the API serves the shard and the old primary streams again as a
 * standby; the second leaves shard1 as it was deployed. docs/operations.md, "Failover and
 * switchover", records the figures these print.
 */
const { send, kube, accounts } = clusterGateway();
const RELEASE = 'postgres-shard1';
const PRIMARY_0 = `${RELEASE}-primary-0`;
const STANDBY_0 = `${RELEASE}-standby-0`;
const ORDER = { items: [{ sku: 'FAILOVER', quantity: 1, unitPriceCents: 100 }], currency: 'EUR' };
/** How long the API may take to write to the shard again after the promotion. */
const SERVING_AGAIN_MS = 60_000;

/** A user of shard1 (odd ids live there). */
let user: User;

beforeAll(async () => {
  do user = await accounts.newUser();
  while (Number(user.id) % 2 !== 1);
});

/** One order every 100 ms, no retries; what was acknowledged (201) and what failed. */
class WriteLoad {
  readonly acknowledged: string[] = [];
  readonly failures: string[] = [];
  private running = true;
  private readonly done: Promise<void>;

  constructor() {
    this.done = this.loop();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const res = await send('POST', '/api/orders', {
        token: user.accessToken,
        json: ORDER,
        timeoutMs: 20_000,
      }).catch((error: Error) => ({ status: 0, body: { error: error.message } }));
      if (res.status === 201) this.acknowledged.push((res.body as { id: string }).id);
      else this.failures.push(`${res.status} ${JSON.stringify(res.body).slice(0, 120)}`);
      await sleep(100);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

/** The acknowledged orders that the shard's current primary does not have. */
async function missingOn(pod: string, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const present = new Set(
    await kube.psql(
      pod,
      `SELECT id FROM orders WHERE id IN (${ids.map((id) => `'${id}'`).join(',')})`,
      'shard1',
    ),
  );
  return ids.filter((id) => !present.has(id));
}

/** The primary-to-be's view: the old primary's pods stream from it; the rw Service selects it. */
async function expectTopology(primary: string, standby: string): Promise<void> {
  expect(await kube.psql(primary, 'SELECT pg_is_in_recovery()')).toEqual(['f']);
  expect(await kube.psql(standby, 'SELECT pg_is_in_recovery()')).toEqual(['t']);
  const standbyIp = (await kube.pod(standby)).status.podIP;
  let replication: string[] = [];
  await eventually(
    async () => {
      replication = await kube.psql(
        primary,
        "SELECT state || ' ' || host(client_addr) FROM pg_stat_replication",
      );
      return replication.length === 1 && replication[0]?.startsWith('streaming ') === true;
    },
    60_000,
    `${standby} streaming from ${primary}`,
  );
  expect(replication).toEqual([`streaming ${standbyIp}`]);
  const topology = await kube.json<{ data: Record<string, string> }>([
    'get',
    'configmap',
    `${RELEASE}-topology`,
  ]);
  expect(topology.data['primary-pod']).toBe(primary);
  const endpoints = await kube.json<{ subsets?: Array<{ addresses?: Array<{ ip: string }> }> }>([
    'get',
    'endpoints',
    `${RELEASE}-rw`,
  ]);
  expect(endpoints.subsets?.flatMap((s) => s.addresses ?? []).map((a) => a.ip)).toEqual([
    (await kube.pod(primary)).status.podIP,
  ]);
}

/** The API writes and reads the shard again, ten times in a row. */
async function expectServing(): Promise<void> {
  await eventually(
    async () =>
      (await send('POST', '/api/orders', { token: user.accessToken, json: ORDER })).status === 201,
    SERVING_AGAIN_MS,
    'the API writing to shard1 again',
  );
  for (let i = 0; i < 10; i += 1) {
    const placed = await send('POST', '/api/orders', { token: user.accessToken, json: ORDER });
    expect(placed.status).toBe(201);
    const read = await send('GET', `/api/orders/${placed.body.id}`, { token: user.accessToken });
    expect(read.status).toBe(200);
  }
}

describe.sequential('npm run db:failover on shard1, under write load through the gateway', () => {
  it('a planned switchover to the standby loses no acknowledged write', async () => {
    await expectTopology(PRIMARY_0, STANDBY_0);
    const load = new WriteLoad();
    await sleep(2_000);
    const { report } = await runFailover(kube, RELEASE, []).finally(async () => {
      await sleep(2_000);
      await load.stop();
    });
    console.log(
      `[failover] switchover: ${JSON.stringify({ ...report, acknowledged: load.acknowledged.length, failed: load.failures.length, failures: load.failures.slice(0, 5) })}`,
    );
    expect(report).toMatchObject({
      mode: 'switchover',
      from: PRIMARY_0,
      to: STANDBY_0,
      rebuilt: true,
      record: `primaryPod: ${STANDBY_0}`,
      formerPrimary: { state: 'shut down', commitsNotReceived: 0, walBytesNotReceived: 0 },
    });
    expect(load.acknowledged.length).toBeGreaterThan(10);
    expect(await missingOn(STANDBY_0, load.acknowledged)).toEqual([]);
    await expectTopology(STANDBY_0, PRIMARY_0);
    await expectServing();
    // a clean switchover keeps no copy of the old primary's data
    expect(
      await kube.exec(PRIMARY_0, ['ls', '/var/lib/postgresql/data'], { container: 'postgres' }),
    ).not.toContain('former-primary');
  }, 900_000);

  it('an unplanned failover back (the primary frozen, then killed): the lost writes are counted, the old primary rebuilt', async () => {
    const frozen = (await kube.pod(STANDBY_0)).metadata.uid;
    const load = new WriteLoad();
    await sleep(2_000);
    await freezePod(frozen);
    let killed: Promise<number> | undefined;
    const { report } = await runFailover(kube, RELEASE, ['--unplanned'], (line) => {
      // fenced: its pod object is gone, its StatefulSet at zero; its processes die frozen
      if (line.includes('fenced:')) killed = killFrozenPod(frozen);
    }).finally(async () => {
      if (killed) expect(await killed).toBeGreaterThan(1);
      else await thawPod(frozen);
      await sleep(2_000);
      await load.stop();
    });
    const missing = await missingOn(PRIMARY_0, load.acknowledged);
    console.log(
      `[failover] unplanned: ${JSON.stringify({ ...report, acknowledged: load.acknowledged.length, acknowledgedButLost: missing.length, failed: load.failures.length, failures: load.failures.slice(0, 5) })}`,
    );
    expect(report).toMatchObject({
      mode: 'failover',
      from: STANDBY_0,
      to: PRIMARY_0,
      rebuilt: true,
    });
    const former = report.formerPrimary;
    if (!('commitsNotReceived' in former)) throw new Error(`not inspected: ${former.error}`);
    // a crash, not a clean stop; every acknowledged order it lost is one of the commits it counted
    expect(former.state).toBe('in production');
    expect(missing.length).toBeLessThanOrEqual(former.commitsNotReceived);
    expect(load.acknowledged.length).toBeGreaterThan(10);
    await expectTopology(PRIMARY_0, STANDBY_0);
    await expectServing();
    // the old primary's data is kept beside the new copy until the operator removes it
    expect(
      await kube.exec(STANDBY_0, ['ls', '/var/lib/postgresql/data'], { container: 'postgres' }),
    ).toContain('pgdata.former-primary');
    await kube.exec(STANDBY_0, ['rm', '-rf', '/var/lib/postgresql/data/pgdata.former-primary'], {
      container: 'postgres',
    });
    expect(podIsReady(await kube.pod(STANDBY_0))).toBe(true);
  }, 900_000);
});
