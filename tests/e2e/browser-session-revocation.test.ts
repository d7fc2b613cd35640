import { performance } from 'node:perf_hooks';
import { describe, expect, inject, it } from 'vitest';
import { type CookieSession, signInWithForm } from './support/cookie-session.js';
import { send } from './support/gateway-client.js';
import { msUntil } from './support/polling.js';
import { newUser, promoteToAdmin, register, tokenGrant } from './support/users.js';

/**
 * A browser session is an ordinary session: every revocation path reaches the session cookies at
 * the gateway within a second, and the cookie endpoints keep their rules (rotation with reuse
 * detection, CSRF, escaping, no caching).
 */
const REVOCATION_BOUND_MS = 1000;
const gateway = () => inject('stack').gatewayUrl.replace(/\/$/, '');

const cookieMe = (session: CookieSession) =>
  send('GET', '/api/me', { headers: { cookie: session.cookie } });

async function refusedWithin(session: CookieSession, status: 401 | 403, what: string) {
  const at = performance.now();
  const ms = await msUntil(at, async () => (await cookieMe(session)).status === status, { what });
  expect(ms).toBeLessThan(REVOCATION_BOUND_MS);
}

describe('the session cookies are revoked like any session', () => {
  it('by logout-all from a bearer session of the same user', async () => {
    const user = await newUser();
    const session = await signInWithForm(send, user, gateway());
    expect((await cookieMe(session)).status).toBe(200);
    const res = await send('POST', '/auth/logout-all', { token: user.accessToken });
    expect(res.status).toBe(204);
    await refusedWithin(session, 401, 'the cookie session refused after logout-all');
  });

  it('by a password change', async () => {
    const user = await newUser();
    const session = await signInWithForm(send, user, gateway());
    const res = await send('POST', '/auth/password', {
      token: user.accessToken,
      json: { current_password: user.password, new_password: 'quartz-heron-meadow-42-bellows' },
      from: user.from,
    });
    expect(res.status).toBe(204);
    await refusedWithin(session, 401, 'the cookie session refused after a password change');
  });

  it('by deactivation (403)', async () => {
    const admin = await register();
    await promoteToAdmin(admin.email);
    const adminTokens = await tokenGrant(admin);
    const target = await register();
    const session = await signInWithForm(send, target, gateway());
    const res = await send('PATCH', `/auth/users/${target.id}`, {
      token: adminTokens.accessToken,
      json: { active: false },
    });
    expect(res.status).toBe(200);
    await refusedWithin(session, 403, 'the deactivated cookie session refused');
  });
});

/** The `name=value` of an answer's `Set-Cookie` for `name`, or undefined. */
function setCookie(headers: Record<string, unknown>, name: string): string | undefined {
  const list = (headers['set-cookie'] as string[] | undefined) ?? [];
  return list.find((line) => line.startsWith(`${name}=`))?.split(';')[0];
}

describe('POST /auth/session/refresh', () => {
  it('rotates the cookies for a same-origin caller; refuses a bare one and a missing refresh cookie', async () => {
    const account = await register();
    const session = await signInWithForm(send, account, gateway());
    const sameOrigin = { cookie: session.cookie, 'sec-fetch-site': 'same-origin' };

    const bare = await send('POST', '/auth/session/refresh', {
      headers: { cookie: session.cookie },
    });
    expect(bare.status).toBe(403);
    expect(bare.body).toMatchObject({ code: 'csrf_token' });

    const rotated = await send('POST', '/auth/session/refresh', { headers: sameOrigin });
    expect(rotated.status).toBe(204);
    expect(rotated.headers['cache-control']).toBe('no-store');
    const access = setCookie(rotated.headers, '__Host-sg_access');
    const refresh = setCookie(rotated.headers, '__Host-sg_refresh');
    expect(access).toBeDefined();
    expect(refresh).toBeDefined();
    expect(session.cookie).not.toContain(refresh);
    const fresh = {
      cookie: `${access}; ${refresh}; __Host-sg_csrf=${session.csrf}`,
      csrf: session.csrf,
    };
    expect((await cookieMe(fresh)).status).toBe(200);

    // the rotation is Sessions.refresh, whose reuse detection tests/e2e/refresh.test.ts covers
    const noRefresh = await send('POST', '/auth/session/refresh', {
      headers: { cookie: `__Host-sg_csrf=${session.csrf}`, 'x-csrf-token': session.csrf },
    });
    expect(noRefresh.status).toBe(401);
    expect(noRefresh.body).toMatchObject({ code: 'invalid_refresh_token' });
  });
});

describe('the sign-in page', () => {
  it('is no-store, has a script-free CSP, escapes what it shows, and refuses a form without its token', async () => {
    const page = await send('GET', '/auth/signin?rd=%22%3E%3Cscript%3Ealert(1)%3C/script%3E');
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['content-security-policy']).toMatch(
      /^default-src 'none'; style-src 'self';/,
    );
    expect(page.headers['content-security-policy']).not.toContain('script-src');
    expect(page.text).not.toContain('<script');
    // a refused rd is replaced by the default, never echoed
    expect(page.text).toContain(`name="rd" value="${gateway()}/app/"`);

    const csrf = setCookie(page.headers, '__Host-sg_csrf')?.split('=')[1] ?? '';
    const email = '"><script>alert(1)</script>@example.com';
    const wrong = await send('POST', '/auth/signin', {
      form: { csrf, rd: '', email, password: 'whatever-it-is' },
      headers: { cookie: `__Host-sg_csrf=${csrf}`, 'sec-fetch-site': 'same-origin' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('The email or password is incorrect.');
    expect(wrong.text).not.toContain('<script>alert(1)');
    expect(wrong.text).toContain('&quot;&gt;&lt;script&gt;');

    const noToken = await send('POST', '/auth/signin', {
      form: { rd: '', email: 'a@example.com', password: 'whatever-it-is' },
      headers: { cookie: `__Host-sg_csrf=${csrf}`, 'sec-fetch-site': 'same-origin' },
    });
    expect(noToken.status).toBe(403);
    expect(noToken.text).toContain('This form has expired.');

    const crossSite = await send('POST', '/auth/signin', {
      form: { csrf, rd: '', email: 'a@example.com', password: 'whatever-it-is' },
      headers: {
        cookie: `__Host-sg_csrf=${csrf}`,
        'sec-fetch-site': 'same-site',
        origin: 'http://127.0.0.1:1',
      },
    });
    expect(crossSite.status).toBe(403);
  });
});
