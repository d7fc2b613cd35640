import { createHash, randomUUID } from 'node:crypto';

const WELL_FORMED = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The request id a service logs and echoes for an incoming `X-Request-ID` value.
 *
 * ingress-nginx passes a client-supplied id through verbatim, to `/verify` and to the backend
 * alike, so whatever a client sends must map to the same id in every service's log:
 * - a well-formed id (`[A-Za-z0-9._:-]{1,128}`, which covers nginx's 32 hex characters) is kept;
 * - anything else (spaces, control characters, very long values) is never logged raw; it becomes
 *   `x-` + the first 32 hex characters of its SHA-256, the same in every service;
 * - no id at all gets a fresh UUID (a request that did not come through the gateway).
 */
export function requestIdFrom(incoming: string | readonly string[] | undefined): string {
  // Node joins repeated headers with ", " for unknown names; an array only comes from callers.
  const value = Array.isArray(incoming) ? incoming.join(', ') : (incoming as string | undefined);
  if (value === undefined || value === '') return randomUUID();
  if (WELL_FORMED.test(value)) return value;
  return `x-${createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 32)}`;
}
