import { type ChildProcess, spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, freePort } from '../../../auth/test/support/processes.js';
import {
  call,
  freshUserId,
  startApiServer,
  type TestApiServer,
  testApiEnv,
  tokenFor,
} from '../support/api-server.js';

// A Redis of this file's own, so that killing it disturbs no other suite.
let port: number;
let redisProcess: ChildProcess | undefined;
let probe: Redis;
let api: TestApiServer;

async function startRedis(): Promise<void> {
  redisProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  await eventually(async () => (await probe.ping()) === 'PONG', 10_000, 'redis to start');
}
async function killRedis(): Promise<void> {
  const child = redisProcess;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

beforeAll(async () => {
  port = await freePort();
  probe = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => 100,
  });
  probe.on('error', () => {});
  await probe.connect().catch(() => undefined);
  await startRedis();
  api = await startApiServer(testApiEnv(undefined, { REDIS_URL: `redis://127.0.0.1:${port}` }));
});
afterAll(async () => {
  await api?.close();
  probe?.disconnect();
  await killRedis();
});

const order = { items: [{ sku: 'R-1', quantity: 1, unitPriceCents: 100 }], currency: 'EUR' };

describe('the API when Redis goes down and comes back', () => {
  it('answers correctly from Postgres meanwhile, and caches again by itself afterwards', async () => {
    const userId = freshUserId();
    const token = await tokenFor(userId);
    expect((await call(api.url, 'GET', '/api/me', { token })).status).toBe(200);
    await eventually(
      async () => (await probe.exists(`api:profile:${userId}`)) === 1,
      2_000,
      'the profile in Redis',
    );

    await killRedis();
    const placed = await call(api.url, 'POST', '/api/orders', {
      token,
      json: order,
      headers: { 'idempotency-key': 'r1' },
    });
    expect(placed.status).toBe(201);
    const list = await call(api.url, 'GET', '/api/orders', { token });
    expect(list.body.items.map((o: { id: string }) => o.id)).toEqual([placed.body.id]);
    expect((await call(api.url, 'GET', `/api/orders/${placed.body.id}`, { token })).status).toBe(
      200,
    );
    const renamed = await call(api.url, 'POST', '/api/users', { token, json: { name: 'Offline' } });
    expect(renamed.body.name).toBe('Offline');
    expect((await call(api.url, 'GET', '/api/me', { token })).body.name).toBe('Offline');
    const replay = await call(api.url, 'POST', '/api/orders', {
      token,
      json: order,
      headers: { 'idempotency-key': 'r1' },
    });
    expect(replay.body.id).toBe(placed.body.id);

    await startRedis();
    const other = freshUserId();
    const otherToken = await tokenFor(other);
    await eventually(
      async () => {
        await call(api.url, 'GET', '/api/me', { token: otherToken });
        return (await probe.exists(`api:profile:${other}`)) === 1;
      },
      10_000,
      'profile caching to resume',
    );
    expect((await call(api.url, 'GET', '/api/me', { token })).body.name).toBe('Offline');
    const metrics = await api.deps.metrics.registry.getSingleMetricAsString('cache_lookups_total');
    expect(metrics).toMatch(/cache_lookups_total\{cache="profile",result="error"\} [1-9]/);
  });
});
