import { randomBytes } from 'node:crypto';
import { base32Encode } from './base32.js';
import { hashSecretToken } from './secret-token.js';

/** Recovery codes handed out when MFA is confirmed. */
export const RECOVERY_CODE_COUNT = 10;

/** A recovery code as shown: 80 random bits, base32, four groups of four (`ABCD-EFGH-IJKL-MNOP`). */
export function newRecoveryCode(): string {
  const text = base32Encode(randomBytes(10));
  return text.match(/.{4}/g)?.join('-') ?? text;
}

/**
 * A code as typed, in the one form it is hashed in: upper case, without spaces or hyphens. Null
 * when it cannot be a recovery code (so it is refused without a lookup).
 */
export function normalizeRecoveryCode(input: string): string | null {
  const compact = input.replace(/[\s-]/g, '').toUpperCase();
  return /^[A-Z2-7]{16}$/.test(compact) ? compact : null;
}

/**
 * What the database keeps instead of a code: the SHA-256 (hex) of its normalised form, as of every
 * secret token. 80 random bits need no slow hash: guessing one is 2^80 work, hashing or not.
 */
export function hashRecoveryCode(normalized: string): string {
  return hashSecretToken(normalized);
}
