import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterGateway } from './support/cluster-gateway.js';
import {
  type GatewayProbe,
  headerValues,
  type ProbeRecord,
  type ProbeResponse,
  type ProbeRoute,
  startGatewayProbe,
} from './support/gateway-probe.js';

/**
 * The rows of docs/gateway.md, "Traefik's Ingress NGINX provider vs ingress-nginx", asserted
 * against the Traefik that serves our Ingresses. A probe pod (support/probe-server.mjs) plays both
 * the `auth-url` target, answering as each request asks, and the backend, echoing what it got;
 * Ingresses of this file's own (deleted afterwards) route to it with the annotations under test.
 * Our own Ingresses and the real `/verify` are asserted in gateway-flows, spoofing and routing.
 */

const { send, kube } = clusterGateway();

/** The annotations of our API Ingress (k8s/dev/ingress.k8s.yaml), pointed at the probe. */
const AUTH = {
  'auth-url': '{authUrl}',
  'auth-response-headers': 'X-User-Id,X-User-Email,X-User-Role,X-Session-Id',
};

const ROUTES: readonly ProbeRoute[] = [
  { name: 'auth', path: '/auth', annotations: AUTH },
  { name: 'open', path: '/open' },
  { name: 'exact', path: '/exact', pathType: 'Exact' },
  { name: 'impl', path: '/impl', pathType: 'ImplementationSpecific' },
  { name: 'dot', path: '/dot.path', pathType: 'ImplementationSpecific' },
  {
    name: 'regex',
    path: '/regex/[0-9]+',
    pathType: 'ImplementationSpecific',
    annotations: { 'use-regex': 'true' },
  },
  {
    name: 'snippets',
    path: '/snippets',
    annotations: {
      ...AUTH,
      'auth-snippet': 'return 418;',
      'configuration-snippet': 'return 418;',
      'server-snippet': 'return 418;',
    },
  },
  { name: 'empty-auth', path: '/empty-auth', annotations: { ...AUTH, 'auth-url': '' } },
  {
    name: 'broken-basic',
    path: '/broken-basic',
    annotations: { ...AUTH, 'auth-type': 'basic', 'auth-secret': 'no-such-secret' },
  },
  { name: 'no-service', path: '/no-service', backend: 'missing' },
  { name: 'no-endpoints', path: '/no-endpoints', backend: 'no-endpoints' },
  {
    name: 'dead-auth',
    path: '/dead-auth',
    annotations: { ...AUTH, 'auth-url': 'http://nowhere.shardgate.svc.cluster.local:8080/verify' },
  },
  { name: 'rewrite', path: '/rewrite', annotations: { 'rewrite-target': '/elsewhere' } },
  {
    name: 'unread',
    path: '/unread',
    annotations: {
      ...AUTH,
      'auth-method': 'POST',
      'auth-signin': 'https://login.example/start',
      'auth-cache-key': '$http_authorization',
      'auth-cache-duration': '200 5m',
      'proxy-body-size': '1k',
    },
  },
];

let probe: GatewayProbe;
/** A check `/verify` answers only after 35 s, started first and awaited last (30 s timeout). */
let slowCheck: Promise<{ response: ProbeResponse; ms: number }>;

beforeAll(async () => {
  probe = await startGatewayProbe(kube, send, ROUTES);
  const started = performance.now();
  slowCheck = probe
    .send('GET', `${probe.prefix}/auth/slow`, {
      verify: { status: 200, delayMs: 35_000 },
      timeoutMs: 90_000,
    })
    .then((response) => ({ response, ms: performance.now() - started }));
  // never an unhandled rejection if a test fails before the one that awaits it
  slowCheck.catch(() => undefined);
});

afterAll(async () => {
  await slowCheck?.catch(() => undefined);
  await probe?.close();
});

/** The one `/verify` request the probe got for a request that went on to the backend. */
function verifyLeg(res: ProbeResponse): ProbeRecord {
  expect(res.status, res.text).toBe(200);
  const legs = res.body.verify as ProbeRecord[];
  expect(legs, 'the /verify requests of this request').toHaveLength(1);
  return legs[0] as ProbeRecord;
}

/** What the backend got. */
function backendLeg(res: ProbeResponse): ProbeRecord {
  expect(res.status, res.text).toBe(200);
  return res.body.request as ProbeRecord;
}

const path = (suffix: string) => `${probe.prefix}${suffix}`;

