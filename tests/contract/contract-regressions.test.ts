/**
 * What the contract fuzzer found through the gateway, each pinned by a plain request: strings
 * Postgres cannot store, 405 without `Allow`, `PATCH /auth/me` with `{}`, an empty cursor, an
 * `Idempotency-Key` outside its pattern, addresses past SMTP's limits.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { STRONG_PASSWORD } from '../../services/auth/test/support/auth-server.js';
import { newClientAddress, send, sendTo } from '../e2e/support/gateway-client.js';
import { newUser, type User } from '../e2e/support/users.js';

const stack = inject('stack');
let user: User;

beforeAll(async () => {
  user = await newUser();
});

/** Posts a body exactly as given (no re-serialisation), from an address of its own. */
async function postRaw(path: string, body: string, token?: string) {
  const res = await fetch(new URL(path, stack.gatewayUrl), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
    },
    body,
  });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.json() };
}

const invalidText = {
  status: 400,
  headers: expect.objectContaining({ 'content-type': 'application/problem+json' }),
  body: expect.objectContaining({ code: 'invalid_text', status: 400 }),
};

describe('strings Postgres cannot store: 400, never 500', () => {
  it('a NUL in the login name of /auth/token is an OAuth invalid_request', async () => {
    const res = await send('POST', '/auth/token', {
      form: { grant_type: 'password', username: 'ada\u0000@example.com', password: 'x' },
      from: newClientAddress(),
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_request', error_description: expect.any(String) });
  });

  it('a NUL in the login name of /auth/login, in a name, a key or deep in an order: invalid_text', async () => {
    const from = newClientAddress();
    const login = await send('POST', '/auth/login', {
      json: { email: 'ada\u0000@example.com', password: 'x' },
      from,
    });
    expect(login).toMatchObject(invalidText);
    const key = await send('POST', '/auth/login', { json: { 'e\u0000': 1 }, from });
    expect(key).toMatchObject(invalidText);
    const name = await send('PATCH', '/auth/me', {
      json: { name: 'A\u0000' },
      token: user.accessToken,
    });
    expect(name).toMatchObject(invalidText);
    const order = await send('POST', '/api/orders', {
      json: { items: [{ sku: 'A\u0000', quantity: 1, unitPriceCents: 1 }], currency: 'EUR' },
      token: user.accessToken,
    });
    expect(order).toMatchObject(invalidText);
    expect(order.headers['x-shard']).toMatch(/^shard\d+$/);
  });

  it('a lone surrogate is refused the same way (it has no UTF-8 form)', async () => {
    const res = await postRaw(
      '/auth/register',
      `{"email":"${randomUUID()}@example.com","password":"${STRONG_PASSWORD}","name":"A\\ud800"}`,
    );
    expect(res).toMatchObject({ status: 400, body: { code: 'invalid_text' } });
  });

  it('a body nested deeper than the call stack is walked, not overflowed', async () => {
    const depth = 30_000;
    const res = await postRaw('/auth/login', `${'['.repeat(depth)}"\\u0000"${']'.repeat(depth)}`);
    expect(res).toMatchObject({ status: 400, body: { code: 'invalid_text' } });
  });

  it('a NUL in a query parameter of the API', async () => {
    const res = await send('GET', '/api/orders?cursor=a%00b', { token: user.accessToken });
    expect(res).toMatchObject(invalidText);
  });
});

describe('405 with Allow', () => {
  it('on a known path of either service, through the gateway', async () => {
    const auth = await send('PUT', '/auth/me', { token: user.accessToken });
    expect(auth.status).toBe(405);
    expect(auth.headers.allow).toBe('HEAD, GET, PATCH');
    const api = await send('DELETE', '/api/orders', { token: user.accessToken });
    expect(api.status).toBe(405);
    expect(api.headers.allow?.split(', ').sort()).toEqual(['GET', 'HEAD', 'POST']);
  });

  it('on the probes, which the router does not know', async () => {
    for (const base of [stack.authUrl, stack.apiUrl]) {
      for (const path of ['/healthz', '/readyz']) {
        const res = await sendTo(base, 'POST', path);
        expect(res.status, `${base}${path}`).toBe(405);
        expect(res.headers.allow).toBe('HEAD, GET');
        expect(res.body).toMatchObject({ code: 'method_not_allowed' });
      }
    }
  });

  it('on TRACE at the services; nginx answers TRACE itself without Allow (the documented exception)', async () => {
    const direct = await sendTo(stack.authUrl, 'TRACE', '/auth/me');
    expect(direct.status).toBe(405);
    expect(direct.headers.allow).toBe('HEAD, GET, PATCH');
    const gateway = await send('TRACE', '/auth/me');
    expect(gateway.status).toBe(405);
    expect(gateway.headers.allow).toBeUndefined();
    expect(gateway.headers['content-type']).toBe('text/html');
  });
});

describe('requests the schemas admit or refuse', () => {
  it('PATCH /auth/me with {} changes nothing and answers the user', async () => {
    const named = await send('PATCH', '/auth/me', {
      json: { name: 'Ada' },
      token: user.accessToken,
    });
    expect(named.status).toBe(200);
    const res = await send('PATCH', '/auth/me', { json: {}, token: user.accessToken });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(named.body);
  });

  it('an empty cursor is not the first page: 400 invalid_cursor', async () => {
    const res = await send('GET', '/api/orders?cursor=', { token: user.accessToken });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'invalid_cursor' });
  });

  it('an Idempotency-Key outside its pattern creates no order: 422', async () => {
    const order = { items: [{ sku: 'BOOK-1', quantity: 1, unitPriceCents: 100 }], currency: 'EUR' };
    const before = await send('GET', '/api/orders?limit=100', { token: user.accessToken });
    for (const key of ['', 'x'.repeat(256), '\u00e9t\u00e9']) {
      const res = await send('POST', '/api/orders', {
        json: order,
        token: user.accessToken,
        headers: { 'idempotency-key': key },
      });
      expect(res.status, JSON.stringify(key)).toBe(422);
      expect(res.body).toMatchObject({
        code: 'validation_failed',
        errors: [expect.objectContaining({ field: 'Idempotency-Key' })],
      });
    }
    const after = await send('GET', '/api/orders?limit=100', { token: user.accessToken });
    expect(after.body.items).toEqual(before.body.items);
  });

  it('an address past SMTP limits is refused at registration (422), as format: email refuses it', async () => {
    for (const email of [`${'a'.repeat(65)}@example.com`, `ada@${'b'.repeat(64)}.com`]) {
      const res = await send('POST', '/auth/register', {
        json: { email, password: STRONG_PASSWORD },
        from: newClientAddress(),
      });
      expect(res.status, email).toBe(422);
      expect(res.body).toMatchObject({ code: 'validation_failed' });
    }
  });
});
