import { readJsonBody, validateBody } from '@shardgate/shared';
import type { Context } from 'koa';
import type { AuthDeps } from '../deps.js';
import type { AuthState } from '../http/auth-state.js';
import { clientIp } from '../http/client-ip.js';
import { resetCompleteBody, resetRequestBody } from '../http/schemas.js';

type Ctx = Context & { state: AuthState };

/** Password reset: `/auth/password/reset` and `/auth/password/reset/confirm`. */
export function passwordResetRoutes(deps: Pick<AuthDeps, 'passwordReset'>) {
  return {
    /** Asks for a reset link: 202 whether or not the address has an account. */
    async request(ctx: Ctx) {
      const body = validateBody(resetRequestBody, await readJsonBody(ctx));
      await deps.passwordReset.request(body.email, clientIp(ctx));
      ctx.set('Cache-Control', 'no-store');
      // an empty body (Koa would write "Accepted"); set before the status, which it would turn to 204
      ctx.body = null;
      ctx.status = 202;
    },

    /** Sets a new password with a link's token; 204, every session revoked. */
    async complete(ctx: Ctx) {
      const body = validateBody(resetCompleteBody, await readJsonBody(ctx));
      await deps.passwordReset.complete(body.token, body.password);
      ctx.status = 204;
    },
  };
}
