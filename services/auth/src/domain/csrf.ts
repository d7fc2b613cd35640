import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Cross-site request forgery checks for requests authenticated by the session cookie. SameSite=Lax
 * keeps the cookie off cross-site POSTs, but not off same-site ones (a sibling subdomain, another
 * port of the same host), so every unsafe cookie request must also show where it comes from:
 * Fetch Metadata and Origin from browsers, or a double-submitted token from clients that send
 * neither. Bearer requests need none of this: a browser never attaches a bearer token by itself.
 */

/** Why a request was refused; public codes (problem+json `code`). */
export type CsrfRefusal = 'csrf_origin' | 'csrf_token';

/** What a CSRF check reads of a request (header values as received). */
export interface CsrfEvidence {
  /** `Sec-Fetch-Site`. */
  readonly secFetchSite: string | undefined;
  /** `Origin`. */
  readonly origin: string | undefined;
  /** The token the client echoed (`X-CSRF-Token` header, or a form's field). */
  readonly echoedToken: string | undefined;
  /** The token in the CSRF cookie. */
  readonly cookieToken: string | null;
}

/** Methods that must not change anything (RFC 9110 §9.2.1), so need no CSRF check. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * True when any of the methods the request claims is unsafe. Behind ingress-nginx the real
 * method is `X-Original-Method` and `X-Forwarded-Method` is the client's; behind Traefik the
 * reverse. Either may be forged, but only towards "unsafe", which asks for more checks, never
 * fewer; an absent header claims nothing.
 */
export function claimsUnsafeMethod(methods: readonly (string | undefined)[]): boolean {
  return methods.some((m) => m !== undefined && !SAFE_METHODS.has(m.toUpperCase()));
}

/**
 * The verdict on an unsafe cookie-authenticated request, or null when it may go on:
 * 1. `Sec-Fetch-Site: same-origin` passes (the browser itself says the page is ours);
 * 2. else an `Origin` passes only when it is one of `origins` (`null` never does): `csrf_origin`;
 * 3. else `Sec-Fetch-Site` `same-site`, `cross-site` or `none` without an Origin: `csrf_origin`;
 * 4. else (neither header: an old browser, a script) the echoed token must equal the cookie's,
 *    compared in constant time: `csrf_token`.
 */
export function csrfRefusal(
  evidence: CsrfEvidence,
  origins: ReadonlySet<string>,
): CsrfRefusal | null {
  const site = evidence.secFetchSite?.toLowerCase();
  if (site === 'same-origin') return null;
  if (evidence.origin !== undefined) return origins.has(evidence.origin) ? null : 'csrf_origin';
  if (site !== undefined) return 'csrf_origin';
  return tokensMatch(evidence.echoedToken, evidence.cookieToken) ? null : 'csrf_token';
}

/** Constant-time equality of two tokens of any length (their SHA-256 are compared). */
export function tokensMatch(echoed: string | undefined, cookie: string | null): boolean {
  if (!echoed || !cookie) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(echoed), digest(cookie));
}
