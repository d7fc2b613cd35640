import { describe, expect, it } from 'vitest';
import { CLUSTERS } from '../../scripts/stack/layout.js';
import { SCRAPE_INTERVAL_SECONDS } from '../../scripts/stack/prometheus.js';
import { eventually } from '../support/wait.js';
import { send } from './support/gateway-client.js';
import { activeTargets, type PrometheusTarget, queryNumber } from './support/prometheus-api.js';
import { stackAuthConfig } from './support/stack-settings.js';
import { newUser, type User } from './support/users.js';

/** Long enough for several scrapes, however loaded the machine. */
const SCRAPE_DEADLINE_MS = 15 * SCRAPE_INTERVAL_SECONDS * 1000;

/** The API's shards, as the stack names its Postgres clusters (and the API its `shard` label). */
const SHARDS = CLUSTERS.filter((cluster) => cluster.startsWith('shard'));

/** Failed logins and requests with a garbage token that this test sends. */
const FAILED_LOGINS = 2;
const GARBAGE_TOKENS = 3;

/** The traffic this test sent, counted by what it must have caused in the services. */
interface Traffic {
  /** Users registered and logged in once each (password grant), per shard of their id. */
  readonly usersPerShard: ReadonlyMap<string, number>;
}

/**
 * One counter to check: `series` is summed over every series it selects, and must have grown by
 * at least `atLeast(traffic)` while this test ran. Each bound counts only what this test's own
 * requests cause for certain (traffic of the suites running alongside can only add to it).
 */
interface Expectation {
  readonly what: string;
  readonly series: string;
  readonly atLeast: (traffic: Traffic) => number;
}

const users = (t: Traffic) => [...t.usersPerShard.values()].reduce((a, b) => a + b, 0);
/** Per user: GET /api/me twice, POST /api/orders, GET /api/orders, each one `/verify`. */
const allowedVerifies = (t: Traffic) => 4 * users(t);

