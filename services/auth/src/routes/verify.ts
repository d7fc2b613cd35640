import { readJsonBody, validateBody } from '@shardgate/shared';
import type { Middleware } from 'koa';
import type { AuthDeps } from '../deps.js';
import { INVALID_TOKEN_CHALLENGE, invalidToken } from '../domain/errors.js';
import { type Resolution, resolveAccessToken } from '../domain/identity.js';
import type { AuthState } from '../http/auth-state.js';
import { bearerToken } from '../http/bearer.js';
import { introspectBody } from '../http/schemas.js';

const problem = (status: number, code: string, detail: string) => ({
  type: `https://shardgate.dev/problems/${code}`,
  title: status === 401 ? 'Unauthorized' : 'Forbidden',
  status,
  detail,
  code,
});

/** True for the gateway's paths: `/verify` and anything under it, whatever the method. */
export const isGatewayVerifyPath = (path: string) =>
  path === '/verify' || path.startsWith('/verify/');

/**
 * The ingress-nginx `auth-url` target (shared/docs/ingress-contract.md). Answers only
 * 200 (with X-User-Id, X-User-Email, X-User-Role, X-Session-Id), 401 (with
 * `WWW-Authenticate: Bearer error="invalid_token"`) or 403 (inactive user), on any method and
 * sub-path. It reads nothing but the Authorization header: X-Original-*, X-Forwarded-* and
 * every other header a client may have forged are ignored. If a dependency fails, it denies.
 */
export function gatewayVerify(
  deps: Pick<AuthDeps, 'tokens' | 'state' | 'metrics'>,
): Middleware<AuthState> {
  return async function verifyForGateway(ctx, next) {
    if (!isGatewayVerifyPath(ctx.path)) return next();
    ctx.set('Cache-Control', 'no-store');
    let resolution: Resolution | { outcome: 'error' };
    try {
      resolution = await resolveAccessToken(
        bearerToken(ctx.get('Authorization')),
        deps.tokens,
        deps.state,
      );
    } catch (error) {
      ctx.state.log.error({ err: error }, 'verify could not check the token; denying');
      resolution = { outcome: 'error' };
    }
    deps.metrics.verifyOutcome(resolution.outcome);
    if (resolution.outcome === 'allowed') {
      const { identity } = resolution;
      ctx.status = 200;
      ctx.set('X-User-Id', String(identity.userId));
      ctx.set('X-User-Email', identity.email);
      ctx.set('X-User-Role', identity.role);
      ctx.set('X-Session-Id', identity.sessionId);
      ctx.body = '';
      return;
    }
    ctx.type = 'application/problem+json';
    if (resolution.outcome === 'inactive') {
      ctx.status = 403;
      ctx.body = problem(403, 'user_inactive', 'The account is deactivated.');
      return;
    }
    ctx.status = 401;
    ctx.set('WWW-Authenticate', INVALID_TOKEN_CHALLENGE);
    ctx.body = problem(
      401,
      'invalid_token',
      'The access token is missing, invalid, expired or revoked.',
    );
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
