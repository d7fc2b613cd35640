import { HttpError, invalidTokenError } from '@shardgate/shared';
import { AUTH_PROBLEMS } from '../problems.js';

/** 401 `invalid_token` with its challenge: the one answer for any unusable access token. */
export const invalidToken = (
  detail = 'The access token is missing, invalid, expired or revoked.',
) => invalidTokenError(detail);

/** 429 `rate_limited` with `Retry-After` in whole seconds (at least 1). */
export const rateLimited = (retryAfterMs: number) =>
  new HttpError(AUTH_PROBLEMS.rate_limited, 'Too many attempts; retry later.', {
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
  });

/** 503 `busy` with `Retry-After`: every password-hashing thread is taken and the queue is full. */
export const busy = (retryAfterSeconds: number) =>
  new HttpError(AUTH_PROBLEMS.busy, 'Too many sign-ins at once; retry shortly.', {
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
  });
