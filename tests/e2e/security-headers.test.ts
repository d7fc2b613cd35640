import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiRouter } from '../../services/api/src/routes.js';
import { startApiServer } from '../../services/api/test/support/api-server.js';
import { authRouter } from '../../services/auth/src/routes.js';
import { startAuthServer } from '../../services/auth/test/support/auth-server.js';
import {
  documentedOperations,
  type Operation,
  operationKey,
  operationOf,
  routerOperations,
  type ServiceName,
} from './support/documented-routes.js';
import {
  type GatewayResponse,
  newClientAddress,
  type SendOptions,
  sendTo,
} from './support/gateway-client.js';
import { expectSecurityHeaders, type HeaderClass } from './support/security-header-checks.js';
import { testStackLayout } from './support/stack-settings.js';
import { jsonLogin, newUser, type User } from './support/users.js';

// Walks every documented operation of both services, through the gateway where it routes them
// and on each service directly, with and without a session, on its success and its error paths,
// and checks each answer's security headers by the class of its route. The walk fails if an
// operation of either OpenAPI document was never requested, or a router serves an undocumented one.

const SERVICES: readonly ServiceName[] = ['auth', 'api'];
const OPERATIONS: Record<ServiceName, Operation[]> = {
  auth: documentedOperations('auth'),
  api: documentedOperations('api'),
};
/** Public metadata, meant to be cached; every other answer is `no-store`. */
const PUBLIC = new Set(['GET /.well-known/jwks.json', 'GET /.well-known/openid-configuration']);
/** HTML pages (the sign-in flow), whose routes set a CSP of their own on every HTML answer. */
const PAGES = new Set<string>(['GET /auth/signin', 'POST /auth/signin', 'POST /auth/signin/mfa']);
/** Static assets of the pages, cacheable for an hour. */
const ASSETS = new Set<string>(['GET /auth/signin.css']);
/** Served outside the router: `/verify` ahead of Koa, the health checks ahead of the routes. */
const OUTSIDE_ROUTER = /^\/(verify|healthz$|readyz$)/;
/** What the gateway routes (the Ingresses); the rest is reached on the service itself. */
const ROUTED = /^\/(auth|api|\.well-known)(\/|$)/;
const HSTS = 'max-age=31536000';

/** The header class of an answer, from its route and status. */
function classOf(op: Operation | undefined, res: GatewayResponse): HeaderClass {
  const { status } = res;
  if (op?.path.startsWith('/verify')) return status === 200 ? 'verify-allowed' : 'verify-denied';
  const html = String(res.headers['content-type']).startsWith('text/html');
  if (op && PAGES.has(operationKey(op)) && html) return 'page';
  if (op && ASSETS.has(operationKey(op)) && status === 200) return 'asset';
  return op && PUBLIC.has(operationKey(op)) && status === 200 ? 'public' : 'private';
}

/** A concrete request target for a documented path. */
function targetOf(op: Operation): string {
  return op.path
    .replace('{id}', op.service === 'api' ? randomUUID() : '1')
    .replace('{path}', 'anything');
}

type Via = 'gateway' | 'direct';

/** Requests, checks the headers of each answer, and remembers what was walked. */
class Walk {
  readonly walked = new Set<string>();
  readonly statuses: Record<ServiceName, Set<number>> = { auth: new Set(), api: new Set() };

  async send(
    service: ServiceName,
    via: Via,
    method: string,
    target: string,
    options: SendOptions & { readonly status?: number; readonly hsts?: string } = {},
  ): Promise<GatewayResponse> {
    const stack = inject('stack');
    const base =
      via === 'gateway' ? stack.gatewayUrl : service === 'auth' ? stack.authUrl : stack.apiUrl;
    const what = `${service} ${via} ${method} ${target}`;
    const res = await sendTo(base, method, target, { from: newClientAddress(), ...options });
    if (options.status !== undefined)
      expect(res.status, `${what}: ${res.text}`).toBe(options.status);
    else expect(res.status, `${what}: ${res.text}`).toBeLessThan(500);
    const op = operationOf(OPERATIONS[service], method, target);
    if (op) this.walked.add(`${service} ${operationKey(op)}`);
    this.statuses[service].add(res.status);
    expectSecurityHeaders(res, classOf(op, res), what, options.hsts);
    return res;
  }
}

/** The ways to reach an operation: the gateway when it routes it, always the service itself. */
const viaOf = (op: Operation): Via[] => (ROUTED.test(op.path) ? ['gateway', 'direct'] : ['direct']);
const bodyOf = (method: string) => (['POST', 'PUT', 'PATCH'].includes(method) ? { json: {} } : {});

