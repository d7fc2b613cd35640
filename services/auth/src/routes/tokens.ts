import { HttpError, readFormBody, readJsonBody, validateBody } from '@shardgate/shared';
import type { Context } from 'koa';
import type { AuthDeps } from '../deps.js';
import type { AuthState } from '../http/auth-state.js';
import { clientIp } from '../http/client-ip.js';
import { identityOf } from '../http/require-identity.js';
import { loginBody, loginEmail, password as passwordSchema, refreshBody } from '../http/schemas.js';
import { AUTH_PROBLEMS, type AuthProblemCode } from '../problems.js';

type Ctx = Context & { state: AuthState };

/** Token answers must never be cached (RFC 6749 §5.1). */
function noStore(ctx: Ctx): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Pragma', 'no-cache');
}

/** `/auth/token` answers errors as RFC 6749 §5.2 `{error, error_description}`. */
function oauthError(error: HttpError): { status: number; body: unknown } {
  // keyed by catalogue codes (checked), looked up by any code
  const map: Partial<Record<string, [number, string]>> = {
    invalid_credentials: [400, 'invalid_grant'],
    invalid_refresh_token: [400, 'invalid_grant'],
    // the grant has no second step: an account with MFA must use /auth/login
    mfa_required: [400, 'invalid_grant'],
    unsupported_grant_type: [400, 'unsupported_grant_type'],
    rate_limited: [429, 'rate_limited'],
    busy: [503, 'temporarily_unavailable'],
    not_ready: [503, 'temporarily_unavailable'],
  } satisfies Partial<Record<AuthProblemCode, [number, string]>>;
  const [status, code] =
    map[error.code] ??
    (error.status < 500 ? [400, 'invalid_request'] : [error.status, 'server_error']);
  return { status, body: { error: code, error_description: error.detail } };
}

function required(params: Map<string, string>, name: string): string {
  const value = params.get(name);
  if (value === undefined || value === '')
    throw new HttpError(AUTH_PROBLEMS.invalid_request, `Parameter ${name} is required.`);
  return value;
}

/** Logins and token lifecycle: `/auth/token`, `/auth/login`, `/auth/refresh`, `/auth/logout*`. */
export function tokenRoutes(deps: Pick<AuthDeps, 'accounts' | 'sessions' | 'mfa'>) {
  return {
    /** OAuth 2.0 token endpoint: password and refresh_token grants, form-encoded. */
    async issueTokens(ctx: Ctx) {
      noStore(ctx);
      ctx.state.renderError = oauthError;
      const params = await readFormBody(ctx);
      const grant = required(params, 'grant_type');
      if (grant === 'password') {
        const email = loginEmail.safeParse(required(params, 'username'));
        const password = passwordSchema.safeParse(required(params, 'password'));
        if (!email.success || !password.success)
          throw new HttpError(AUTH_PROBLEMS.invalid_request, 'username or password is malformed.');
        const user = await deps.accounts.authenticate(email.data, password.data, clientIp(ctx));
        await deps.mfa.refuseIfEnabled(user);
        ctx.body = await deps.sessions.start(user);
      } else if (grant === 'refresh_token') {
        ctx.body = await deps.sessions.refresh(required(params, 'refresh_token'));
      } else {
        throw new HttpError(
          AUTH_PROBLEMS.unsupported_grant_type,
          'grant_type must be password or refresh_token.',
        );
      }
    },

    /**
     * JSON login: `{email, password}`. For an account with MFA on, 401 `mfa_required` with an
     * `mfa_token` for `/auth/login/mfa` instead of tokens.
     */
    async login(ctx: Ctx) {
      noStore(ctx);
      const body = validateBody(loginBody, await readJsonBody(ctx));
      const user = await deps.accounts.authenticate(body.email, body.password, clientIp(ctx));
      await deps.mfa.requireSecondFactor(user);
      ctx.body = await deps.sessions.start(user);
    },

    /** JSON refresh: `{refresh_token}`; the token is spent. */
    async refresh(ctx: Ctx) {
      noStore(ctx);
      const body = validateBody(refreshBody, await readJsonBody(ctx));
      ctx.body = await deps.sessions.refresh(body.refresh_token);
    },

    /** Revokes the caller's session. */
    async logout(ctx: Ctx) {
      await deps.sessions.logout(identityOf(ctx.state));
      ctx.status = 204;
    },

    /** Revokes every session of the caller. */
    async logoutAll(ctx: Ctx) {
      await deps.sessions.revokeAll(identityOf(ctx.state).userId, 'logout_all');
      ctx.status = 204;
    },
  };
}
