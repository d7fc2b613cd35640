import { randomUUID } from 'node:crypto';
import { AUDIENCE, decodeSegment, encodeSegment, signCompact } from '../support/hostile-tokens.js';
import {
  type CaseMaterial,
  now,
  part,
  randomB64url,
  withPayload,
} from '../support/token-surgery.js';

// The tokens of the /verify hostile corpus: each breaks one thing in the session's valid token
// (its algorithm, key, times, issuer, audience, type, claims, signature or shape). Every one of
// them must get 401 from GET /verify and from POST /auth/verify (verify-hostile.test.ts).

/** One crafted token, made from the live session once the suite has one. */
export interface TokenCase {
  readonly name: string;
  readonly token: (material: CaseMaterial) => string;
}

export const TOKEN_CASES: readonly TokenCase[] = [
  // alg: none
  {
    name: 'alg none, empty signature',
    token: (m) =>
      signCompact(
        encodeSegment(m.forge.header({ alg: 'none' })),
        encodeSegment(m.forge.payload()),
        {
          kind: 'none',
        },
      ),
  },
  {
    name: 'alg none, no kid, empty signature',
    token: (m) =>
      signCompact(encodeSegment({ alg: 'none', typ: 'at+jwt' }), encodeSegment(m.forge.payload()), {
        kind: 'none',
      }),
  },
  {
    name: 'alg none, signature of a valid token kept',
    token: (m) =>
      m.forge.forge({
        header: { alg: 'none' },
        signer: { kind: 'none', signature: part(m.valid, 2) },
      }),
  },
  {
    name: 'alg NONE, junk signature',
    token: (m) =>
      m.forge.forge({ header: { alg: 'NONE' }, signer: { kind: 'none', signature: 'AAAA' } }),
  },
  // alg confusion: HMAC keyed with the public key
  ...[
    'raw key bytes',
    'the x member as text',
    'the public JWK as JSON',
    'SPKI PEM',
    'SPKI DER',
  ].map(
    (label): TokenCase => ({
      name: `HS256 signed with the public key (${label})`,
      token: (m) =>
        m.forge.forge({
          header: { alg: 'HS256' },
          signer: { kind: 'hmac', hash: 'sha256', secret: m.keys.publicSecrets[label] as Buffer },
        }),
    }),
  ),
  {
    name: 'HS512 signed with the public key, header still says EdDSA',
    token: (m) =>
      m.forge.forge({
        signer: {
          kind: 'hmac',
          hash: 'sha512',
          secret: m.keys.publicSecrets['raw key bytes'] as Buffer,
        },
      }),
  },
  {
    name: 'HS256 signed with an empty secret',
    token: (m) =>
      m.forge.forge({
        header: { alg: 'HS256' },
        signer: { kind: 'hmac', hash: 'sha256', secret: Buffer.alloc(0) },
      }),
  },
  // keys
  {
    name: 'unknown kid (real key)',
    token: (m) => m.forge.forge({ header: { kid: 'ed25519-2000-01-01-deadbeef' } }),
  },
  { name: 'no kid (real key)', token: (m) => m.forge.forge({ header: { kid: undefined } }) },
  { name: 'empty kid (real key)', token: (m) => m.forge.forge({ header: { kid: '' } }) },
  {
    name: 'kid __proto__ (real key)',
    token: (m) => m.forge.forge({ header: { kid: '__proto__' } }),
  },
  {
    name: 'kid constructor (real key)',
    token: (m) => m.forge.forge({ header: { kid: 'constructor' } }),
  },
  { name: 'kid a number (real key)', token: (m) => m.forge.forge({ header: { kid: 0 } }) },
  {
    name: 'kid an array holding the real kid (real key)',
    token: (m) => m.forge.forge({ header: { kid: [m.keys.kid] } }),
  },
  {
    name: 'kid with a path traversal (real key)',
    token: (m) => m.forge.forge({ header: { kid: `../keys/${m.keys.kid}` } }),
  },
  {
    name: 'kid with a trailing space (real key)',
    token: (m) => m.forge.forge({ header: { kid: `${m.keys.kid} ` } }),
  },
  {
    name: 'wrong key: a fresh Ed25519 key under the real kid',
    token: (m) => m.forge.forge({ signer: { kind: 'ed25519', key: m.stranger.privateKey } }),
  },
  {
    name: 'wrong key, embedded as a jwk header',
    token: (m) =>
      m.forge.forge({
        header: { kid: undefined, jwk: m.stranger.publicJwk },
        signer: { kind: 'ed25519', key: m.stranger.privateKey },
      }),
  },
  {
    name: 'wrong key, embedded as a jwk header with the real kid',
    token: (m) =>
      m.forge.forge({
        header: { jwk: { ...m.stranger.publicJwk, kid: m.keys.kid } },
        signer: { kind: 'ed25519', key: m.stranger.privateKey },
      }),
  },
  {
    name: 'wrong key, jku and x5u pointing elsewhere',
    token: (m) =>
      m.forge.forge({
        header: {
          kid: 'evil',
          jku: 'http://127.0.0.1:1/jwks.json',
          x5u: 'http://127.0.0.1:1/c.pem',
        },
        signer: { kind: 'ed25519', key: m.stranger.privateKey },
      }),
  },
  // time
  {
    name: 'expired a minute ago',
    token: (m) => m.forge.forge({ claims: { iat: now() - 960, exp: now() - 60 } }),
  },
  {
    name: 'expired a few seconds ago',
    token: (m) => m.forge.forge({ claims: { exp: now() - 3 } }),
  },
  { name: 'exp 0', token: (m) => m.forge.forge({ claims: { exp: 0 } }) },
  { name: 'exp a string', token: (m) => m.forge.forge({ claims: { exp: String(now() + 900) } }) },
  { name: 'exp missing', token: (m) => m.forge.forge({ claims: { exp: undefined } }) },
  {
    name: 'nbf a minute in the future',
    token: (m) => m.forge.forge({ claims: { nbf: now() + 60 } }),
  },
  {
    name: 'nbf a day in the future',
    token: (m) => m.forge.forge({ claims: { nbf: now() + 86_400 } }),
  },
  // issuer and audience
  { name: 'wrong iss', token: (m) => m.forge.forge({ claims: { iss: 'https://evil.example' } }) },
  {
    name: 'iss with a trailing slash',
    token: (m) => m.forge.forge({ claims: { iss: `${m.forge.claims.iss}/` } }),
  },
  {
    name: 'iss upper-cased',
    token: (m) => m.forge.forge({ claims: { iss: String(m.forge.claims.iss).toUpperCase() } }),
  },
  { name: 'iss an array', token: (m) => m.forge.forge({ claims: { iss: [m.forge.claims.iss] } }) },
  { name: 'iss missing', token: (m) => m.forge.forge({ claims: { iss: undefined } }) },
  { name: 'wrong aud', token: (m) => m.forge.forge({ claims: { aud: 'shardgate-admin' } }) },
  { name: 'aud with a suffix', token: (m) => m.forge.forge({ claims: { aud: `${AUDIENCE}-x` } }) },
  {
    name: 'aud upper-cased',
    token: (m) => m.forge.forge({ claims: { aud: AUDIENCE.toUpperCase() } }),
  },
  { name: 'aud an empty array', token: (m) => m.forge.forge({ claims: { aud: [] } }) },
  { name: 'aud missing', token: (m) => m.forge.forge({ claims: { aud: undefined } }) },
  // the other token
  { name: 'the refresh token', token: (m) => m.user.refreshToken },
  // typ
  { name: 'typ missing', token: (m) => m.forge.forge({ header: { typ: undefined } }) },
  { name: 'typ JWT', token: (m) => m.forge.forge({ header: { typ: 'JWT' } }) },
  { name: 'typ refresh+jwt', token: (m) => m.forge.forge({ header: { typ: 'refresh+jwt' } }) },
  { name: 'typ a number', token: (m) => m.forge.forge({ header: { typ: 1 } }) },
  // claims of the wrong shape, signed with the real key
  { name: 'sub not a number', token: (m) => m.forge.forge({ claims: { sub: 'admin' } }) },
  { name: 'sub empty', token: (m) => m.forge.forge({ claims: { sub: '' } }) },
  { name: 'sub 0', token: (m) => m.forge.forge({ claims: { sub: '0' } }) },
  { name: 'sub negative', token: (m) => m.forge.forge({ claims: { sub: `-${m.user.id}` } }) },
  {
    name: 'sub with a decimal point',
    token: (m) => m.forge.forge({ claims: { sub: `${m.user.id}.0` } }),
  },
  {
    name: 'sub with a leading zero',
    token: (m) => m.forge.forge({ claims: { sub: `0${m.user.id}` } }),
  },
  {
    name: 'sub with a leading space',
    token: (m) => m.forge.forge({ claims: { sub: ` ${m.user.id}` } }),
  },
  { name: 'sub in exponent notation', token: (m) => m.forge.forge({ claims: { sub: '1e3' } }) },
  {
    name: 'sub a JSON number',
    token: (m) => m.forge.forge({ claims: { sub: Number(m.user.id) } }),
  },
  { name: 'sub missing', token: (m) => m.forge.forge({ claims: { sub: undefined } }) },
  { name: 'sub of no user', token: (m) => m.forge.forge({ claims: { sub: '2147483647' } }) },
  {
    name: 'sub beyond a Postgres integer',
    token: (m) => m.forge.forge({ claims: { sub: '99999999999' } }),
  },
  { name: 'sub beyond 2^53', token: (m) => m.forge.forge({ claims: { sub: '9007199254740993' } }) },
  { name: 'sid missing', token: (m) => m.forge.forge({ claims: { sid: undefined } }) },
  { name: 'sid not a uuid', token: (m) => m.forge.forge({ claims: { sid: 'not-a-uuid' } }) },
  { name: 'sid of no session', token: (m) => m.forge.forge({ claims: { sid: randomUUID() } }) },
  {
    name: 'sid upper-cased',
    token: (m) => m.forge.forge({ claims: { sid: String(m.forge.claims.sid).toUpperCase() } }),
  },
  { name: 'sid a number', token: (m) => m.forge.forge({ claims: { sid: 1 } }) },
  { name: 'jti missing', token: (m) => m.forge.forge({ claims: { jti: undefined } }) },
  { name: 'iat missing', token: (m) => m.forge.forge({ claims: { iat: undefined } }) },
  { name: 'email missing', token: (m) => m.forge.forge({ claims: { email: undefined } }) },
  { name: 'role superuser', token: (m) => m.forge.forge({ claims: { role: 'superuser' } }) },
  { name: 'role missing', token: (m) => m.forge.forge({ claims: { role: undefined } }) },
  {
    name: 'crit names an unknown extension (real key)',
    token: (m) => m.forge.forge({ header: { crit: ['x-evil'], 'x-evil': true } }),
  },
  {
    name: 'b64: false with an unencoded payload (real key)',
    token: (m) => {
      const header = encodeSegment(m.forge.header({ b64: false, crit: ['b64'] }));
      const payload = JSON.stringify(m.forge.payload());
      const signed = signCompact(header, payload, { kind: 'ed25519', key: m.keys.privateKey });
      return signed;
    },
  },
  {
    name: 'header a JSON array (real key)',
    token: (m) => m.forge.forge({ rawHeader: ['EdDSA', m.keys.kid] }),
  },
  { name: 'header not JSON (real key)', token: (m) => m.forge.forge({ rawHeader: 'alg=EdDSA' }) },
  {
    name: 'payload a JSON array (real key)',
    token: (m) =>
      signCompact(encodeSegment(m.forge.header()), encodeSegment([m.forge.payload()]), {
        kind: 'ed25519',
        key: m.keys.privateKey,
      }),
  },
  {
    name: 'payload not JSON (real key)',
    token: (m) =>
      signCompact(encodeSegment(m.forge.header()), encodeSegment('sub=1'), {
        kind: 'ed25519',
        key: m.keys.privateKey,
      }),
  },
  // tampering with a valid token
  {
    name: 'tampered payload: role admin, signature kept',
    token: (m) =>
      withPayload(m.valid, (c) => {
        c.role = 'admin';
      }),
  },
  {
    name: 'tampered payload: another sub, signature kept',
    token: (m) =>
      withPayload(m.valid, (c) => {
        c.sub = String(Number(c.sub) + 1);
      }),
  },
  {
    name: 'tampered payload: exp a year later, signature kept',
    token: (m) =>
      withPayload(m.valid, (c) => {
        c.exp = Number(c.exp) + 365 * 86_400;
      }),
  },
  {
    name: 'tampered payload: same claims re-serialised with spaces',
    token: (m) =>
      `${part(m.valid, 0)}.${encodeSegment(JSON.stringify(decodeSegment(part(m.valid, 1)), null, 1))}.${part(m.valid, 2)}`,
  },
  {
    name: 'tampered header: typ JWT, signature kept',
    token: (m) =>
      `${encodeSegment({ ...decodeSegment(part(m.valid, 0)), typ: 'JWT' })}.${part(m.valid, 1)}.${part(m.valid, 2)}`,
  },
  {
    name: 'header and payload swapped',
    token: (m) => `${part(m.valid, 1)}.${part(m.valid, 0)}.${part(m.valid, 2)}`,
  },
  {
    name: 'signature swapped from another valid token',
    token: (m) => `${part(m.valid, 0)}.${part(m.valid, 1)}.${part(m.forged, 2)}`,
  },
  {
    name: 'signature swapped the other way',
    token: (m) => `${part(m.forged, 0)}.${part(m.forged, 1)}.${part(m.valid, 2)}`,
  },
  {
    name: 'payload of another valid token under this signature',
    token: (m) => `${part(m.valid, 0)}.${part(m.forged, 1)}.${part(m.valid, 2)}`,
  },
  {
    name: 'signature bytes flipped',
    token: (m) =>
      `${part(m.valid, 0)}.${part(m.valid, 1)}.${Buffer.from(
        Buffer.from(part(m.valid, 2), 'base64url').map((b) => b ^ 0xff),
      ).toString('base64url')}`,
  },
  {
    name: 'signature all zeros',
    token: (m) =>
      `${part(m.valid, 0)}.${part(m.valid, 1)}.${Buffer.alloc(64).toString('base64url')}`,
  },
  // truncated and extended
  { name: 'truncated by one character', token: (m) => m.valid.slice(0, -1) },
  { name: 'truncated by ten characters', token: (m) => m.valid.slice(0, -10) },
  { name: 'truncated to half', token: (m) => m.valid.slice(0, Math.floor(m.valid.length / 2)) },
  { name: 'signature removed, dot kept', token: (m) => `${part(m.valid, 0)}.${part(m.valid, 1)}.` },
  { name: 'signature removed', token: (m) => `${part(m.valid, 0)}.${part(m.valid, 1)}` },
  { name: 'header only', token: (m) => part(m.valid, 0) },
  { name: 'a fourth segment', token: (m) => `${m.valid}.${part(m.valid, 2)}` },
  {
    name: 'JWE-shaped: five segments',
    token: (m) =>
      `${part(m.valid, 0)}.${randomB64url(43)}.${randomB64url(16)}.${part(m.valid, 1)}.${randomB64url(22)}`,
  },
  { name: 'the valid token twice', token: (m) => `${m.valid}${m.valid}` },
  { name: 'padding appended', token: (m) => `${m.valid}==` },
  {
    name: 'base64 instead of base64url',
    // standard base64 with padding; a token that happens to read the same gets the padding added
    token: (m) => {
      const standard = m.valid
        .split('.')
        .map((part) => Buffer.from(part, 'base64url').toString('base64'))
        .join('.');
      return standard === m.valid ? `${m.valid}=` : standard;
    },
  },
  // junk
  { name: '8 KiB of base64url junk', token: () => randomB64url(8192) },
  {
    name: 'JWS-shaped junk at the size limits (2048.4096.1024)',
    token: () => `${randomB64url(2048)}.${randomB64url(4096)}.${randomB64url(1024)}`,
  },
  {
    name: 'JWS-shaped junk just over the size limits',
    token: () => `${randomB64url(2049)}.${randomB64url(4096)}.${randomB64url(1024)}`,
  },
  { name: 'the Ed25519 public key as a token', token: (m) => String(m.keys.publicJwk.x) },
  { name: 'a single dot', token: () => '.' },
  { name: 'two dots', token: () => '..' },
];
