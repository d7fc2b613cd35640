import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  freshUserId,
  startApiServer,
  type TestApiServer,
  tokenFor,
} from '../support/api-server.js';

let api: TestApiServer;
beforeAll(async () => {
  api = await startApiServer();
});
afterAll(() => api.close());

const order = { items: [{ sku: 'MUG-01', quantity: 2, unitPriceCents: 1250 }], currency: 'EUR' };
async function caller() {
  const userId = freshUserId();
  return { userId, token: await tokenFor(userId) };
}

describe('GET /api/me and POST /api/users', () => {
  it('creates the profile on first use, from the token', async () => {
    const { userId, token } = await caller();
    const me = await call(api.url, 'GET', '/api/me', { token });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      userId: String(userId),
      email: `user${userId}@example.com`,
      name: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(me.headers.get('x-shard')).toBe(userId % 2 === 0 ? 'shard0' : 'shard1');
  });

  it('answers 201 when POST /api/users creates the profile, 200 when it exists, and applies a name', async () => {
    const { token } = await caller();
    const created = await call(api.url, 'POST', '/api/users', { token });
    expect(created.status).toBe(201);
    const again = await call(api.url, 'POST', '/api/users', { token, json: { name: '  Ada  ' } });
    expect([again.status, again.body.name]).toEqual([200, 'Ada']);
    expect((await call(api.url, 'GET', '/api/me', { token })).body.name).toBe('Ada');
    const cleared = await call(api.url, 'POST', '/api/users', { token, json: { name: null } });
    expect(cleared.body.name).toBeNull();
    for (const json of [{ name: 7 }, { name: 'x'.repeat(101) }, { role: 'admin' }, []]) {
      const bad = await call(api.url, 'POST', '/api/users', { token, json });
      expect([bad.status, bad.body.code], JSON.stringify(json)).toEqual([422, 'validation_failed']);
    }
    const nul = await call(api.url, 'POST', '/api/users', { token, json: { name: 'a\u0000' } });
    expect([nul.status, nul.body.code]).toEqual([400, 'invalid_text']);
  });

  it('answers 401 with X-Shard: none without a valid token', async () => {
    for (const [method, path] of [
      ['GET', '/api/me'],
      ['POST', '/api/users'],
      ['GET', '/api/orders'],
    ] as const) {
      const res = await call(api.url, method, path);
      expect([res.status, res.body.code]).toEqual([401, 'invalid_token']);
      expect(res.headers.get('x-shard')).toBe('none');
      expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    }
  });
});

