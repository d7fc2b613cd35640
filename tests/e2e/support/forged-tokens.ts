import {
  decodeSegment,
  stackKeys,
  strangerKey,
  TokenForge,
} from '../../../services/auth/test/support/hostile-tokens.js';

/**
 * Forges access tokens for one real, live session: the claims (`sub`, `sid`, `email`, `role`,
 * `iss`, `aud`) are read from an access token the auth service issued, and the header and the
 * signing key are the ones the service uses (`stackKeys` of the auth service's own test support
 * picks the signing key as the service does: the last private key of the stack's key folder by
 * `kid`). Unchanged, the forgery is therefore a token the service would accept; each use breaks
 * exactly one property, so a refusal can only be due to that property and never to an unknown or
 * revoked session.
 */
export class SessionForgery {
  readonly #forge: TokenForge;

  /** The `kid` the real token was signed under. */
  readonly realKid: string;

  constructor(realAccessToken: string) {
    const [header = '', payload = ''] = realAccessToken.split('.');
    this.realKid = String(decodeSegment(header).kid);
    this.#forge = new TokenForge(stackKeys(), decodeSegment(payload));
  }

  /** The `kid` the forgeries are signed under (the key picked as the service picks it). */
  get kid(): string {
    return this.#forge.keys.kid;
  }

  /** The real token's claims that the forgeries carry unchanged. */
  get sessionClaims(): Readonly<Record<string, unknown>> {
    const { sub, sid, email, role, iss, aud } = this.#forge.claims;
    return { sub, sid, email, role, iss, aud };
  }

  /**
   * The control: the session's claims with a fresh `jti`, issued now for 15 minutes, signed with
   * the stack's real key. The gateway must let it through.
   */
  valid(): string {
    return this.#forge.forge();
  }

  /**
   * Identical to {@link valid} except the time: issued 15 minutes before it expired, and it
   * expired `secondsAgo` seconds ago.
   */
  expired(secondsAgo = 120): string {
    const exp = Math.floor(Date.now() / 1000) - secondsAgo;
    return this.#forge.forge({ claims: { iat: exp - 900, exp } });
  }

  /**
   * Identical to {@link valid} (same header, `kid` included) except the signature: made by a fresh
   * Ed25519 key the auth service never published.
   */
  foreignKey(): string {
    return this.#forge.forge({ signer: { kind: 'ed25519', key: strangerKey().privateKey } });
  }
}
