import { HttpError } from '@shardgate/shared';
import { AUTH_PROBLEMS } from '../problems.js';
import { userIdParam } from './schemas.js';

/**
 * The user id of a path (`/auth/users/:id`): a decimal integer in Postgres `integer`'s range.
 * Anything else names no user: 404 `not_found`, never a 4xx of another kind or a 500.
 */
export function parseUserId(raw: string | undefined): number {
  const id = userIdParam.safeParse(raw);
  if (!id.success || !/^\d+$/.test(raw ?? ''))
    throw new HttpError(AUTH_PROBLEMS.not_found, 'No such user.');
  return id.data;
}