describe('POST /api/orders', () => {
  it('creates an order in integer cents with a Location', async () => {
    const { userId, token } = await caller();
    const res = await call(api.url, 'POST', '/api/orders', {
      token,
      json: {
        items: [...order.items, { sku: 'TEE.blue_L', quantity: 3, unitPriceCents: 999 }],
        currency: 'USD',
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      userId: String(userId),
      status: 'pending',
      currency: 'USD',
      totalCents: 2 * 1250 + 3 * 999,
      items: [
        { sku: 'MUG-01', quantity: 2, unitPriceCents: 1250, lineTotalCents: 2500 },
        { sku: 'TEE.blue_L', quantity: 3, unitPriceCents: 999, lineTotalCents: 2997 },
      ],
    });
    expect(res.headers.get('location')).toBe(`/api/orders/${res.body.id}`);
    expect(res.headers.get('x-shard')).toBe(userId % 2 === 0 ? 'shard0' : 'shard1');
  });

  it('gives 20 concurrent requests with one Idempotency-Key one order and one answer', async () => {
    const { token } = await caller();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        call(api.url, 'POST', '/api/orders', {
          token,
          json: order,
          headers: { 'idempotency-key': 'checkout-42' },
        }),
      ),
    );
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([201]));
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(19);
    const list = await call(api.url, 'GET', '/api/orders', { token });
    expect(list.body.items).toHaveLength(1);
    const retry = await call(api.url, 'POST', '/api/orders', {
      token,
      json: order,
      headers: { 'idempotency-key': 'checkout-42' },
    });
    expect([retry.status, retry.body.id]).toEqual([201, answers[0]?.body.id]);
  });

  it('refuses a reused Idempotency-Key with another body, and keys are per user', async () => {
    const a = await caller();
    const b = await caller();
    const first = await call(api.url, 'POST', '/api/orders', {
      token: a.token,
      json: order,
      headers: { 'idempotency-key': 'k' },
    });
    const other = await call(api.url, 'POST', '/api/orders', {
      token: a.token,
      json: { ...order, currency: 'GBP' },
      headers: { 'idempotency-key': 'k' },
    });
    expect([other.status, other.body.code]).toEqual([422, 'idempotency_key_reused']);
    const bsOrder = await call(api.url, 'POST', '/api/orders', {
      token: b.token,
      json: order,
      headers: { 'idempotency-key': 'k' },
    });
    expect(bsOrder.status).toBe(201);
    expect(bsOrder.body.id).not.toBe(first.body.id);
    for (const key of ['x'.repeat(256), 'tab\there', 'ünïcode']) {
      const bad = await call(api.url, 'POST', '/api/orders', {
        token: a.token,
        json: order,
        headers: { 'idempotency-key': key },
      });
      expect(bad.status, key).toBe(422);
    }
  });

  it.each([
    ['no items', { items: [], currency: 'EUR' }],
    [
      'negative quantity',
      { items: [{ sku: 'A', quantity: -1, unitPriceCents: 1 }], currency: 'EUR' },
    ],
    ['zero quantity', { items: [{ sku: 'A', quantity: 0, unitPriceCents: 1 }], currency: 'EUR' }],
    [
      'fractional cents',
      { items: [{ sku: 'A', quantity: 1, unitPriceCents: 9.99 }], currency: 'EUR' },
    ],
    ['huge price', { items: [{ sku: 'A', quantity: 1, unitPriceCents: 1e20 }], currency: 'EUR' }],
    [
      'string quantity',
      { items: [{ sku: 'A', quantity: '2', unitPriceCents: 1 }], currency: 'EUR' },
    ],
    [
      'unknown currency',
      { items: [{ sku: 'A', quantity: 1, unitPriceCents: 1 }], currency: 'XYZ' },
    ],
    [
      'lower-case currency',
      { items: [{ sku: 'A', quantity: 1, unitPriceCents: 1 }], currency: 'eur' },
    ],
    ['bad sku', { items: [{ sku: '../etc', quantity: 1, unitPriceCents: 1 }], currency: 'EUR' }],
    ['emoji sku', { items: [{ sku: '🛒', quantity: 1, unitPriceCents: 1 }], currency: 'EUR' }],
    ['unknown field', { ...order, discount: 50 }],
    [
      'unknown item field',
      { items: [{ sku: 'A', quantity: 1, unitPriceCents: 1, free: true }], currency: 'EUR' },
    ],
    [
      '101 items',
      {
        items: Array.from({ length: 101 }, () => ({ sku: 'A', quantity: 1, unitPriceCents: 1 })),
        currency: 'EUR',
      },
    ],
    ['not an object', [order]],
    ['null', null],
  ])('answers 422 validation_failed for %s and writes nothing', async (_case, json) => {
    const { token } = await caller();
    const res = await call(api.url, 'POST', '/api/orders', { token, json });
    expect([res.status, res.body.code]).toEqual([422, 'validation_failed']);
    expect((await call(api.url, 'GET', '/api/orders', { token })).body.items).toEqual([]);
  });

  it('answers 400, 413 and 415 for unreadable bodies', async () => {
    const { token } = await caller();
    const broken = await call(api.url, 'POST', '/api/orders', {
      token,
      raw: '{"items":[',
      headers: { 'content-type': 'application/json' },
    });
    expect([broken.status, broken.body.code]).toEqual([400, 'invalid_json']);
    const huge = await call(api.url, 'POST', '/api/orders', {
      token,
      raw: JSON.stringify({ ...order, pad: 'x'.repeat(1024 * 1024) }),
      headers: { 'content-type': 'application/json' },
    });
    expect([huge.status, huge.body.code]).toEqual([413, 'payload_too_large']);
    const text = await call(api.url, 'POST', '/api/orders', {
      token,
      raw: 'hello',
      headers: { 'content-type': 'text/plain' },
    });
    expect([text.status, text.body.code]).toEqual([415, 'unsupported_media_type']);
  });
});

describe('GET /api/orders', () => {
  it('pages newest first, neither skipping nor repeating while new orders arrive', async () => {
    const { token } = await caller();
    const placed: string[] = [];
    for (let i = 0; i < 12; i++) {
      placed.push(
        (
          await call(api.url, 'POST', '/api/orders', {
            token,
            json: { ...order, items: [{ sku: `S${i}`, quantity: 1, unitPriceCents: i }] },
          })
        ).body.id,
      );
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let page = 0;
    do {
      const query: string = cursor ? `?limit=5&cursor=${cursor}` : '?limit=5';
      const res = await call(api.url, 'GET', `/api/orders${query}`, { token });
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((o: { id: string }) => o.id));
      cursor = res.body.nextCursor;
      // new orders arrive between pages: they are newer than every cursor, so they never show up mid-walk
      await call(api.url, 'POST', '/api/orders', { token, json: order });
      page++;
    } while (cursor && page < 10);
    expect(seen).toEqual([...placed].reverse());
  });

  it('validates limit and cursor', async () => {
    const { token } = await caller();
    for (const limit of ['0', '101', '-1', 'ten', '1.5']) {
      const res = await call(api.url, 'GET', `/api/orders?limit=${limit}`, { token });
      expect([res.status, res.body.code], limit).toEqual([422, 'validation_failed']);
    }
    for (const cursor of [
      'nope',
      'eyJ0IjoxfQ',
      Buffer.from('{"t":"x","i":"y"}').toString('base64url'),
      'a'.repeat(500),
    ]) {
      const res = await call(api.url, 'GET', `/api/orders?cursor=${cursor}`, { token });
      expect([res.status, res.body.code], cursor).toEqual([400, 'invalid_cursor']);
    }
  });
});

