import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  freshUserId,
  startApiServer,
  type TestApiServer,
  testApiEnv,
  tokenFor,
} from '../support/api-server.js';

/**
 * Timestamps are stored as UTC instants in `timestamp(3)` columns, whatever time zone a database
 * session runs in: an API process whose sessions run fourteen hours ahead of UTC writes and reads
 * the same instants as one whose sessions run in UTC.
 */

/** Every shard URL of the test stack, its sessions set to UTC+14 through libpq's `options`. */
function farAheadEnv(): NodeJS.ProcessEnv {
  const env = testApiEnv();
  const ahead = (url: string | undefined) =>
    (url ?? '')
      .split(',')
      .map(
        (one) =>
          `${one}${one.includes('?') ? '&' : '?'}options=-c%20TimeZone%3DPacific%2FKiritimati`,
      )
      .join(',');
  for (const key of Object.keys(env).filter((k) =>
    /^SHARD_\d+_(PRIMARY_URL|REPLICA_URLS)$/.test(k),
  ))
    env[key] = ahead(env[key]);
  return env;
}

let utc: TestApiServer;
let ahead: TestApiServer;
beforeAll(async () => {
  [utc, ahead] = await Promise.all([startApiServer(), startApiServer(farAheadEnv())]);
});
afterAll(() => Promise.all([utc.close(), ahead.close()]));

const order = { items: [{ sku: 'TZ-1', quantity: 1, unitPriceCents: 100 }], currency: 'EUR' };
const nearNow = (iso: unknown) => Math.abs(Date.parse(String(iso)) - Date.now());

describe('timestamps across session time zones', () => {
  it('an order and a profile written at UTC+14 carry the present instant, read alike from UTC', async () => {
    const token = await tokenFor(freshUserId());
    const created = await call(ahead.url, 'POST', '/api/orders', { token, json: order });
    expect(created.status).toBe(201);
    expect(nearNow(created.body.createdAt)).toBeLessThan(10_000);
    const id = String(created.body.id);
    const fromUtc = await call(utc.url, 'GET', `/api/orders/${id}`, { token });
    const fromAhead = await call(ahead.url, 'GET', `/api/orders/${id}`, { token });
    expect(fromUtc.body).toEqual(created.body);
    expect(fromAhead.body).toEqual(created.body);
    const me = await call(ahead.url, 'GET', '/api/me', { token });
    expect(nearNow(me.body.createdAt)).toBeLessThan(10_000);
    expect((await call(utc.url, 'GET', '/api/me', { token })).body).toEqual(me.body);
  });

  it('a cursor made by one process pages the same way in the other', async () => {
    const token = await tokenFor(freshUserId());
    for (let i = 0; i < 3; i++) {
      const placed = await call(utc.url, 'POST', '/api/orders', { token, json: order });
      expect(placed.status).toBe(201);
    }
    const first = await call(utc.url, 'GET', '/api/orders?limit=2', { token });
    const cursor = String(first.body.nextCursor);
    const rest = await call(ahead.url, 'GET', `/api/orders?limit=2&cursor=${cursor}`, { token });
    const all = await call(utc.url, 'GET', '/api/orders?limit=10', { token });
    const ids = (body: Record<string, unknown>) =>
      (body.items as Array<{ id: string }>).map((item) => item.id);
    expect([...ids(first.body), ...ids(rest.body)]).toEqual(ids(all.body));
    expect(rest.body.nextCursor).toBeNull();
  });
});
