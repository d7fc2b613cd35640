import type { Middleware } from 'koa';
import type { Logger } from '../logger.js';
import { requestIdFrom } from './request-id.js';

/** What {@link requestContext} puts on `ctx.state`. */
export interface RequestState {
  /** The gateway's X-Request-ID, as {@link requestIdFrom} maps it. */
  requestId: string;
  /** The service logger bound to this request's id. */
  log: Logger;
}

/** Receives one observation per finished request; the service's metrics implement it. */
export type RequestObserver = (
  labels: { method: string; route: string; status: number },
  seconds: number,
) => void;

/** Options of {@link requestContext}. */
export interface RequestContextOptions {
  readonly logger: Logger;
  readonly observe: RequestObserver;
  /** Paths logged at debug instead of info (health checks, the hot `/verify`). */
  readonly quietPaths?: (path: string) => boolean;
}

/**
 * First middleware of a service: adopts or creates the request id (echoed as `X-Request-ID`),
 * binds a logger to it, and after the response logs one line and feeds the request metrics.
 * Headers, bodies and query strings are never logged.
 */
export function requestContext(options: RequestContextOptions): Middleware<RequestState> {
  // The request line holds only the fields below (the request id already mapped by
  // requestIdFrom, the matched route pattern rather than the path): nothing to redact, and it is
  // written once per request, so it skips the redaction (4.7 % of the API's CPU in the read mix,
  // docs/benchmarks.md) and the per-request child logger. Anything else goes through ctx.state.log.
  const requestLog = options.logger.child({}, { redact: [] });
  const logsDebug = options.logger.isLevelEnabled('debug');
  const logsInfo = options.logger.isLevelEnabled('info');
  return async function trackRequest(ctx, next) {
    const started = process.hrtime.bigint();
    const requestId = requestIdFrom(ctx.get('X-Request-ID'));
    ctx.state.requestId = requestId;
    // the child logger is made on first use: most requests log one line, some none
    let log: Logger | undefined;
    Object.defineProperty(ctx.state, 'log', {
      get: () => {
        log ??= options.logger.child({ reqId: requestId });
        return log;
      },
      configurable: true,
    });
    ctx.set('X-Request-ID', requestId);
    try {
      await next();
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = (ctx as { _matchedRoute?: string })._matchedRoute ?? routeFallback(ctx.path);
      options.observe({ method: ctx.method, route, status: ctx.status }, seconds);
      const quiet = options.quietPaths?.(ctx.path) ?? false;
      if (quiet ? logsDebug : logsInfo) {
        const line = {
          reqId: requestId,
          method: ctx.method,
          route,
          status: ctx.status,
          ms: Math.round(seconds * 1e4) / 10,
        };
        if (quiet) requestLog.debug(line, 'request');
        else requestLog.info(line, 'request');
      }
    }
  };
}

/** Keeps the `route` label's cardinality bounded for requests no router matched. */
function routeFallback(path: string): string {
  if (path === '/verify' || path.startsWith('/verify/')) return '/verify';
  return 'unmatched';
}
