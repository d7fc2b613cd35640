import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Account, User } from '../e2e/support/accounts.js';
import { msUntil } from '../e2e/support/polling.js';
import { eventually } from '../support/wait.js';
import { clusterGateway } from './support/cluster-gateway.js';
import {
  awaitSteadyGateway,
  deleteAndAwaitReplacement,
  type Replacement,
  replicaReads,
  scaleAndSettle,
} from './support/drill.js';
import { podIsReady } from './support/kube.js';
import {
  describeFailures,
  type LoadCall,
  type LoadReport,
  SteadyLoad,
} from './support/steady-load.js';

/**
 * Failure drills through the ingress under steady load, as tests/stack/rolling-restart.test.ts
 * runs it locally: four clients loop through their calls, nothing is retried, and every answer
 * must have its expected status. docs/operations.md ("Failure drills on the local cluster")
 * records the figures each drill prints.
 */
const { send, kube, accounts } = clusterGateway();

/** Load before the fault, and after recovery, so both sides of it are exercised. */
const STEADY_MS = 3_000;

/** A user of the drills, with an order to read back. */
interface DrillUser extends User {
  readonly orderId: string;
}

let shard0Users: DrillUser[] = [];
let shard1User: DrillUser;
let loginAccount: Account;

/** Round robin over `items`, one item per call. */
function rotating<T>(items: readonly T[]): () => T {
  let next = 0;
  return () => items[next++ % items.length] as T;
}

const ORDER = { items: [{ sku: 'DRILL', quantity: 1, unitPriceCents: 100 }], currency: 'EUR' };

/** The calls of rolling-restart.test.ts, plus an order read and a bad token (`/verify` must deny throughout). */
function standardCalls(): LoadCall[] {
  const users = [...shard0Users, shard1User];
  const meUser = rotating(users);
  const orderUser = rotating(users);
  const readUser = rotating(users);
  return [
    {
      name: 'GET /api/me',
      method: 'GET',
      request: () => ({ path: '/api/me', options: { token: meUser().accessToken } }),
      expect: [200],
    },
    {
      name: 'POST /api/orders',
      method: 'POST',
      request: () => ({
        path: '/api/orders',
        options: { token: orderUser().accessToken, json: ORDER },
      }),
      expect: [201],
    },
    {
      name: 'POST /auth/login',
      method: 'POST',
      request: () => ({
        path: '/auth/login',
        options: { json: { email: loginAccount.email, password: loginAccount.password } },
      }),
      expect: [200],
      exclusive: true,
    },
    {
      name: 'GET /.well-known/jwks.json',
      method: 'GET',
      request: () => ({ path: '/.well-known/jwks.json' }),
      expect: [200],
    },
    {
      name: 'GET /api/orders/:id',
      method: 'GET',
      request: () => {
        const user = readUser();
        return { path: `/api/orders/${user.orderId}`, options: { token: user.accessToken } };
      },
      expect: [200],
    },
    {
      name: 'GET /api/me (bad token)',
      method: 'GET',
      request: () => ({ path: '/api/me', options: { token: 'not-a-token' } }),
      expect: [401],
    },
  ];
}

/** Prints a drill's figures for docs/operations.md and returns the report. */
function record(drill: string, report: LoadReport, extra: Record<string, unknown>): LoadReport {
  console.log(
    `[drill] ${drill}: ${JSON.stringify({
      requests: report.requests,
      failures: report.failures.length,
      durationMs: report.durationMs,
      latencyMs: report.latency,
      statuses: report.statuses,
      failuresBetweenMs:
        report.failures.length > 0
          ? [
              Math.min(...report.failures.map((f) => f.at)),
              Math.max(...report.failures.map((f) => f.at)),
            ]
          : [],
      marks: report.marks,
      ...extra,
    })}`,
  );
  return report;
}

