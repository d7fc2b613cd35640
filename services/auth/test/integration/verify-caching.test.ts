import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, newUser, startAuthServer, type TestAuthServer } from '../support/auth-server.js';

let server: TestAuthServer;
beforeAll(async () => {
  server = await startAuthServer();
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

describe('the hot /verify path', () => {
  it('reads Postgres once for a new user and session, then serves from memory and Redis', async () => {
    const user = await newUser(server.url);
    expect((await call(server.url, 'GET', '/verify', { token: user.accessToken })).status).toBe(
      200,
    );
    const before = await dbOperations(server);
    expect(before['user.findById']).toBeGreaterThan(0);

    // 40 requests over ~1.2 s, well past the 250 ms fallback lifetime: all answered from memory
    for (let i = 0; i < 40; i++) {
      expect((await call(server.url, 'GET', '/verify', { token: user.accessToken })).status).toBe(
        200,
      );
      await sleep(30);
    }
    const after = await dbOperations(server);
    expect(after['user.findById']).toBe(before['user.findById']);
    expect(after['session.state']).toBe(before['session.state']);
    const lookups =
      await server.deps.metrics.registry.getSingleMetricAsString('cache_lookups_total');
    expect(lookups).toMatch(
      /cache_lookups_total\{cache="local",result="hit"\} (4\d|[5-9]\d|\d{3,})/,
    );

    // another process, with nothing in memory, is answered by Redis, still without Postgres
    const other = await startAuthServer();
    try {
      expect((await call(other.url, 'GET', '/verify', { token: user.accessToken })).status).toBe(
        200,
      );
      const queries = await dbOperations(other);
      expect(queries['user.findById'] ?? 0).toBe(0);
      expect(queries['session.state'] ?? 0).toBe(0);
      const otherLookups =
        await other.deps.metrics.registry.getSingleMetricAsString('cache_lookups_total');
      expect(otherLookups).toMatch(/cache_lookups_total\{cache="redis",result="hit"\} 1/);
    } finally {
      await other.close();
    }
  });
});
