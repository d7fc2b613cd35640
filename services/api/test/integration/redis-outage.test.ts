import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrivateRedis } from '../../../../tests/support/redis-server.js';
import { eventually } from '../../../../tests/support/wait.js';
import {
  call,
  freshUserId,
  startApiServer,
  type TestApiServer,
  testApiEnv,
  tokenFor,
} from '../support/api-server.js';

// A Redis of this file's own, so that killing it disturbs no other suite.
let redis: PrivateRedis;
let api: TestApiServer;
beforeAll(async () => {
  redis = await PrivateRedis.start();
  api = await startApiServer(testApiEnv(undefined, { REDIS_URL: redis.url }));
});
afterAll(async () => {
  await api?.close();
  await redis?.stop();
});

const order = { items: [{ sku: 'R-1', quantity: 1, unitPriceCents: 100 }], currency: 'EUR' };

describe('the API when Redis goes down and comes back', () => {
  it('answers correctly from Postgres meanwhile, and caches again by itself afterwards', async () => {
    const userId = freshUserId();
    const token = await tokenFor(userId);
    expect((await call(api.url, 'GET', '/api/me', { token })).status).toBe(200);
    await eventually(
      async () => (await redis.probe.exists(`api:profile:${userId}`)) === 1,
      2_000,
      'the profile in Redis',
    );

    await redis.kill();
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

    await redis.restart();
    const other = freshUserId();
    const otherToken = await tokenFor(other);
    await eventually(
      async () => {
        await call(api.url, 'GET', '/api/me', { token: otherToken });
        return (await redis.probe.exists(`api:profile:${other}`)) === 1;
      },
      10_000,
      'profile caching to resume',
    );
    expect((await call(api.url, 'GET', '/api/me', { token })).body.name).toBe('Offline');
    const metrics = await api.deps.metrics.registry.getSingleMetricAsString('cache_lookups_total');
    expect(metrics).toMatch(/cache_lookups_total\{cache="profile",result="error"\} [1-9]/);
  });
});
