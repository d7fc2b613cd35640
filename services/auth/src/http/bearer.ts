const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i;

/** The token of an `Authorization: Bearer <token>` header (RFC 6750 syntax); null for anything else. */
export function bearerToken(header: string | undefined): string | null {
  if (!header || header.length > 8192) return null;
  return BEARER.exec(header)?.[1] ?? null;
}
