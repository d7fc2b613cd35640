import { bearerToken, HttpError } from '@shardgate/shared';
import type { Middleware } from 'koa';
import type { AuthDeps } from '../deps.js';
import { invalidToken } from '../domain/errors.js';
import { resolveAccessToken } from '../domain/identity.js';
import { AUTH_PROBLEMS } from '../problems.js';
import type { AuthState } from './auth-state.js';

/** Authenticated routes: a live access token of an active user, else 401 (403 when inactive). */
export function requireIdentity(deps: Pick<AuthDeps, 'tokens' | 'state'>): Middleware<AuthState> {
  return async function authenticate(ctx, next) {
    const resolution = await resolveAccessToken(
      bearerToken(ctx.get('Authorization')),
      deps.tokens,
      deps.state,
    );
    if (resolution.outcome === 'inactive')
      throw new HttpError(AUTH_PROBLEMS.user_inactive, 'The account is deactivated.');
    if (resolution.outcome !== 'allowed') throw invalidToken();
    ctx.state.identity = resolution.identity;
    await next();
  };
}

/** Admin routes: after {@link requireIdentity}, the caller's current role must be `admin`. */
export const requireAdmin: Middleware<AuthState> = async function requireAdmin(ctx, next) {
  if (ctx.state.identity?.role !== 'admin')
    throw new HttpError(AUTH_PROBLEMS.forbidden, 'This needs the admin role.');
  await next();
};

/** The identity set by {@link requireIdentity}; only call on authenticated routes. */
export function identityOf(state: AuthState) {
  if (!state.identity) throw invalidToken();
  return state.identity;
}
