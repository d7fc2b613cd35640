import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, newUser, startAuthServer, type TestAuthServer } from '../support/auth-server.js';

let server: TestAuthServer;
beforeAll(async () => {
  server = await startAuthServer();
  // the first /verify fills Redis for the second process below: only once the client is connected
  if (server.deps.redis.status !== 'ready') await once(server.deps.redis, 'ready');
});
afterAll(() => server.close());

/** How many database operations the app has run so far, per operation name. */
async function dbOperations(app: TestAuthServer): Promise<Record<string, number>> {
  const metric = await app.deps.metrics.registry
    .getSingleMetric('db_query_duration_seconds')
    ?.get();
  const counts: Record<string, number> = {};
  for (const value of (metric?.values ?? []) as Array<{
    metricName?: string;
    labels: Record<string, unknown>;
    value: number;
  }>) {
    if (value.metricName === 'db_query_duration_seconds_count')
      counts[String(value.labels.operation)] = value.value;
  }
  return counts;
}

/** The identity-state cache lookups so far, as `<cache>:<result>` → count. */
async function cacheLookups(app: TestAuthServer): Promise<Record<string, number>> {
  const metric = await app.deps.metrics.registry.getSingleMetric('cache_lookups_total')?.get();
  const counts: Record<string, number> = {};
  for (const value of (metric?.values ?? []) as Array<{
    labels: Record<string, unknown>;
    value: number;
  }>) {
    counts[`${String(value.labels.cache)}:${String(value.labels.result)}`] = value.value;
  }
  return counts;
}

describe('the hot /verify path', () => {
  it('reads Postgres once for a new user and session, then serves from memory and Redis', async () => {
    const user = await newUser(server.url);
    expect((await call(server.url, 'GET', '/verify', { token: user.accessToken })).status).toBe(
      200,
    );
    const before = await dbOperations(server);
    const lookupsBefore = await cacheLookups(server);
    expect(before['user.findById']).toBeGreaterThan(0);

    // 40 requests over ~1.2 s, well past the 250 ms fallback lifetime: answered from memory. Other
    // suites share this Redis, and their logouts move the change counter, which makes this process
    // forget everything (at most once per 200 ms poll): such a lookup is answered by Redis instead
    for (let i = 0; i < 40; i++) {
      expect((await call(server.url, 'GET', '/verify', { token: user.accessToken })).status).toBe(
        200,
      );
      await sleep(30);
    }
    const after = await dbOperations(server);
    expect(after['user.findById']).toBe(before['user.findById']);
    expect(after['session.state']).toBe(before['session.state']);
    const lookups = await cacheLookups(server);
    const grew = (key: string) => (lookups[key] ?? 0) - (lookupsBefore[key] ?? 0);
    expect(grew('local:hit') + grew('redis:hit')).toBe(40);
    expect(grew('local:hit')).toBeGreaterThan(grew('redis:hit'));

    // another process, with nothing in memory, is answered by Redis, still without Postgres
    const other = await startAuthServer();
    try {
      // its Redis client refuses commands until connected (no offline queue): a request that came
      // first would rightly read Postgres, and prove nothing about Redis
      if (other.deps.redis.status !== 'ready') await once(other.deps.redis, 'ready');
      expect((await call(other.url, 'GET', '/verify', { token: user.accessToken })).status).toBe(
        200,
      );
      // the lookups first: a Redis miss or error names the cause of any Postgres read below
      expect(await cacheLookups(other)).toMatchObject({ 'local:miss': 1, 'redis:hit': 1 });
      const queries = await dbOperations(other);
      expect(queries['user.findById'] ?? 0).toBe(0);
      expect(queries['session.state'] ?? 0).toBe(0);
    } finally {
      await other.close();
    }
  });

  it('forgets only what a change touched: other users logging out leave a user’s answer in memory', async () => {
    const user = await newUser(server.url);
    const others = await Promise.all([1, 2, 3].map(() => newUser(server.url)));
    // until the user's state is in memory: a lookup in flight while other suites' changes are
    // being forgotten is rightly not kept, and the next one is
    for (let hits = 0, tries = 0; hits === 0 && tries < 20; tries++) {
      const before = (await cacheLookups(server))['local:hit'] ?? 0;
      expect((await call(server.url, 'GET', '/verify', { token: user.accessToken })).status).toBe(
        200,
      );
      hits = ((await cacheLookups(server))['local:hit'] ?? 0) - before;
    }
    // each logout moves the change counter; a poll (every 200 ms) passes after each
    for (const other of others) {
      const out = await call(server.url, 'POST', '/auth/logout', { token: other.accessToken });
      expect(out.status).toBe(204);
      await sleep(300);
    }
    const lookupsBefore = await cacheLookups(server);
    for (let i = 0; i < 10; i++)
      expect((await call(server.url, 'GET', '/verify', { token: user.accessToken })).status).toBe(
        200,
      );
    const lookups = await cacheLookups(server);
    const grew = (key: string) => (lookups[key] ?? 0) - (lookupsBefore[key] ?? 0);
    expect([grew('local:hit'), grew('local:miss')]).toEqual([10, 0]);
    // a change it cannot account for (a writer of an older version only moves the counter): it
    // forgets everything, and the user's next lookup leaves the process
    await server.deps.redis.incr('auth:state:epoch');
    await sleep(450);
    const beforeGap = await cacheLookups(server);
    expect((await call(server.url, 'GET', '/verify', { token: user.accessToken })).status).toBe(
      200,
    );
    const afterGap = await cacheLookups(server);
    expect((afterGap['local:miss'] ?? 0) - (beforeGap['local:miss'] ?? 0)).toBe(1);
    // while their own tokens stopped passing, and the user's own logout reaches it as fast
    for (const other of others)
      expect((await call(server.url, 'GET', '/verify', { token: other.accessToken })).status).toBe(
        401,
      );
    await call(server.url, 'POST', '/auth/logout', { token: user.accessToken });
    const deadline = Date.now() + 1_000;
    let status = 200;
    while (status === 200 && Date.now() < deadline) {
      status = (await call(server.url, 'GET', '/verify', { token: user.accessToken })).status;
      if (status === 200) await sleep(20);
    }
    expect(status).toBe(401);
  });

  it('a session’s value in Redis only rises: a late new minimum never undoes a revocation', async () => {
    const { state, redis } = server.deps;
    const [live, revoked] = await Promise.all([newUser(server.url), newUser(server.url)]);
    const sid = (token: string) => decodeJwt(token).sid as string;
    const key = (token: string) => `auth:session:${sid(token)}`;
    await state.publishSessionMinGeneration(sid(live.accessToken), 3);
    expect(await redis.get(key(live.accessToken))).toBe('0:3');
    await state.publishSessionMinGeneration(sid(live.accessToken), 2); // a late, older write
    expect(await redis.get(key(live.accessToken))).toBe('0:3');
    const out = await call(server.url, 'POST', '/auth/logout', { token: revoked.accessToken });
    expect(out.status).toBe(204);
    await state.publishSessionMinGeneration(sid(revoked.accessToken), 7);
    expect(await redis.get(key(revoked.accessToken))).toBe('1');
    // a value this version cannot read sends the lookup to Postgres, which knows the truth
    await redis.set(key(revoked.accessToken), 'garbage');
    await sleep(300); // past the process's own memory of it (the counter did not move)
    expect((await call(server.url, 'GET', '/verify', { token: revoked.accessToken })).status).toBe(
      401,
    );
  });
});
