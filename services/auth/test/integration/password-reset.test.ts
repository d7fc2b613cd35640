import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  call,
  newUser,
  randomIp,
  STRONG_PASSWORD,
  startAuthServer,
  type TestAuthServer,
} from '../support/auth-server.js';
import { mailEnv, uniqueAddress } from '../support/mail-env.js';
import { linkTokenMailedTo } from '../support/mail-links.js';
import { waitForMail } from '../support/mailpit.js';
import { authSql } from '../support/sql.js';

/**
 * Password reset against the test stack's Postgres and Mailpit: the same 202 for every address,
 * a link only for accounts, a new password that signs every device out, and a notice after.
 */

const NEW_PASSWORD = 'quartz-meadow-lantern-91-ferry';
let server: TestAuthServer;
let mailpit: string;
beforeAll(async () => {
  mailpit = inject('stack').mailpitUrl;
  server = await startAuthServer({ ...mailEnv(), PASSWORD_RESETS_PER_ADDRESS: '2' });
});
afterAll(() => server.close());

const ask = (email: string, ip = randomIp()) =>
  call(server.url, 'POST', '/auth/password/reset', {
    json: { email },
    headers: { 'x-forwarded-for': ip },
  });
const complete = (json: unknown) =>
  call(server.url, 'POST', '/auth/password/reset/confirm', { json });
const login = (email: string, password: string) =>
  call(server.url, 'POST', '/auth/login', {
    json: { email, password },
    headers: { 'x-forwarded-for': randomIp() },
  });
/** The newest reset link mailed to `email`, once the registration's mail and `count` resets arrived. */
const resetMail = (email: string, count = 1) => linkTokenMailedTo(mailpit, email, count + 1);

