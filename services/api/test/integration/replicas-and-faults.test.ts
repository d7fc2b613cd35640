import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackLayout } from '../../../../scripts/stack/layout.js';
import {
  ensureCluster,
  type PgInstance,
  pgInstances,
  stopPg,
} from '../../../../scripts/stack/postgres.js';
import { down, up } from '../../../../scripts/stack/stack.js';
import type { StackInfo } from '../../../../scripts/stack/stack-info.js';
import { stackSecrets } from '../../../../scripts/stack/state.js';
import { eventually } from '../../../../tests/support/wait.js';
import {
  call,
  freshUserId,
  startApiServer,
  type TestApiServer,
  testApiEnv,
  tokenFor,
} from '../support/api-server.js';
import { sql } from '../support/shard-sql.js';

// Pausing replay and stopping servers would disturb every other suite on the shared test stack,
// so this file runs a stack of its own, 200 ports above the test stack.
const layout = stackLayout({
  name: `${process.env.TEST_STACK_NAME || 'test'}-faults`,
  portOffset: Number(process.env.TEST_STACK_PORT_OFFSET ?? 100) + 200,
});
let stack: StackInfo;
let api: TestApiServer;

beforeAll(async () => {
  stack = await up(layout, { fresh: true });
  api = await startApiServer(testApiEnv(stack));
}, 180_000);
afterAll(async () => {
  await api?.close();
  await down(layout);
}, 120_000);

const instance = (id: string) => pgInstances(layout).find((i) => i.id === id) as PgInstance;
const order = { items: [{ sku: 'RYW-1', quantity: 1, unitPriceCents: 500 }], currency: 'EUR' };

/** Queries served so far, by role, for one operation on one shard. */
async function queries(
  shard: string,
  operation: string,
): Promise<{ primary: number; replica: number }> {
  const metric = await api.deps.metrics.registry
    .getSingleMetric('db_query_duration_seconds')
    ?.get();
  const counts = { primary: 0, replica: 0 };
  for (const v of (metric?.values ?? []) as Array<{
    metricName?: string;
    labels: Record<string, string>;
    value: number;
  }>) {
    if (
      v.metricName === 'db_query_duration_seconds_count' &&
      v.labels.shard === shard &&
      v.labels.operation === operation
    ) {
      counts[v.labels.role as 'primary' | 'replica'] += v.value;
    }
  }
  return counts;
}

describe('read-your-writes while a replica lags', () => {
  it('shows a writer their new order at once, while others keep reading the paused replica', async () => {
    const writer = await tokenFor(freshUserId('even'), stack);
    const readerId = freshUserId('even');
    const reader = await tokenFor(readerId, stack);
    const readersOrder = await call(api.url, 'POST', '/api/orders', { token: reader, json: order });
    expect(readersOrder.status).toBe(201);
    await eventually(
      async () =>
        (
          await sql(stack.pg.shard0.replica, 'SELECT 1 FROM orders WHERE id = $1', [
            readersOrder.body.id,
          ])
        ).length === 1,
      10_000,
      "the reader's order on the replica",
    );

    await sql(stack.pg.shard0.replica, 'SELECT pg_wal_replay_pause()');
    try {
      const placed = await call(api.url, 'POST', '/api/orders', { token: writer, json: order });
      expect(placed.status).toBe(201);
      // the replica really is behind
      await sleep(200);
      expect(
        await sql(stack.pg.shard0.replica, 'SELECT 1 FROM orders WHERE id = $1', [placed.body.id]),
      ).toEqual([]);

      const before = await queries('shard0', 'order.page');
      const list = await call(api.url, 'GET', '/api/orders', { token: writer });
      expect(list.body.items.map((o: { id: string }) => o.id)).toEqual([placed.body.id]);
      expect(
        (await call(api.url, 'GET', `/api/orders/${placed.body.id}`, { token: writer })).status,
      ).toBe(200);
      const afterWriter = await queries('shard0', 'order.page');
      expect(afterWriter.primary - before.primary).toBe(1);
      expect(afterWriter.replica - before.replica).toBe(0);

      const readerList = await call(api.url, 'GET', '/api/orders', { token: reader });
      expect(readerList.body.items.map((o: { id: string }) => o.id)).toEqual([
        readersOrder.body.id,
      ]);
      const afterReader = await queries('shard0', 'order.page');
      expect(afterReader.replica - afterWriter.replica).toBe(1);
      expect(afterReader.primary - afterWriter.primary).toBe(0);
    } finally {
      await sql(stack.pg.shard0.replica, 'SELECT pg_wal_replay_resume()');
    }

    // once the replica has replayed the write, the writer is served by it again
    await eventually(
      async () => {
        const start = await queries('shard0', 'order.page');
        await call(api.url, 'GET', '/api/orders', { token: writer });
        return (await queries('shard0', 'order.page')).replica > start.replica;
      },
      10_000,
      'the writer to read from the replica again',
    );
  });
});