describe('security headers on every route of both services', () => {
  const walk = new Walk();
  let user: User;

  beforeAll(async () => {
    user = await newUser();
  });

  it('every documented operation without credentials (the API only directly: the gateway refuses first)', async () => {
    for (const service of SERVICES) {
      for (const op of OPERATIONS[service]) {
        for (const via of viaOf(op)) {
          if (service === 'api' && via === 'gateway') continue;
          await walk.send(service, via, op.method, targetOf(op), bodyOf(op.method));
        }
      }
    }
    expect(walk.statuses.auth).toContain(401);
    expect(walk.statuses.api).toContain(401);
  });

  it('every documented operation with a session and an empty body (logouts last, below)', async () => {
    for (const service of SERVICES) {
      for (const op of OPERATIONS[service]) {
        if (/^\/auth\/logout/.test(op.path)) continue;
        for (const via of viaOf(op)) {
          await walk.send(service, via, op.method, targetOf(op), {
            ...bodyOf(op.method),
            token: user.accessToken,
          });
        }
      }
    }
    expect(walk.statuses.auth).toContain(422);
    expect(walk.statuses.api).toContain(422);
  });

  it('the success answers: tokens, the account, public metadata, orders, health, /verify', async () => {
    const g = 'gateway';
    const reg = await walk.send('auth', g, 'POST', '/auth/register', {
      status: 201,
      json: { email: `headers-${randomUUID()}@example.com`, password: user.password, name: 'H' },
    });
    const email: string = reg.body.email;
    await walk.send('auth', g, 'POST', '/auth/token', {
      status: 200,
      form: { grant_type: 'password', username: email, password: user.password },
    });
    const login = await walk.send('auth', g, 'POST', '/auth/login', {
      status: 200,
      json: { email, password: user.password },
    });
    await walk.send('auth', g, 'POST', '/auth/refresh', {
      status: 200,
      json: { refresh_token: login.body.refresh_token },
    });
    await walk.send('auth', g, 'GET', '/auth/me', { status: 200, token: user.accessToken });
    await walk.send('auth', g, 'POST', '/auth/verify', {
      status: 200,
      json: { token: user.accessToken },
    });
    // a TOTP seed: a secret like a token
    await walk.send('auth', g, 'POST', '/auth/mfa/totp', {
      status: 200,
      token: user.accessToken,
      json: { current_password: user.password },
    });
    for (const path of ['/.well-known/jwks.json', '/.well-known/openid-configuration']) {
      await walk.send('auth', g, 'GET', path, { status: 200 });
    }
    await walk.send('auth', g, 'GET', '/auth/openapi.json', { status: 200 });
    await walk.send('auth', 'direct', 'GET', '/verify', { status: 200, token: user.accessToken });
    await walk.send('auth', 'direct', 'GET', '/verify', { status: 401 });
    const api = { token: user.accessToken };
    await walk.send('api', g, 'POST', '/api/users', { ...api, json: { name: 'H' } });
    await walk.send('api', g, 'GET', '/api/me', { ...api, status: 200 });
    const placed = await walk.send('api', g, 'POST', '/api/orders', {
      ...api,
      status: 201,
      headers: { 'idempotency-key': randomUUID() },
      json: { items: [{ sku: 'H-1', quantity: 1, unitPriceCents: 100 }], currency: 'EUR' },
    });
    await walk.send('api', g, 'GET', `/api/orders/${placed.body.id}`, { ...api, status: 200 });
    await walk.send('api', g, 'GET', '/api/orders', { ...api, status: 200 });
    await walk.send('api', g, 'PATCH', `/api/orders/${placed.body.id}`, {
      ...api,
      status: 200,
      json: { status: 'cancelled' },
    });
    await walk.send('api', g, 'GET', '/api/openapi.json', { ...api, status: 200 });
    for (const service of SERVICES) {
      for (const path of ['/healthz', '/readyz']) {
        await walk.send(service, 'direct', 'GET', path, { status: 200 });
      }
    }
  });

  it('405 on every routed path for a method it does not have, 404 off the routes, 400 for malformed JSON', async () => {
    for (const service of SERVICES) {
      const byPath = new Map<string, Operation[]>();
      for (const op of OPERATIONS[service])
        byPath.set(op.path, [...(byPath.get(op.path) ?? []), op]);
      for (const [path, ops] of byPath) {
        if (OUTSIDE_ROUTER.test(path)) continue;
        const methods = ops.map((op) => op.method);
        const other = ['PUT', 'DELETE', 'POST', 'GET'].find((m) => !methods.includes(m)) ?? 'PUT';
        const op = ops[0] as Operation;
        for (const via of viaOf(op)) {
          const res = await walk.send(service, via, other, targetOf(op), {
            status: 405,
            token: user.accessToken,
          });
          expect(res.headers.allow, `${via} ${other} ${path}`).toBeDefined();
        }
      }
      const prefix = service === 'auth' ? '/auth' : '/api';
      for (const via of ['gateway', 'direct'] as const) {
        await walk.send(service, via, 'GET', `${prefix}/nothing-here`, {
          status: 404,
          token: user.accessToken,
        });
      }
      await walk.send(service, 'direct', 'GET', '/nothing-here', { status: 404 });
      // the health checks have GET and HEAD only (contract: 405 with Allow, not 404)
      const healthz = await walk.send(service, 'direct', 'POST', '/healthz', { status: 405 });
      expect(healthz.headers.allow).toBeDefined();
    }
    const malformed = {
      body: '{"not": json',
      headers: { 'content-type': 'application/json' },
      token: user.accessToken,
      status: 400,
    };
    await walk.send('auth', 'direct', 'POST', '/auth/login', malformed);
    await walk.send('api', 'direct', 'POST', '/api/orders', {
      ...malformed,
      headers: { ...malformed.headers, 'idempotency-key': randomUUID() },
    });
  });

  it('logging out, last: one session, then all', async () => {
    const [first, second] = [await jsonLogin(user), await jsonLogin(user)];
    await walk.send('auth', 'gateway', 'POST', '/auth/logout', {
      status: 204,
      token: first.accessToken,
    });
    await walk.send('auth', 'gateway', 'POST', '/auth/logout-all', {
      status: 204,
      token: second.accessToken,
    });
  });

  it('walked every documented operation, and saw 2xx, 400, 401, 404, 405 and 422 of each service', () => {
    for (const service of SERVICES) {
      const missed = OPERATIONS[service]
        .map((op) => `${service} ${operationKey(op)}`)
        .filter((key) => !walk.walked.has(key));
      expect(missed, `${service}: documented but never walked`).toEqual([]);
      const statuses = [...walk.statuses[service]];
      expect(
        statuses.some((s) => s >= 200 && s < 300),
        `${service}: a 2xx`,
      ).toBe(true);
      for (const status of [400, 401, 404, 405, 422]) expect(statuses, service).toContain(status);
    }
  });
});