describe('annotations', () => {
  it('unknown and unsafe annotations are ignored without a word: snippets do nothing, forward auth stays', async () => {
    const res = await probe.send('GET', path('/snippets/x'));
    expect(res.status).toBe(200); // no `return 418`
    expect(verifyLeg(res).url).toBe('/verify');
  });

  it('unread auth annotations change nothing: GET, no redirect to a sign-in page, no cache, no body limit', async () => {
    const denied = await probe.send('GET', path('/unread/x'), {
      verify: { status: 401, body: 'no' },
    });
    expect(denied.status).toBe(401); // no auth-signin redirect
    expect(denied.headers.location).toBeUndefined();
    const first = await probe.send('POST', path('/unread/x'), { json: { pad: 'x'.repeat(4096) } });
    expect(verifyLeg(first).method).toBe('GET'); // not auth-method POST
    expect(backendLeg(first).bodyLength).toBeGreaterThan(4096); // not proxy-body-size 1k
    // no auth cache: the same Authorization is checked every time
    const again = await probe.send('POST', path('/unread/x'), { json: {} });
    expect(verifyLeg(again).method).toBe('GET');
  });

  it('fail-open traps: an empty auth-url, or a broken basic-auth on the same Ingress, serve the path unauthenticated', async () => {
    for (const route of ['/empty-auth/x', '/broken-basic/x']) {
      const res = await probe.send('GET', path(route), { verify: { status: 401 } });
      expect(res.status, route).toBe(200);
      expect(res.body.verify, `${route}: /verify was never asked`).toEqual([]);
      expect(res.body.request.url).toBe(path(route));
    }
  });

  it('a backend Service that does not exist: the path is skipped, 404', async () => {
    const res = await send('GET', path('/no-service'));
    expect(res.status).toBe(404);
    expect(res.text).toBe('404 page not found\n');
  });

  it('a Service without ready endpoints: 503 "no available server"', async () => {
    const res = await send('GET', path('/no-endpoints'));
    expect(res.status).toBe(503);
    expect(res.text).toBe('no available server\n');
  });

  it('rewrite-target is ignored: the backend gets the original path', async () => {
    const res = await probe.send('GET', path('/rewrite/a/b?c=d'));
    expect(backendLeg(res).url).toBe(path('/rewrite/a/b?c=d'));
  });

  it('the Ingress status is never written (no ADDRESS)', async () => {
    const ingress = await kube.json<{ status?: { loadBalancer?: { ingress?: unknown[] } } }>([
      'get',
      'ingress',
      'shardgate-api',
    ]);
    expect(ingress.status?.loadBalancer?.ingress ?? []).toEqual([]);
  });
});