const EXPECTATIONS: readonly Expectation[] = [
  // requests, as each service counts them
  {
    what: 'auth requests: /auth/register 201 (one per user)',
    series: 'http_requests_total{job="auth",route="/auth/register",status="201"}',
    atLeast: users,
  },
  {
    what: 'auth requests: /auth/token 200 (one password grant per user)',
    series: 'http_requests_total{job="auth",route="/auth/token",status="200"}',
    atLeast: users,
  },
  {
    what: 'auth request durations: /auth/login (the failed logins)',
    series: 'http_request_duration_seconds_count{job="auth",route="/auth/login"}',
    atLeast: () => FAILED_LOGINS,
  },
  {
    what: 'API requests: /api/me 200 (two per user)',
    series: 'http_requests_total{job="api",route="/api/me",status="200"}',
    atLeast: (t) => 2 * users(t),
  },
  {
    what: 'API requests: POST /api/orders 201 (one per user)',
    series: 'http_requests_total{job="api",route="/api/orders",method="POST",status="201"}',
    atLeast: users,
  },
  {
    what: 'API request durations: /api/orders (a POST and a GET per user)',
    series: 'http_request_duration_seconds_count{job="api",route="/api/orders"}',
    atLeast: (t) => 2 * users(t),
  },
  // the gateway's external auth: one /verify per /api request, none reaching the API when denied
  {
    what: '/verify requests answered 200',
    series: 'http_requests_total{job="auth",route="/verify",status="200"}',
    atLeast: allowedVerifies,
  },
  {
    what: '/verify requests answered 401 (the garbage tokens)',
    series: 'http_requests_total{job="auth",route="/verify",status="401"}',
    atLeast: () => GARBAGE_TOKENS,
  },
  {
    what: 'verify outcome: allowed',
    series: 'auth_verify_total{job="auth",outcome="allowed"}',
    atLeast: allowedVerifies,
  },
  {
    what: 'verify outcome: invalid_token',
    series: 'auth_verify_total{job="auth",outcome="invalid_token"}',
    atLeast: () => GARBAGE_TOKENS,
  },
  // logins and password hashing
  {
    what: 'logins: success (one password grant per user)',
    series: 'auth_login_total{job="auth",outcome="success"}',
    atLeast: users,
  },
  {
    what: 'logins: invalid_credentials',
    series: 'auth_login_total{job="auth",outcome="invalid_credentials"}',
    atLeast: () => FAILED_LOGINS,
  },
  {
    what: 'bcrypt operations (a hash per registration, a compare per login attempt)',
    series: 'auth_bcrypt_duration_seconds_count{job="auth"}',
    atLeast: (t) => 2 * users(t) + FAILED_LOGINS,
  },
  // caches
  {
    what: 'auth state cache, in-process layer: looked up by every allowed /verify',
    series: 'cache_lookups_total{job="auth",cache="local"}',
    atLeast: allowedVerifies,
  },
  {
    // a session id nobody has looked up yet cannot be in the cache; later lookups of the same
    // session are usually hits, but another suite's revocation clears the in-process cache of
    // every auth process, so hits are not counted on
    what: 'auth state cache, in-process layer: a miss for each new session',
    series: 'cache_lookups_total{job="auth",cache="local",result="miss"}',
    atLeast: users,
  },
  {
    what: 'auth state cache, Redis layer: read after each in-process miss',
    series: 'cache_lookups_total{job="auth",cache="redis"}',
    atLeast: users,
  },
  {
    what: "API profile cache: a miss on each user's first /api/me",
    series: 'cache_lookups_total{job="api",cache="profile",result="miss"}',
    atLeast: users,
  },
  {
    what: 'API profile cache: a hit on the second (the first stored the new profile)',
    series: 'cache_lookups_total{job="api",cache="profile",result="hit"}',
    atLeast: users,
  },
  // databases
  {
    what: 'auth DB operations on the primary (create user, find by email per login attempt, create session)',
    series: 'db_query_duration_seconds_count{job="auth",shard="auth",role="primary"}',
    atLeast: (t) => 3 * users(t) + FAILED_LOGINS,
  },
  ...SHARDS.flatMap((shard): Expectation[] => [
    {
      what: `API DB operations on the ${shard} primary (the profile created, the order placed)`,
      series: `db_query_duration_seconds_count{job="api",shard="${shard}",role="primary"}`,
      atLeast: (t) => 2 * (t.usersPerShard.get(shard) ?? 0),
    },
    {
      // a user who never wrote has no read-your-writes position: their first read goes to a replica
      what: `API DB operations on the ${shard} replica (the first profile lookup)`,
      series: `db_query_duration_seconds_count{job="api",shard="${shard}",role="replica"}`,
      atLeast: (t) => t.usersPerShard.get(shard) ?? 0,
    },
  ]),
];

/** The current sum of `series` as Prometheus last scraped it; 0 when no such series exists yet. */
async function sumOf(series: string): Promise<number> {
  return (await queryNumber(`sum(${series})`)) ?? 0;
}

async function readAll(): Promise<number[]> {
  return Promise.all(EXPECTATIONS.map((e) => sumOf(e.series)));
}

/** When each service's process started: a restart would reset its counters. */
async function startTimes(): Promise<Record<string, number | undefined>> {
  return {
    auth: await queryNumber('process_start_time_seconds{job="auth"}'),
    api: await queryNumber('process_start_time_seconds{job="api"}'),
  };
}

/**
 * This test's traffic through the gateway: new users (until both shards have at least one), each
 * reading their profile twice and placing and listing an order; failed logins; garbage tokens.
 */
