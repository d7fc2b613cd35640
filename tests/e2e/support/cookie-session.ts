import type { Send } from './gateway-client.js';
import type { Account } from './users.js';

/** A browser session signed in through the sign-in form, held as a `Cookie` header. */
export interface CookieSession {
  /** The `Cookie` header a browser would send: access, refresh and CSRF cookies. */
  readonly cookie: string;
  /** The CSRF cookie's value, for `X-CSRF-Token`. */
  readonly csrf: string;
}

/** The `name=value` pairs of an answer's `Set-Cookie` headers (deletions left out). */
function setCookies(headers: Record<string, unknown>): Map<string, string> {
  const list = (headers['set-cookie'] as string[] | undefined) ?? [];
  const pairs = new Map<string, string>();
  for (const line of list) {
    const [pair = ''] = line.split(';');
    const eq = pair.indexOf('=');
    const value = pair.slice(eq + 1);
    if (value !== '') pairs.set(pair.slice(0, eq), value);
  }
  return pairs;
}

/**
 * Signs `account` in as a browser does, without one, through the gateway `send` talks to (at
 * `gatewayUrl`): the form's page (which sets the CSRF cookie), then the form posted same-origin;
 * the session cookies come back on the 303.
 */
export async function signInWithForm(
  send: Send,
  account: Account,
  gatewayUrl: string,
): Promise<CookieSession> {
  const page = await send('GET', '/auth/signin', { from: account.from });
  const csrf = setCookies(page.headers).get('__Host-sg_csrf');
  if (page.status !== 200 || csrf === undefined)
    throw new Error(`sign-in page: ${page.status} without a CSRF cookie`);
  const signedIn = await send('POST', '/auth/signin', {
    from: account.from,
    form: { csrf, rd: '', email: account.email, password: account.password },
    headers: {
      cookie: `__Host-sg_csrf=${csrf}`,
      origin: new URL(gatewayUrl).origin,
      'sec-fetch-site': 'same-origin',
    },
  });
  const cookies = setCookies(signedIn.headers);
  if (signedIn.status !== 303 || !cookies.has('__Host-sg_access'))
    throw new Error(`sign-in: ${signedIn.status} ${signedIn.text}`);
  cookies.set('__Host-sg_csrf', csrf);
  return {
    cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; '),
    csrf,
  };
}
