import fc from 'fast-check';
import { AUDIENCE, type Signer } from '../support/hostile-tokens.js';
import {
  B64URL,
  bearer,
  type CaseMaterial,
  headerSafe,
  now,
  part,
} from '../support/token-surgery.js';

// The generators behind the generated cases of verify-hostile.test.ts: Authorization values,
// raw header bytes, edits of a valid token, JSON changes that keep its signature, and whole tokens
// signed with keys the service must not trust. Each is a function of the live session where it
// needs one.

/** Authorization values fetch can send: header text, Bearer text, and JWS-shaped base64url. */
export function authorizationValues(): fc.Arbitrary<string> {
  const headerChar = fc.oneof(
    { weight: 30, arbitrary: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f) },
    { weight: 1, arbitrary: fc.constant(0x09) },
  );
  const headerText = (maxLength: number) =>
    fc.string({ unit: headerChar.map((c) => String.fromCharCode(c)), maxLength });
  const b64 = (maxLength: number) =>
    fc.string({ unit: fc.constantFrom(...B64URL), minLength: 2, maxLength });
  const bearerish = fc.string({ unit: fc.constantFrom(...`${B64URL}._~+/= `), maxLength: 300 });
  return fc.oneof(
    headerText(300),
    headerText(300).map((s) => `Bearer ${s}`),
    bearerish.map((s) => `Bearer ${s}`),
    fc
      .tuple(
        fc.constantFrom('Bearer ', 'bearer ', 'BEARER   ', 'Basic ', ''),
        b64(400),
        b64(800),
        b64(120),
      )
      .map(([scheme, h, p, s]) => `${scheme}${h}.${p}.${s}`),
  );
}

/** Header bytes only a raw socket sends: random bytes, or the valid token with obs-text inside. */
export function rawAuthorizationBytes(m: CaseMaterial): fc.Arbitrary<Buffer> {
  return fc.oneof(
    fc
      .tuple(
        fc.constantFrom('', 'Bearer ', 'bearer '),
        fc.uint8Array({ minLength: 1, maxLength: 600 }),
      )
      .map(([scheme, b]) => Buffer.concat([Buffer.from(scheme), headerSafe(b)])),
    // the valid token with 1-4 bytes of obs-text (UTF-8 or Latin-1) inserted anywhere
    fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 4 })).map(([at, inserted]) => {
      const whole = Buffer.from(bearer(m.valid), 'latin1');
      const i = at % (whole.length + 1);
      const high = Buffer.from(inserted.map((b) => b | 0x80));
      return Buffer.concat([whole.subarray(0, i), high, whole.subarray(i)]);
    }),
  );
}

/** One character-level edit of a token, at a position taken modulo its length. */
export interface TokenEdit {
  readonly kind: 'replace' | 'delete' | 'insert' | 'swap';
  readonly at: number;
  readonly char: string;
}

/** One to four edits with characters from base64url, JWS punctuation and a few near misses. */
export function tokenEdits(): fc.Arbitrary<TokenEdit[]> {
  const char = fc.constantFrom(
    ...B64URL,
    '.',
    '=',
    '+',
    '/',
    '~',
    '%',
    '"',
    ',',
    ';',
    '\\',
    'é',
    'ÿ',
  );
  const edit = fc.record({
    kind: fc.constantFrom(
      'replace' as const,
      'delete' as const,
      'insert' as const,
      'swap' as const,
    ),
    at: fc.nat(),
    char,
  });
  return fc.array(edit, { minLength: 1, maxLength: 4 });
}

/** `token` after `edits`, applied in order. */
export function applyEdits(token: string, edits: readonly TokenEdit[]): string {
  let t = token;
  for (const { kind, at, char } of edits) {
    const i = at % (t.length + (kind === 'insert' ? 1 : 0));
    if (kind === 'replace') t = t.slice(0, i) + char + t.slice(i + 1);
    else if (kind === 'delete') t = t.slice(0, i) + t.slice(i + 1);
    else if (kind === 'insert') t = t.slice(0, i) + char + t.slice(i);
    else t = t.slice(0, i) + (t[i + 1] ?? '') + (t[i] ?? '') + t.slice(i + 2);
  }
  return t;
}

