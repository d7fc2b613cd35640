import { SESSION_COOKIES } from '@shardgate/shared';
import type { TokenPair } from '../domain/sessions.js';

/**
 * The `Set-Cookie` values of a browser session. Every cookie is `__Host-` (so `Secure`, `Path=/`,
 * no `Domain`: set and sent only by the exact host of the gateway) and `SameSite=Lax` (not sent on
 * cross-site subrequests and POSTs; top-level navigations still carry it, so a link into the app
 * arrives signed in). The access and refresh cookies are `HttpOnly`: no script of the page, nor
 * one injected into it, can read the tokens. The CSRF cookie is readable on purpose: a script
 * echoes it in `X-CSRF-Token`.
 */

const ATTRIBUTES = 'Path=/; Secure; SameSite=Lax';

/** The cookies of a fresh or rotated pair; they live as long as the tokens they hold. */
export function sessionCookies(pair: TokenPair, refreshTtlSeconds: number): string[] {
  return [
    `${SESSION_COOKIES.access}=${pair.access_token}; Max-Age=${pair.expires_in}; HttpOnly; ${ATTRIBUTES}`,
    `${SESSION_COOKIES.refresh}=${pair.refresh_token}; Max-Age=${refreshTtlSeconds}; HttpOnly; ${ATTRIBUTES}`,
  ];
}

/** The CSRF cookie: as long-lived as a refresh token, so an open form does not expire first. */
export function csrfCookie(token: string, refreshTtlSeconds: number): string {
  return `${SESSION_COOKIES.csrf}=${token}; Max-Age=${refreshTtlSeconds}; ${ATTRIBUTES}`;
}

/** Cookies that delete the session's (the CSRF cookie stays: the sign-in form needs one). */
export function clearedSessionCookies(): string[] {
  return [SESSION_COOKIES.access, SESSION_COOKIES.refresh].map(
    (name) => `${name}=; Max-Age=0; HttpOnly; ${ATTRIBUTES}`,
  );
}
