/** How a service answers with `Strict-Transport-Security` (RFC 6797). */
export interface HstsSettings {
  /** Off: the header is never sent (an edge that sets its own, a host that must keep plain HTTP). */
  readonly enabled: boolean;
  /** `max-age`: how long a browser goes to https only. 0 tells browsers to forget the policy. */
  readonly maxAgeSeconds: number;
  /** `includeSubDomains`: the policy also binds every host under the one that answered. */
  readonly includeSubdomains: boolean;
}

/** The `Strict-Transport-Security` value of `settings`, or undefined when HSTS is off. */
export function strictTransportSecurity(settings: HstsSettings): string | undefined {
  if (!settings.enabled) return undefined;
  return `max-age=${settings.maxAgeSeconds}${settings.includeSubdomains ? '; includeSubDomains' : ''}`;
}

/**
 * Whether a request reached the client side of the service over TLS: its own socket is
 * encrypted, or a trusted proxy says so. Of a comma-separated `X-Forwarded-Proto`, the entry
 * `trustProxyHops` from the right is the one the outermost trusted proxy vouches for (as Koa
 * reads `X-Forwarded-For`); entries further left came from the client. With no trusted proxy the
 * header is ignored: anyone could send it.
 */
export function cameOverTls(
  socketEncrypted: boolean,
  forwardedProto: string | undefined,
  trustProxyHops: number,
): boolean {
  if (socketEncrypted) return true;
  if (trustProxyHops <= 0 || !forwardedProto) return false;
  const entries = forwardedProto.split(',').map((entry) => entry.trim().toLowerCase());
  return entries.slice(-trustProxyHops)[0] === 'https';
}
