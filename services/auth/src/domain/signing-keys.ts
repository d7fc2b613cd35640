import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JWK } from 'jose';

/** The keys of a deployment: one signs, all verify and are published in the JWKS. */
export interface SigningKeys {
  readonly signing: { readonly kid: string; readonly privateKey: KeyObject };
  /** Public key per `kid`, for verification. */
  readonly publicKeys: ReadonlyMap<string, KeyObject>;
  /** The JWK Set served at `/.well-known/jwks.json`. */
  readonly jwks: { readonly keys: readonly JWK[] };
}

/** Where keys come from; see the AUTH_* variables in config.ts. */
export interface KeySource {
  readonly keysDir?: string | undefined;
  readonly inlineJwks?: string | undefined;
  readonly signingKid?: string | undefined;
  readonly generateIfMissing: boolean;
}

/** Thrown when the keys cannot be loaded; the message names the file or variable, never key material. */
export class KeyLoadError extends Error {
  override readonly name = 'KeyLoadError';
}

const KID = /^[A-Za-z0-9._-]{1,64}$/;

function parseJwk(raw: unknown, origin: string): JWK & { kid: string } {
  const jwk = raw as JWK;
  if (
    typeof jwk !== 'object' ||
    jwk === null ||
    jwk.kty !== 'OKP' ||
    jwk.crv !== 'Ed25519' ||
    typeof jwk.x !== 'string'
  ) {
    throw new KeyLoadError(`${origin}: not an Ed25519 JWK (kty OKP, crv Ed25519)`);
  }
  if (typeof jwk.kid !== 'string' || !KID.test(jwk.kid)) {
    throw new KeyLoadError(`${origin}: "kid" must be 1-64 characters of A-Z a-z 0-9 . _ -`);
  }
  return jwk as JWK & { kid: string };
}

function readKeysDir(dir: string): Array<JWK & { kid: string }> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.jwk.json'));
  } catch {
    return [];
  }
  return names.map((name) => {
    const path = join(dir, name);
    try {
      return parseJwk(JSON.parse(readFileSync(path, 'utf8')), path);
    } catch (error) {
      if (error instanceof KeyLoadError) throw error;
      throw new KeyLoadError(`${path}: not valid JSON`);
    }
  });
}

/** Creates a new Ed25519 signing key as a private JWK with a fresh `kid`. */
export function generateSigningJwk(now = new Date()): JWK & { kid: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const kid = `ed25519-${now.toISOString().slice(0, 10)}-${randomBytes(4).toString('hex')}`;
  return {
    ...(privateKey.export({ format: 'jwk' }) as JWK),
    kid,
    alg: 'EdDSA',
    use: 'sig',
  } as JWK & { kid: string };
}

/**
 * Loads the signing keys from `inlineJwks` or the `*.jwk.json` files of `keysDir`, generating one
 * into `keysDir` when there is none and that is allowed (development). Keys without a private part
 * are published and verify tokens but never sign: that is how a retired key stays valid until the
 * last token it signed has expired.
 *
 * @throws {@link KeyLoadError} when no private key is available or a key is malformed.
 */
export function loadSigningKeys(source: KeySource): SigningKeys {
  let jwks: Array<JWK & { kid: string }>;
  if (source.inlineJwks) {
    let parsed: { keys?: unknown };
    try {
      parsed = JSON.parse(source.inlineJwks) as { keys?: unknown };
    } catch {
      throw new KeyLoadError('AUTH_SIGNING_KEYS: not valid JSON');
    }
    if (!Array.isArray(parsed.keys))
      throw new KeyLoadError('AUTH_SIGNING_KEYS: expected {"keys":[...]}');
    jwks = parsed.keys.map((k, i) => parseJwk(k, `AUTH_SIGNING_KEYS.keys[${i}]`));
  } else {
    jwks = source.keysDir ? readKeysDir(source.keysDir) : [];
    if (!jwks.some((k) => k.d) && source.generateIfMissing && source.keysDir) {
      const jwk = generateSigningJwk();
      mkdirSync(source.keysDir, { recursive: true, mode: 0o700 });
      writeFileSync(join(source.keysDir, `${jwk.kid}.jwk.json`), `${JSON.stringify(jwk)}\n`, {
        mode: 0o600,
      });
      jwks.push(jwk);
    }
  }
  jwks.sort((a, b) => a.kid.localeCompare(b.kid));
  const kids = new Set<string>();
  for (const jwk of jwks) {
    if (kids.has(jwk.kid)) throw new KeyLoadError(`two keys share kid "${jwk.kid}"`);
    kids.add(jwk.kid);
  }
  const privates = jwks.filter((k) => k.d);
  const chosen = source.signingKid
    ? privates.find((k) => k.kid === source.signingKid)
    : privates.at(-1);
  if (!chosen) {
    throw new KeyLoadError(
      source.signingKid
        ? `AUTH_SIGNING_KID "${source.signingKid}" names no private key`
        : 'no private signing key: set AUTH_KEYS_DIR or AUTH_SIGNING_KEYS (see docs/configuration.md)',
    );
  }
  const publicKeys = new Map<string, KeyObject>();
  const published: JWK[] = [];
  for (const jwk of jwks) {
    const { kty, crv, x, kid } = jwk;
    const publicJwk = { kty, crv, x, kid, alg: 'EdDSA', use: 'sig' } as JWK;
    publicKeys.set(kid, createPublicKey({ key: publicJwk as never, format: 'jwk' }));
    published.push(publicJwk);
  }
  return {
    signing: {
      kid: chosen.kid,
      privateKey: createPrivateKey({ key: chosen as never, format: 'jwk' }),
    },
    publicKeys,
    jwks: { keys: published },
  };
}
