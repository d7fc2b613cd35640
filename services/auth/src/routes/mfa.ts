import { readJsonBody, validateBody } from '@shardgate/shared';
import type { Context } from 'koa';
import type { AuthDeps } from '../deps.js';
import type { AuthState } from '../http/auth-state.js';
import { clientIp } from '../http/client-ip.js';
import { identityOf } from '../http/require-identity.js';
import {
  confirmTotpBody,
  disableTotpBody,
  enrolTotpBody,
  loginMfaBody,
  secondFactorOf,
} from '../http/schemas.js';
import { parseUserId } from '../http/user-id.js';

type Ctx = Context & { state: AuthState; params: Record<string, string> };

/**
 * TOTP MFA: `/auth/mfa/totp` (enrol, confirm, turn off), the login's second step
 * `/auth/login/mfa`, and an administrator's reset `/auth/users/:id/mfa`. Every answer that holds
 * a secret (a seed, recovery codes, tokens) is `Cache-Control: no-store`.
 */
export function mfaRoutes(deps: Pick<AuthDeps, 'mfa'>) {
  return {
    /** Starts an enrolment with `{current_password}`: 200 `{secret, otpauth_uri}`. */
    async enrolTotp(ctx: Ctx) {
      ctx.set('Cache-Control', 'no-store');
      const body = validateBody(enrolTotpBody, await readJsonBody(ctx));
      const { secret, otpauthUri } = await deps.mfa.enrol(
        identityOf(ctx.state),
        body.current_password,
        clientIp(ctx),
      );
      ctx.body = { secret, otpauth_uri: otpauthUri };
    },

    /** Confirms the enrolment with a code: 200 `{recovery_codes}`, shown this once. */
    async confirmTotp(ctx: Ctx) {
      ctx.set('Cache-Control', 'no-store');
      const body = validateBody(confirmTotpBody, await readJsonBody(ctx));
      const codes = await deps.mfa.confirm(identityOf(ctx.state), body.code);
      ctx.body = { recovery_codes: codes };
    },

    /** Turns MFA off with a TOTP or recovery code: 204. */
    async disableTotp(ctx: Ctx) {
      const body = validateBody(disableTotpBody, await readJsonBody(ctx));
      await deps.mfa.disable(identityOf(ctx.state), secondFactorOf(body));
      ctx.status = 204;
    },

    /** The login's second step: `{mfa_token, code}` or `{mfa_token, recovery_code}` → token pair. */
    async loginMfa(ctx: Ctx) {
      ctx.set('Cache-Control', 'no-store');
      ctx.set('Pragma', 'no-cache');
      const body = validateBody(loginMfaBody, await readJsonBody(ctx));
      ctx.body = await deps.mfa.completeLogin(body.mfa_token, secondFactorOf(body));
    },

    /** An administrator removes a user's MFA: 204. */
    async resetUserMfa(ctx: Ctx) {
      await deps.mfa.reset(parseUserId(ctx.params.id));
      ctx.status = 204;
    },
  };
}
