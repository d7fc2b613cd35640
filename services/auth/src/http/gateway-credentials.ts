import type { IncomingHttpHeaders } from 'node:http';
import { bearerToken, hasSessionCookie, readCookie, SESSION_COOKIES } from '@shardgate/shared';

/**
 * The credential a gateway request carries, for `/verify`: a bearer token, the browser session's
 * access cookie, nothing, or both at once. Both is `ambiguous` and refused: a page that sends a
 * bearer token beside its cookies, or a cookie planted beside a bearer client's header, must not
 * have either silently win (docs/browser-sessions.md, "Precedence").
 */
export type GatewayCredentials =
  | { readonly kind: 'bearer'; readonly token: string | null }
  | { readonly kind: 'cookie'; readonly token: string | null }
  | { readonly kind: 'none' }
  | { readonly kind: 'ambiguous' };

/** Reads `Authorization` and `Cookie` only. */
export function gatewayCredentials(headers: IncomingHttpHeaders): GatewayCredentials {
  const authorization = headers.authorization;
  const cookie = headers.cookie;
  if (authorization !== undefined) {
    return hasSessionCookie(cookie)
      ? { kind: 'ambiguous' }
      : { kind: 'bearer', token: bearerToken(authorization) };
  }
  if (hasSessionCookie(cookie))
    return { kind: 'cookie', token: readCookie(cookie, SESSION_COOKIES.access) };
  return { kind: 'none' };
}
