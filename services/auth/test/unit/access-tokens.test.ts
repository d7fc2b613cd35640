import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { AccessTokens, TokenRejected } from '../../src/domain/access-tokens.js';
import {
  generateSigningJwk,
  loadSigningKeys,
  type SigningKeys,
} from '../../src/domain/signing-keys.js';

function keys(): SigningKeys {
  const jwk = generateSigningJwk();
  return loadSigningKeys({ inlineJwks: JSON.stringify({ keys: [jwk] }), generateIfMissing: false });
}
const subject = {
  userId: 42,
  email: 'a@example.com',
  role: 'user' as const,
  sessionId: '0b6c3c1e-8a41-4d4e-9b0a-2b1f3c4d5e6f',
  generation: 3,
  amr: ['pwd', 'otp'],
};

/**
 * A verifier (no cache) and a signer of genuine tokens with the given extra claims, for claims
 * the service does not issue itself (older or hostile shapes).
 */
function verifierWithSigner() {
  const signing = keys();
  const tokens = new AccessTokens(signing, {
    issuer: 'i',
    audience: 'a',
    ttlSeconds: 60,
    cacheSize: 0,
  });
  const signed = (extra: Record<string, unknown>) =>
    new SignJWT({ sid: subject.sessionId, email: 'x@example.com', role: 'user', ...extra })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: signing.signing.kid })
      .setIssuer('i')
      .setAudience('a')
      .setSubject('7')
      .setJti('j')
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(signing.signing.privateKey);
  return { tokens, signed };
}

describe('AccessTokens', () => {
  it('issues EdDSA at+jwt tokens that verify into their claims', async () => {
    let now = Date.UTC(2026, 0, 1);
    const tokens = new AccessTokens(keys(), {
      issuer: 'https://iss',
      audience: 'api',
      ttlSeconds: 900,
      cacheSize: 10,
      now: () => now,
    });
    const { token, expiresIn } = await tokens.issue(subject);
    expect(expiresIn).toBe(900);
    const claims = await tokens.verify(token);
    expect(claims).toMatchObject({
      sub: '42',
      sid: subject.sessionId,
      gen: 3,
      email: 'a@example.com',
      role: 'user',
      amr: ['pwd', 'otp'],
    });
    expect(claims.exp - claims.iat).toBe(900);
    now += 901_000;
    await expect(tokens.verify(token)).rejects.toBeInstanceOf(TokenRejected);
  });

  it("does not verify the same token's signature twice, and forgets it when it expires", async () => {
    let now = Date.UTC(2026, 0, 1);
    const signing = keys();
    const publicKeys = new Map(signing.publicKeys);
    const tokens = new AccessTokens(
      { ...signing, publicKeys },
      { issuer: 'i', audience: 'a', ttlSeconds: 60, cacheSize: 10, now: () => now },
    );
    const { token } = await tokens.issue(subject);
    await tokens.verify(token);
    publicKeys.clear(); // any further signature check would now fail
    expect((await tokens.verify(token)).sub).toBe('42');
    const tampered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    await expect(tokens.verify(tampered)).rejects.toBeInstanceOf(TokenRejected);
    // remembered by digest: strings that differ only outside ASCII do not find it either
    for (const variant of [`${token}\uD800`, `${token}\uFFFD`, `${token.slice(0, -1)}é`])
      await expect(tokens.verify(variant)).rejects.toBeInstanceOf(TokenRejected);
    now += 61_000;
    await expect(tokens.verify(token)).rejects.toBeInstanceOf(TokenRejected);
  });

  it('refuses a token with the right kid signed by another key, and HS256 with the public key as secret', async () => {
    const signing = keys();
    const tokens = new AccessTokens(signing, {
      issuer: 'i',
      audience: 'a',
      ttlSeconds: 60,
      cacheSize: 0,
    });
    const payload = {
      sub: '1',
      sid: subject.sessionId,
      email: 'x@example.com',
      role: 'admin',
      jti: 'j',
    };
    const { privateKey } = generateKeyPairSync('ed25519');
    const forged = await new SignJWT(payload)
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: signing.signing.kid })
      .setIssuer('i')
      .setAudience('a')
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(privateKey);
    await expect(tokens.verify(forged)).rejects.toBeInstanceOf(TokenRejected);
    const publicBytes = new TextEncoder().encode(JSON.stringify(signing.jwks.keys[0]));
    const confused = await new SignJWT(payload)
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: signing.signing.kid })
      .setIssuer('i')
      .setAudience('a')
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(publicBytes);
    await expect(tokens.verify(confused)).rejects.toBeInstanceOf(TokenRejected);
  });

  it('reads a missing generation as 0 and refuses one that is not a non-negative integer', async () => {
    const { tokens, signed } = verifierWithSigner();
    // tokens issued before sessions counted generations carry none
    expect((await tokens.verify(await signed({}))).gen).toBe(0);
    expect((await tokens.verify(await signed({ gen: 12 }))).gen).toBe(12);
    for (const gen of [-1, 1.5, '2', null, 2 ** 53, Number.MAX_VALUE]) {
      await expect(tokens.verify(await signed({ gen })), String(gen)).rejects.toBeInstanceOf(
        TokenRejected,
      );
    }
  });

  it('reads a missing amr as a password login and refuses one that is not a short list of strings', async () => {
    const { tokens, signed } = verifierWithSigner();
    // tokens issued before MFA carry no amr
    expect((await tokens.verify(await signed({}))).amr).toEqual(['pwd']);
    expect((await tokens.verify(await signed({ amr: ['pwd', 'otp'] }))).amr).toEqual([
      'pwd',
      'otp',
    ]);
    for (const amr of ['pwd', [1], null, Array(9).fill('pwd'), ['x'.repeat(33)]]) {
      await expect(
        tokens.verify(await signed({ amr })),
        JSON.stringify(amr),
      ).rejects.toBeInstanceOf(TokenRejected);
    }
  });
});
