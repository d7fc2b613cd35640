import type { Middleware } from 'koa';
import { HttpError } from './http/http-error.js';
import { COMMON_PROBLEMS } from './http/problems.js';
import type { Lifecycle } from './lifecycle.js';

/** A named dependency check for `/readyz`; resolves true when the dependency is usable. */
export interface ReadinessCheck {
  readonly name: string;
  readonly check: () => Promise<boolean>;
}

const CHECK_TIMEOUT_MS = 1_000;

async function passes(check: ReadinessCheck): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check.check().catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `GET /healthz`: 200 while the process runs (liveness; never checks dependencies, so that a
 * database outage does not make Kubernetes restart every pod).
 * `GET /readyz`: 200 when not shutting down and every check passes, else 503 naming the failures.
 * Any other method on either path: 405 with `Allow`, as on every other known path.
 */
export function healthRoutes(
  lifecycle: Lifecycle,
  checks: readonly ReadinessCheck[] = [],
): Middleware {
  return async function health(ctx, next) {
    if (ctx.path !== '/healthz' && ctx.path !== '/readyz') return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      throw new HttpError(
        COMMON_PROBLEMS.method_not_allowed,
        `${ctx.method} is not allowed here.`,
        {
          headers: { Allow: 'HEAD, GET' },
        },
      );
    }
    if (ctx.path === '/healthz') {
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { status: 'ok' };
      return;
    }
    ctx.set('Cache-Control', 'no-store');
    if (lifecycle.shuttingDown) {
      ctx.status = 503;
      ctx.body = { status: 'shutting down' };
      return;
    }
    const results = await Promise.all(
      checks.map(async (c) => ({ name: c.name, ok: await passes(c) })),
    );
    const failing = results.filter((r) => !r.ok).map((r) => r.name);
    ctx.status = failing.length === 0 ? 200 : 503;
    ctx.body = failing.length === 0 ? { status: 'ready' } : { status: 'not ready', failing };
  };
}
