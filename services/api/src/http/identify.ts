import { HttpError } from '@shardgate/shared';
import type { Middleware } from 'koa';
import type { ApiDeps } from '../deps.js';
import type { Caller } from '../domain/profiles.js';
import type { ApiState } from './api-state.js';

const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i;

const unauthorized = () =>
  new HttpError(401, 'invalid_token', 'A valid access token is required.', {
    headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
  });

/**
 * Establishes the caller of an `/api` request: the bearer token must verify against the auth
 * service's JWKS, and when the gateway's `X-User-Id` is present it must name the token's subject.
 * A request that bypassed the gateway, or that forged the header, gets 401. Sets `X-Shard` on the
 * response (`none` until the caller is known).
 */
export function identify(deps: Pick<ApiDeps, 'verifier' | 'shards'>): Middleware<ApiState> {
  return async function identifyCaller(ctx, next) {
    ctx.set('X-Shard', 'none');
    const header = ctx.get('Authorization');
    const token = header.length <= 8192 ? BEARER.exec(header)?.[1] : undefined;
    const claims = token ? await deps.verifier.verify(token) : null;
    if (!claims) throw unauthorized();
    const gatewayUserId = ctx.get('X-User-Id');
    if (gatewayUserId !== '' && gatewayUserId !== claims.sub) throw unauthorized();
    const caller: Caller = {
      userId: Number(claims.sub),
      email: claims.email,
      role: claims.role,
      sessionId: claims.sid,
    };
    ctx.state.caller = caller;
    ctx.set('X-Shard', deps.shards.map.place(caller.userId).shard);
    await next();
  };
}

/** The caller set by {@link identify}. */
export function callerOf(state: ApiState): Caller {
  if (!state.caller) throw unauthorized();
  return state.caller;
}
