import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { call, newUser, startAuthServer, type TestAuthServer } from '../support/auth-server.js';
import { mailEnv } from '../support/mail-env.js';
import { linkTokenMailedTo } from '../support/mail-links.js';
import { authSql } from '../support/sql.js';

/**
 * Email verification against the test stack's Postgres and Mailpit: the link mailed at
 * registration, following it once, asking for another, and every way a link can be bad.
 */

let server: TestAuthServer;
let mailpit: string;
beforeAll(async () => {
  mailpit = inject('stack').mailpitUrl;
  server = await startAuthServer({ ...mailEnv(), VERIFICATION_MAILS_PER_USER: '2' });
});
afterAll(() => server.close());

const me = async (token: string) => (await call(server.url, 'GET', '/auth/me', { token })).body;
const verify = (json: unknown) => call(server.url, 'POST', '/auth/email/verify', { json });

describe('email verification', () => {
  it('registration mails a link; following it verifies the address, once', async () => {
    const user = await newUser(server.url);
    expect((await me(user.accessToken)).emailVerified).toBe(false);
    const mail = await linkTokenMailedTo(mailpit, user.email);
    expect(mail.subject).toBe('Confirm your email address');
    expect(mail.text).toContain('/verify-email#token=');
    const first = await verify({ token: mail.token });
    expect(first.status).toBe(204);
    expect((await me(user.accessToken)).emailVerified).toBe(true);
    const again = await verify({ token: mail.token });
    expect([again.status, again.body.code]).toEqual([400, 'invalid_link_token']);
    // nothing left to verify
    const more = await call(server.url, 'POST', '/auth/email/verification', {
      token: user.accessToken,
    });
    expect([more.status, more.body.code]).toEqual([409, 'email_already_verified']);
  });

  it('a signed-in user asks for another link, within a limit', async () => {
    const user = await newUser(server.url);
    await linkTokenMailedTo(mailpit, user.email, 1);
    const ask = () =>
      call(server.url, 'POST', '/auth/email/verification', { token: user.accessToken });
    expect((await ask()).status).toBe(202);
    const second = await linkTokenMailedTo(mailpit, user.email, 2);
    expect((await ask()).status).toBe(202);
    const limited = await ask(); // VERIFICATION_MAILS_PER_USER=2
    expect([limited.status, limited.body.code]).toEqual([429, 'rate_limited']);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await verify({ token: second.token })).status).toBe(204);
    expect((await call(server.url, 'POST', '/auth/email/verification')).status).toBe(401);
  });

  it('an expired link is refused like an unknown one', async () => {
    const user = await newUser(server.url);
    const { token } = await linkTokenMailedTo(mailpit, user.email);
    await authSql(
      `UPDATE one_time_tokens SET expires_at = now() AT TIME ZONE 'UTC' - interval '1 second'
       WHERE token_hash = encode(sha256(convert_to($1, 'UTF8')), 'hex')`,
      [token],
    );
    const late = await verify({ token });
    expect([late.status, late.body.code]).toEqual([400, 'invalid_link_token']);
    expect((await me(user.accessToken)).emailVerified).toBe(false);
  });

  it('answers bad input with a 4xx, never a 5xx', async () => {
    for (const token of ['', 'short', 'x'.repeat(43), 'é'.repeat(43)]) {
      const res = await verify({ token });
      expect([res.status, res.body.code], JSON.stringify(token)).toEqual([
        400,
        'invalid_link_token',
      ]);
    }
    const nul = await verify({ token: '\u0000'.repeat(43) });
    expect([nul.status, nul.body.code]).toEqual([400, 'invalid_text']);
    for (const body of [
      {},
      { token: 1 },
      { token: 'x'.repeat(513) },
      { token: 'x', extra: 1 },
      [],
    ]) {
      const res = await verify(body);
      expect([res.status, res.body.code], JSON.stringify(body)).toEqual([422, 'validation_failed']);
    }
    const raw = await call(server.url, 'POST', '/auth/email/verify', {
      raw: '{"token":',
      headers: { 'content-type': 'application/json' },
    });
    expect(raw.status).toBe(400);
  });

  it('/verify says whether the address is verified, and refuses unverified ones when required', async () => {
    const strict = await startAuthServer({ REQUIRE_VERIFIED_EMAIL: 'true' });
    try {
      const user = await newUser(server.url);
      const gate = (base: string) => call(base, 'GET', '/verify', { token: user.accessToken });
      const open = await gate(server.url);
      expect([open.status, open.headers.get('x-user-email-verified')]).toEqual([200, 'false']);
      const refused = await gate(strict.url);
      expect([refused.status, refused.body.code]).toEqual([403, 'email_unverified']);
      expect(refused.headers.get('x-user-id')).toBeNull();
      const { token } = await linkTokenMailedTo(mailpit, user.email);
      expect((await verify({ token })).status).toBe(204);
      // another process (the strict one) learns it within a second, through Redis
      const started = Date.now();
      let status = 403;
      while (status === 403 && Date.now() - started < 1_000) {
        status = (await gate(strict.url)).status;
        if (status === 403) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(status).toBe(200);
      expect((await gate(server.url)).headers.get('x-user-email-verified')).toBe('true');
    } finally {
      await strict.close();
    }
  });
});
