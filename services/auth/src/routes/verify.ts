import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import {
  BASELINE_SECURITY_HEADERS,
  bearerToken,
  HttpError,
  INVALID_TOKEN_CHALLENGE,
  PROBLEM_TYPE_BASE,
  problemBody,
  readJsonBody,
  requestIdFrom,
  validateBody,
} from '@shardgate/shared';
import type { Middleware } from 'koa';
import type { AuthDeps } from '../deps.js';
import { invalidToken } from '../domain/errors.js';
import { type Resolution, resolveAccessToken } from '../domain/identity.js';
import type { AuthState } from '../http/auth-state.js';
import { introspectBody } from '../http/schemas.js';
import { AUTH_PROBLEMS } from '../problems.js';

/** True for the gateway's paths: `/verify` and anything under it, whatever the method or query. */
export function isGatewayVerifyPath(url: string): boolean {
  return url === '/verify' || url.startsWith('/verify/') || url.startsWith('/verify?');
}

/** A problem+json body rendered once: `/verify` answers the same few bodies millions of times. */
const body = (error: HttpError): string => JSON.stringify(problemBody(error, PROBLEM_TYPE_BASE));
const UNAUTHORIZED_BODY = body(invalidToken());
const UNAUTHORIZED_LENGTH = String(Buffer.byteLength(UNAUTHORIZED_BODY));
const INACTIVE_BODY = body(
  new HttpError(AUTH_PROBLEMS.user_inactive, 'The account is deactivated.'),
);
const UNVERIFIED_BODY = body(
  new HttpError(AUTH_PROBLEMS.email_unverified, 'The account has not verified its email address.'),
);

/**
 * The ingress-nginx `auth-url` target (docs/ingress-contract.md), served by plain
 * `node:http` ahead of Koa: it is the gateway's hot path, called once per API request, and Koa's
 * per-request context, logger and middleware cost more than the (cached) check itself.
 *
 * Answers only 200 (empty, with X-User-Id, X-User-Email, X-User-Email-Verified, X-User-Role,
 * X-Session-Id), 401 (with `WWW-Authenticate: Bearer error="invalid_token"`) or 403 (inactive
 * user; with REQUIRE_VERIFIED_EMAIL, an unverified address), on any method and
 * sub-path. It reads nothing but the Authorization header: X-Original-*, X-Forwarded-* and every
 * other header a client may have forged are ignored. If a dependency fails, it denies.
 *
 * Every answer is `Cache-Control: no-store`. Beyond it the 200 carries only the identity headers:
 * only the gateway reads it, and Gateway API's ExternalAuth copies every header of it into the
 * request to the backend. A 401 or 403 also carries the baseline security headers, since Traefik
 * and Envoy relay it to the client as it is. Never HSTS: `/verify` believes no forwarded header,
 * so it cannot know the client's protocol (an edge that relays denials can add its own).
 */