/** Zero failures, and every call answered many times on both sides of the fault. */
function expectNoFailure(
  report: LoadReport,
  load: SteadyLoad,
  calls: readonly LoadCall[],
  after: number,
): void {
  expect(report.failures.length, describeFailures(report)).toBe(0);
  for (const call of calls) {
    expect(report.perCall[call.name] ?? 0, call.name).toBeGreaterThan(10);
    expect(
      load.succeededSince(call.name, after),
      `${call.name} after the recovery`,
    ).toBeGreaterThan(0);
  }
}

beforeAll(async () => {
  // two users on shard0 (even ids), one on shard1, each with an order; ids are consecutive
  const users: DrillUser[] = [];
  while (
    users.filter((u) => Number(u.id) % 2 === 0).length < 2 ||
    !users.some((u) => Number(u.id) % 2 === 1)
  ) {
    const user = await accounts.newUser();
    const placed = await send('POST', '/api/orders', { token: user.accessToken, json: ORDER });
    expect(placed.status).toBe(201);
    users.push({ ...user, orderId: placed.body.id });
  }
  shard0Users = users.filter((u) => Number(u.id) % 2 === 0).slice(0, 2);
  shard1User = users.find((u) => Number(u.id) % 2 === 1) as DrillUser;
  loginAccount = await accounts.register();
});

