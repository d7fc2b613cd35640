import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, inject, it } from 'vitest';
import { linkTokenMailedTo } from '../../services/auth/test/support/mail-links.js';
import { mailTo, waitForMail } from '../../services/auth/test/support/mailpit.js';
import { authSql } from '../../services/auth/test/support/sql.js';
import { send } from './support/gateway-client.js';
import { msUntil } from './support/polling.js';
import { stackAuthConfig } from './support/stack-settings.js';
import { jsonLogin, newUser, register } from './support/users.js';

/**
 * Email verification and password reset through the test stack's gateway, with the mail read from
 * the stack's Mailpit (the stack's auth process sends it over SMTP).
 */
const mailpit = () => inject('stack').mailpitUrl;
const NEW_PASSWORD = 'harbour-velvet-comet-38-tundra';
const apiMe = (token: string) => send('GET', '/api/me', { token });
const askReset = (email: string) => send('POST', '/auth/password/reset', { json: { email } });
const tokenHash = `encode(sha256(convert_to($1, 'UTF8')), 'hex')`;

/** The purpose and the lifetime in seconds the auth database gives a link's token. */
async function lifetimeOf(token: string): Promise<[string, number]> {
  const [row] = await authSql<{ purpose: string; seconds: number }>(
    `SELECT purpose, extract(epoch FROM expires_at - created_at)::int AS seconds
     FROM one_time_tokens WHERE token_hash = ${tokenHash}`,
    [token],
  );
  return [row?.purpose ?? 'none', row?.seconds ?? -1];
}

/** Moves the ends of the tokens' lives to `seconds` from now; answers that time (epoch ms). */
async function expireSoon(tokens: string[], seconds: number): Promise<number> {
  let end = 0;
  for (const token of tokens) {
    const [row] = await authSql<{ end: number }>(
      `UPDATE one_time_tokens
       SET expires_at = now() AT TIME ZONE 'UTC' + make_interval(secs => $2)
       WHERE token_hash = ${tokenHash} AND used_at IS NULL
       RETURNING (extract(epoch FROM expires_at) * 1000)::float8 AS end`,
      [token, seconds],
    );
    if (!row) throw new Error('no live token to shorten');
    end = Math.max(end, row.end);
  }
  return end;
}

describe('account lifecycle through the gateway', () => {
  it('register → verification mail → verify → login shows the address verified', async () => {
    const account = await register();
    const { token } = await linkTokenMailedTo(mailpit(), account.email);
    expect((await send('POST', '/auth/email/verify', { json: { token } })).status).toBe(204);
    const tokens = await jsonLogin(account);
    const me = await send('GET', '/auth/me', { token: tokens.accessToken });
    expect(me.body).toMatchObject({ email: account.email, emailVerified: true });
    expect((await send('POST', '/auth/email/verify', { json: { token } })).status).toBe(400);
  });

  it('reset request → mail → reset → the old session refused at /api within 1 s → notice mail', async () => {
    const user = await newUser();
    await linkTokenMailedTo(mailpit(), user.email); // the registration's verification mail
    expect((await apiMe(user.accessToken)).status).toBe(200);
    const asked = await send('POST', '/auth/password/reset', { json: { email: user.email } });
    expect([asked.status, asked.text]).toEqual([202, '']);
    const { token } = await linkTokenMailedTo(mailpit(), user.email, 2);
    const done = await send('POST', '/auth/password/reset/confirm', {
      json: { token, password: NEW_PASSWORD },
    });
    const resetAt = performance.now();
    expect(done.status).toBe(204);
    const ms = await msUntil(resetAt, async () => (await apiMe(user.accessToken)).status === 401, {
      what: 'the old session refused at /api',
    });
    expect(ms).toBeLessThan(1000);
    expect((await jsonLogin(user, NEW_PASSWORD)).accessToken).toBeTruthy();
    const [notice] = await waitForMail(mailpit(), user.email, 3);
    expect(notice?.Subject).toBe('Your password was changed');
    // the link worked once
    const again = await send('POST', '/auth/password/reset/confirm', {
      json: { token, password: `${NEW_PASSWORD}-again` },
    });
    expect([again.status, again.body.code]).toEqual([400, 'invalid_link_token']);
    expect((await jsonLogin(user, NEW_PASSWORD)).accessToken).toBeTruthy();
  });

  it('verification and reset links live as long as the settings say, and are refused once past it', async () => {
    const user = await newUser();
    const verification = (await linkTokenMailedTo(mailpit(), user.email)).token;
    expect((await askReset(user.email)).status).toBe(202);
    const reset = (await linkTokenMailedTo(mailpit(), user.email, 2)).token;
    const settings = stackAuthConfig();
    expect(await lifetimeOf(verification)).toEqual([
      'verify_email',
      settings.EMAIL_VERIFICATION_TTL_SECONDS,
    ]);
    expect(await lifetimeOf(reset)).toEqual([
      'reset_password',
      settings.PASSWORD_RESET_TTL_SECONDS,
    ]);

    // both run out for real: their ends brought to a second from now, then that second passes
    const ends = await expireSoon([verification, reset], 1);
    await sleep(Math.max(0, ends - Date.now()) + 200);
    const verified = await send('POST', '/auth/email/verify', { json: { token: verification } });
    expect([verified.status, verified.body.code]).toEqual([400, 'invalid_link_token']);
    const changed = await send('POST', '/auth/password/reset/confirm', {
      json: { token: reset, password: NEW_PASSWORD },
    });
    expect([changed.status, changed.body.code]).toEqual([400, 'invalid_link_token']);

    // nothing happened: unverified, the old password and the old session still work
    const me = await send('GET', '/auth/me', { token: user.accessToken, from: user.from });
    expect([me.status, me.body.emailVerified]).toEqual([200, false]);
    expect((await apiMe(user.accessToken)).status).toBe(200);
    expect((await jsonLogin(user)).accessToken).toBeTruthy();

    // fresh links of both kinds work: the refusals were the expiry, not the tokens
    const asked = await send('POST', '/auth/email/verification', {
      token: user.accessToken,
      from: user.from,
    });
    expect(asked.status).toBe(202);
    const fresh = (await linkTokenMailedTo(mailpit(), user.email, 3)).token;
    expect((await send('POST', '/auth/email/verify', { json: { token: fresh } })).status).toBe(204);
    expect((await askReset(user.email)).status).toBe(202);
    const freshReset = (await linkTokenMailedTo(mailpit(), user.email, 4)).token;
    const done = await send('POST', '/auth/password/reset/confirm', {
      json: { token: freshReset, password: NEW_PASSWORD },
    });
    expect(done.status).toBe(204);
  });

  it('an unknown address gets the same empty 202, and no mail', async () => {
    const nobody = `e2e-nobody-${crypto.randomUUID()}@example.com`;
    const asked = await send('POST', '/auth/password/reset', { json: { email: nobody } });
    expect([asked.status, asked.text]).toEqual([202, '']);
    // an account's request after it: once that mail has arrived, the earlier (and lighter)
    // handling of the unknown address is long done
    const user = await newUser();
    await linkTokenMailedTo(mailpit(), user.email);
    await send('POST', '/auth/password/reset', { json: { email: user.email } });
    await linkTokenMailedTo(mailpit(), user.email, 2);
    expect(await mailTo(mailpit(), nobody)).toEqual([]);
  });
});