describe('the request /verify receives', () => {
  it('GET of the auth-url path, Host with its port, the original request in X-Forwarded-*, no body', async () => {
    const res = await probe.send('POST', path('/auth/orders?page=2'), {
      json: { big: 'x'.repeat(10_000) },
    });
    const check = verifyLeg(res);
    const headers = headerValues(check.rawHeaders);
    expect(check.method).toBe('GET');
    expect(check.url).toBe('/verify'); // the original path is not appended
    expect(check.bodyLength).toBe(0);
    expect(headers.get('content-length')).toBeUndefined();
    expect(headers.get('host')).toEqual([new URL(probe.authUrl).host]); // with :8080
    expect(headers.get('x-forwarded-method')).toEqual(['POST']);
    expect(headers.get('x-forwarded-uri')).toEqual([path('/auth/orders?page=2')]);
    expect(headers.get('x-forwarded-proto')).toEqual(['http']);
    expect(headers.get('x-forwarded-host')).toEqual([new URL(kube.info.gatewayUrl).host]);
    expect(headers.get('x-forwarded-port')).toEqual([new URL(kube.info.gatewayUrl).port]);
    expect(headers.get('x-forwarded-server')?.[0]).toMatch(/^traefik-/);
    for (const name of ['x-original-url', 'x-original-method', 'x-sent-from', 'x-request-id']) {
      expect(headers.get(name), name).toBeUndefined();
    }
    // the backend got the whole body
    expect(backendLeg(res).bodyLength).toBeGreaterThan(10_000);
  });

  it('client X-Forwarded-* and X-Real-Ip are replaced; X-Original-*, X-Sent-From and the rest arrive unchanged', async () => {
    const res = await probe.send('GET', path('/auth/x'), {
      headers: {
        'X-Forwarded-For': '203.0.113.7',
        'X-Forwarded-Host': 'evil.example',
        'X-Forwarded-Uri': '/evil',
        'X-Forwarded-Method': 'DELETE',
        'X-Forwarded-Proto': 'https',
        'X-Real-Ip': '203.0.113.7',
        'X-Original-URL': 'http://evil.example/admin',
        'X-Original-Method': 'DELETE',
        'X-Auth-Request-Redirect': '/admin',
        'X-Sent-From': 'nginx-ingress-controller',
        Cookie: 'session=abc',
        'X-Custom': 'kept',
      },
    });
    const headers = headerValues(verifyLeg(res).rawHeaders);
    // the TCP peer: behind a port-forward, kubectl connects from the pod's own loopback
    expect(headers.get('x-forwarded-for')).toEqual(['127.0.0.1']);
    expect(headers.get('x-real-ip')).toEqual(['127.0.0.1']);
    expect(headers.get('x-forwarded-host')).toEqual([new URL(kube.info.gatewayUrl).host]);
    expect(headers.get('x-forwarded-uri')).toEqual([path('/auth/x')]);
    expect(headers.get('x-forwarded-method')).toEqual(['GET']);
    expect(headers.get('x-forwarded-proto')).toEqual(['http']);
    expect(headers.get('x-original-url')).toEqual(['http://evil.example/admin']);
    expect(headers.get('x-original-method')).toEqual(['DELETE']);
    expect(headers.get('x-auth-request-redirect')).toEqual(['/admin']);
    expect(headers.get('x-sent-from')).toEqual(['nginx-ingress-controller']);
    expect(headers.get('cookie')).toEqual(['session=abc']);
    expect(headers.get('x-custom')).toEqual(['kept']);
  });

  it('hop-by-hop headers are dropped on the way to /verify; TE: trailers still reaches the backend', async () => {
    const res = await probe.send('GET', path('/auth/x'), {
      headers: {
        Connection: 'keep-alive, X-Hop',
        'X-Hop': 'h',
        'Keep-Alive': 'timeout=5',
        TE: 'trailers',
      },
    });
    const toVerify = headerValues(verifyLeg(res).rawHeaders);
    const toBackend = headerValues(backendLeg(res).rawHeaders);
    for (const name of ['x-hop', 'keep-alive', 'te']) {
      expect(toVerify.get(name), `/verify: ${name}`).toBeUndefined();
    }
    for (const name of ['x-hop', 'keep-alive']) {
      expect(toBackend.get(name), `backend: ${name}`).toBeUndefined();
    }
    expect(toBackend.get('te')).toEqual(['trailers']);
  });

  it('X-Request-ID is not generated: a client value reaches both legs, none means none', async () => {
    const without = await probe.send('GET', path('/auth/x'));
    expect(headerValues(verifyLeg(without).rawHeaders).get('x-request-id')).toBeUndefined();
    expect(headerValues(backendLeg(without).rawHeaders).get('x-request-id')).toBeUndefined();
    const withId = await probe.send('GET', path('/auth/x'), {
      headers: { 'X-Request-ID': 'cluster-rid-1' },
    });
    expect(headerValues(verifyLeg(withId).rawHeaders).get('x-request-id')).toEqual([
      'cluster-rid-1',
    ]);
    expect(headerValues(backendLeg(withId).rawHeaders).get('x-request-id')).toEqual([
      'cluster-rid-1',
    ]);
  });

  it('checks travel on pooled keep-alive connections', async () => {
    const peers: string[] = [];
    for (let i = 0; i < 3; i++)
      peers.push(verifyLeg(await probe.send('GET', path('/auth/x'))).peer);
    // sequential checks: each reuses the idle connection the one before left
    expect(new Set(peers).size).toBeLessThan(peers.length);
  });
});

