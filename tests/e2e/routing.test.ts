import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/wait.js';
import { send } from './support/gateway-client.js';
import { PATH_TRICKS } from './support/path-tricks.js';
import { linesWithRequestId, serviceLogLines } from './support/service-logs.js';
import { newUser, type User } from './support/users.js';

describe('the gateway routes', () => {
  it('serves /auth and /.well-known from the auth service without authentication', async () => {
    const jwks = await send('GET', '/.well-known/jwks.json');
    expect(jwks.status).toBe(200);
    expect(jwks.body.keys.length).toBeGreaterThan(0);
    const discovery = await send('GET', '/.well-known/openid-configuration');
    expect(discovery.status).toBe(200);
    expect(discovery.body).toHaveProperty('jwks_uri');
    for (const path of ['/auth/nothing-here', '/.well-known/nothing-here']) {
      // the auth service's own 404 (problem+json), not nginx's page and not a 401
      const res = await send('GET', path);
      expect(res.status, path).toBe(404);
      expect(res.headers['content-type'], path).toContain('application/problem+json');
    }
  });

  it('answers 404 outside its routes', async () => {
    for (const path of ['/', '/API/me', '/verify', '/apix', '/metrics', '/readyz']) {
      const res = await send('GET', path);
      expect(res.status, path).toBe(404);
      expect(res.headers['x-shard'], path).toBeUndefined();
    }
  });

  it("never passes the services' health and metrics paths on", async () => {
    // ingress-nginx answers /healthz itself (its own health check); neither service may answer
    for (const path of ['/healthz', '/readyz', '/metrics', '/auth/../healthz', '/api/../readyz']) {
      const res = await send('GET', path);
      expect(res.headers['x-request-id'], path).toBeUndefined(); // both services echo one
      expect(res.body, path).toBeUndefined(); // theirs are JSON
    }
  });
});

describe('no path trick reaches the API without authentication', () => {
  let user: User;
  beforeAll(async () => {
    user = await newUser();
  });

  it.each([
    ['no token', {}],
    ['a bad token', { authorization: 'Bearer not-a-token' }],
    ['Basic credentials', { authorization: 'Basic YWRtaW46YWRtaW4=' }],
  ])('%s', async (_what, credentials: Record<string, string>) => {
    const sent = new Map<string, string>(); // request id → path
    for (const path of PATH_TRICKS) {
      const reqId = `trick-${randomUUID()}`;
      sent.set(reqId, path);
      const res = await send('GET', path, { headers: { ...credentials, 'X-Request-ID': reqId } });
      expect([400, 401, 404, 308], `${path} → ${res.status}`).toContain(res.status);
      expect(res.headers['x-shard'], path).toBeUndefined();
      expect(res.text, path).not.toContain(user.email);
      if (res.status === 401) {
        expect(res.headers['www-authenticate'], path).toBe('Bearer error="invalid_token"');
      }
    }
    // an authenticated request after them: once the API has logged it, it has logged any before it
    const sentinel = `sentinel-${randomUUID()}`;
    const me = await send('GET', '/api/me', {
      token: user.accessToken,
      headers: { 'X-Request-ID': sentinel },
    });
    expect(me.status).toBe(200);
    await eventually(
      async () => linesWithRequestId('api', sentinel).length > 0,
      5000,
      'the sentinel request in the API log',
    );
    const reached = serviceLogLines()
      .filter((line) => line.service === 'api' && sent.has(String(line.reqId)))
      .map((line) => `${sent.get(String(line.reqId))} (${String(line.status)})`);
    expect(reached).toEqual([]);
  });
});
