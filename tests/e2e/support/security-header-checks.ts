import { BASELINE_SECURITY_HEADERS } from '@shardgate/shared';
import { expect } from 'vitest';
import type { GatewayResponse } from './gateway-client.js';

/**
 * The header set an answer must carry, by the kind of route that gave it
 * (services/shared/src/http/security-headers.ts, docs/operations.md "Security headers"):
 *
 * - `private`: everything that may hold a token or personal data, every error, 404, 405 and the
 *   health checks: the baseline and `Cache-Control: no-store`;
 * - `public`: public metadata (JWKS, OpenID discovery): the baseline, cacheable for 5 minutes;
 * - `asset`: a static file of the pages (the sign-in stylesheet): the baseline, cacheable for an
 *   hour;
 * - `page`: an HTML page: the baseline and `no-store`, but a CSP of its own, which must still
 *   forbid framing;
 * - `verify-allowed`: `/verify`'s 200, read by the gateway only: `no-store` and the identity
 *   headers, nothing of the baseline;
 * - `verify-denied`: `/verify`'s 401 and 403, which Traefik relays to the client: the baseline
 *   and `no-store`.
 */
export type HeaderClass =
  | 'private'
  | 'public'
  | 'asset'
  | 'page'
  | 'verify-allowed'
  | 'verify-denied';

/** What `Cache-Control` each class carries. */
const CACHE_CONTROL: Record<HeaderClass, string> = {
  private: 'no-store',
  public: 'public, max-age=300',
  asset: 'public, max-age=3600',
  page: 'no-store',
  'verify-allowed': 'no-store',
  'verify-denied': 'no-store',
};

/** Headers `/verify`'s 200 may carry: the identity and what HTTP itself adds. */
const VERIFY_ALLOWED_HEADERS = new Set([
  'cache-control',
  'content-length',
  'x-user-id',
  'x-user-email',
  'x-user-email-verified',
  'x-user-role',
  'x-session-id',
  'date',
  'connection',
  'keep-alive',
]);

/**
 * Fails unless `res` carries exactly the header set of `headerClass`, each header once (a value
 * repeated by a proxy would read `DENY, DENY`), and `Strict-Transport-Security` equal to `hsts`
 * (absent when undefined).
 */
export function expectSecurityHeaders(
  res: GatewayResponse,
  headerClass: HeaderClass,
  what: string,
  hsts?: string,
): void {
  const at = `${what} → ${res.status}`;
  expect(res.headers['cache-control'], `${at}: Cache-Control`).toBe(CACHE_CONTROL[headerClass]);
  if (headerClass === 'verify-allowed') {
    const extra = Object.keys(res.headers).filter((name) => !VERIFY_ALLOWED_HEADERS.has(name));
    expect(extra, `${at}: headers beyond the identity`).toEqual([]);
    return;
  }
  for (const [name, value] of Object.entries(BASELINE_SECURITY_HEADERS)) {
    if (headerClass === 'page' && name === 'Content-Security-Policy') continue;
    expect(res.headers[name.toLowerCase()], `${at}: ${name}`).toBe(value);
  }
  if (headerClass === 'page') {
    const csp = String(res.headers['content-security-policy']);
    expect(csp, `${at}: a page's own Content-Security-Policy`).not.toBe(
      BASELINE_SECURITY_HEADERS['Content-Security-Policy'],
    );
    expect(csp, `${at}: Content-Security-Policy`).toContain("frame-ancestors 'none'");
  }
  expect(res.headers['strict-transport-security'], `${at}: Strict-Transport-Security`).toBe(
    headerClass === 'verify-denied' ? undefined : hsts,
  );
}