describe("what /verify's answer does", () => {
  it('any 2xx lets the request through', async () => {
    for (const status of [200, 204, 299]) {
      const res = await probe.send('GET', path('/auth/x'), { verify: { status } });
      expect(res.status, String(status)).toBe(200);
      expect(res.body.request.leg).toBe('backend');
    }
  });

  it.each([401, 403, 302, 404, 418, 503])(
    '%i is relayed to the client: its status, its body, its headers (Set-Cookie too), Location made absolute against the auth-url',
    async (status) => {
      const res = await probe.send('GET', path('/auth/x'), {
        verify: {
          status,
          headers: [
            ['Content-Type', 'application/problem+json'],
            ['Cache-Control', 'no-store'],
            ['WWW-Authenticate', 'Bearer error="invalid_token"'],
            ['X-Custom', 'relayed'],
            ['Set-Cookie', 'k=v'],
            ['Location', '/login'],
          ],
          body: `{"from":"verify","status":${status}}`,
        },
      });
      expect(res.status).toBe(status);
      expect(res.body).toEqual({ from: 'verify', status });
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      expect(res.headers['x-custom']).toBe('relayed');
      expect(res.headers['set-cookie']).toEqual(['k=v']);
      expect(res.headers.location).toBe(new URL('/login', probe.authUrl).href);
      // and the backend never saw it
      expect((await probe.log(res.probeId)).map((r) => r.leg)).toEqual(['verify']);
    },
  );

  it('a response header over 4 KiB is accepted', async () => {
    const res = await probe.send('GET', path('/auth/x'), {
      verify: { status: 200, bigHeader: 8192 },
    });
    expect(res.status).toBe(200);
    expect(res.body.request.leg).toBe('backend');
  });

  it('Set-Cookie of an allowing answer is dropped; only the listed headers go on, to the backend', async () => {
    const res = await probe.send('GET', path('/auth/x'), {
      verify: {
        status: 200,
        headers: [
          ['Set-Cookie', 'k=v'],
          ['X-Custom', 'not-listed'],
          ['X-User-Id', 'u1'],
        ],
      },
    });
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['x-custom']).toBeUndefined();
    const toBackend = headerValues(backendLeg(res).rawHeaders);
    expect(toBackend.get('x-custom')).toBeUndefined();
    expect(toBackend.get('x-user-id')).toEqual(['u1']);
  });

  it('an auth-url that does not resolve: 500 with an empty body', async () => {
    const res = await send('GET', path('/dead-auth/x'));
    expect(res.status).toBe(500);
    expect(res.text).toBe('');
  });

  it('a /verify slower than 30 s: 500 with an empty body after 30 s', async () => {
    const { response, ms } = await slowCheck;
    expect(response.status).toBe(500);
    expect(response.text).toBe('');
    expect(ms).toBeGreaterThanOrEqual(29_500);
    expect(ms).toBeLessThan(35_000); // not the probe's answer after 35 s
  }, 90_000);
});

describe('identity headers towards the backend', () => {
  it("listed headers are deleted from the client's request, then copied from /verify's answer, every value", async () => {
    const res = await probe.send('GET', path('/auth/x'), {
      verify: {
        status: 200,
        headers: [
          ['X-User-Id', 'u1'],
          ['X-User-Id', 'u2'],
          ['x-user-email', 'e@example.com'],
        ],
      },
      headers: {
        'X-User-Id': 'spoofed',
        'X-USER-EMAIL': 'spoofed@example.com',
        'x-user-role': 'admin',
        'X-Session-Id': 'spoofed',
      },
    });
    const toBackend = headerValues(backendLeg(res).rawHeaders);
    expect(toBackend.get('x-user-id')).toEqual(['u1', 'u2']);
    expect(toBackend.get('x-user-email')).toEqual(['e@example.com']);
    // not in the answer: gone, not the client's
    expect(toBackend.get('x-user-role')).toBeUndefined();
    expect(toBackend.get('x-session-id')).toBeUndefined();
  });

  it('underscore spellings (X_User_Role) pass through to the backend under their own names', async () => {
    const res = await probe.send('GET', path('/auth/x'), {
      headers: { X_User_Role: 'admin', X_User_Id: 'spoofed' },
    });
    const toBackend = headerValues(backendLeg(res).rawHeaders);
    expect(toBackend.get('x_user_role')).toEqual(['admin']);
    expect(toBackend.get('x_user_id')).toEqual(['spoofed']);
    // the real names carry /verify's values only
    expect(toBackend.get('x-user-role')).toEqual(['user']);
    expect(toBackend.get('x-user-id')).toEqual(['probe-user']);
  });

  it('X-Original-* are not stripped on the backend leg', async () => {
    const res = await probe.send('GET', path('/auth/x'), {
      headers: { 'X-Original-URL': 'http://evil.example/', 'X-Original-Method': 'DELETE' },
    });
    const toBackend = headerValues(backendLeg(res).rawHeaders);
    expect(toBackend.get('x-original-url')).toEqual(['http://evil.example/']);
    expect(toBackend.get('x-original-method')).toEqual(['DELETE']);
  });
});

