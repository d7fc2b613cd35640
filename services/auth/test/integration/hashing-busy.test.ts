import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CallResult,
  call,
  newUser,
  randomIp,
  STRONG_PASSWORD,
  startAuthServer,
  type TestAuthServer,
  type TestUser,
} from '../support/auth-server.js';

/**
 * One hashing thread with room for one more operation, at a cost slow enough (cost 10) that a
 * burst overflows it: the overflow gets 503 `busy` with Retry-After at once, changes nothing and
 * counts as no failed login.
 */
let server: TestAuthServer;
let user: TestUser;
beforeAll(async () => {
  server = await startAuthServer({
    BCRYPT_COST: '10',
    BCRYPT_CONCURRENCY: '1',
    BCRYPT_QUEUE_PER_THREAD: '1',
  });
  user = await newUser(server.url);
});
afterAll(() => server.close());

const ip = randomIp();
const login = () =>
  call(server.url, 'POST', '/auth/login', {
    json: { email: user.email, password: user.password },
    headers: { 'x-forwarded-for': ip },
  });

function expectBusy(answer: CallResult): void {
  expect(answer.status).toBe(503);
  expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
}

describe('a full password-hashing queue', () => {
  it('answers the overflow of a login burst with 503 busy and Retry-After, the rest with 200', async () => {
    const answers = await Promise.all(Array.from({ length: 8 }, login));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(2);
    const refused = answers.filter((a) => a.status === 503);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const answer of refused) {
      expectBusy(answer);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
      expect(answer.body).toMatchObject({ code: 'busy', status: 503, title: 'Too busy' });
    }
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
  });

  it('counts no refusal as a failed login: the same address still logs in after many', async () => {
    let refusals = 0;
    for (let burst = 0; burst < 4 && refusals < 6; burst++) {
      const answers = await Promise.all(Array.from({ length: 8 }, login));
      refusals += answers.filter((a) => a.status === 503).length;
    }
    expect(refusals).toBeGreaterThanOrEqual(6); // more than the 5 failures that block an address
    expect((await login()).status).toBe(200);
  });

  it('answers the OAuth token endpoint in its own shape: 503 temporarily_unavailable', async () => {
    const token = () =>
      call(server.url, 'POST', '/auth/token', {
        form: { grant_type: 'password', username: user.email, password: user.password },
        headers: { 'x-forwarded-for': randomIp() },
      });
    const answers = await Promise.all(Array.from({ length: 8 }, token));
    const refused = answers.filter((a) => a.status === 503);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const answer of refused) {
      expectBusy(answer);
      expect(answer.body).toEqual({
        error: 'temporarily_unavailable',
        error_description: expect.any(String),
      });
    }
  });

  it('creates no account when a registration is refused: the same email registers later', async () => {
    const emails = Array.from({ length: 8 }, () => `busy-${randomUUID()}@example.com`);
    const register = (email: string) =>
      call(server.url, 'POST', '/auth/register', {
        json: { email, password: STRONG_PASSWORD, name: null },
        headers: { 'x-forwarded-for': randomIp() },
      });
    const answers = await Promise.all(emails.map(register));
    const refusedEmails = emails.filter((_, i) => answers[i]?.status === 503);
    expect(refusedEmails.length).toBeGreaterThanOrEqual(1);
    for (const email of refusedEmails) expect((await register(email)).status).toBe(201);
  });
});
