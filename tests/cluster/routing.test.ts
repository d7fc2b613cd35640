import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../e2e/support/accounts.js';
import type { GatewayResponse } from '../e2e/support/gateway-client.js';
import { PATH_TRICKS } from '../e2e/support/path-tricks.js';
import { eventually } from '../support/wait.js';
import { clusterGateway, expectTraefikDenial } from './support/cluster-gateway.js';
import { clusterServiceLogLines } from './support/service-logs.js';

/**
 * Routing through Traefik, and the path tricks of tests/e2e/routing.test.ts. Traefik cleans the
 * path before routing (dot segments, doubled slashes, unreserved `%XX`; not `%2F`), so each trick
 * lands on one of three places, pinned below from what Traefik v3.6.12 does:
 *
 * * `api`: the cleaned path is under `/api`, so forward auth runs on it: without a valid token
 *   `/verify`'s 401 comes back, with one the API answers (and sees the same cleaned path);
 * * `auth`: the cleaned path is under `/auth`, served by the auth service, which authenticates by
 *   itself;
 * * `unrouted`: Traefik's own 404.
 *
 * Whatever the place, no trick may reach the API without a valid token: the API's own log is
 * checked for the request ids of every unauthenticated trick.
 */
const { send, kube, accounts } = clusterGateway();

type Place = 'api' | 'auth' | 'unrouted';

const TRICK_PLACES: Readonly<Record<string, Place>> = {
  '/api/../auth/me': 'auth',
  '//api/me': 'api',
  '/API/me': 'unrouted',
  '/Api/me': 'unrouted',
  '/api%2fme': 'unrouted',
  '/api%2Fme': 'unrouted',
  '/api/%2e%2e/auth/me': 'auth',
  '/api/%2E%2E/auth/me': 'auth',
  '/.well-known/../api/me': 'api',
  '/.well-known/%2e%2e/api/me': 'api',
  '/auth/../api/me': 'api',
  '/auth/%2e%2e/api/me': 'api',
  '/auth/..%2fapi/me': 'auth',
  '/auth/%2e%2e%2fapi/me': 'auth',
  '/%61pi/me': 'api',
  '/./api/me': 'api',
  '/api/./me': 'api',
  '/api//me': 'api',
  '/api/me/../../api/me': 'api',
  '/auth/me/../../api/orders': 'api',
  '/api;/me': 'unrouted',
  '/api/me;x=1': 'api',
  '/api': 'api',
  '/api/': 'api',
  '/apix': 'unrouted',
  '/api%00/me': 'unrouted',
  '/api\\me': 'unrouted',
};

/** Traefik's answer for a request no router takes. */
function expectUnrouted(res: GatewayResponse, what: string): void {
  expect(res.status, what).toBe(404);
  expect(res.text, what).toBe('404 page not found\n');
  expect(res.headers['x-request-id'], what).toBeUndefined(); // neither service answered
}

/** An answer of the auth service itself (it echoes a request id; `/verify` does not). */
function expectAuthService(res: GatewayResponse, statuses: number[], what: string): void {
  expect(statuses, `${what}: ${res.status} ${res.text}`).toContain(res.status);
  expect(res.headers['content-type'], what).toMatch(/^application\/(problem\+)?json/);
  expect(res.headers['x-request-id'], what).toBeDefined();
  expect(res.headers['x-shard'], what).toBeUndefined();
}

let user: User;
beforeAll(async () => {
  user = await accounts.newUser();
});

describe('the gateway routes', () => {
  it('every trick of the e2e suite has its place pinned here', () => {
    expect(Object.keys(TRICK_PLACES).sort()).toEqual([...PATH_TRICKS].sort());
  });

  it('serves /auth and /.well-known from the auth service without authentication', async () => {
    const jwks = await send('GET', '/.well-known/jwks.json');
    expect(jwks.status).toBe(200);
    expect(jwks.body.keys.length).toBeGreaterThan(0);
    const discovery = await send('GET', '/.well-known/openid-configuration');
    expect(discovery.status).toBe(200);
    expect(discovery.body).toHaveProperty('jwks_uri');
    for (const path of ['/auth/nothing-here', '/.well-known/nothing-here']) {
      const res = await send('GET', path);
      expectAuthService(res, [404], path);
      expect(res.headers['content-type'], path).toContain('application/problem+json');
    }
  });

  it("answers Traefik's 404 outside its routes, the services' health and metrics paths included", async () => {
    for (const path of [
      '/',
      '/API/me',
      '/verify',
      '/apix',
      '/.well-knownx',
      '/metrics',
      '/healthz',
      '/readyz',
      '/auth/../healthz',
      '/api/../readyz',
      '/api/../metrics',
    ]) {
      expectUnrouted(await send('GET', path), path);
    }
  });
});

describe('path tricks', () => {
  it.each([
    ['no token', {}],
    ['a bad token', { authorization: 'Bearer not-a-token' }],
    ['Basic credentials', { authorization: 'Basic YWRtaW46YWRtaW4=' }],
  ])('with %s, none reaches the API', async (what, credentials: Record<string, string>) => {
    const sent = new Map<string, string>(); // request id → path
    for (const path of PATH_TRICKS) {
      const reqId = `trick-${randomUUID()}`;
      sent.set(reqId, path);
      const res = await send('GET', path, { headers: { ...credentials, 'X-Request-ID': reqId } });
      const label = `${what}: ${path}`;
      expect(res.text, label).not.toContain(user.email);
      switch (TRICK_PLACES[path]) {
        case 'api':
          expectTraefikDenial(res, 401, label);
          break;
        case 'auth':
          expectAuthService(res, [401, 404], label);
          break;
        default:
          expectUnrouted(res, label);
      }
    }
    // an authenticated request after them: once the API has logged it, it has logged any before it
    const sentinel = `sentinel-${randomUUID()}`;
    const me = await send('GET', '/api/me', {
      token: user.accessToken,
      headers: { 'X-Request-ID': sentinel },
    });
    expect(me.status).toBe(200);
    let lines = await clusterServiceLogLines(kube, 'api', 300);
    await eventually(
      async () => {
        lines = await clusterServiceLogLines(kube, 'api', 300);
        return lines.some((line) => line.reqId === sentinel);
      },
      20_000,
      'the sentinel request in the API log',
    );
    const reached = lines
      .filter((line) => sent.has(String(line.reqId)))
      .map((line) => `${sent.get(String(line.reqId))} (${String(line.status)})`);
    expect(reached).toEqual([]);
  });

  it('with a valid token, the tricks that land under /api reach the API on the cleaned path, the others do not', async () => {
    for (const path of PATH_TRICKS) {
      const res = await send('GET', path, { token: user.accessToken });
      switch (TRICK_PLACES[path]) {
        case 'api':
          // the API answered (it sets X-Shard on every /api request it identifies)
          expect(res.headers['x-shard'], path).toMatch(/^(shard[01]|none)$/);
          expect([200, 404], `${path}: ${res.status}`).toContain(res.status);
          if (res.status === 200 && res.body.userId !== undefined)
            expect(res.body.userId, path).toBe(user.id);
          break;
        case 'auth':
          expectAuthService(res, [200, 404], path);
          break;
        default:
          expectUnrouted(res, path);
      }
    }
  });
});
