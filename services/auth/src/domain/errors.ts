import { type FieldError, HttpError, INVALID_TOKEN_CHALLENGE } from '@shardgate/shared';

/**
 * Every `code` the auth service answers with: public, documented API (docs/api/auth.md).
 * `/auth/token` uses the OAuth codes (`invalid_request`, `invalid_grant`, `unsupported_grant_type`).
 */
export type AuthErrorCode =
  | 'invalid_json'
  | 'validation_failed'
  | 'weak_password'
  | 'email_taken'
  | 'invalid_credentials'
  | 'invalid_refresh_token'
  | 'invalid_token'
  | 'wrong_password'
  | 'forbidden'
  | 'user_inactive'
  | 'not_found'
  | 'method_not_allowed'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'rate_limited'
  | 'invalid_request'
  | 'invalid_grant'
  | 'unsupported_grant_type';

/** Builds the error for an auth `code`; route code throws the result. */
export function authError(
  status: number,
  code: AuthErrorCode,
  detail: string,
  options: { errors?: FieldError[]; headers?: Record<string, string> } = {},
): HttpError {
  return new HttpError(status, code, detail, options);
}

/** 401 `invalid_token` with its challenge: the one answer for any unusable access token. */
export const invalidToken = (
  detail = 'The access token is missing, invalid, expired or revoked.',
) =>
  authError(401, 'invalid_token', detail, {
    headers: { 'WWW-Authenticate': INVALID_TOKEN_CHALLENGE },
  });

/** 429 `rate_limited` with `Retry-After` in whole seconds (at least 1). */
export const rateLimited = (retryAfterMs: number) =>
  authError(429, 'rate_limited', 'Too many attempts; retry later.', {
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
  });
