import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, newUser, startAuthServer, type TestAuthServer } from '../support/auth-server.js';
import { freePort } from '../support/processes.js';

// An app whose primary URL points at a port where no Postgres listens: a database outage without
// stopping the stack's shared primary.
let healthy: TestAuthServer;
let broken: TestAuthServer;
beforeAll(async () => {
  healthy = await startAuthServer();
  const url = new URL(healthy.deps.config.DATABASE_URL);
  url.port = String(await freePort());
  broken = await startAuthServer({ DATABASE_URL: url.toString(), DATABASE_REPLICA_URLS: '' });
});
afterAll(async () => {
  await broken?.close();
  await healthy?.close();
});

describe('when the auth database primary is unreachable', () => {
  it('answers 503 not_ready with Retry-After for work that needs it, never 500', async () => {
    const register = await call(broken.url, 'POST', '/auth/register', {
      json: { email: 'outage@example.com', password: 'plaid-otter-canyon-7-lantern' },
    });
    expect([register.status, register.body.code]).toEqual([503, 'not_ready']);
    expect(Number(register.headers.get('retry-after'))).toBeGreaterThan(0);
    const login = await call(broken.url, 'POST', '/auth/login', {
      json: { email: 'a@example.com', password: 'x-y-z-1-2-3' },
    });
    expect(login.status).toBe(503);
    expect((await call(broken.url, 'GET', '/readyz')).status).toBe(503);
    expect((await call(broken.url, 'GET', '/healthz')).status).toBe(200);
  });

  it('keeps /verify to its contract: a token it cannot check is denied with 401, not 5xx', async () => {
    const user = await newUser(healthy.url);
    const res = await call(broken.url, 'GET', '/verify', { token: user.accessToken });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  });
});