describe('the backend leg', () => {
  it('no request body limit (2 MiB passes)', async () => {
    const res = await probe.send('POST', path('/open/x'), { json: { pad: 'x'.repeat(2 << 20) } });
    expect(backendLeg(res).bodyLength).toBeGreaterThan(2 << 20);
  });

  it('a failing backend connection: 502; a GET on a pooled connection is retried, a POST is not', async () => {
    // a request first, so that Traefik holds an idle pooled connection to the probe
    expect((await probe.send('GET', path('/open/warm'))).status).toBe(200);
    const get = await probe.send('GET', path('/open/reset'), {
      headers: { 'X-Probe-Backend': 'reset' },
    });
    expect(get.status).toBe(502);
    const getAttempts = (await probe.log(get.probeId)).filter((r) => r.leg === 'backend');
    expect(getAttempts.length).toBeGreaterThanOrEqual(2);

    expect((await probe.send('GET', path('/open/warm'))).status).toBe(200);
    const post = await probe.send('POST', path('/open/reset'), {
      headers: { 'X-Probe-Backend': 'reset' },
      json: {},
    });
    expect(post.status).toBe(502);
    expect((await probe.log(post.probeId)).filter((r) => r.leg === 'backend')).toHaveLength(1);
  });
});

describe('paths', () => {
  it('Prefix: the path and everything under it, case-sensitive; not a longer name', async () => {
    for (const p of ['/open', '/open/', '/open/x/y'])
      expect((await send('GET', path(p))).status, p).toBe(200);
    for (const p of ['/openx', '/OPEN/x', '/Open'])
      expect((await send('GET', path(p))).status, p).toBe(404);
  });

  it('Exact: that path only', async () => {
    expect((await send('GET', path('/exact'))).status).toBe(200);
    for (const p of ['/exact/', '/exact/x', '/exactx'])
      expect((await send('GET', path(p))).status, p).toBe(404);
  });

  it('ImplementationSpecific is a Prefix (no plain nginx prefix match of a longer name)', async () => {
    for (const p of ['/impl', '/impl/x']) expect((await send('GET', path(p))).status, p).toBe(200);
    expect((await send('GET', path('/implx'))).status).toBe(404);
  });

  it('use-regex: an anchored, case-sensitive regular expression, on its own Ingress only', async () => {
    for (const p of ['/regex/42', '/regex/42/more'])
      expect((await send('GET', path(p))).status, p).toBe(200);
    for (const p of ['/regex/abc', '/REGEX/42'])
      expect((await send('GET', path(p))).status, p).toBe(404);
    // another Ingress's path is not read as a regular expression
    expect((await send('GET', path('/dot.path'))).status).toBe(200);
    expect((await send('GET', path('/dotXpath'))).status).toBe(404);
  });

  it('dot segments and doubled slashes are removed and unreserved %XX decoded before routing; the backend and X-Forwarded-Uri get the cleaned path', async () => {
    const res = await probe.send('GET', path('/auth/./a/../b//c/%61%2Fd%2e'));
    expect(backendLeg(res).url).toBe(path('/auth/b/c/a%2Fd.'));
    expect(headerValues(verifyLeg(res).rawHeaders).get('x-forwarded-uri')).toEqual([
      path('/auth/b/c/a%2Fd.'),
    ]);
    // climbing out of the protected prefix lands on the unprotected one, cleaned
    const out = await probe.send('GET', path('/auth/../open/x'));
    expect(backendLeg(out).url).toBe(path('/open/x'));
    expect(out.body.verify).toEqual([]);
  });

  it('a raw # in the request target: 400', async () => {
    expect((await send('GET', path('/open/a#b'))).status).toBe(400);
  });

  it('unrouted: 404 "404 page not found"; no /healthz', async () => {
    for (const p of ['/', '/healthz', '/ping', path('/nothing')]) {
      const res = await send('GET', p);
      expect(res.status, p).toBe(404);
      expect(res.text, p).toBe('404 page not found\n');
      expect(res.headers['content-type'], p).toBe('text/plain; charset=utf-8');
    }
  });
});