export function gatewayVerify(
  deps: Pick<AuthDeps, 'tokens' | 'state' | 'metrics' | 'logger' | 'config'>,
) {
  // One line per check, so a gateway request id can be followed into this log; the level is
  // read once because the check itself is cheaper than a per-request level lookup.
  const logLevel = deps.config.VERIFY_LOG_LEVEL;
  const requireVerified = deps.config.REQUIRE_VERIFIED_EMAIL;
  // Redaction costs about 11 µs a line (4x the line itself) and this line only ever holds the
  // fixed, non-secret fields below (the request id already mapped by requestIdFrom), so its logger
  // skips it. Anything else about a request goes through deps.logger, which redacts.
  const verifyLog = deps.logger.child({}, { redact: [] });
  return async function verifyForGateway(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    let resolution: Resolution | { outcome: 'error' } | { outcome: 'unverified' };
    try {
      resolution = await resolveAccessToken(
        bearerToken(req.headers.authorization),
        deps.tokens,
        deps.state,
      );
    } catch (error) {
      deps.logger.error(
        { err: error, reqId: requestIdFrom(req.headers['x-request-id']) },
        'verify could not check the token; denying',
      );
      resolution = { outcome: 'error' };
    }
    if (requireVerified && resolution.outcome === 'allowed' && !resolution.identity.emailVerified)
      resolution = { outcome: 'unverified' };
    let status: number;
    if (resolution.outcome === 'allowed') {
      const { identity } = resolution;
      status = 200;
      res.writeHead(200, {
        'Cache-Control': 'no-store',
        'X-User-Id': String(identity.userId),
        'X-User-Email': identity.email,
        'X-User-Email-Verified': identity.emailVerified ? 'true' : 'false',
        'X-User-Role': identity.role,
        'X-Session-Id': identity.sessionId,
        'Content-Length': '0',
      });
      res.end();
    } else if (resolution.outcome === 'inactive' || resolution.outcome === 'unverified') {
      status = 403;
      res.writeHead(403, {
        ...BASELINE_SECURITY_HEADERS,
        'Cache-Control': 'no-store',
        'Content-Type': 'application/problem+json',
      });
      const refusal = resolution.outcome === 'inactive' ? INACTIVE_BODY : UNVERIFIED_BODY;
      res.end(req.method === 'HEAD' ? undefined : refusal);
    } else {
      status = 401;
      res.writeHead(401, {
        ...BASELINE_SECURITY_HEADERS,
        'Cache-Control': 'no-store',
        'Content-Type': 'application/problem+json',
        'WWW-Authenticate': INVALID_TOKEN_CHALLENGE,
        'Content-Length': UNAUTHORIZED_LENGTH,
      });
      res.end(req.method === 'HEAD' ? undefined : UNAUTHORIZED_BODY);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    deps.metrics.verifyOutcome(resolution.outcome);
    deps.metrics.observeRequest({ method: req.method ?? 'GET', route: '/verify', status }, seconds);
    if (verifyLog.isLevelEnabled(logLevel)) {
      verifyLog[logLevel](
        {
          reqId: requestIdFrom(req.headers['x-request-id']),
          status,
          outcome: resolution.outcome,
          userId: resolution.outcome === 'allowed' ? resolution.identity.userId : undefined,
          ms: Math.round(seconds * 1e4) / 10,
        },
        'verify',
      );
    }
  };
}

/** Sends `/verify` to {@link gatewayVerify} and everything else to the Koa app. */
export function withGatewayVerify(
  deps: Pick<AuthDeps, 'tokens' | 'state' | 'metrics' | 'logger' | 'config'>,
  koa: RequestListener,
): RequestListener {
  const verify = gatewayVerify(deps);
  return function route(req, res) {
    if (isGatewayVerifyPath(req.url ?? '')) {
      verify(req, res).catch((error: unknown) => {
        // not reachable in practice: the handler catches its own failures; still never leave a socket hanging
        deps.logger.error({ err: error }, 'verify handler failed');
        if (!res.headersSent) res.writeHead(401, { 'WWW-Authenticate': INVALID_TOKEN_CHALLENGE });
        res.end();
      });
    } else {
      koa(req, res);
    }
  };
}

/** `POST /auth/verify` `{token}`: the same check for callers that cannot use a header. */
export function introspection(deps: Pick<AuthDeps, 'tokens' | 'state'>) {
  return {
    async introspect(ctx: Parameters<Middleware<AuthState>>[0]) {
      const body = validateBody(introspectBody, await readJsonBody(ctx));
      const token = body.token ?? body.access ?? null;
      const resolution = await resolveAccessToken(token, deps.tokens, deps.state);
      if (resolution.outcome !== 'allowed') throw invalidToken();
      const { identity } = resolution;
      ctx.set('Cache-Control', 'no-store');
      ctx.body = {
        valid: true,
        user_id: String(identity.userId),
        email: identity.email,
        role: identity.role,
        session_id: identity.sessionId,
        exp: identity.claims.exp,
      };
    },
  };
}
