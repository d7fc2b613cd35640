import type { IncomingMessage } from 'node:http';
import { type RedirectPolicy, safeRedirect } from '../domain/redirect-target.js';

/**
 * `/verify`'s redirect mode, for gateways that relay its answer but ignore ingress-nginx's
 * `auth-signin` (Traefik's Ingress NGINX provider v3.6): the browser app's Ingress calls
 * `/verify?signin=1`, and a browser navigation without a usable session is answered 302 to the
 * sign-in page instead of 401. API clients (no navigation, or an Authorization header) keep their
 * 401 with `WWW-Authenticate`, and so does every request under ingress-nginx, which turns any 3xx
 * from `/verify` into a 500 and redirects on 401 by itself.
 */

/** The query that turns the mode on, on the auth-url of a browser app's Ingress. */
export const SIGNIN_MODE_QUERY = 'signin=1';

/** The sign-in page's path on every public origin. */
export const SIGNIN_PATH = '/auth/signin';

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
};

/**
 * True when a refused request should be redirected: the auth-url asked for it, the caller is not
 * ingress-nginx (which sets `X-Sent-From` on every subrequest; a client forging it only gets the
 * 401 an API client gets), and it is a browser's page load: GET or HEAD, no Authorization, and
 * `Sec-Fetch-Mode: navigate` or, from browsers without Fetch Metadata, `Accept` with `text/html`.
 */
export function wantsSigninRedirect(req: IncomingMessage): boolean {
  const query = (req.url ?? '').split('?')[1];
  if (query === undefined || !query.split('&').includes(SIGNIN_MODE_QUERY)) return false;
  if (req.headers['x-sent-from'] !== undefined || req.headers.authorization !== undefined)
    return false;
  const method = (header(req, 'x-forwarded-method') ?? req.method ?? 'GET').toUpperCase();
  if (method !== 'GET' && method !== 'HEAD') return false;
  const mode = header(req, 'sec-fetch-mode');
  if (mode !== undefined) return mode === 'navigate';
  return (header(req, 'accept') ?? '').includes('text/html');
}

/**
 * The sign-in URL for a refused navigation: on the origin of the page asked for (rebuilt from
 * Traefik's `X-Forwarded-Proto`, `-Host` and `-Uri`), with that page as `rd`, when it is one of
 * the public origins; else on the default origin, with the default landing page. The address is
 * absolute: Traefik would resolve a relative one against the in-cluster auth-url.
 */
export function signinLocation(req: IncomingMessage, policy: RedirectPolicy): string {
  const proto = header(req, 'x-forwarded-proto');
  const host = header(req, 'x-forwarded-host');
  const uri = header(req, 'x-forwarded-uri');
  const asked = proto && host && uri?.startsWith('/') ? `${proto}://${host}${uri}` : undefined;
  const rd = safeRedirect(asked, policy);
  const page = new URL(SIGNIN_PATH, new URL(rd).origin);
  page.searchParams.set('rd', rd);
  return page.href;
}
