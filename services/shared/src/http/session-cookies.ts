/**
 * The browser session's cookies, as both services read them. The access cookie carries exactly
 * the JWT a bearer token carries, so the API checks it the same way; the refresh and CSRF cookies
 * are read by the auth service only. `__Host-` names make the browser refuse them unless they are
 * `Secure`, `Path=/` and without `Domain`: no sibling subdomain can plant or shadow them.
 * @packageDocumentation
 */

/** Names of the session cookies (docs/browser-sessions.md). */
export const SESSION_COOKIES = {
  /** The access JWT (HttpOnly); what a bearer token would carry. */
  access: '__Host-sg_access',
  /** The refresh token (HttpOnly); read only by the auth service's sign-in endpoints. */
  refresh: '__Host-sg_refresh',
  /** The double-submit CSRF token (readable by the page's script, so it can echo it). */
  csrf: '__Host-sg_csrf',
} as const;

/** Longer `Cookie` headers are not parsed: ours stay far below, and browsers cap at 8 KiB or so. */
const MAX_COOKIE_HEADER_LENGTH = 16_384;

/**
 * The value of cookie `name` in a `Cookie` header; null when absent, empty or present more than
 * once (two values under one name mean a cookie was planted beside ours: use neither).
 */
export function readCookie(header: string | undefined, name: string): string | null {
  if (!header || header.length > MAX_COOKIE_HEADER_LENGTH) return null;
  let found: string | null = null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    if (found !== null) return null;
    found = part.slice(eq + 1).trim();
  }
  return found === '' ? null : found;
}

/**
 * True when the `Cookie` header names either credential cookie of a browser session, with any
 * value, once or more (a request must not carry a bearer token beside them, whatever they hold).
 */
export function hasSessionCookie(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(';').some((part) => {
    const name = part.slice(0, part.indexOf('=') === -1 ? part.length : part.indexOf('=')).trim();
    return name === SESSION_COOKIES.access || name === SESSION_COOKIES.refresh;
  });
}
