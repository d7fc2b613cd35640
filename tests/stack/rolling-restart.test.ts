import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT, stackLayout } from '../../scripts/stack/layout.js';
import { checkedNginxCommand, nginxPaths, renderGatewayConfig } from '../../scripts/stack/nginx.js';
import { eventually, freePort } from '../support/wait.js';

/**
 * Issue 6, acceptance 5: a rolling restart of the auth service and then of the API service under
 * steady load through a gateway rendered from the dev Ingresses fails no request.
 *
 * This file runs its own processes on the test stack's databases and Redis: two generations of
 * each service and an nginx whose upstreams list both generations' endpoints, as a Service lists
 * the endpoints of its pods. A restart starts the new process, waits for its /readyz, then sends
 * SIGTERM to the old one, which drains (see services/shared/src/run-service.ts).
 */
const stack = inject('stack');
const DRAIN_MS = 1_000;

interface ServiceProcess {
  readonly url: string;
  readonly output: () => string;
  /** Resolves with the exit code once the process is gone. */
  readonly exited: Promise<number | null>;
  readonly child: ChildProcess;
}

const started: ChildProcess[] = [];

function serviceEnv(service: 'auth' | 'api', port: number, metricsPort: number) {
  const common = {
    PATH: process.env.PATH,
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    METRICS_PORT: String(metricsPort),
    LOG_LEVEL: 'warn',
    SHUTDOWN_DRAIN_DELAY_MS: String(DRAIN_MS),
    REDIS_URL: stack.redisUrl,
    AUTH_ISSUER: stack.gatewayUrl,
  };
  return service === 'auth'
    ? {
        ...common,
        DATABASE_URL: stack.pg.auth.primary,
        DATABASE_REPLICA_URLS: stack.pg.auth.replica,
        AUTH_KEYS_DIR: join(stack.dir, 'keys'),
        BCRYPT_COST: '4',
      }
    : {
        ...common,
        SHARD_0_PRIMARY_URL: stack.pg.shard0.primary,
        SHARD_0_REPLICA_URLS: stack.pg.shard0.replica,
        SHARD_1_PRIMARY_URL: stack.pg.shard1.primary,
        SHARD_1_REPLICA_URLS: stack.pg.shard1.replica,
        AUTH_JWKS_URL: `${stack.authUrl}/.well-known/jwks.json`,
      };
}

