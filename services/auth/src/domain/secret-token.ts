import { createHash, randomBytes } from 'node:crypto';

/**
 * The opaque secrets the service hands out (refresh tokens, the tokens of verification and reset
 * links): 256 random bits, base64url (43 characters), stored only as their SHA-256.
 */
export function newSecretToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What the database stores instead of the token: its SHA-256, hex. */
export function hashSecretToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** True when `value` has the shape of a token we issue; anything else is refused without a lookup. */
export function isSecretTokenShaped(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value);
}
