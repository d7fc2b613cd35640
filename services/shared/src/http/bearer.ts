/**
 * Bearer tokens (RFC 6750): reading one from `Authorization`, and the challenge that refuses one.
 * Both services read tokens the same way, so that a header one accepts the other never refuses.
 * @packageDocumentation
 */

import { HttpError } from './http-error.js';
import { COMMON_PROBLEMS } from './problems.js';

/** RFC 6750 §2.1 `b64token` syntax, one or more spaces after the scheme, case-insensitive scheme. */
const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i;

/** Longer headers are refused unread: no access token of ours comes near this size. */
const MAX_AUTHORIZATION_LENGTH = 8192;

/** The token of an `Authorization: Bearer <token>` header; null for anything else. */
export function bearerToken(header: string | undefined): string | null {
  if (!header || header.length > MAX_AUTHORIZATION_LENGTH) return null;
  return BEARER.exec(header)?.[1] ?? null;
}

/** The `WWW-Authenticate` challenge of a missing or rejected bearer token (RFC 6750 §3). */
export const INVALID_TOKEN_CHALLENGE = 'Bearer error="invalid_token"';

/**
 * 401 `invalid_token` with {@link INVALID_TOKEN_CHALLENGE}: the one answer both services give to
 * a missing or unusable access token.
 */
export function invalidTokenError(detail: string): HttpError {
  return new HttpError(COMMON_PROBLEMS.invalid_token, detail, {
    headers: { 'WWW-Authenticate': INVALID_TOKEN_CHALLENGE },
  });
}
