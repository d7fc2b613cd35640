import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { newClientAddress, send } from './support/gateway-client.js';
import { stackAuthConfig } from './support/stack-settings.js';
import { newUser, type User } from './support/users.js';

/**
 * Every header a client could send to pose as someone else or to mislead `/verify` about the
 * request: the identity headers the gateway hands to the API, the ones ingress-nginx sets on the
 * auth subrequest, and the forwarding headers other gateways use (ingress-contract.md §2, §4).
 */
function spoofedHeaders(victim: User, victimOrderId: string): Record<string, string | string[]> {
  return {
    'X-User-Id': victim.id,
    'X-User-Email': victim.email,
    'X-User-Role': 'admin',
    'X-Session-Id': randomUUID(),
    'X-Original-URL': `http://127.0.0.1/api/orders/${victimOrderId}`,
    'X-Original-Method': 'GET',
    'X-Forwarded-For': '203.0.113.7',
    'X-Forwarded-Host': 'internal.example',
    'X-Forwarded-Uri': `/api/orders/${victimOrderId}`,
    'X-Forwarded-Proto': 'https',
    'X-Forwarded-Method': 'GET',
    'X-Real-IP': '203.0.113.7',
    'X-Auth-Request-Redirect': `/api/orders/${victimOrderId}`,
    'X-Sent-From': 'nginx-ingress-controller',
  };
}

describe('a client cannot change who the API thinks it is', () => {
  let alice: User;
  let bob: User;
  let bobOrderId: string;

  beforeAll(async () => {
    [alice, bob] = await Promise.all([newUser(), newUser()]);
    const placed = await send('POST', '/api/orders', {
      token: bob.accessToken,
      json: { items: [{ sku: 'BOB-ONLY', quantity: 1, unitPriceCents: 500 }], currency: 'USD' },
    });
    expect(placed.status).toBe(201);
    bobOrderId = placed.body.id;
  });

  it("with Alice's token and Bob's identity headers, the API still serves Alice", async () => {
    const me = await send('GET', '/api/me', {
      token: alice.accessToken,
      headers: spoofedHeaders(bob, bobOrderId),
    });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ userId: alice.id, email: alice.email });
    expect(me.headers['x-shard']).toBe(Number(alice.id) % 2 === 0 ? 'shard0' : 'shard1');

    const list = await send('GET', '/api/orders', {
      token: alice.accessToken,
      headers: spoofedHeaders(bob, bobOrderId),
    });
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([]);

    const order = await send('GET', `/api/orders/${bobOrderId}`, {
      token: alice.accessToken,
      headers: spoofedHeaders(bob, bobOrderId),
    });
    expect(order.status).toBe(404);
    expect(order.text).not.toContain('BOB-ONLY');

    const cancel = await send('PATCH', `/api/orders/${bobOrderId}`, {
      token: alice.accessToken,
      json: { status: 'cancelled' },
      headers: spoofedHeaders(bob, bobOrderId),
    });
    expect(cancel.status).toBe(404);
    // Bob's order is untouched
    const bobs = await send('GET', `/api/orders/${bobOrderId}`, { token: bob.accessToken });
    expect(bobs.status).toBe(200);
    expect(bobs.body).toMatchObject({ userId: bob.id, status: 'pending' });
  });

  it('repeated or differently spelled identity headers change nothing either', async () => {
    const variants: Record<string, string | string[]>[] = [
      { 'X-User-Id': [bob.id, bob.id] },
      { 'x-user-id': bob.id, 'x-user-email': bob.email },
      { X_User_Id: bob.id },
      { 'X-User-Id': `${alice.id}, ${bob.id}` },
    ];
    for (const headers of variants) {
      const me = await send('GET', '/api/me', { token: alice.accessToken, headers });
      expect(me.status, JSON.stringify(headers)).toBe(200);
      expect(me.body.userId, JSON.stringify(headers)).toBe(alice.id);
    }
  });

  it('the auth service, behind the same gateway, also answers for the token only', async () => {
    const me = await send('GET', '/auth/me', {
      token: alice.accessToken,
      headers: spoofedHeaders(bob, bobOrderId),
    });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: alice.id, email: alice.email, role: 'user' });
  });

  it('spoofed headers without a token get the gateway 401', async () => {
    for (const path of ['/api/me', '/api/orders', `/api/orders/${bobOrderId}`]) {
      const res = await send('GET', path, { headers: spoofedHeaders(bob, bobOrderId) });
      expect(res.status, path).toBe(401);
      expect(res.headers['www-authenticate'], path).toBe('Bearer error="invalid_token"');
      expect(res.text, path).not.toContain(bob.email);
      expect(res.text, path).not.toContain('BOB-ONLY');
    }
  });

  it('a forged X-Forwarded-For does not escape the per-address registration limit', async () => {
    const limit = stackAuthConfig().REGISTRATIONS_PER_IP;
    expect(limit).toBeLessThanOrEqual(100); // each attempt below is one request
    const from = newClientAddress();
    // a weak password is refused after the attempt is counted, so no account (and no bcrypt) is made
    const attempt = (address: string, i: number) =>
      send('POST', '/auth/register', {
        json: { email: `xff-${randomUUID()}@example.com`, password: 'password' },
        headers: {
          'X-Forwarded-For': `198.51.100.${i % 250}`,
          'X-Real-IP': `198.51.100.${i % 250}`,
        },
        from: address,
      });
    for (let i = 0; i < limit; i++) {
      const res = await attempt(from, i);
      expect(res.status, `attempt ${i + 1}`).toBe(422);
    }
    const over = await attempt(from, limit);
    expect(over.status).toBe(429);
    expect(over.body).toMatchObject({ code: 'rate_limited' });
    // another client address is not affected
    expect((await attempt(newClientAddress(), limit + 1)).status).toBe(422);
  });
});
