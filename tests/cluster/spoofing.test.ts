import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../e2e/support/accounts.js';
import { clusterGateway, expectTraefikDenial } from './support/cluster-gateway.js';
import {
  type GatewayProbe,
  headerValues,
  type ProbeRecord,
  startGatewayProbe,
} from './support/gateway-probe.js';

/**
 * A client cannot change who the API thinks it is, through Traefik. First against the real API;
 * then, because the API cross-checks only X-User-Id against the token, against a probe backend
 * behind an Ingress with our API Ingress's annotations and the real `/verify`, which shows every
 * header a backend receives.
 */
const { send, kube, accounts } = clusterGateway();

/** Identity headers naming `victim`, in every spelling: canonical, repeated, mixed case, underscores. */
function spoofVariants(victim: User): Record<string, Record<string, string | string[]>> {
  const forged = {
    'X-User-Id': victim.id,
    'X-User-Email': victim.email,
    'X-User-Role': 'admin',
    'X-Session-Id': randomUUID(),
  };
  return {
    canonical: {
      ...forged,
      'X-Forwarded-User': victim.id,
      'X-Forwarded-Email': victim.email,
      'X-Original-URL': 'http://127.0.0.1/api/me',
      'X-Forwarded-Uri': '/api/me',
      'X-Forwarded-For': '203.0.113.7',
      'X-Real-IP': '203.0.113.7',
      'X-Auth-Request-User': victim.id,
    },
    repeated: Object.fromEntries(Object.entries(forged).map(([name, v]) => [name, [v, v, '1']])),
    'mixed case': {
      'x-USER-id': victim.id,
      'X-USER-EMAIL': victim.email,
      'x-user-ROLE': 'admin',
      'x-Session-ID': randomUUID(),
    },
    underscores: {
      X_User_Id: victim.id,
      X_User_Email: victim.email,
      X_User_Role: 'admin',
      X_Session_Id: randomUUID(),
    },
    'a list in one value': { 'X-User-Id': `${victim.id}, ${victim.id}` },
  };
}

describe('the real API, behind Traefik', () => {
  let alice: User;
  let bob: User;
  let bobOrderId: string;

  beforeAll(async () => {
    [alice, bob] = await Promise.all([accounts.newUser(), accounts.newUser()]);
    const placed = await send('POST', '/api/orders', {
      token: bob.accessToken,
      json: { items: [{ sku: 'BOB-ONLY', quantity: 1, unitPriceCents: 500 }], currency: 'USD' },
    });
    expect(placed.status).toBe(201);
    bobOrderId = placed.body.id;
  });

  it.each(['canonical', 'repeated', 'mixed case', 'underscores', 'a list in one value'])(
    "Alice's token with Bob's identity headers (%s): the API serves Alice, never Bob",
    async (variant) => {
      const headers = spoofVariants(bob)[variant] ?? {};
      const me = await send('GET', '/api/me', { token: alice.accessToken, headers });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ userId: alice.id, email: alice.email });
      expect(me.headers['x-shard']).toBe(Number(alice.id) % 2 === 0 ? 'shard0' : 'shard1');
      const list = await send('GET', '/api/orders', { token: alice.accessToken, headers });
      expect(list.status).toBe(200);
      expect(list.body.items).toEqual([]);
      const order = await send('GET', `/api/orders/${bobOrderId}`, {
        token: alice.accessToken,
        headers,
      });
      expect(order.status).toBe(404);
      expect(order.text).not.toContain('BOB-ONLY');
      const cancel = await send('PATCH', `/api/orders/${bobOrderId}`, {
        token: alice.accessToken,
        json: { status: 'cancelled' },
        headers,
      });
      expect(cancel.status).toBe(404);
    },
  );

  it("Bob's order is untouched by all of that", async () => {
    const bobs = await send('GET', `/api/orders/${bobOrderId}`, { token: bob.accessToken });
    expect(bobs.status).toBe(200);
    expect(bobs.body).toMatchObject({ userId: bob.id, status: 'pending' });
  });

  it('spoofed identity headers without a valid token: the gateway 401, nothing of Bob', async () => {
    for (const [variant, headers] of Object.entries(spoofVariants(bob))) {
      for (const path of ['/api/me', '/api/orders', `/api/orders/${bobOrderId}`]) {
        const res = await send('GET', path, { headers });
        expectTraefikDenial(res, 401, `${variant}: ${path}`);
        expect(res.text).not.toContain(bob.email);
      }
    }
  });

  it('the auth service, behind the same gateway, also answers for the token only', async () => {
    const me = await send('GET', '/auth/me', {
      token: alice.accessToken,
      headers: spoofVariants(bob).canonical,
    });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: alice.id, email: alice.email, role: 'user' });
  });
});