/** A change of one member of the header (`header`) or the payload; `value` undefined deletes it. */
export interface JsonChange {
  readonly header: boolean;
  readonly key: string;
  readonly value: fc.JsonValue | undefined;
}

/** One to three changes, mostly of the members a verifier looks at. */
export function jsonChanges(): fc.Arbitrary<JsonChange[]> {
  const keysOfInterest = [
    ...['alg', 'typ', 'kid', 'crit', 'b64', 'jwk'],
    ...['sub', 'sid', 'iss', 'aud', 'exp', 'iat', 'nbf', 'jti', 'email', 'role'],
  ];
  const change = fc.record({
    header: fc.boolean(),
    key: fc.oneof(fc.constantFrom(...keysOfInterest), fc.string({ maxLength: 8 })),
    value: fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }),
  });
  return fc.array(change, { minLength: 1, maxLength: 3 });
}

/** The parts of a token signed by something the service must refuse. */
export interface SignedJunk {
  readonly header: fc.Arbitrary<Record<string, unknown>>;
  readonly payload: fc.Arbitrary<Record<string, unknown>>;
  readonly signer: fc.Arbitrary<Signer>;
}

/**
 * Headers naming any algorithm, payloads mixing the session's real claims with random ones, and
 * signers the service does not trust: random or public-key HMAC secrets, a stranger's Ed25519
 * key, or a signature copied from a valid token.
 */
export function signedJunk(m: CaseMaterial): SignedJunk {
  const claims = m.forge.claims;
  const t = now();
  const algs = [
    'HS256',
    'HS384',
    'HS512',
    'none',
    'None',
    'EdDSA',
    'Ed25519',
    'ES256',
    'RS256',
    'PS256',
  ];
  const header = fc.record(
    {
      alg: fc.constantFrom(...algs),
      typ: fc.constantFrom('at+jwt', 'JWT', 'at+JWT'),
      kid: fc.oneof(fc.constant(m.keys.kid), fc.string({ maxLength: 24 })),
      crit: fc.constant(['b64']),
      b64: fc.boolean(),
    },
    { requiredKeys: ['alg'] },
  );
  const payload = fc
    .tuple(
      fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
      fc.record(
        {
          sub: fc.oneof(fc.constant(claims.sub), fc.string({ maxLength: 12 }), fc.integer()),
          sid: fc.oneof(fc.constant(claims.sid), fc.uuid(), fc.string({ maxLength: 12 })),
          iss: fc.oneof(fc.constant(claims.iss), fc.webUrl()),
          aud: fc.oneof(
            fc.constant(AUDIENCE),
            fc.string({ maxLength: 16 }),
            fc.array(fc.constant(AUDIENCE)),
          ),
          email: fc.oneof(fc.constant(claims.email), fc.emailAddress()),
          role: fc.constantFrom('user', 'admin', 'root'),
          jti: fc.uuid(),
          iat: fc.oneof(fc.constant(t), fc.integer()),
          exp: fc.oneof(fc.constant(t + 900), fc.integer()),
          nbf: fc.oneof(fc.constant(t - 10), fc.integer()),
        },
        { requiredKeys: [] },
      ),
    )
    .map(([extra, known]) => ({ ...extra, ...known }));
  const signer: fc.Arbitrary<Signer> = fc.oneof(
    fc.record({
      kind: fc.constant('hmac' as const),
      hash: fc.constantFrom('sha256' as const, 'sha384' as const, 'sha512' as const),
      secret: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
    }),
    fc.record({
      kind: fc.constant('hmac' as const),
      hash: fc.constantFrom('sha256' as const, 'sha512' as const),
      secret: fc.constantFrom(...Object.values(m.keys.publicSecrets)),
    }),
    fc.constant({ kind: 'ed25519' as const, key: m.stranger.privateKey }),
    fc.record({
      kind: fc.constant('none' as const),
      signature: fc.constantFrom(
        '',
        part(m.valid, 2),
        part(m.forged, 2),
        Buffer.alloc(64).toString('base64url'),
      ),
    }),
  );
  return { header, payload, signer };
}
