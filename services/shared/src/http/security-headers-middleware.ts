import type { Middleware } from 'koa';
import { cameOverTls, type HstsSettings, strictTransportSecurity } from './hsts.js';
import { BASELINE_SECURITY_HEADERS, NO_STORE } from './security-headers.js';

/** Options of {@link securityHeaders}. */
export interface SecurityHeadersOptions {
  readonly hsts: HstsSettings;
  /** Proxies whose `X-Forwarded-Proto` is believed (the service's `TRUST_PROXY_HOPS`). */
  readonly trustProxyHops: number;
}

/**
 * Puts the security headers on every answer of a Koa app: {@link BASELINE_SECURITY_HEADERS},
 * `Cache-Control: no-store`, and `Strict-Transport-Security` when the request came over TLS
 * ({@link cameOverTls}) and HSTS is on.
 *
 * They are set before the rest of the app runs, so they are there whatever answers (a route, the
 * error handler, a 404 or 405) and a route can replace any of them with `ctx.set`:
 *
 * - a route whose answer may be cached (public metadata) sets its own `Cache-Control`;
 * - an HTML page sets its own `Content-Security-Policy` (and keeps `frame-ancestors 'none'` in
 *   it, unless it is meant to be framed); nothing later overwrites it. Left alone, a page gets the
 *   JSON policy, which blocks its scripts and styles: a visible failure, not a silent hole.
 */
export function securityHeaders(options: SecurityHeadersOptions): Middleware {
  const hsts = strictTransportSecurity(options.hsts);
  return async function setSecurityHeaders(ctx, next) {
    ctx.set(BASELINE_SECURITY_HEADERS);
    ctx.set('Cache-Control', NO_STORE);
    if (
      hsts !== undefined &&
      cameOverTls(
        'encrypted' in ctx.req.socket && ctx.req.socket.encrypted === true,
        ctx.get('X-Forwarded-Proto') || undefined,
        options.trustProxyHops,
      )
    ) {
      ctx.set('Strict-Transport-Security', hsts);
    }
    await next();
  };
}
