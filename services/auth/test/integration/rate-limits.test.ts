import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  newUser,
  randomIp,
  startAuthServer,
  type TestAuthServer,
} from '../support/auth-server.js';

let server: TestAuthServer;
beforeAll(async () => {
  // the per-account and per-IP limits are lowered so that the test reaches them quickly
  server = await startAuthServer({ LOGIN_FAILURES_PER_ACCOUNT: '8', LOGIN_FAILURES_PER_IP: '12' });
});
afterAll(() => server.close());

const login = (email: string, password: string, ip: string) =>
  call(server.url, 'POST', '/auth/login', {
    json: { email, password },
    headers: { 'x-forwarded-for': ip },
  });

describe('login rate limits', () => {
  it('answer 429 with Retry-After to the 6th failure of one account from one IP, and not to another IP', async () => {
    const user = await newUser(server.url);
    const attacker = randomIp();
    for (let i = 0; i < 5; i++)
      expect((await login(user.email, `wrong-guess-${i}`, attacker)).status).toBe(401);
    const blocked = await login(user.email, 'wrong-guess-6', attacker);
    expect(blocked.status).toBe(429);
    expect(blocked.body.code).toBe('rate_limited');
    const retryAfter = Number(blocked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    // even the right password waits, from that IP…
    expect((await login(user.email, user.password, attacker)).status).toBe(429);
    // …but the owner, elsewhere, is not locked out by someone else's failures
    expect((await login(user.email, user.password, randomIp())).status).toBe(200);
  });

  it('block an account from every IP once failures from many IPs reach the per-account limit', async () => {
    const user = await newUser(server.url);
    for (let i = 0; i < 8; i++)
      expect((await login(user.email, `spray-${i}`, randomIp())).status).toBe(401);
    const blocked = await login(user.email, user.password, randomIp());
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('block an IP that fails against many accounts', async () => {
    const ip = randomIp();
    for (let i = 0; i < 12; i++) {
      expect((await login(`nobody-${i}-${ip}@example.com`, 'whatever-pw-1', ip)).status).toBe(401);
    }
    const victim = await newUser(server.url);
    expect((await login(victim.email, victim.password, ip)).status).toBe(429);
    expect((await login(victim.email, victim.password, randomIp())).status).toBe(200);
  });

  it('answer 429 in the OAuth shape on /auth/token', async () => {
    const user = await newUser(server.url);
    const ip = randomIp();
    const form = { grant_type: 'password', username: user.email, password: 'not-it-at-all' };
    for (let i = 0; i < 5; i++) {
      const res = await call(server.url, 'POST', '/auth/token', {
        form,
        headers: { 'x-forwarded-for': ip },
      });
      expect(res.body.error).toBe('invalid_grant');
    }
    const blocked = await call(server.url, 'POST', '/auth/token', {
      form,
      headers: { 'x-forwarded-for': ip },
    });
    expect(blocked.status).toBe(429);
    expect(blocked.body).toEqual({ error: 'rate_limited', error_description: expect.any(String) });
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
