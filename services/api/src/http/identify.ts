import {
  bearerToken,
  hasSessionCookie,
  invalidTokenError,
  readCookie,
  SESSION_COOKIES,
} from '@shardgate/shared';
import type { Middleware } from 'koa';
import type { ApiDeps } from '../deps.js';
import type { Caller } from '../domain/profiles.js';
import type { ShardStores } from '../domain/shards.js';
import type { ApiState } from './api-state.js';

const unauthorized = () => invalidTokenError('A valid access token is required.');

/**
 * Establishes the caller of an `/api` request: the access token (a bearer token, or a browser
 * session's access cookie, never both) must verify against the auth service's JWKS, and when the gateway's `X-User-Id` is present it must name the token's subject.
 * A request that bypassed the gateway, or that forged the header, gets 401. Then places the caller,
 * once for the whole request: their shard's stores go into `ctx.state.shard` for the routes and
 * the domain, and its name into `X-Shard` (`none` until the caller is known).
 */
export function identify(deps: Pick<ApiDeps, 'verifier' | 'shards'>): Middleware<ApiState> {
  return async function identifyCaller(ctx, next) {
    ctx.set('X-Shard', 'none');
    const token = accessToken(ctx.get('Authorization'), ctx.get('Cookie'));
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
    const shard = deps.shards.of(caller.userId);
    ctx.state.caller = caller;
    ctx.state.shard = shard;
    ctx.set('X-Shard', shard.name);
    await next();
  };
}

/**
 * The access token of a request: the bearer token, or else the session's access cookie. Both at
 * once is refused (null), as `/verify` refuses it: which identity was meant is not ours to guess.
 */
function accessToken(authorization: string, cookie: string): string | null {
  if (authorization !== '' && hasSessionCookie(cookie)) return null;
  if (authorization !== '') return bearerToken(authorization);
  return readCookie(cookie, SESSION_COOKIES.access);
}

/** The caller and the stores of their shard, as {@link identify} set them. */
export function identified(state: ApiState): { caller: Caller; shard: ShardStores } {
  if (!state.caller || !state.shard) throw unauthorized();
  return { caller: state.caller, shard: state.shard };
}
