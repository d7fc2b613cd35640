import { hash } from 'node:crypto';
import { ExpiringCache } from '../expiring-cache.js';

/**
 * A compact JWS: three base64url parts. Anything else is refused before any cryptography runs, and
 * only such strings (ASCII) are ever remembered.
 */
export const COMPACT_JWS = /^[A-Za-z0-9_-]{2,2048}\.[A-Za-z0-9_-]{2,4096}\.[A-Za-z0-9_-]{2,1024}$/;

/** The longest string {@link COMPACT_JWS} accepts: anything longer is not hashed to be looked up. */
const MAX_COMPACT_JWS_LENGTH = 2048 + 4096 + 1024 + 2;

/**
 * Verified access tokens of one process, each remembered until it expires, so a token's signature
 * is checked once rather than on every request.
 *
 * A token is remembered under its SHA-256 (its 32 bytes as a 32-character Latin-1 string) rather
 * than as itself (about 450 characters): at a hundred thousand live sessions that is 40 MB less per
 * process, and 1.6 MB less than base64url digests (43 characters). SHA-256 is
 * collision-resistant, so a different string (tampered, truncated, re-encoded) never finds another
 * token's claims: only ASCII tokens are remembered, and a string with any non-ASCII character has
 * UTF-8 bytes no ASCII string has.
 */
export class VerifiedTokenCache<Claims extends { readonly exp: number }> {
  readonly #cache: ExpiringCache<Claims>;

  /** `maxEntries` 0 turns the cache off. */
  constructor(maxEntries: number, now: () => number = Date.now) {
    this.#cache = new ExpiringCache(maxEntries, now);
  }

  /** The claims of a token verified before and not yet expired. */
  get(token: string): Claims | undefined {
    if (token.length > MAX_COMPACT_JWS_LENGTH) return undefined;
    return this.#cache.get(digest(token));
  }

  /** Remembers a token that has just been verified, until its `exp`. */
  remember(token: string, claims: Claims): void {
    this.#cache.set(digest(token), claims, claims.exp * 1000);
  }
}

/** A token's key: its SHA-256 as Latin-1 (`binary`); distinct digests are distinct strings. */
const digest = (token: string): string => hash('sha256', token, 'binary');
