import { randomUUID } from 'node:crypto';
import { COMPACT_JWS, VerifiedTokenCache } from '@shardgate/shared';
import { type JWTHeaderParameters, jwtVerify, SignJWT } from 'jose';
import type { SigningKeys } from './signing-keys.js';

/** Roles a user can have; `admin` may manage users. */
export type Role = 'user' | 'admin';

/** Authentication methods (RFC 8176) a token's `amr` names: a password, a one-time code. */
export type AuthMethod = 'pwd' | 'otp';

/** The `amr` of tokens issued before the claim existed: every login then was a password. */
const PASSWORD_ONLY: readonly string[] = Object.freeze(['pwd']);
/** The `amr` of a login with a second step. */
const PASSWORD_AND_OTP: readonly string[] = Object.freeze(['pwd', 'otp']);

/**
 * The claims of a verified access token, but its `jti`: checked for shape, not kept, since every
 * verified token is remembered until it expires and each claim kept costs memory per live session.
 */
export interface AccessClaims {
  /** The user id, decimal. */
  readonly sub: string;
  /** The session (refresh-token family) the token belongs to. */
  readonly sid: string;
  /**
   * The generation of the refresh token issued with it (0 at login): the session refuses tokens
   * older than its minimum. Absent from tokens issued before chains had generations: 0.
   */
  readonly gen: number;
  readonly email: string;
  readonly role: Role;
  /**
   * How the login was authenticated (RFC 8176): `['pwd']` or `['pwd', 'otp']`. Absent from tokens
   * issued before MFA existed: `['pwd']`.
   */
  readonly amr: readonly string[];
  readonly iat: number;
  readonly exp: number;
}

/** Why a token was refused; logged and counted, never shown beyond `invalid_token`. */
export class TokenRejected extends Error {
  override readonly name = 'TokenRejected';
}

/** Settings of {@link AccessTokens}. */
export interface AccessTokenOptions {
  readonly issuer: string;
  readonly audience: string;
  readonly ttlSeconds: number;
  /** Verified tokens remembered; 0 turns the cache off. */
  readonly cacheSize: number;
  readonly now?: () => number;
}

/** User ids are Postgres `integer`s: a larger `sub` cannot name a user, whoever signed it. */
const MAX_USER_ID = 2_147_483_647;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Issues and verifies access tokens: JWT `typ: at+jwt`, EdDSA (Ed25519), `kid` in the header.
 *
 * A verified token is remembered until it expires (bounded), so a hot `/verify` checks each
 * token's signature once rather than on every request; a different string (tampered, truncated)
 * is a different key and is verified in full.
 */
export class AccessTokens {
  readonly #verified: VerifiedTokenCache<AccessClaims>;
  readonly #now: () => number;

  constructor(
    private readonly keys: SigningKeys,
    private readonly options: AccessTokenOptions,
  ) {
    this.#now = options.now ?? Date.now;
    this.#verified = new VerifiedTokenCache(options.cacheSize, this.#now);
  }

  /** Signs a token for a user's session; returns it with its lifetime in seconds. */
  async issue(subject: {
    userId: number;
    email: string;
    role: Role;
    sessionId: string;
    generation: number;
    amr: readonly string[];
  }): Promise<{
    token: string;
    expiresIn: number;
  }> {
    const iat = Math.floor(this.#now() / 1000);
    const token = await new SignJWT({
      email: subject.email,
      role: subject.role,
      sid: subject.sessionId,
      gen: subject.generation,
      amr: [...subject.amr],
    })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: this.keys.signing.kid })
      .setIssuer(this.options.issuer)
      .setAudience(this.options.audience)
      .setSubject(String(subject.userId))
      .setJti(randomUUID())
      .setIssuedAt(iat)
      .setExpirationTime(iat + this.options.ttlSeconds)
      .sign(this.keys.signing.privateKey);
    return { token, expiresIn: this.options.ttlSeconds };
  }

  /** The claims of a token this process verified and still holds (until its `exp`), else undefined. */
  cached(token: string): AccessClaims | undefined {
    return this.#verified.get(token);
  }

  /**
   * Verifies signature (the key named by `kid`, EdDSA only), `typ`, `iss`, `aud`, `exp`, `nbf`
   * and the claims' shapes.
   *
   * @throws {@link TokenRejected} for anything else, whatever the input.
   */
  async verify(token: string): Promise<AccessClaims> {
    const cached = this.cached(token);
    if (cached) return cached;
    if (!COMPACT_JWS.test(token)) throw new TokenRejected('not a compact JWS');
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.#keyFor, {
        algorithms: ['EdDSA'],
        issuer: this.options.issuer,
        audience: this.options.audience,
        typ: 'at+jwt',
        requiredClaims: ['sub', 'sid', 'jti', 'iat', 'exp'],
        currentDate: new Date(this.#now()),
      }));
    } catch (error) {
      throw new TokenRejected((error as Error).message);
    }
    const claims = toClaims(payload);
    this.#verified.remember(token, claims);
    return claims;
  }

  readonly #keyFor = (header: JWTHeaderParameters) => {
    const key = header.kid === undefined ? undefined : this.keys.publicKeys.get(header.kid);
    if (!key) throw new TokenRejected('unknown kid');
    return key;
  };
}

function toClaims(payload: Record<string, unknown>): AccessClaims {
  const { sub, sid, email, role, jti, iat, exp, gen = 0, amr = PASSWORD_ONLY } = payload;
  if (
    typeof sub !== 'string' ||
    !/^[1-9]\d{0,9}$/.test(sub) ||
    Number(sub) > MAX_USER_ID ||
    typeof sid !== 'string' ||
    !UUID.test(sid) ||
    typeof email !== 'string' ||
    (role !== 'user' && role !== 'admin') ||
    typeof jti !== 'string' ||
    typeof iat !== 'number' ||
    typeof exp !== 'number' ||
    typeof gen !== 'number' ||
    !Number.isSafeInteger(gen) ||
    gen < 0 ||
    !isAmr(amr)
  ) {
    throw new TokenRejected('claims of the wrong shape');
  }
  return { sub, sid, gen, email, role, amr: sharedAmr(amr), iat, exp };
}

/**
 * The `amr` every login has shares one frozen array: a cached token keeps no list of its own
 * (about 56 bytes each, 5 MB at 100,000 live sessions).
 */
function sharedAmr(amr: readonly string[]): readonly string[] {
  if (amr.length === 1 && amr[0] === 'pwd') return PASSWORD_ONLY;
  if (amr.length === 2 && amr[0] === 'pwd' && amr[1] === 'otp') return PASSWORD_AND_OTP;
  return Object.freeze(amr);
}

function isAmr(value: unknown): value is readonly string[] {
  return (
    Array.isArray(value) &&
    value.length <= 8 &&
    value.every((m) => typeof m === 'string' && m.length <= 32)
  );
}
