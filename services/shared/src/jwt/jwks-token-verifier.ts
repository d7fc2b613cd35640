import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import { COMPACT_JWS, VerifiedTokenCache } from './verified-token-cache.js';

/** The claims every shardgate access token carries, as the API needs them. */
export interface VerifiedAccessToken {
  /** The user id, decimal, 1..2^31-1. */
  readonly sub: string;
  readonly sid: string;
  readonly email: string;
  readonly role: string;
  readonly exp: number;
}

/** Settings of {@link JwksTokenVerifier}. */
export interface JwksTokenVerifierOptions {
  /** The auth service's `/.well-known/jwks.json`. */
  readonly jwksUrl: string;
  readonly issuer: string;
  readonly audience: string;
  /** Verified tokens remembered until they expire. @default 10000 */
  readonly cacheSize?: number;
  readonly now?: () => number;
}

/**
 * Verifies shardgate access tokens against the auth service's JWKS: EdDSA only, `typ: at+jwt`,
 * issuer, audience and lifetime. The key set is fetched on first use, kept, and fetched again when
 * a token names an unknown `kid` (at most every 30 s), so key rotation needs no restart. Verified
 * tokens are remembered until they expire, so a token's signature is checked once per process.
 */
export class JwksTokenVerifier {
  readonly #jwks: ReturnType<typeof createRemoteJWKSet>;
  readonly #verified: VerifiedTokenCache<VerifiedAccessToken>;
  readonly #now: () => number;

  constructor(private readonly options: JwksTokenVerifierOptions) {
    this.#jwks = createRemoteJWKSet(new URL(options.jwksUrl), {
      cooldownDuration: 30_000,
      cacheMaxAge: 10 * 60_000,
      timeoutDuration: 2_000,
    });
    this.#now = options.now ?? Date.now;
    this.#verified = new VerifiedTokenCache(options.cacheSize ?? 10_000, this.#now);
  }

  /** The token's claims, or null when it is not a valid, live shardgate access token. */
  async verify(token: string): Promise<VerifiedAccessToken | null> {
    const cached = this.#verified.get(token);
    if (cached) return cached;
    if (!COMPACT_JWS.test(token)) return null;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#jwks, {
        algorithms: ['EdDSA'],
        typ: 'at+jwt',
        issuer: this.options.issuer,
        audience: this.options.audience,
        requiredClaims: ['sub', 'sid', 'exp'],
        currentDate: new Date(this.#now()),
      }));
    } catch {
      return null;
    }
    const { sub, sid, email, role, exp } = payload as Record<string, unknown>;
    if (
      typeof sub !== 'string' ||
      !/^[1-9]\d{0,9}$/.test(sub) ||
      Number(sub) > 2_147_483_647 ||
      typeof sid !== 'string' ||
      typeof email !== 'string' ||
      typeof role !== 'string' ||
      typeof exp !== 'number'
    ) {
      return null;
    }
    const claims: VerifiedAccessToken = { sub, sid, email, role, exp };
    this.#verified.remember(token, claims);
    return claims;
  }
}
