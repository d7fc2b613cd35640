import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { IDENTITY_HEADERS, newClientAddress, send } from './support/gateway-client.js';
import {
  type EchoBackend,
  type EchoedRequest,
  type PrivateGateway,
  startEchoBackend,
  startPrivateGateway,
} from './support/private-gateway.js';
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

/** The spellings of {@link identitySpoofs}. */
const SPOOF_VARIANTS = [
  'canonical',
  'repeated',
  'mixed case, next to the canonical spelling',
  'underscores instead of hyphens',
  'everything at once',
] as const;
type SpoofVariant = (typeof SPOOF_VARIANTS)[number];

/**
 * Identity-header spoofs in every spelling a client might try: the names the gateway hands to the
 * API (canonical, mixed-case, repeated, with underscores), the forwarding and original-request
 * headers of other gateways and auth proxies, all naming `victim`.
 */
function identitySpoofs(victim: User): Record<SpoofVariant, Record<string, string | string[]>> {
  const forged = {
    'X-User-Id': victim.id,
    'X-User-Email': victim.email,
    'X-User-Role': 'admin',
    'X-Session-Id': randomUUID(),
  };
  const forwarding = {
    'X-Forwarded-For': '203.0.113.7',
    'X-Forwarded-Host': 'internal.example',
    'X-Forwarded-Uri': '/api/me',
    'X-Forwarded-Proto': 'https',
    'X-Forwarded-Method': 'GET',
    'X-Forwarded-User': victim.id,
    'X-Forwarded-Email': victim.email,
    'X-Forwarded-Preferred-Username': victim.email,
    'X-Original-URL': 'http://127.0.0.1/api/me',
    'X-Original-Method': 'GET',
    'X-Original-User': victim.id,
    'X-Original-Forwarded-For': '203.0.113.7',
    'X-Real-IP': '203.0.113.7',
    'X-Auth-Request-User': victim.id,
    'X-Auth-Request-Email': victim.email,
  };
  return {
    canonical: { ...forged, ...forwarding },
    repeated: Object.fromEntries(
      Object.entries(forged).map(([name, value]) => [name, [value, value, '1']]),
    ),
    'mixed case, next to the canonical spelling': {
      ...forged,
      'x-USER-id': victim.id,
      'X-USER-EMAIL': victim.email,
      'x-user-ROLE': 'admin',
      'x-Session-ID': randomUUID(),
    },
    'underscores instead of hyphens': {
      X_User_Id: victim.id,
      X_User_Email: victim.email,
      X_User_Role: 'admin',
      X_Session_Id: randomUUID(),
    },
    'everything at once': {
      ...forwarding,
      'X-User-Id': [victim.id, victim.id],
      'x-user-email': [victim.email, victim.email],
      'X-USER-ROLE': 'admin',
      'x-session-id': [randomUUID(), randomUUID()],
      X_User_Id: victim.id,
    },
  };
}

/** `rawHeaders` grouped by lower-cased name, `_` read as `-` (as CGI-style servers read them). */
function headerValues(request: EchoedRequest): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = String(request.rawHeaders[i]).toLowerCase().replaceAll('_', '-');
    out.set(name, [...(out.get(name) ?? []), String(request.rawHeaders[i + 1])]);
  }
  return out;
}

/**
 * The tests above reach the real API, which cross-checks only X-User-Id against the token: a
 * spoofed X-User-Email, X-User-Role or X-Session-Id reaching it would go unnoticed there. Here a
 * gateway rendered from the same Ingresses (scripts/stack/nginx.ts) sends the `api` Service to an
 * echo backend instead, and `auth` to the stack's real auth service, so every header the backend
 * receives is observed.
 */
describe("behind the Ingress-rendered gateway, the backend receives /verify's identity and no other", () => {
  const stack = inject('stack');
  let echo: EchoBackend;
  let gateway: PrivateGateway | undefined;
  let alice: User;
  let bob: User;
  /** What the real auth service's /verify answers for Alice's token: the only identity allowed through. */
  let verified: Record<string, string>;

  beforeAll(async () => {
    echo = await startEchoBackend();
    // the same manifests as the stack's gateway: Service api → the echo backend, auth → the real
    // auth service, so /verify is the stack's own and the backend sees what the API would
    gateway = await startPrivateGateway('spoof', {
      auth: [`127.0.0.1:${new URL(stack.authUrl).port}`],
      api: [echo.endpoint],
    });
    [alice, bob] = await Promise.all([newUser(), newUser()]);
    const answer = await fetch(`${stack.authUrl}/verify`, {
      headers: { authorization: `Bearer ${alice.accessToken}` },
    });
    expect(answer.status).toBe(200);
    verified = Object.fromEntries(
      IDENTITY_HEADERS.map((name) => [name, answer.headers.get(name) ?? '(absent)']),
    );
    expect(verified).toMatchObject({
      'x-user-id': alice.id,
      'x-user-email': alice.email,
      'x-user-role': 'user',
    });
    expect(verified['x-session-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  afterAll(async () => {
    await gateway?.stop();
    await echo?.close();
  });

  it('the private gateway passes a plain request with the verified identity (the control)', async () => {
    const res = await send('GET', '/api/me', {
      token: alice.accessToken,
      from: alice.from,
      gatewayUrl: gateway?.url,
    });
    expect(res.status).toBe(200);
    const seen = headerValues(res.body as EchoedRequest);
    for (const name of IDENTITY_HEADERS) expect(seen.get(name), name).toEqual([verified[name]]);
  });

  it.each(SPOOF_VARIANTS)(
    "a real token with spoofed identity headers (%s): exactly one of each, /verify's values",
    async (variant: SpoofVariant) => {
      const headers = identitySpoofs(bob)[variant];
      const before = echo.received.length;
      const res = await send('GET', '/api/me', {
        token: alice.accessToken,
        headers,
        from: alice.from,
        gatewayUrl: gateway?.url,
      });
      expect(res.status).toBe(200);
      expect(echo.received.length).toBe(before + 1);
      const seen = headerValues(echo.received[before] as EchoedRequest);
      for (const name of IDENTITY_HEADERS) expect(seen.get(name), name).toEqual([verified[name]]);
      // the gateway sets the client address itself, once, from the connection
      expect(seen.get('x-forwarded-for'), 'x-forwarded-for').toEqual([alice.from]);
      expect(seen.get('x-real-ip'), 'x-real-ip').toEqual([alice.from]);
      if (variant === 'canonical') {
        // the spoofs did arrive at the gateway: headers not listed in auth-response-headers reach
        // the backend untouched (ingress-contract.md §4), which is why the API reads only X-User-*
        expect(seen.get('x-auth-request-user')).toEqual([bob.id]);
        expect(seen.get('x-forwarded-user')).toEqual([bob.id]);
      }
    },
  );

  it('spoofed identity headers without a valid token never reach the backend: 401', async () => {
    const before = echo.received.length;
    for (const [variant, headers] of Object.entries(identitySpoofs(bob))) {
      for (const authorization of [
        undefined,
        'Bearer not-a-token',
        `Basic ${btoa(`${bob.email}:${bob.password}`)}`,
      ]) {
        const what = `${variant}, ${authorization ?? 'no Authorization'}`;
        const res = await send('GET', '/api/me', {
          headers: { ...headers, ...(authorization ? { authorization } : {}) },
          gatewayUrl: gateway?.url,
        });
        expect(res.status, what).toBe(401);
        expect(res.headers['www-authenticate'], what).toBe('Bearer error="invalid_token"');
      }
    }
    expect(echo.received.slice(before)).toEqual([]);
  });
});
