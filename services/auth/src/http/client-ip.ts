import type { Context } from 'koa';

/**
 * The client's address for rate limiting: Koa's `ctx.ip`, which honours X-Forwarded-For only for
 * the configured number of trusted proxy hops (app.proxy / app.maxIpsCount). Bounded in length,
 * since with zero trusted hops it may still be anything a direct caller sent.
 */
export function clientIp(ctx: Context): string {
  const ip = ctx.ip || 'unknown';
  return ip.length <= 64 ? ip : 'invalid';
}
