import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { stackLayout } from '../../scripts/stack/layout.js';
import { checkedNginxCommand, nginxPaths, renderGatewayConfig } from '../../scripts/stack/nginx.js';
import { type ServiceName, serviceEntry, serviceEnv } from '../../scripts/stack/services.js';
import { stackSecrets } from '../../scripts/stack/state.js';
import { testStackLayout } from '../e2e/support/stack-settings.js';
import { eventually } from '../support/wait.js';

/**
 * Issue 6, acceptance 5: a rolling restart of the auth service and then of the API service under
 * steady load through a gateway rendered from the dev Ingresses fails no request.
 *
 * This file runs its own processes on the test stack's databases and Redis: two generations of
 * each service and an nginx whose upstreams list both generations' endpoints, as a Service lists
 * the endpoints of its pods. A restart starts the new process, waits for its /readyz, then sends
 * SIGTERM to the old one, which drains (see services/shared/src/run-service.ts).
 *
 * services/auth/test/support/processes.ts (startAuthProcess) is not used: it picks its ports as
 * it starts, while nginx must list the new generation's endpoints before it exists, and it fixes
 * the drain delay at 100 ms, shorter than the one this test runs with.
 */
const stack = inject('stack');
const DRAIN_MS = 1_000;

/** The lowest port the kernel hands out for port 0 and for outgoing connections. */
function ephemeralLow(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0]);
  } catch {
    return 32768; // not Linux: IANA's dynamic range, macOS's and Windows', starts higher (49152)
  }
}

/**
 * A port for one of this file's listeners that nothing else in the test run can take before we
 * bind it. The ports are chosen at the start, but the new generations bind theirs seconds later
 * and nginx lists them from the start (reloading it mid-test to learn a new port would close
 * client connections and fail requests of its own). freePort() cannot promise that: it takes a
 * port from the kernel's ephemeral range, where the other test files running in parallel get
 * theirs (listen on port 0) and every outgoing connection gets its local port, so the port may be
 * gone by the time it is bound. Below that range a port is only ever taken by a process asking
 * for that very number: we draw there at random, clear of the stacks' fixed ports (4001-9465 plus
 * offsets), and check that it is free now. (Holding it with a listener until the process starts
 * is no good: nginx would connect to that listener, which never answers.)
 */
async function reservePort(taken: ReadonlySet<number>): Promise<number> {
  const low = 20_000;
  const high = Math.min(ephemeralLow(), 32_768);
  if (high - low < 1_000) {
    throw new Error(`the ephemeral port range starts at ${high}: no room below it for this test`);
  }
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (taken.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port found between ${low} and ${high} in 50 draws`);
}

/** `count` distinct ports from {@link reservePort}. */
async function reservePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await reservePort(ports));
  return [...ports];
}

interface ServiceProcess {
  readonly url: string;
  readonly output: () => string;
  /** Resolves with the exit code once the process is gone. */
  readonly exited: Promise<number | null>;
  readonly child: ChildProcess;
}

const started: ChildProcess[] = [];

/**
 * Starts the built service as the stack does (`serviceEnv`: the test stack's databases, Redis,
 * keys and issuer) on the given ports, with this test's drain delay, and waits for its /readyz.
 */
async function startService(
  service: ServiceName,
  ports: { readonly http: number; readonly metrics: number },
): Promise<ServiceProcess> {
  const { layout } = testStackLayout();
  const env = {
    ...serviceEnv(layout, stackSecrets(layout), service),
    PORT: String(ports.http),
    METRICS_PORT: String(ports.metrics),
    LOG_LEVEL: 'warn',
    SHUTDOWN_DRAIN_DELAY_MS: String(DRAIN_MS),
    // the load logs in again and again: keep each login cheap
    ...(service === 'auth' ? { BCRYPT_COST: '4' } : {}),
  };
  let output = '';
  const child = spawn(process.execPath, [serviceEntry(layout, service)], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${ports.http}`;
  await eventually(
    async () => (await fetch(`${url}/readyz`)).status === 200,
    30_000,
    `${service} on ${ports.http} to be ready: ${output}`,
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
    // all at once, and forcefully after a while: a child still running when the worker ends is
    // orphaned (an nginx left listening was seen after a failed run)
    await Promise.all(
      started.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const gone = new Promise((resolve) => child.once('exit', resolve));
        const nginx = child.spawnargs[0] === 'nginx';
        child.kill(nginx ? 'SIGQUIT' : 'SIGTERM');
        const quit = await Promise.race([gone.then(() => true), sleep(10_000).then(() => false)]);
        // nginx's fast shutdown still stops its workers; a service gets no second chance
        if (!quit) child.kill(nginx ? 'SIGTERM' : 'SIGKILL');
        await gone;
      }),
    );
  });

  it('fails no request while auth, then the API, is replaced under load', async () => {
    // every port of the test, chosen now where no one else takes them (see reservePort)
    const reserved = await reservePorts(9);
    const next = () => reserved.pop() as number;
    const pair = () => ({ http: next(), metrics: next() });
    const ports = {
      authOld: pair(),
      authNew: pair(),
      apiOld: pair(),
      apiNew: pair(),
      gateway: next(),
    };
    const [authOld, apiOld] = await Promise.all([
      startService('auth', ports.authOld),
      startService('api', ports.apiOld),
    ]);

    // the gateway, rendered from k8s/dev/ingress.k8s.yaml like the stack's, lists both endpoints
    const layout = stackLayout({ name: `${stack.name}-rolling` });
    const dir = join(layout.dir, 'nginx');
    rmSync(dir, { recursive: true, force: true });
    const paths = nginxPaths(layout, dir, join(dir, 'error.log'), 'rolling-nginx-tmp');
    const config = renderGatewayConfig(layout, {
      paths,
      endpoints: {
        auth: [`127.0.0.1:${ports.authOld.http}`, `127.0.0.1:${ports.authNew.http}`],
        api: [`127.0.0.1:${ports.apiOld.http}`, `127.0.0.1:${ports.apiNew.http}`],
      },
      listen: `127.0.0.1:${ports.gateway}`,
      accessLog: join(dir, 'access.log'),
      comment: 'Written by tests/stack/rolling-restart.test.ts',
    });
    const [command, args] = await checkedNginxCommand(layout, paths, config);
    const nginx = spawn(command, args, { stdio: 'ignore' });
    started.push(nginx);
    const gateway = `http://127.0.0.1:${ports.gateway}`;
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
    const authNew = await startService('auth', ports.authNew);
    authOld.child.kill('SIGTERM');
    expect(await authOld.exited, authOld.output()).toBe(0);
    await sleep(1_500);
    // then the API
    const apiNew = await startService('api', ports.apiNew);
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