describe('password reset', () => {
  it('mails a link; the new password works, every session is refused within a second, a notice follows', async () => {
    const user = await newUser(server.url);
    await linkTokenMailedTo(mailpit, user.email); // the verification mail of the registration
    expect((await ask(user.email)).status).toBe(202);
    const link = await resetMail(user.email);
    expect(link.subject).toBe('Reset your password');
    expect(link.text).toContain('/reset-password#token=');
    // a password the policy refuses leaves the link usable
    const weak = await complete({ token: link.token, password: 'password' });
    expect([weak.status, weak.body.code]).toEqual([422, 'weak_password']);
    expect((await complete({ token: link.token, password: NEW_PASSWORD })).status).toBe(204);
    const started = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - started < 1_000) {
      status = (await call(server.url, 'GET', '/verify', { token: user.accessToken })).status;
      if (status === 200) await sleep(20);
    }
    expect(status).toBe(401);
    expect(
      (
        await call(server.url, 'POST', '/auth/refresh', {
          json: { refresh_token: user.refreshToken },
        })
      ).status,
    ).toBe(401);
    expect((await login(user.email, STRONG_PASSWORD)).status).toBe(401);
    const fresh = await login(user.email, NEW_PASSWORD);
    expect(fresh.status).toBe(200);
    // following the link proved the address
    const me = await call(server.url, 'GET', '/auth/me', { token: fresh.body.access_token });
    expect(me.body.emailVerified).toBe(true);
    const [notice] = await waitForMail(mailpit, user.email, 3);
    expect(notice?.Subject).toBe('Your password was changed');
    // the link worked once
    const again = await complete({ token: link.token, password: `${NEW_PASSWORD}-2` });
    expect([again.status, again.body.code]).toEqual([400, 'invalid_link_token']);
    // the outbox says what each mail was; a link's mail expires with its token, the notice never
    const mails = await authSql<{
      kind: string;
      expires_at: Date | null;
      token_expiry: Date | null;
    }>(
      `SELECT m.kind, m.expires_at,
         (SELECT max(t.expires_at) FROM one_time_tokens t
          WHERE t.user_id = $2 AND t.purpose = m.kind) AS token_expiry
       FROM mail_outbox m WHERE m.recipient = $1 ORDER BY m.created_at`,
      [user.email, Number(user.id)],
    );
    expect(mails.map((m) => m.kind)).toEqual([
      'verify_email',
      'reset_password',
      'password_changed',
    ]);
    for (const mail of mails.slice(0, 2)) {
      expect(mail.expires_at, mail.kind).toBeInstanceOf(Date);
      expect(mail.expires_at?.getTime(), mail.kind).toBe(mail.token_expiry?.getTime());
    }
    expect(mails[2]?.expires_at).toBeNull();
  });

  it('an unknown address gets the same 202 and no mail', async () => {
    const nobody = uniqueAddress('nobody');
    const res = await ask(nobody);
    expect(res.status).toBe(202);
    expect(res.text).toBe('');
    await server.deps.passwordReset.settle();
    const rows = await authSql('SELECT 1 FROM mail_outbox WHERE recipient = $1', [nobody]);
    expect(rows).toEqual([]);
  });

  it('limits requests per address, whether or not it has an account', async () => {
    for (const email of [uniqueAddress('limited'), (await newUser(server.url)).email]) {
      expect((await ask(email)).status).toBe(202);
      expect((await ask(email)).status).toBe(202);
      const third = await ask(email); // PASSWORD_RESETS_PER_ADDRESS=2, from another IP each time
      expect([third.status, third.body.code]).toEqual([429, 'rate_limited']);
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });

  it('using one link kills the others; an expired link is refused', async () => {
    const user = await newUser(server.url);
    await linkTokenMailedTo(mailpit, user.email);
    await ask(user.email);
    const first = await resetMail(user.email, 1);
    await ask(user.email);
    const second = await resetMail(user.email, 2);
    expect(second.token).not.toBe(first.token);
    await authSql(
      `UPDATE one_time_tokens SET expires_at = now() AT TIME ZONE 'UTC' - interval '1 second'
       WHERE token_hash = encode(sha256(convert_to($1, 'UTF8')), 'hex')`,
      [first.token],
    );
    const expired = await complete({ token: first.token, password: NEW_PASSWORD });
    expect([expired.status, expired.body.code]).toEqual([400, 'invalid_link_token']);
    expect((await complete({ token: second.token, password: NEW_PASSWORD })).status).toBe(204);
  });

  it('answers bad input with a 4xx, never a 5xx', async () => {
    for (const body of [
      {},
      { email: 'not-an-address' },
      { email: 3 },
      { email: 'a@example.com', x: 1 },
    ]) {
      const res = await call(server.url, 'POST', '/auth/password/reset', { json: body });
      expect([res.status, res.body.code], JSON.stringify(body)).toEqual([422, 'validation_failed']);
    }
    for (const token of ['', 'x', 'x'.repeat(43)]) {
      const res = await complete({ token, password: NEW_PASSWORD });
      expect([res.status, res.body.code], JSON.stringify(token)).toEqual([
        400,
        'invalid_link_token',
      ]);
    }
    // no text column can store U+0000: refused before anything is looked up
    const nulEmail = await call(server.url, 'POST', '/auth/password/reset', {
      json: { email: 'a\u0000@example.com' },
    });
    expect([nulEmail.status, nulEmail.body.code]).toEqual([400, 'invalid_text']);
    for (const body of [
      { token: '\u0000'.repeat(43), password: NEW_PASSWORD },
      { token: 'x', password: 'a\u0000b' },
    ]) {
      const res = await complete(body);
      expect([res.status, res.body.code], JSON.stringify(body)).toEqual([400, 'invalid_text']);
    }
    for (const body of [
      { token: 'x' },
      { password: NEW_PASSWORD },
      { token: 'x'.repeat(600), password: NEW_PASSWORD },
    ]) {
      const res = await complete(body);
      expect([res.status, res.body.code], JSON.stringify(body)).toEqual([422, 'validation_failed']);
    }
  });
});
