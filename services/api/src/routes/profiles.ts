import { readJsonBody, validateBody } from '@shardgate/shared';
import type { Context } from 'koa';
import type { ApiDeps } from '../deps.js';
import type { ApiState } from '../http/api-state.js';
import { identified } from '../http/identify.js';
import { profileBody } from '../http/schemas.js';

type Ctx = Context & { state: ApiState };

/** `GET /api/me` and `POST /api/users`. */
export function profileRoutes(deps: Pick<ApiDeps, 'profiles'>) {
  return {
    /** The caller's profile, created on first use. */
    async showMe(ctx: Ctx) {
      const { caller, shard } = identified(ctx.state);
      ctx.body = await deps.profiles.mine(caller, shard);
    },

    /** Creates (201) or updates (200) the caller's profile. An empty body is allowed. */
    async saveProfile(ctx: Ctx) {
      const hasBody = ctx.request.length > 0 || ctx.get('Transfer-Encoding') !== '';
      const body = hasBody ? validateBody(profileBody, await readJsonBody(ctx)) : {};
      const { caller, shard } = identified(ctx.state);
      const { profile, created } = await deps.profiles.save(
        caller,
        shard,
        body.name !== undefined ? { name: body.name } : {},
      );
      ctx.status = created ? 201 : 200;
      ctx.body = profile;
    },
  };
}
