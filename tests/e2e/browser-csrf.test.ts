import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventually, freePort } from '../support/wait.js';
import { freshContext, launchChromium, screenshot, submitSignin } from './support/browser.js';
import { signInWithForm } from './support/cookie-session.js';
import { send } from './support/gateway-client.js';
import { type LogLine, linesWithRequestId, serviceLogLines } from './support/service-logs.js';
import { register, tokenGrant } from './support/users.js';

/**
 * Acceptance 2: CSRF at the gateway. Under ingress-nginx (and the local gateway) a 403 reaches the
 * client with nginx's body, so the `csrf_*` code is read from the auth service's `/verify` log
 * line of the request (under Traefik it is also in the relayed body).
 */

let browser: Browser;
let attacker: Server;
let attackerOrigin: string;
const gateway = () => inject('stack').gatewayUrl.replace(/\/$/, '');

/** The `/verify` outcome logged for request id `reqId`. */
async function verifyOutcome(reqId: string): Promise<unknown> {
  let line: LogLine | undefined;
  await eventually(
    async () => {
      line = linesWithRequestId('auth', reqId).find((l) => l.msg === 'verify');
      return line !== undefined;
    },
    5000,
    `the verify log line of ${reqId}`,
  );
  return line?.outcome;
}

/** An unsafe request to the API through the gateway, with a request id to find its check by. */
async function postProfile(headers: Record<string, string>, token?: string) {
  const reqId = `csrf-${randomUUID()}`;
  const res = await send('POST', '/api/users', {
    headers: { 'x-request-id': reqId, ...headers },
    ...(token === undefined ? {} : { token }),
  });
  return { status: res.status, reqId };
}

beforeAll(async () => {
  browser = await launchChromium();
  // another origin of the same site: the same host, another port; SameSite=Lax lets the
  // session cookie go along on its POSTs
  const port = await freePort();
  attackerOrigin = `http://127.0.0.1:${port}`;
  attacker = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>another origin</title>
<form id="f" method="post" action="${gateway()}/api/users"><button>go</button></form>`);
  });
  await new Promise<void>((resolve) => attacker.listen(port, '127.0.0.1', resolve));
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => attacker?.close(resolve));
});

describe('CSRF at the gateway (acceptance 2)', () => {
  it('a real cross-origin form POST from another port of the same host is refused: 403 csrf_origin', async () => {
    const account = await register();
    const context = await freshContext(browser);
    const page = await context.newPage();
    await page.goto(`${gateway()}/app/`);
    await submitSignin(page, account.email, account.password);
    await page.locator('body[data-state="ready"]').waitFor();

    // a same-origin POST from the app's page passes
    const sameOrigin = await page.evaluate(async () => {
      const res = await fetch('/api/users', { method: 'POST', credentials: 'same-origin' });
      return res.status;
    });
    expect([200, 201]).toContain(sameOrigin);

    const since = serviceLogLines().length;
    await page.goto(attackerOrigin);
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.url() === `${gateway()}/api/users`),
      page.click('#f button'),
    ]);
    expect(answer.status()).toBe(403);
    expect(answer.request().headers().origin).toBe(attackerOrigin);
    await screenshot(page, '10-cross-origin-post-refused');
    // the cookie went along (the check knew the user) and the check refused it for its origin
    let refusal: LogLine | undefined;
    await eventually(
      async () => {
        refusal = serviceLogLines()
          .slice(since)
          .find((l) => l.msg === 'verify' && l.userId === Number(account.id) && l.status === 403);
        return refusal !== undefined;
      },
      5000,
      'the refused check in the auth log',
    );
    expect(refusal?.outcome).toBe('csrf_origin');
    await context.close();
  });

  it('crafted requests: forged Origin, no evidence, the double-submit token, bearer, both', async () => {
    const account = await register();
    const session = await signInWithForm(send, account, gateway());
    const cookie = session.cookie;

    const forged = await postProfile({ cookie, origin: 'http://evil.example' });
    expect(forged.status).toBe(403);
    expect(await verifyOutcome(forged.reqId)).toBe('csrf_origin');

    const sameSite = await postProfile({ cookie, 'sec-fetch-site': 'same-site' });
    expect(sameSite.status).toBe(403);
    expect(await verifyOutcome(sameSite.reqId)).toBe('csrf_origin');

    // a client-sent X-Forwarded-Method cannot make the POST look safe
    const disguised = await postProfile({
      cookie,
      origin: 'http://evil.example',
      'x-forwarded-method': 'GET',
    });
    expect(disguised.status).toBe(403);

    const bare = await postProfile({ cookie });
    expect(bare.status).toBe(403);
    expect(await verifyOutcome(bare.reqId)).toBe('csrf_token');

    const wrongToken = await postProfile({ cookie, 'x-csrf-token': `${session.csrf}x` });
    expect(wrongToken.status).toBe(403);
    expect(await verifyOutcome(wrongToken.reqId)).toBe('csrf_token');

    const withToken = await postProfile({ cookie, 'x-csrf-token': session.csrf });
    expect([200, 201]).toContain(withToken.status);

    const allowedOrigin = await postProfile({ cookie, origin: new URL(gateway()).origin });
    expect([200, 201]).toContain(allowedOrigin.status);

    // a safe method needs no evidence
    const read = await send('GET', '/api/me', {
      headers: { cookie, origin: 'http://evil.example' },
    });
    expect(read.status).toBe(200);

    // a bearer POST from a non-browser client: no Origin, no token, no cookie
    const { accessToken } = await tokenGrant(account);
    const bearer = await postProfile({}, accessToken);
    expect([200, 201]).toContain(bearer.status);

    // a bearer token and the session cookie together: refused, neither chosen
    const both = await postProfile({ cookie }, accessToken);
    expect(both.status).toBe(401);
    expect(await verifyOutcome(both.reqId)).toBe('credentials_ambiguous');
  });
});

describe('rd through the gateway (acceptance 3, end to end)', () => {
  it('a signed-in browser is sent to an allowed rd, and to the default for any other', async () => {
    const account = await register();
    const session = await signInWithForm(send, account, gateway());
    const fallback = `${gateway()}/app/`;
    const cases: [string, string][] = [
      [`${gateway()}/app/?tab=orders`, `${gateway()}/app/?tab=orders`],
      ['https://evil.example/', fallback],
      ['//evil.example/', fallback],
      ['/\\evil.example/', fallback],
      ['%2F%2Fevil.example', fallback],
      ['javascript:alert(1)', fallback],
      [`${gateway()}@evil.example/`, fallback],
    ];
    for (const [rd, expected] of cases) {
      const res = await send('GET', `/auth/signin?rd=${encodeURIComponent(rd)}`, {
        headers: { cookie: session.cookie },
      });
      expect(res.status, rd).toBe(303);
      expect(res.headers.location, rd).toBe(expected);
    }
  });
});