describe('when servers of a shard fail', () => {
  it('skips a stopped standby: reads still succeed, from the primary', async () => {
    const userId = freshUserId('even');
    const token = await tokenFor(userId, stack);
    expect((await call(api.url, 'POST', '/api/orders', { token, json: order })).status).toBe(201);
    await sleep(500);
    await stopPg(instance('pg-shard0-replica'));
    try {
      for (let i = 0; i < 5; i++) {
        const list = await call(api.url, 'GET', '/api/orders', { token });
        expect(list.status).toBe(200);
        expect(list.body.items).toHaveLength(1);
        expect((await call(api.url, 'GET', '/api/me', { token })).status).toBe(200);
      }
    } finally {
      await ensureCluster(layout, stackSecrets(layout), 'shard0', () => {});
    }
    // the standby is used again by itself after REPLICA_RETRY_MS
    await eventually(
      async () => {
        const start = await queries('shard0', 'order.page');
        await call(api.url, 'GET', '/api/orders', {
          token: await tokenFor(freshUserId('even'), stack),
        });
        return (await queries('shard0', 'order.page')).replica > start.replica;
      },
      15_000,
      'reads to return to the restarted standby',
    );
  });

  it('answers 503 with Retry-After for writes to a shard whose primary is down, while the other shard carries on', async () => {
    const odd = await tokenFor(freshUserId('odd'), stack);
    const even = await tokenFor(freshUserId('even'), stack);
    expect((await call(api.url, 'POST', '/api/orders', { token: odd, json: order })).status).toBe(
      201,
    );
    await stopPg(instance('pg-shard1-primary'));
    try {
      for (let i = 0; i < 3; i++) {
        const write = await call(api.url, 'POST', '/api/orders', { token: odd, json: order });
        expect([write.status, write.body.code]).toEqual([503, 'not_ready']);
        expect(Number(write.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(write.headers.get('x-shard')).toBe('shard1');
        const otherShard = await call(api.url, 'POST', '/api/orders', { token: even, json: order });
        expect([otherShard.status, otherShard.headers.get('x-shard')]).toEqual([201, 'shard0']);
        expect((await call(api.url, 'GET', '/api/orders', { token: even })).status).toBe(200);
      }
      // reads that a replica can serve still work on the stricken shard
      const stranger = await tokenFor(freshUserId('odd'), stack);
      expect((await call(api.url, 'GET', '/api/orders', { token: stranger })).status).toBe(200);
    } finally {
      await ensureCluster(layout, stackSecrets(layout), 'shard1', () => {});
    }
    // no restart of the API: the next writes succeed once the primary is back
    await eventually(
      async () =>
        (await call(api.url, 'POST', '/api/orders', { token: odd, json: order })).status === 201,
      15_000,
      'writes to shard1 to succeed again',
    );
    const list = await call(api.url, 'GET', '/api/orders', { token: odd });
    expect(list.body.items.length).toBeGreaterThanOrEqual(2);
    expect(api.logs.join('')).not.toContain('"level":50'); // no request failed with a 500
  });
});