describe('every route of the routers is documented, so the walk cannot miss one', () => {
  let auth: Awaited<ReturnType<typeof startAuthServer>>;
  let api: Awaited<ReturnType<typeof startApiServer>>;
  beforeAll(async () => {
    [auth, api] = await Promise.all([startAuthServer(), startApiServer()]);
  });
  afterAll(async () => {
    await Promise.all([auth?.close(), api?.close()]);
  });

  it('auth and API: the router’s operations and those served outside it are the document’s', () => {
    const served = {
      auth: routerOperations(authRouter(auth.deps)),
      api: routerOperations(apiRouter(api.deps)),
    };
    for (const service of SERVICES) {
      const documented = OPERATIONS[service];
      expect(served[service].map(operationKey).sort(), service).toEqual(
        documented
          .filter((op) => !OUTSIDE_ROUTER.test(op.path))
          .map(operationKey)
          .sort(),
      );
    }
  });
});

describe('HSTS: only when a trusted proxy says the client used TLS', () => {
  let user: User;
  const https = { 'x-forwarded-proto': 'https' };
  beforeAll(async () => {
    user = await newUser();
  });

  it('on private, public, error and health answers of both services behind one proxy', async () => {
    const walk = new Walk();
    const token = user.accessToken;
    await walk.send('auth', 'direct', 'GET', '/auth/me', { token, headers: https, hsts: HSTS });
    await walk.send('auth', 'direct', 'GET', '/.well-known/jwks.json', {
      headers: https,
      hsts: HSTS,
    });
    await walk.send('auth', 'direct', 'GET', '/auth/me', {
      headers: https,
      hsts: HSTS,
      status: 401,
    });
    await walk.send('api', 'direct', 'GET', '/api/me', { token, headers: https, hsts: HSTS });
    await walk.send('api', 'direct', 'GET', '/api/nope', { token, headers: https, hsts: HSTS });
    for (const service of SERVICES) {
      await walk.send(service, 'direct', 'GET', '/healthz', { headers: https, hsts: HSTS });
    }
  });

  it('never from /verify, never for the client’s own entry, never through the plain-HTTP gateway', async () => {
    const walk = new Walk();
    const token = user.accessToken;
    // /verify trusts no forwarded header; its denial is checked to have none
    await walk.send('auth', 'direct', 'GET', '/verify', { headers: https, status: 401 });
    await walk.send('auth', 'direct', 'GET', '/auth/me', {
      token,
      headers: { 'x-forwarded-proto': 'https, http' },
    });
    // nginx sets X-Forwarded-Proto to its own scheme (http here), whatever the client sent
    await walk.send('auth', 'gateway', 'GET', '/auth/me', { token, headers: https });
    await walk.send('api', 'gateway', 'GET', '/api/me', { token, headers: https });
  });
});

describe('answers that are not the routes’', () => {
  it('the metrics ports: the baseline and no-store', async () => {
    const { layout } = testStackLayout();
    for (const port of [layout.ports.authMetrics, layout.ports.apiMetrics]) {
      for (const [path, status] of [
        ['/metrics', 200],
        ['/other', 404],
      ] as const) {
        const res = await sendTo(`http://127.0.0.1:${port}`, 'GET', path);
        expect(res.status).toBe(status);
        expectSecurityHeaders(res, 'private', `metrics :${port} ${path}`);
      }
    }
  });

  it('a denial by the local gateway is nginx’s own page, without the services’ headers', async () => {
    // ingress-nginx answers a refused /api request itself (contract §3); Traefik, the clusters'
    // edge, relays /verify's denial with its headers instead (tests/cluster/gateway-flows.test.ts)
    const res = await sendTo(inject('stack').gatewayUrl, 'GET', '/api/me');
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['x-content-type-options']).toBeUndefined();
  });
});
