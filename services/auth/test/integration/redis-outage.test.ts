import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrivateRedis } from '../../../../tests/support/redis-server.js';
import { call, newUser, startAuthServer, type TestAuthServer } from '../support/auth-server.js';
import { eventually } from '../support/processes.js';

// This file runs its own Redis, so that stopping it cannot disturb the suites sharing the stack's.
let redis: PrivateRedis;
let server: TestAuthServer;
beforeAll(async () => {
  redis = await PrivateRedis.start();
  server = await startAuthServer({ REDIS_URL: redis.url });
});
afterAll(async () => {
  await server?.close();
  await redis?.stop();
});

const verify = (token: string) => call(server.url, 'GET', '/verify', { token });

describe('when Redis goes down and comes back', () => {
  it('keeps every endpoint answering correctly from Postgres, then resumes caching by itself', async () => {
    const before = await newUser(server.url);
    expect((await verify(before.accessToken)).status).toBe(200);
    await eventually(
      async () => (await redis.probe.exists(`auth:user:${before.id}`)) === 1,
      2_000,
      'the user state in Redis',
    );

    await redis.kill();

    // register, login, refresh, /verify, logout: all still right
    const during = await newUser(server.url);
    expect((await verify(during.accessToken)).status).toBe(200);
    const refreshed = await call(server.url, 'POST', '/auth/refresh', {
      json: { refresh_token: during.refreshToken },
    });
    expect(refreshed.status).toBe(200);
    expect(
      (
        await call(server.url, 'POST', '/auth/refresh', {
          json: { refresh_token: refreshed.body.refresh_token },
        })
      ).status,
    ).toBe(200);
    const login = await call(server.url, 'POST', '/auth/login', {
      json: { email: before.email, password: before.password },
    });
    expect(login.status).toBe(200);
    expect(
      (
        await call(server.url, 'POST', '/auth/login', {
          json: { email: before.email, password: 'wrong-password-1' },
        })
      ).status,
    ).toBe(401);
    expect(
      (await call(server.url, 'POST', '/auth/logout', { token: before.accessToken })).status,
    ).toBe(204);
    await sleep(300);
    expect((await verify(before.accessToken)).status).toBe(401);
    expect((await verify(login.body.access_token)).status).toBe(200);
    expect((await call(server.url, 'GET', '/readyz')).status).toBe(200);

    await redis.restart();
    // no restart of the service: its client reconnects, and lookups fill Redis again
    const after = await newUser(server.url);
    await eventually(
      async () => {
        await verify(after.accessToken);
        return (await redis.probe.exists(`auth:user:${after.id}`)) === 1;
      },
      10_000,
      'caching to resume',
    );
    // the logout made while Redis was down holds after it returns
    await sleep(300);
    expect((await verify(before.accessToken)).status).toBe(401);
    expect((await verify(after.accessToken)).status).toBe(200);
    const metrics =
      await server.deps.metrics.registry.getSingleMetricAsString('cache_lookups_total');
    expect(metrics).toMatch(/cache_lookups_total\{cache="redis",result="error"\} [1-9]/);
  });
});
