import { readJsonBody, validateBody } from '@shardgate/shared';
import type { Context } from 'koa';
import type { AuthDeps } from '../deps.js';
import type { AuthState } from '../http/auth-state.js';
import { identityOf } from '../http/require-identity.js';
import { verifyEmailBody } from '../http/schemas.js';

type Ctx = Context & { state: AuthState };

/** Email verification: `/auth/email/verification` (a new link) and `/auth/email/verify`. */
export function emailVerificationRoutes(deps: Pick<AuthDeps, 'accounts' | 'emailVerification'>) {
  return {
    /** Mails the signed-in user a new verification link; 202. */
    async requestLink(ctx: Ctx) {
      await deps.emailVerification.resend(await deps.accounts.me(identityOf(ctx.state)));
      // an empty body (Koa would write "Accepted"); set before the status, which it would turn to 204
      ctx.body = null;
      ctx.status = 202;
    },

    /** Follows a verification link (the page posts its token); 204. */
    async confirm(ctx: Ctx) {
      const body = validateBody(verifyEmailBody, await readJsonBody(ctx));
      await deps.emailVerification.confirm(body.token);
      ctx.status = 204;
    },
  };
}
