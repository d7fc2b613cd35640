import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { inject } from 'vitest';

/** A signing key as jose takes it. */
type SigningKey = Awaited<ReturnType<typeof importJWK>>;

/** Claims of a forged access token; `exp` is seconds since the epoch. */
export interface ForgedClaims {
  readonly sub: string;
  readonly email: string;
  readonly exp: number;
}

/** The stack's own signing key (the auth service made it in `<stack>/keys`). */
async function stackKey(): Promise<{ key: SigningKey; kid: string }> {
  const dir = join(inject('stack').dir, 'keys');
  const file = readdirSync(dir).find((f) => f.endsWith('.jwk.json'));
  if (!file) throw new Error(`no signing key in ${dir}`);
  const jwk = JSON.parse(readFileSync(join(dir, file), 'utf8')) as JWK & { kid: string };
  return { key: await importJWK(jwk, 'EdDSA'), kid: jwk.kid };
}

async function sign(key: SigningKey, kid: string, claims: ForgedClaims): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ email: claims.email, role: 'user', sid: randomUUID() })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid })
    .setIssuer(inject('stack').gatewayUrl)
    .setAudience('shardgate-api')
    .setSubject(claims.sub)
    .setJti(randomUUID())
    .setIssuedAt(Math.min(now, claims.exp - 60))
    .setExpirationTime(claims.exp)
    .sign(key);
}

/**
 * An access token exactly as the auth service signs them, with the stack's own key, but expired
 * `secondsAgo` seconds ago: everything about it is right except the time.
 */
export async function expiredToken(sub: string, email: string, secondsAgo = 120): Promise<string> {
  const { key, kid } = await stackKey();
  return sign(key, kid, { sub, email, exp: Math.floor(Date.now() / 1000) - secondsAgo });
}

/** A well-formed, unexpired token signed by a key the auth service never published, under its kid. */
export async function foreignKeyToken(sub: string, email: string): Promise<string> {
  const { kid } = await stackKey();
  const { privateKey } = await generateKeyPair('EdDSA');
  return sign(privateKey, kid, { sub, email, exp: Math.floor(Date.now() / 1000) + 600 });
}
