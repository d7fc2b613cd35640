import { readJsonBody, validateBody } from '@shardgate/shared';
import type { Context } from 'koa';
import type { AuthDeps } from '../deps.js';
import type { AuthState } from '../http/auth-state.js';
import { clientIp } from '../http/client-ip.js';
import { identityOf } from '../http/require-identity.js';
import { administerBody, changePasswordBody, registerBody, updateMeBody } from '../http/schemas.js';
import { parseUserId } from '../http/user-id.js';
import { userView } from '../http/user-view.js';

type Ctx = Context & { state: AuthState; params: Record<string, string> };

/** Accounts: `/auth/register`, `/auth/me`, `/auth/password`, `/auth/users/:id`. */
export function accountRoutes(deps: Pick<AuthDeps, 'accounts' | 'emailVerification'>) {
  return {
    /** Creates an account and mails it a verification link; 201 with the user. */
    async register(ctx: Ctx) {
      const body = validateBody(registerBody, await readJsonBody(ctx));
      const user = await deps.accounts.register(
        { email: body.email, password: body.password, name: body.name ?? null },
        clientIp(ctx),
      );
      await deps.emailVerification.sendAfterRegistration(user);
      ctx.status = 201;
      ctx.set('Location', `/auth/users/${user.id}`);
      ctx.body = userView(user);
    },

    async showMe(ctx: Ctx) {
      ctx.set('Cache-Control', 'no-store');
      ctx.body = userView(await deps.accounts.me(identityOf(ctx.state)));
    },

    /** 200 with the user as it now is; `{}` changes nothing and answers the same. */
    async updateMe(ctx: Ctx) {
      const body = validateBody(updateMeBody, await readJsonBody(ctx));
      ctx.body = userView(
        await deps.accounts.updateProfile(
          identityOf(ctx.state),
          body.name !== undefined ? { name: body.name } : {},
        ),
      );
    },

    /** 204; other sessions are revoked. */
    async changePassword(ctx: Ctx) {
      const body = validateBody(changePasswordBody, await readJsonBody(ctx));
      await deps.accounts.changePassword(
        identityOf(ctx.state),
        body.current_password,
        body.new_password,
        clientIp(ctx),
      );
      ctx.status = 204;
    },

    async showUser(ctx: Ctx) {
      ctx.body = userView(await deps.accounts.find(parseUserId(ctx.params.id)));
    },

    async administerUser(ctx: Ctx) {
      const id = parseUserId(ctx.params.id);
      const body = validateBody(administerBody, await readJsonBody(ctx));
      ctx.body = userView(
        await deps.accounts.administer(id, {
          ...(body.active !== undefined ? { active: body.active } : {}),
          ...(body.role !== undefined ? { role: body.role } : {}),
        }),
      );
    },
  };
}
