import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { send } from './support/gateway-client.js';
import { jsonLogin, newUser, register, tokenGrant } from './support/users.js';

const ORDER = {
  items: [
    { sku: 'E2E-LAMP', quantity: 2, unitPriceCents: 1250 },
    { sku: 'E2E-BULB', quantity: 3, unitPriceCents: 199 },
  ],
  currency: 'EUR',
};

describe('register → token → /api, all through the gateway', () => {
  it('registers, takes a token with the OAuth2 password grant, and uses the API with it', async () => {
    const account = await register();
    expect(account.id).toMatch(/^\d+$/);

    const token = await send('POST', '/auth/token', {
      form: { grant_type: 'password', username: account.email, password: account.password },
      from: account.from,
    });
    expect(token.status).toBe(200);
    expect(token.headers['cache-control']).toBe('no-store');
    expect(token.body).toMatchObject({ token_type: 'Bearer', user_id: account.id });
    const accessToken: string = token.body.access_token;

    const me = await send('GET', '/api/me', { token: accessToken });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ userId: account.id, email: account.email });

    const key = randomUUID();
    const placed = await send('POST', '/api/orders', {
      token: accessToken,
      json: ORDER,
      headers: { 'idempotency-key': key },
    });
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ userId: account.id, status: 'pending', totalCents: 3097 });
    expect(placed.headers.location).toBe(`/api/orders/${placed.body.id}`);

    // the same key through the gateway again: the first order, not a second one
    const replayed = await send('POST', '/api/orders', {
      token: accessToken,
      json: ORDER,
      headers: { 'idempotency-key': key },
    });
    expect(replayed.status).toBe(201);
    expect(replayed.body.id).toBe(placed.body.id);

    const listed = await send('GET', '/api/orders', { token: accessToken });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((o: { id: string }) => o.id)).toEqual([placed.body.id]);

    const shown = await send('GET', `/api/orders/${placed.body.id}`, { token: accessToken });
    expect(shown.status).toBe(200);
    expect(shown.body).toEqual(placed.body);

    // another user sees neither the order nor it in their list
    const other = await newUser();
    const foreign = await send('GET', `/api/orders/${placed.body.id}`, {
      token: other.accessToken,
    });
    expect(foreign.status).toBe(404);
    const otherList = await send('GET', '/api/orders', { token: other.accessToken });
    expect(otherList.status).toBe(200);
    expect(otherList.body.items).toEqual([]);
  });

  it('logs in with JSON (/auth/login) and the API accepts that token too', async () => {
    const account = await register();
    const wrong = await send('POST', '/auth/login', {
      json: { email: account.email, password: `${account.password}-not` },
      from: account.from,
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ code: 'invalid_credentials' });

    const tokens = await jsonLogin(account);
    const me = await send('GET', '/api/me', { token: tokens.accessToken });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ userId: account.id, email: account.email });

    // the password grant and the JSON login are two separate sessions of the same user
    const viaForm = await tokenGrant(account);
    expect(viaForm.refreshToken).not.toBe(tokens.refreshToken);
    const again = await send('GET', '/api/me', { token: viaForm.accessToken });
    expect(again.status).toBe(200);
    expect(again.body.userId).toBe(account.id);
  });

  it("sets X-Shard from the user id's parity: even ids on shard0, odd ids on shard1", async () => {
    const seen = new Map<string, string>();
    // ids are consecutive, but other suites register at the same time: keep going until both
    for (let i = 0; i < 12 && new Set(seen.values()).size < 2; i++) {
      const user = await newUser();
      const me = await send('GET', '/api/me', { token: user.accessToken });
      expect(me.status).toBe(200);
      expect(me.body.userId).toBe(user.id);
      seen.set(user.id, String(me.headers['x-shard']));
    }
    const parities = new Set([...seen.keys()].map((id) => Number(id) % 2));
    expect(parities).toEqual(new Set([0, 1]));
    for (const [id, shard] of seen) {
      expect(shard, `user ${id}`).toBe(Number(id) % 2 === 0 ? 'shard0' : 'shard1');
    }
  });
});
