import { performance } from 'node:perf_hooks';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  cookieHeader,
  freshContext,
  launchChromium,
  screenshot,
  submitSignin,
} from './support/browser.js';
import { send } from './support/gateway-client.js';
import { turnOnMfa } from './support/mfa.js';
import { msUntil } from './support/polling.js';
import { register, tokenGrant } from './support/users.js';

/** Design §4: a revocation reaches the gateway's `/verify` in at most one second. */
const REVOCATION_BOUND_MS = 1000;

let browser: Browser;
const gateway = () => inject('stack').gatewayUrl.replace(/\/$/, '');

beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

describe('a browser through the gateway (acceptance 1)', () => {
  it('is sent to sign in, comes back to the app, sees its identity, and signs out for good', async () => {
    const account = await register();
    const context = await freshContext(browser);
    const page = await context.newPage();
    const app = `${gateway()}/app/`;

    // 1. the protected page sends the browser to the sign-in page, with itself as rd
    await page.goto(app);
    expect(page.url()).toBe(`${gateway()}/auth/signin?rd=${app}`);
    expect(await page.locator('h1').textContent()).toBe('Sign in');
    await screenshot(page, '01-redirected-to-signin');

    // 2. signing in returns to the page, which shows the API's answer for this session
    await submitSignin(page, account.email, account.password);
    expect(page.url()).toBe(app);
    await page.locator('body[data-state="ready"]').waitFor();
    expect(await page.locator('#who').textContent()).toBe(account.email);
    expect(await page.locator('#user-id').textContent()).toBe(account.id);
    await screenshot(page, '02-back-on-the-app');

    const cookies = await context.cookies(app);
    const byName = new Map(cookies.map((c) => [c.name, c]));
    for (const name of ['__Host-sg_access', '__Host-sg_refresh']) {
      expect(byName.get(name), name).toMatchObject({
        path: '/',
        secure: true,
        httpOnly: true,
        sameSite: 'Lax',
      });
    }
    expect(byName.get('__Host-sg_csrf')).toMatchObject({ httpOnly: false, secure: true });
    const oldCookies = await cookieHeader(context, app);
    const apiMe = () => send('GET', '/api/me', { headers: { cookie: oldCookies } });
    const me = await apiMe();
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ userId: account.id, email: account.email });

    // 3. sign-out: the old cookies are refused at the gateway within a second
    const [signout] = await Promise.all([
      page.waitForResponse((r) => r.url() === `${gateway()}/auth/signout`),
      page.click('#signout'),
    ]);
    const at = performance.now();
    expect(signout.status()).toBe(303);
    const ms = await msUntil(at, async () => (await apiMe()).status === 401, {
      what: 'the signed-out cookies refused at /api/me',
    });
    expect(ms).toBeLessThan(REVOCATION_BOUND_MS);
    await page.waitForURL(`${gateway()}/auth/signin?signed_out=1`);
    expect(await page.locator('#message').textContent()).toBe('You have signed out.');
    await screenshot(page, '03-signed-out');
    expect((await context.cookies(app)).map((c) => c.name)).toEqual(['__Host-sg_csrf']);

    // 4. the app asks for a sign-in again
    await page.goto(app);
    expect(page.url()).toBe(`${gateway()}/auth/signin?rd=${app}`);
    await screenshot(page, '04-app-after-signout');
    await context.close();
  });

  it('an expired access cookie is renewed from the refresh cookie without a password', async () => {
    const account = await register();
    const context = await freshContext(browser);
    const page = await context.newPage();
    const app = `${gateway()}/app/`;
    await page.goto(app);
    await submitSignin(page, account.email, account.password);
    await page.locator('body[data-state="ready"]').waitFor();
    const before = await context.cookies(app);
    const refreshBefore = before.find((c) => c.name === '__Host-sg_refresh')?.value;

    // what the browser does when the access cookie's Max-Age has run out
    await context.clearCookies({ name: '__Host-sg_access' });
    const rotation = page.waitForResponse((r) => r.url().startsWith(`${gateway()}/auth/signin`));
    await page.goto(app);
    expect((await rotation).status()).toBe(303);
    expect(page.url()).toBe(app);
    await page.locator('body[data-state="ready"]').waitFor();
    expect(await page.locator('#who').textContent()).toBe(account.email);
    const refreshAfter = (await context.cookies(app)).find((c) => c.name === '__Host-sg_refresh');
    expect(refreshAfter?.value).toBeDefined();
    expect(refreshAfter?.value).not.toBe(refreshBefore);

    // the spent refresh token, presented again after the grace, is reuse: the session ends
    await context.close();
  });

  it('an account with MFA signs in in two steps', async () => {
    const account = await register();
    const { authenticator } = await turnOnMfa(account, (await tokenGrant(account)).accessToken);
    const context = await freshContext(browser);
    const page = await context.newPage();
    const app = `${gateway()}/app/`;
    await page.goto(app);
    await submitSignin(page, account.email, account.password);
    expect(await page.locator('h1').textContent()).toBe('Enter your code');
    await screenshot(page, '05-mfa-step');

    await page.fill('#code', '000000');
    await Promise.all([page.waitForNavigation(), page.click('#mfa button[type=submit]')]);
    expect(await page.locator('#message').textContent()).toBe(
      'The code is incorrect or was already used.',
    );

    await page.fill('#code', authenticator.next());
    await Promise.all([page.waitForURL(app), page.click('#mfa button[type=submit]')]);
    await page.locator('body[data-state="ready"]').waitFor();
    expect(await page.locator('#who').textContent()).toBe(account.email);
    await screenshot(page, '06-signed-in-with-mfa');
    await context.close();
  });

  it('a wrong password and an unknown account get the same message', async () => {
    const account = await register();
    const context = await freshContext(browser);
    const page = await context.newPage();
    const messages: string[] = [];
    for (const [email, password] of [
      [account.email, 'not the password at all'],
      [`nobody-${account.id}@example.com`, account.password],
    ] as const) {
      await page.goto(`${gateway()}/auth/signin`);
      await submitSignin(page, email, password);
      messages.push((await page.locator('#message').textContent()) ?? '');
    }
    expect(messages).toEqual([
      'The email or password is incorrect.',
      'The email or password is incorrect.',
    ]);
    await screenshot(page, '07-wrong-credentials');
    await context.close();
  });
});
