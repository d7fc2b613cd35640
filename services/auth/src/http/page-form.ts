import { readCookie, readFormBody, SESSION_COOKIES } from '@shardgate/shared';
import type { Context } from 'koa';
import { type CsrfEvidence, tokensMatch } from '../domain/csrf.js';
import { newSecretToken } from '../domain/secret-token.js';
import { signinPageCsp } from '../pages/signin-page.js';
import { csrfCookie } from './session-cookie-headers.js';

/**
 * What the sign-in pages' handlers share: their headers, reading their forms, and the CSRF token
 * the forms double-submit.
 */

/** Headers of every page answer: no caching anywhere, and the pages' own strict CSP. */
export function setPageHeaders(ctx: Context, origins: Iterable<string>): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Content-Security-Policy', signinPageCsp(origins));
  ctx.type = 'text/html; charset=utf-8';
}

/** The urlencoded form of a page's POST, or null when it is not one (wrong type, repeated field). */
export async function readPageForm(ctx: Context): Promise<Map<string, string> | null> {
  try {
    return await readFormBody(ctx);
  } catch {
    return null;
  }
}

/**
 * The browser's CSRF token: the cookie's when it has one, else a new one set now (the page that
 * shows a form must hold the token the form will send back).
 */
export function csrfTokenOf(ctx: Context, refreshTtlSeconds: number): string {
  const existing = readCookie(ctx.get('Cookie'), SESSION_COOKIES.csrf);
  if (existing !== null && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
  const token = newSecretToken();
  ctx.append('Set-Cookie', csrfCookie(token, refreshTtlSeconds));
  return token;
}

/** The CSRF evidence of a request, with the token echoed in a form field or `X-CSRF-Token`. */
export function csrfEvidence(ctx: Context, formToken: string | undefined): CsrfEvidence {
  const optional = (name: string) => ctx.get(name) || undefined;
  return {
    secFetchSite: optional('Sec-Fetch-Site'),
    origin: optional('Origin'),
    echoedToken: formToken ?? optional('X-CSRF-Token'),
    cookieToken: readCookie(ctx.get('Cookie'), SESSION_COOKIES.csrf),
  };
}

/** True when the form's `csrf` field equals the CSRF cookie (constant time). */
export function formTokenMatches(ctx: Context, form: Map<string, string>): boolean {
  return tokensMatch(form.get('csrf'), readCookie(ctx.get('Cookie'), SESSION_COOKIES.csrf));
}