describe('GET and PATCH /api/orders/:id', () => {
  it("shows and cancels the caller's own order, and refuses illegal transitions with 409", async () => {
    const { token } = await caller();
    const placed = await call(api.url, 'POST', '/api/orders', { token, json: order });
    const shown = await call(api.url, 'GET', `/api/orders/${placed.body.id}`, { token });
    expect(shown.body).toEqual(placed.body);
    const cancelled = await call(api.url, 'PATCH', `/api/orders/${placed.body.id}`, {
      token,
      json: { status: 'cancelled' },
    });
    expect([cancelled.status, cancelled.body.status]).toEqual([200, 'cancelled']);
    const again = await call(api.url, 'PATCH', `/api/orders/${placed.body.id}`, {
      token,
      json: { status: 'cancelled' },
    });
    expect([again.status, again.body.code]).toEqual([409, 'illegal_transition']);
    for (const json of [
      { status: 'shipped' },
      { status: 'delivered' },
      {},
      { status: 'cancelled', total: 0 },
    ]) {
      const bad = await call(api.url, 'PATCH', `/api/orders/${placed.body.id}`, { token, json });
      expect(bad.status, JSON.stringify(json)).toBe(422);
    }
  });

  it("answers 404 for another user's order, unknown ids and malformed ids", async () => {
    const owner = await caller();
    const stranger = await caller();
    const placed = await call(api.url, 'POST', '/api/orders', { token: owner.token, json: order });
    for (const method of ['GET', 'PATCH'] as const) {
      const res = await call(api.url, method, `/api/orders/${placed.body.id}`, {
        token: stranger.token,
        ...(method === 'PATCH' ? { json: { status: 'cancelled' } } : {}),
      });
      expect([res.status, res.body.code]).toEqual([404, 'not_found']);
    }
    for (const id of [
      '00000000-0000-4000-8000-000000000000',
      'not-a-uuid',
      '1',
      "'; DROP TABLE orders;--",
    ]) {
      const res = await call(api.url, 'GET', `/api/orders/${encodeURIComponent(id)}`, {
        token: owner.token,
      });
      expect([res.status, res.body.code], id).toEqual([404, 'not_found']);
    }
    expect(
      (await call(api.url, 'GET', `/api/orders/${placed.body.id}`, { token: owner.token })).body
        .status,
    ).toBe('pending');
  });

  it('answers 405 for a wrong method and 404 for unknown API paths', async () => {
    const { token } = await caller();
    const wrong = await call(api.url, 'DELETE', '/api/orders', { token });
    expect([wrong.status, wrong.body.code]).toEqual([405, 'method_not_allowed']);
    const missing = await call(api.url, 'GET', '/api/nothing', { token });
    expect([missing.status, missing.body.code]).toEqual([404, 'not_found']);
  });
});

describe('identity', () => {
  it('refuses a valid token whose subject differs from X-User-Id, and a token for another audience', async () => {
    const { userId, token } = await caller();
    const spoofed = await call(api.url, 'GET', '/api/me', {
      token,
      headers: { 'x-user-id': String(userId + 2) },
    });
    expect(spoofed.status).toBe(401);
    const matching = await call(api.url, 'GET', '/api/me', {
      token,
      headers: { 'x-user-id': String(userId) },
    });
    expect(matching.status).toBe(200);
    const foreign = await tokenFor(userId, undefined, { aud: 'someone-else' });
    expect((await call(api.url, 'GET', '/api/me', { token: foreign })).status).toBe(401);
    const basic = await call(api.url, 'GET', '/api/me', {
      headers: { authorization: 'Basic dXNlcjpwYXNz' },
    });
    expect(basic.status).toBe(401);
  });

  it('takes the access token from the session cookie as from a bearer header, never both at once', async () => {
    const { userId, token } = await caller();
    const cookie = `__Host-sg_csrf=x; __Host-sg_access=${token}`;
    const byCookie = await call(api.url, 'GET', '/api/me', { headers: { cookie } });
    expect(byCookie.status).toBe(200);
    expect(byCookie.body.userId).toBe(String(userId));
    const both = await call(api.url, 'GET', '/api/me', { token, headers: { cookie } });
    expect(both.status).toBe(401);
    // a refresh cookie beside a bearer token is two credentials as well
    const refresh = await call(api.url, 'GET', '/api/me', {
      token,
      headers: { cookie: '__Host-sg_refresh=r' },
    });
    expect(refresh.status).toBe(401);
    const planted = await call(api.url, 'GET', '/api/me', {
      headers: { cookie: `${cookie}; __Host-sg_access=${token}` },
    });
    expect(planted.status).toBe(401);
  });
});
