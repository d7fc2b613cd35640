import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, newUser, startAuthServer, type TestAuthServer } from '../support/auth-server.js';
import { eventually, freePort } from '../support/processes.js';

// This file runs its own Redis, so that stopping it cannot disturb the suites sharing the stack's.
let port: number;
let redisProcess: ChildProcess | undefined;
let server: TestAuthServer;
let probe: Redis;

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
  server = await startAuthServer({ REDIS_URL: `redis://127.0.0.1:${port}` });
});
afterAll(async () => {
  await server?.close();
  probe?.disconnect();
  await killRedis();
});

const verify = (token: string) => call(server.url, 'GET', '/verify', { token });

describe('when Redis goes down and comes back', () => {
  it('keeps every endpoint answering correctly from Postgres, then resumes caching by itself', async () => {
    const before = await newUser(server.url);
    expect((await verify(before.accessToken)).status).toBe(200);
    await eventually(
      async () => (await probe.exists(`auth:user:${before.id}`)) === 1,
      2_000,
      'the user state in Redis',
    );

    await killRedis();

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

    await startRedis();
    // no restart of the service: its client reconnects, and lookups fill Redis again
    const after = await newUser(server.url);
    await eventually(
      async () => {
        await verify(after.accessToken);
        return (await probe.exists(`auth:user:${after.id}`)) === 1;
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
    expect(metrics).toMatch(/cache_lookups_total\{cache="redis",result="hit"\} [1-9]/);
  });
});