async function generateTraffic(): Promise<Traffic> {
  const usersPerShard = new Map<string, number>();
  let first: User | undefined;
  // ids are consecutive, but other suites register at the same time: keep going until both shards
  for (let i = 0; i < 12 && usersPerShard.size < SHARDS.length; i++) {
    const user = await newUser();
    first ??= user;
    const me = await send('GET', '/api/me', { token: user.accessToken });
    expect(me.status).toBe(200);
    const shard = String(me.headers['x-shard']);
    expect(SHARDS).toContain(shard);
    usersPerShard.set(shard, (usersPerShard.get(shard) ?? 0) + 1);
    expect((await send('GET', '/api/me', { token: user.accessToken })).status).toBe(200);
    const placed = await send('POST', '/api/orders', {
      token: user.accessToken,
      json: { items: [{ sku: 'METRICS', quantity: 1, unitPriceCents: 1 }], currency: 'EUR' },
    });
    expect(placed.status).toBe(201);
    expect((await send('GET', '/api/orders', { token: user.accessToken })).status).toBe(200);
  }
  expect([...usersPerShard.keys()].sort()).toEqual([...SHARDS].sort());
  if (!first) throw new Error('no user registered');

  // below the per-account-and-address limit, so each is counted as invalid_credentials, not 429
  expect(FAILED_LOGINS).toBeLessThan(stackAuthConfig().LOGIN_FAILURES_PER_ACCOUNT_IP);
  for (let i = 0; i < FAILED_LOGINS; i++) {
    const failed = await send('POST', '/auth/login', {
      json: { email: first.email, password: `${first.password}!` },
      from: first.from,
    });
    expect(failed.status).toBe(401);
  }
  for (let i = 0; i < GARBAGE_TOKENS; i++) {
    expect((await send('GET', '/api/me', { token: 'not-a-token' })).status).toBe(401);
  }
  return { usersPerShard };
}

describe('Prometheus, started by the stack', () => {
  it('scrapes both services, and both are up', async () => {
    let targets: PrometheusTarget[] = [];
    await eventually(
      async () => {
        targets = await activeTargets();
        const up = new Set(targets.filter((t) => t.health === 'up').map((t) => t.labels.job));
        return up.has('auth') && up.has('api');
      },
      SCRAPE_DEADLINE_MS,
      'the auth and api targets to be up',
    );
    expect(targets.map((t) => [t.labels.job, t.health]).sort()).toEqual([
      ['api', 'up'],
      ['auth', 'up'],
      ['prometheus', 'up'],
    ]);
    for (const job of ['auth', 'api']) {
      expect(await queryNumber(`sum(up{job="${job}"})`), job).toBe(1);
    }
  });

  it("counts this test's own requests, verifies, logins, cache lookups and DB operations", async () => {
    // Counters are compared with their values just before this test's traffic, so values left by
    // other suites prove nothing here. Counter resets are not tolerated: nothing restarts the
    // stack's services (the rolling-restart test runs processes of its own), and a restart would
    // show as a new process start time, checked below.
    await eventually(
      async () => (await startTimes()).auth !== undefined && (await startTimes()).api !== undefined,
      SCRAPE_DEADLINE_MS,
      'a first scrape of both services',
    );
    const startedBefore = await startTimes();
    const before = await readAll();

    const traffic = await generateTraffic();
    const wanted = EXPECTATIONS.map((e) => e.atLeast(traffic));

    // wait for scrapes that include all of it, then report whatever is still short
    let short: string[] = [];
    await eventually(
      async () => {
        const after = await readAll();
        short = EXPECTATIONS.flatMap((e, i) => {
          const grew = (after[i] ?? 0) - (before[i] ?? 0);
          const need = wanted[i] ?? 0;
          return grew >= need ? [] : [`${e.what}: ${e.series} grew by ${grew}, expected ≥ ${need}`];
        });
        return short.length === 0;
      },
      SCRAPE_DEADLINE_MS,
      "every counter to include this test's traffic",
    ).catch(() => undefined); // `short` says what is missing
    expect(short).toEqual([]);
    expect(await startTimes()).toEqual(startedBefore);
    // every bound is real: no expectation may be satisfied by a traffic of zero
    expect(wanted.every((n) => n > 0)).toBe(true);
  });
});