/** Starts `node services/<service>/dist/main.js` on `port` and waits for its /readyz. */
async function startService(service: 'auth' | 'api', port: number): Promise<ServiceProcess> {
  let output = '';
  const child = spawn(process.execPath, [join(REPO_ROOT, 'services', service, 'dist', 'main.js')], {
    env: serviceEnv(service, port, await freePort()),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  await eventually(
    async () => (await fetch(`${url}/readyz`)).status === 200,
    30_000,
    `${service} on ${port} to be ready: ${output}`,
  );
  return { url, output: () => output, exited, child };
}

/** One request of the load: what it sends and the status it must get. */
interface Call {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
  readonly auth?: boolean;
  readonly expect: number;
}

describe('rolling restarts behind the Ingress-rendered gateway', () => {
  afterAll(async () => {
    for (const child of started) {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill(child.spawnargs[0] === 'nginx' ? 'SIGQUIT' : 'SIGTERM');
        await gone;
      }
    }
  });

  it('fails no request while auth, then the API, is replaced under load', async () => {
    const [authOldPort, authNewPort, apiOldPort, apiNewPort, gatewayPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    const [authOld, apiOld] = await Promise.all([
      startService('auth', authOldPort),
      startService('api', apiOldPort),
    ]);

    // the gateway, rendered from k8s/dev/ingress.k8s.yaml like the stack's, lists both endpoints
    const layout = stackLayout({ name: `${stack.name}-rolling` });
    const dir = join(layout.dir, 'nginx');
    rmSync(dir, { recursive: true, force: true });
    const paths = nginxPaths(layout, dir, join(dir, 'error.log'), 'rolling-nginx-tmp');
    const config = renderGatewayConfig(layout, {
      paths,
      endpoints: {
        auth: [`127.0.0.1:${authOldPort}`, `127.0.0.1:${authNewPort}`],
        api: [`127.0.0.1:${apiOldPort}`, `127.0.0.1:${apiNewPort}`],
      },
      listen: `127.0.0.1:${gatewayPort}`,
      accessLog: join(dir, 'access.log'),
      comment: 'Written by tests/stack/rolling-restart.test.ts',
    });
    const [command, args] = await checkedNginxCommand(layout, paths, config);
    const nginx = spawn(command, args, { stdio: 'ignore' });
    started.push(nginx);
    const gateway = `http://127.0.0.1:${gatewayPort}`;
    await eventually(
      async () => (await fetch(`${gateway}/`)).status === 404,
      10_000,
      'the gateway',
    );

    // a user with a profile, and their access token
    const email = `rolling-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
    const password = 'rolling restart password 42';
    const json = { 'Content-Type': 'application/json' };
    const registered = await fetch(`${gateway}/auth/register`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email, password }),
    });
    expect(registered.status, await registered.text()).toBe(201);
    const login = await fetch(`${gateway}/auth/login`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email, password }),
    });
    expect(login.status).toBe(200);
    const { access_token: token } = (await login.json()) as { access_token: string };
    const bearer = { Authorization: `Bearer ${token}` };
    const profile = await fetch(`${gateway}/api/users`, {
      method: 'POST',
      headers: { ...bearer, ...json },
      body: '{}',
    });
    expect([200, 201]).toContain(profile.status);

    const calls: Call[] = [
      { name: 'GET /api/me', method: 'GET', path: '/api/me', auth: true, expect: 200 },
      {
        name: 'POST /api/orders',
        method: 'POST',
        path: '/api/orders',
        auth: true,
        body: { items: [{ sku: 'ROLL-1', quantity: 1, unitPriceCents: 100 }], currency: 'EUR' },
        expect: 201,
      },
      {
        name: 'POST /auth/login',
        method: 'POST',
        path: '/auth/login',
        body: { email, password },
        expect: 200,
      },
      {
        name: 'GET /.well-known/jwks.json',
        method: 'GET',
        path: '/.well-known/jwks.json',
        expect: 200,
      },
    ];
    const counts = new Map<string, number>();
    const failures: string[] = [];
    let running = true;
    const client = async (offset: number) => {
      for (let i = offset; running; i++) {
        const call = calls[i % calls.length] as Call;
        try {
          const response = await fetch(`${gateway}${call.path}`, {
            method: call.method,
            headers: {
              ...(call.auth ? bearer : {}),
              ...(call.body !== undefined ? json : {}),
            },
            ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
          });
          const text = await response.text();
          if (response.status !== call.expect) {
            failures.push(`${call.name}: ${response.status} ${text.slice(0, 200)}`);
          }
        } catch (error) {
          failures.push(
            `${call.name}: ${(error as Error).message} ${String((error as Error).cause ?? '')}`,
          );
        }
        counts.set(call.name, (counts.get(call.name) ?? 0) + 1);
      }
    };
    const clients = [0, 1, 2, 3].map((offset) => client(offset));

    await sleep(1_500);
    // auth: the new process joins, becomes ready, the old one drains and exits
    const authNew = await startService('auth', authNewPort);
    authOld.child.kill('SIGTERM');
    expect(await authOld.exited, authOld.output()).toBe(0);
    await sleep(1_500);
    // then the API
    const apiNew = await startService('api', apiNewPort);
    apiOld.child.kill('SIGTERM');
    expect(await apiOld.exited, apiOld.output()).toBe(0);
    await sleep(1_500);

    running = false;
    await Promise.all(clients);
    expect(
      failures,
      `${failures.slice(0, 10).join('\n')}\n(requests: ${JSON.stringify([...counts])})`,
    ).toEqual([]);
    for (const call of calls) {
      expect(counts.get(call.name) ?? 0, call.name).toBeGreaterThan(20);
    }
    // both new generations served to the end
    expect((await fetch(`${authNew.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${apiNew.url}/readyz`)).status).toBe(200);
  }, 120_000);
});
