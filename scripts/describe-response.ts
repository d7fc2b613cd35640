/**
 * One line about an answer for the error messages of the smoke suite and the demo: method, path,
 * status and, for problem+json or OAuth errors, the stable code and the human detail. Never the
 * whole body, which may hold tokens.
 */
import type { WireResponse } from '@shardgate/client';

/** `POST /auth/token answered 400 invalid_grant "..."`. */
export function describeResponse(response: WireResponse): string {
  const body = (response.body ?? {}) as Record<string, unknown>;
  const code = body.code ?? body.error;
  const detail = body.detail ?? body.error_description;
  const parts = [`${response.method} ${response.path} answered ${response.status}`];
  if (typeof code === 'string') parts.push(code);
  if (typeof detail === 'string') parts.push(`"${detail}"`);
  return parts.join(' ');
}