describe("a backend behind our API Ingress's annotations and the real /verify receives /verify's identity only", () => {
  let probe: GatewayProbe;
  let alice: User;
  let bob: User;

  beforeAll(async () => {
    probe = await startGatewayProbe(kube, send, [
      {
        name: 'api',
        path: '/api',
        annotations: {
          'auth-url': `http://auth.${kube.namespace}.svc.cluster.local:8080/verify`,
          'auth-response-headers': 'X-User-Id,X-User-Email,X-User-Role,X-Session-Id',
        },
      },
    ]);
    [alice, bob] = await Promise.all([accounts.newUser(), accounts.newUser()]);
  });

  afterAll(async () => {
    await probe?.close();
  });

  /** What the backend got for a request with Alice's token and `headers`. */
  async function backendSees(
    headers: Record<string, string | string[]>,
  ): Promise<Map<string, string[]>> {
    const res = await probe.send('GET', `${probe.prefix}/api/me`, {
      token: alice.accessToken,
      headers,
    });
    expect(res.status, res.text).toBe(200);
    return headerValues((res.body.request as ProbeRecord).rawHeaders);
  }

  it.each(['canonical', 'repeated', 'mixed case', 'underscores', 'a list in one value'])(
    "spoofed as Bob (%s): exactly one of each identity header, with Alice's verified values",
    async (variant) => {
      const seen = await backendSees(spoofVariants(bob)[variant] ?? {});
      expect(seen.get('x-user-id')).toEqual([alice.id]);
      expect(seen.get('x-user-email')).toEqual([alice.email]);
      expect(seen.get('x-user-role')).toEqual(['user']);
      expect(seen.get('x-session-id')?.[0]).toMatch(/^[0-9a-f-]{36}$/);
      expect(seen.get('x-session-id')).toHaveLength(1);
      expect(seen.get('x-forwarded-for')).toEqual(['127.0.0.1']);
      if (variant === 'underscores') {
        // Traefik passes them on under their own names: a backend must never read `_` as `-`
        expect(seen.get('x_user_role')).toEqual(['admin']);
        expect(seen.get('x_user_id')).toEqual([bob.id]);
      }
    },
  );

  it('the session id is the one of the token (a control: the same user, two sessions, two ids)', async () => {
    const first = (await backendSees({})).get('x-session-id');
    const other = await accounts.jsonLogin(alice);
    const res = await probe.send('GET', `${probe.prefix}/api/me`, { token: other.accessToken });
    const second = headerValues((res.body.request as ProbeRecord).rawHeaders).get('x-session-id');
    expect(first).toHaveLength(1);
    expect(second).toHaveLength(1);
    expect(second).not.toEqual(first);
  });

  it('without a valid token, spoofed headers never reach the backend', async () => {
    for (const [variant, headers] of Object.entries(spoofVariants(bob))) {
      const res = await probe.send('GET', `${probe.prefix}/api/me`, { headers });
      expectTraefikDenial(res, 401, variant);
      expect(await probe.log(res.probeId), variant).toEqual([]);
    }
  });
});
