import { request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from 'koa';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HstsSettings } from '../../src/http/hsts.js';
import { HttpError } from '../../src/http/http-error.js';
import { COMMON_PROBLEMS } from '../../src/http/problems.js';
import type { RequestState } from '../../src/http/request-context.js';
import {
  BASELINE_SECURITY_HEADERS,
  DEFAULT_CONTENT_SECURITY_POLICY,
} from '../../src/http/security-headers.js';
import { createServiceApp, type RouteTable } from '../../src/http/service-app.js';
import { Lifecycle } from '../../src/lifecycle.js';
import { createLogger } from '../../src/logger.js';
import { startMetricsServer } from '../../src/metrics-server.js';

const PAGE_CSP = "default-src 'self'; frame-ancestors 'none'";

/** A route table of four routes, one per kind of answer the middleware must leave or cover. */
const ROUTES: Record<string, (ctx: Context) => void> = {
  '/data': (ctx) => {
    ctx.body = { secret: 'personal' };
  },
  '/public': (ctx) => {
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = { keys: [] };
  },
  '/page': (ctx) => {
    ctx.set('Content-Security-Policy', PAGE_CSP);
    ctx.type = 'text/html';
    ctx.body = '<!doctype html><title>sign in</title>';
  },
  '/fails': () => {
    throw new HttpError(COMMON_PROBLEMS.bad_request, 'no');
  },
  '/crashes': () => {
    throw new Error('unexpected');
  },
};

const table: RouteTable<RequestState> = {
  routes: () =>
    (async (ctx: Context, next: () => Promise<void>) => {
      const route = ctx.method === 'GET' ? ROUTES[ctx.path] : undefined;
      if (route) route(ctx);
      else await next();
      // a stand-in for @koa/router, which this package does not depend on: only composed here
    }) as never,
  stack: Object.keys(ROUTES).map((path) => ({
    methods: ['GET'],
    match: (p: string) => p === path,
  })),
};

async function serve(hsts: HstsSettings, trustProxyHops: number): Promise<Server> {
  const app = createServiceApp<RequestState>({
    logger: createLogger({ service: 'headers-test', level: 'silent' }),
    observe: () => {},
    lifecycle: new Lifecycle(),
    router: table,
    trustProxyHops,
    hsts,
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return server;
}

function get(
  server: Server,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

const HSTS_ON: HstsSettings = { enabled: true, maxAgeSeconds: 600, includeSubdomains: true };

function expectBaseline(headers: IncomingHttpHeaders, csp = DEFAULT_CONTENT_SECURITY_POLICY) {
  for (const [name, value] of Object.entries(BASELINE_SECURITY_HEADERS)) {
    expect(headers[name.toLowerCase()], name).toBe(
      name === 'Content-Security-Policy' ? csp : value,
    );
  }
}

describe('the security headers of a service app', () => {
  let behindProxy: Server;
  let direct: Server;
  let hstsOff: Server;

  beforeAll(async () => {
    [behindProxy, direct, hstsOff] = await Promise.all([
      serve(HSTS_ON, 1),
      serve(HSTS_ON, 0),
      serve({ ...HSTS_ON, enabled: false }, 1),
    ]);
  });
  afterAll(() => {
    for (const server of [behindProxy, direct, hstsOff]) server.close();
  });

  it.each([
    ['/data', 200],
    ['/fails', 400],
    ['/crashes', 500],
    ['/nowhere', 404],
    ['/healthz', 200],
    ['/readyz', 200],
  ])('%s (%i): the baseline, no-store, and no HSTS over plain HTTP', async (path, status) => {
    const res = await get(behindProxy, path);
    expect(res.status).toBe(status);
    expectBaseline(res.headers);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });

  it('405 too, next to its Allow', async () => {
    const res = await get(behindProxy, '/data', {}, 'DELETE');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET');
    expectBaseline(res.headers);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('keeps the Cache-Control a public route chose', async () => {
    const res = await get(behindProxy, '/public');
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expectBaseline(res.headers);
  });

  it('keeps the Content-Security-Policy a page chose, and the rest of the set', async () => {
    const res = await get(behindProxy, '/page');
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expectBaseline(res.headers, PAGE_CSP);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('sends HSTS when a trusted proxy says https, on errors too', async () => {
    for (const path of ['/data', '/fails', '/nowhere', '/healthz']) {
      const res = await get(behindProxy, path, { 'X-Forwarded-Proto': 'https' });
      expect(res.headers['strict-transport-security'], path).toBe('max-age=600; includeSubDomains');
    }
  });

  it('believes no X-Forwarded-Proto without a trusted proxy, nor the client’s entry', async () => {
    const untrusted = await get(direct, '/data', { 'X-Forwarded-Proto': 'https' });
    expect(untrusted.headers['strict-transport-security']).toBeUndefined();
    const spoofed = await get(behindProxy, '/data', { 'X-Forwarded-Proto': 'https, http' });
    expect(spoofed.headers['strict-transport-security']).toBeUndefined();
  });

  it('sends no HSTS when it is off', async () => {
    const res = await get(hstsOff, '/data', { 'X-Forwarded-Proto': 'https' });
    expect(res.headers['strict-transport-security']).toBeUndefined();
    expectBaseline(res.headers);
  });
});

describe('the metrics server', () => {
  it('answers /metrics and anything else with the baseline and no-store', async () => {
    const server = await startMetricsServer(new Registry(), 0, '127.0.0.1');
    try {
      for (const [path, status] of [
        ['/metrics', 200],
        ['/other', 404],
      ] as const) {
        const res = await get(server, path);
        expect(res.status).toBe(status);
        expectBaseline(res.headers);
        expect(res.headers['cache-control']).toBe('no-store');
      }
    } finally {
      server.close();
    }
  });
});