describe.sequential('failure drills through Traefik, under four clients of steady load', () => {
  it('(a) an auth pod and an API pod deleted: no request fails', async () => {
    // dev runs one replica of each: deleting the only pod leaves its Service without an endpoint
    // until the replacement is Ready, which no gateway can hide. A pod is deleted where there is
    // another one to take over, as in production (2+ replicas and a PodDisruptionBudget); dev
    // scales to 2 for the drill and back to 1 afterwards.
    const calls = standardCalls();
    const load = new SteadyLoad(send, calls);
    try {
      await scaleAndSettle(kube, ['auth', 'api'], 2);
      load.start();
      await sleep(STEADY_MS);
      const [authPod, apiPod] = await Promise.all(
        ['auth', 'api'].map(async (service) => {
          const pods = (
            await kube.pods(`app.kubernetes.io/name=${service},app.kubernetes.io/component=server`)
          ).filter(podIsReady);
          expect(pods).toHaveLength(2);
          return (pods[0] as (typeof pods)[number]).metadata.name;
        }),
      );
      const replaced: Replacement[] = await Promise.all([
        deleteAndAwaitReplacement(kube, load, {
          label: 'auth',
          pod: authPod as string,
          selector: 'app.kubernetes.io/name=auth,app.kubernetes.io/component=server',
          replicas: 2,
        }),
        deleteAndAwaitReplacement(kube, load, {
          label: 'api',
          pod: apiPod as string,
          selector: 'app.kubernetes.io/name=api,app.kubernetes.io/component=server',
          replicas: 2,
        }),
      ]);
      const recovered = load.elapsed();
      await sleep(STEADY_MS);
      const report = record('(a) auth + api pod deleted', await load.stop(), { replaced });
      expectNoFailure(report, load, calls, recovered);
    } finally {
      await load.stop();
      await scaleAndSettle(kube, ['auth', 'api'], 1);
      await awaitSteadyGateway(send, shard1User.accessToken);
    }
  }, 420_000);

  it('(b) the shard0 standby deleted: reads go on without a 5xx, the standby comes back and streams again', async () => {
    const listUser = rotating(shard0Users);
    const orderUser = rotating(shard0Users);
    const meUser = rotating(shard0Users);
    const calls: LoadCall[] = [
      {
        name: 'GET /api/orders (shard0)',
        method: 'GET',
        request: () => ({ path: '/api/orders', options: { token: listUser().accessToken } }),
        expect: [200],
      },
      {
        name: 'GET /api/orders/:id (shard0)',
        method: 'GET',
        request: () => {
          const user = orderUser();
          return { path: `/api/orders/${user.orderId}`, options: { token: user.accessToken } };
        },
        expect: [200],
      },
      {
        name: 'GET /api/me (shard0)',
        method: 'GET',
        request: () => ({ path: '/api/me', options: { token: meUser().accessToken } }),
        expect: [200],
      },
    ];
    const primary = 'postgres-shard0-primary-0';
    const standby = 'postgres-shard0-standby-0';
    const load = new SteadyLoad(send, calls);
    try {
      const before = await replicaReads(kube, 'shard0');
      load.start();
      await sleep(STEADY_MS);
      // the load really reads from the standby before it goes
      await eventually(
        async () => (await replicaReads(kube, 'shard0')) > before + 20,
        30_000,
        'the API reading from the shard0 standby under the load',
      );
      const replaced = await deleteAndAwaitReplacement(kube, load, {
        label: 'standby',
        pod: standby,
        selector: 'app.kubernetes.io/instance=postgres-shard0,app.kubernetes.io/component=standby',
        replicas: 1,
      });
      const readyAt = performance.now();
      // streaming again, from the new pod
      const ip = (await kube.pod(standby)).status.podIP;
      const streamingMs = await msUntil(
        readyAt,
        async () =>
          (
            await kube.psql(
              primary,
              "SELECT state || ' ' || host(client_addr) FROM pg_stat_replication",
            )
          ).includes(`streaming ${ip}`),
        { what: `${standby} streaming from ${primary}`, timeoutMs: 60_000, intervalMs: 250 },
      );
      // and the API reads from it again (after REPLICA_RETRY_MS at most)
      const atReady = await replicaReads(kube, 'shard0');
      const backOnReplicaMs = await msUntil(
        readyAt,
        async () => (await replicaReads(kube, 'shard0')) > atReady + 20,
        { what: 'the API reading from the standby again', timeoutMs: 60_000, intervalMs: 500 },
      );
      const recovered = load.elapsed();
      await sleep(STEADY_MS);
      const report = record('(b) shard0 standby deleted', await load.stop(), {
        replaced,
        streamingAfterReadyMs: Math.round(streamingMs),
        apiBackOnStandbyAfterReadyMs: Math.round(backOnReplicaMs),
      });
      const serverErrors = report.failures.filter(
        (f) => f.status === 'no answer' || f.status >= 500,
      );
      expect(serverErrors.length, describeFailures(report, 15)).toBe(0);
      expectNoFailure(report, load, calls, recovered);
    } finally {
      await load.stop();
    }
  }, 300_000);

  it('(c) the Redis pod deleted: /verify answers throughout, API requests succeed, revocation still works after', async () => {
    const calls = standardCalls();
    const load = new SteadyLoad(send, calls);
    try {
      load.start();
      await sleep(STEADY_MS);
      const replaced = await deleteAndAwaitReplacement(kube, load, {
        label: 'redis',
        pod: 'redis-0',
        selector: 'app.kubernetes.io/instance=redis,app.kubernetes.io/name=redis',
        replicas: 1,
      });
      const recovered = load.elapsed();
      await sleep(STEADY_MS);
      const report = record('(c) redis pod deleted', await load.stop(), { replaced });
      expectNoFailure(report, load, calls, recovered);

      // the revocation path works on the new, empty Redis: a logout is enforced within 1 s
      const user = await accounts.newUser();
      expect((await send('GET', '/api/me', { token: user.accessToken })).status).toBe(200);
      expect((await send('POST', '/auth/logout', { token: user.accessToken })).status).toBe(204);
      const at = performance.now();
      const ms = await msUntil(
        at,
        async () => (await send('GET', '/api/me', { token: user.accessToken })).status === 401,
        {
          what: 'the logged-out token refused after the Redis restart',
          timeoutMs: 10_000,
        },
      );
      expect(ms).toBeLessThan(1000);
    } finally {
      await load.stop();
      // leave Redis Ready for whatever runs next
      await eventually(
        async () =>
          (await kube.pods('app.kubernetes.io/instance=redis,app.kubernetes.io/name=redis')).every(
            podIsReady,
          ),
        120_000,
        'redis Ready',
      );
    }
  }, 300_000);
});
