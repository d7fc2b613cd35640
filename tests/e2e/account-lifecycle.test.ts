import { performance } from 'node:perf_hooks';
import { describe, expect, inject, it } from 'vitest';
import { linkTokenMailedTo } from '../../services/auth/test/support/mail-links.js';
import { mailTo, waitForMail } from '../../services/auth/test/support/mailpit.js';
import { send } from './support/gateway-client.js';
import { msUntil } from './support/polling.js';
import { jsonLogin, newUser, register } from './support/users.js';

/**
 * Email verification and password reset through the test stack's gateway, with the mail read from
 * the stack's Mailpit (the stack's auth process sends it over SMTP).
 */
const mailpit = () => inject('stack').mailpitUrl;
const NEW_PASSWORD = 'harbour-velvet-comet-38-tundra';
const apiMe = (token: string) => send('GET', '/api/me', { token });

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
