import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  generateSigningJwk,
  KeyLoadError,
  loadSigningKeys,
} from '../../src/domain/signing-keys.js';

describe('loadSigningKeys', () => {
  it('generates a private key file (0600) when allowed and none exists, then reuses it', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'keys-')), 'keys');
    const first = loadSigningKeys({ keysDir: dir, generateIfMissing: true });
    const files = readdirSync(dir);
    expect(files).toEqual([`${first.signing.kid}.jwk.json`]);
    expect(statSync(join(dir, files[0] as string)).mode & 0o777).toBe(0o600);
    expect(loadSigningKeys({ keysDir: dir, generateIfMissing: true }).signing.kid).toBe(
      first.signing.kid,
    );
  });

  it('refuses to start without a private key when generation is off', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keys-'));
    expect(() => loadSigningKeys({ keysDir: dir, generateIfMissing: false })).toThrow(KeyLoadError);
  });

  it('publishes every key, signs with the newest or the named one, and never publishes private parts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keys-'));
    const a = { ...generateSigningJwk(), kid: 'a-2026-01' };
    const b = { ...generateSigningJwk(), kid: 'b-2026-06' };
    const retired = { kty: 'OKP', crv: 'Ed25519', x: generateSigningJwk().x, kid: 'old-2025' };
    for (const jwk of [a, b, retired])
      writeFileSync(join(dir, `${jwk.kid}.jwk.json`), JSON.stringify(jwk));
    const loaded = loadSigningKeys({ keysDir: dir, generateIfMissing: false });
    expect(loaded.signing.kid).toBe('b-2026-06');
    expect(loaded.jwks.keys.map((k) => k.kid)).toEqual(['a-2026-01', 'b-2026-06', 'old-2025']);
    expect(JSON.stringify(loaded.jwks)).not.toContain('"d"');
    expect(
      loadSigningKeys({ keysDir: dir, signingKid: 'a-2026-01', generateIfMissing: false }).signing
        .kid,
    ).toBe('a-2026-01');
    expect(() =>
      loadSigningKeys({ keysDir: dir, signingKid: 'old-2025', generateIfMissing: false }),
    ).toThrow(/names no private key/);
  });

  it('names the source of a malformed key without echoing key material', () => {
    expect(() =>
      loadSigningKeys({
        inlineJwks: '{"keys":[{"kty":"RSA","kid":"k"}]}',
        generateIfMissing: false,
      }),
    ).toThrow(/AUTH_SIGNING_KEYS\.keys\[0\]: not an Ed25519 JWK/);
    expect(() => loadSigningKeys({ inlineJwks: 'nope', generateIfMissing: false })).toThrow(
      /AUTH_SIGNING_KEYS: not valid JSON/,
    );
    const jwk = generateSigningJwk();
    const twice = JSON.stringify({ keys: [jwk, jwk] });
    expect(() => loadSigningKeys({ inlineJwks: twice, generateIfMissing: false })).toThrow(
      /share kid/,
    );
  });
});
