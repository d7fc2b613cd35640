import { randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CallResult,
  call,
  newUser,
  startAuthServer,
  type TestAuthServer,
  type TestUser,
} from '../support/auth-server.js';
import {
  AUDIENCE,
  decodeSegment,
  encodeSegment,
  mapLimit,
  rawRequest,
  type Signer,
  type StackKeys,
  signCompact,
  stackKeys,
  strangerKey,
  TokenForge,
} from '../support/hostile-tokens.js';

// Acceptance: a hostile-token corpus sent to /verify, plus at least 1,000 generated cases, only
// ever gets 401 — never 200, never 5xx. The sanity group first proves that the same requests with
// a good token do get 200, so a broken check would make the corpus fail.

const CHALLENGE = 'Bearer error="invalid_token"';
const IDENTITY_HEADERS = ['x-user-id', 'x-user-email', 'x-user-role', 'x-session-id'];

let server: TestAuthServer;
let user: TestUser;
let keys: StackKeys;
let forge: TokenForge;
let stranger: ReturnType<typeof strangerKey>;
/** The access token the service issued at login. */
let valid: string;
/** A second valid token for the same session, signed here with the stack's key. */
let forged: string;

beforeAll(async () => {
  server = await startAuthServer();
  user = await newUser(server.url);
  valid = user.accessToken;
  keys = stackKeys();
  forge = new TokenForge(keys, decodeSegment(part(valid, 1)));
  stranger = strangerKey();
  forged = forge.forge();
});

afterAll(async () => {
  await server?.close();
});

// --- requests -------------------------------------------------------------------------------

/** No Authorization (null), a value fetch can send, or raw header lines sent byte for byte. */
type Credentials = null | string | { readonly lines: ReadonlyArray<string | Buffer> };

interface Target {
  readonly method: string;
  readonly path: string;
}

const VERIFY: Target = { method: 'GET', path: '/verify' };
/** Every method and sub-path must be answered the same way (ingress-contract.md §3). */
const TARGETS: readonly Target[] = [
  VERIFY,
  { method: 'POST', path: '/verify' },
  { method: 'DELETE', path: '/verify/anything' },
  { method: 'GET', path: '/verify/a/b?x=1' },
  { method: 'PUT', path: '/verify/' },
  { method: 'PATCH', path: '/verify/x/../y' },
  { method: 'HEAD', path: '/verify' },
  { method: 'OPTIONS', path: '/verify/anything' },
];

interface Answer {
  readonly status: number;
  header(name: string): string | null;
  readonly body: string;
}

async function send(
  credentials: Credentials,
  target: Target = VERIFY,
  extra: Record<string, string> = {},
): Promise<Answer> {
  if (credentials !== null && typeof credentials === 'object') {
    const answer = await rawRequest(server.url, {
      method: target.method,
      path: target.path,
      lines: [...Object.entries(extra).map(([k, v]) => `${k}: ${v}`), ...credentials.lines],
    });
    return {
      status: answer.status,
      header: (name) => answer.headers.get(name.toLowerCase())?.join(', ') ?? null,
      body: answer.body,
    };
  }
  const headers: Record<string, string> = { ...extra };
  if (credentials !== null) headers.authorization = credentials;
  const response = await fetch(`${server.url}${target.path}`, { method: target.method, headers });
  const body = await response.text();
  return { status: response.status, header: (name) => response.headers.get(name), body };
}

function expectDenied(answer: Answer, label = ''): void {
  expect(answer.status, `${label}: status`).toBe(401);
  expect(answer.header('www-authenticate'), `${label}: WWW-Authenticate`).toBe(CHALLENGE);
  for (const name of IDENTITY_HEADERS) expect(answer.header(name), `${label}: ${name}`).toBeNull();
}

function expectAllowed(answer: Answer, label = ''): void {
  expect(answer.status, `${label}: status`).toBe(200);
  expect(answer.header('x-user-id'), label).toBe(user.id);
  expect(answer.header('x-user-email'), label).toBe(user.email);
  expect(answer.header('x-user-role'), label).toBe('user');
  expect(answer.header('x-session-id'), label).toBe(forge.claims.sid);
  expect(answer.header('www-authenticate'), label).toBeNull();
}

const introspect = (body: Record<string, string>): Promise<CallResult> =>
  call(server.url, 'POST', '/auth/verify', { json: body });

function expectIntrospectionDenied(result: CallResult, label = ''): void {
  expect(result.status, `${label}: status (${result.text})`).toBe(401);
  expect(result.headers.get('content-type'), label).toContain('json');
  expect(result.body?.code, label).toBe('invalid_token');
  expect(result.body?.valid, label).toBeUndefined();
  expect(result.body?.user_id, label).toBeUndefined();
  expect(result.headers.get('www-authenticate'), label).toBe(CHALLENGE);
}

// --- token surgery ----------------------------------------------------------------------------

const part = (token: string, i: number): string => token.split('.')[i] ?? '';
const now = () => Math.floor(Date.now() / 1000);
const bearer = (token: string) => `Bearer ${token}`;
const utf8 = (text: string) => Buffer.from(text, 'utf8');
/** One raw Authorization line per value (several values: several Authorization headers). */
const rawAuth = (...values: Array<string | Buffer>): Credentials => ({
  lines: values.map((v) =>
    Buffer.concat([
      Buffer.from('Authorization: '),
      typeof v === 'string' ? Buffer.from(v, 'latin1') : v,
    ]),
  ),
});

/** The valid token with its payload re-encoded after `change`, signature kept. */
function withPayload(change: (claims: Record<string, unknown>) => void): string {
  const claims = decodeSegment(part(valid, 1));
  change(claims);
  return `${part(valid, 0)}.${encodeSegment(claims)}.${part(valid, 2)}`;
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const randomB64url = (length: number) =>
  Array.from(randomBytes(length), (b) => B64URL[b % 64]).join('');
/** Bytes an HTTP/1.1 parser accepts in a header value: HTAB, visible ASCII, SP, obs-text. */
const headerSafe = (bytes: Uint8Array) =>
  Buffer.from(bytes.map((b) => (b === 0x7f ? 0xff : b < 0x20 && b !== 0x09 ? b | 0x80 : b)));
const latin1Junk = (length: number) =>
  headerSafe(randomBytes(length))
    .toString('latin1')
    .replace(/^[\t ]+|[\t ]+$/g, 'x');

// --- the corpus ---------------------------------------------------------------------------------

interface TokenCase {
  readonly name: string;
  readonly token: () => string;
}

/** Tokens sent as `Authorization: Bearer <token>` and as `POST /auth/verify {token}`. */
const TOKEN_CASES: readonly TokenCase[] = [
  // alg: none
  {
    name: 'alg none, empty signature',
    token: () =>
      signCompact(encodeSegment(forge.header({ alg: 'none' })), encodeSegment(forge.payload()), {
        kind: 'none',
      }),
  },
  {
    name: 'alg none, no kid, empty signature',
    token: () =>
      signCompact(encodeSegment({ alg: 'none', typ: 'at+jwt' }), encodeSegment(forge.payload()), {
        kind: 'none',
      }),
  },
  {
    name: 'alg none, signature of a valid token kept',
    token: () =>
      forge.forge({ header: { alg: 'none' }, signer: { kind: 'none', signature: part(valid, 2) } }),
  },
  {
    name: 'alg NONE, junk signature',
    token: () =>
      forge.forge({ header: { alg: 'NONE' }, signer: { kind: 'none', signature: 'AAAA' } }),
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
      token: () =>
        forge.forge({
          header: { alg: 'HS256' },
          signer: { kind: 'hmac', hash: 'sha256', secret: keys.publicSecrets[label] as Buffer },
        }),
    }),
  ),
  {
    name: 'HS512 signed with the public key, header still says EdDSA',
    token: () =>
      forge.forge({
        signer: {
          kind: 'hmac',
          hash: 'sha512',
          secret: keys.publicSecrets['raw key bytes'] as Buffer,
        },
      }),
  },
  {
    name: 'HS256 signed with an empty secret',
    token: () =>
      forge.forge({
        header: { alg: 'HS256' },
        signer: { kind: 'hmac', hash: 'sha256', secret: Buffer.alloc(0) },
      }),
  },
  // keys
  {
    name: 'unknown kid (real key)',
    token: () => forge.forge({ header: { kid: 'ed25519-2000-01-01-deadbeef' } }),
  },
  { name: 'no kid (real key)', token: () => forge.forge({ header: { kid: undefined } }) },
  { name: 'empty kid (real key)', token: () => forge.forge({ header: { kid: '' } }) },
  { name: 'kid __proto__ (real key)', token: () => forge.forge({ header: { kid: '__proto__' } }) },
  {
    name: 'kid constructor (real key)',
    token: () => forge.forge({ header: { kid: 'constructor' } }),
  },
  { name: 'kid a number (real key)', token: () => forge.forge({ header: { kid: 0 } }) },
  {
    name: 'kid an array holding the real kid (real key)',
    token: () => forge.forge({ header: { kid: [keys.kid] } }),
  },
  {
    name: 'kid with a path traversal (real key)',
    token: () => forge.forge({ header: { kid: `../keys/${keys.kid}` } }),
  },
  {
    name: 'kid with a trailing space (real key)',
    token: () => forge.forge({ header: { kid: `${keys.kid} ` } }),
  },
  {
    name: 'wrong key: a fresh Ed25519 key under the real kid',
    token: () => forge.forge({ signer: { kind: 'ed25519', key: stranger.privateKey } }),
  },
  {
    name: 'wrong key, embedded as a jwk header',
    token: () =>
      forge.forge({
        header: { kid: undefined, jwk: stranger.publicJwk },
        signer: { kind: 'ed25519', key: stranger.privateKey },
      }),
  },
  {
    name: 'wrong key, embedded as a jwk header with the real kid',
    token: () =>
      forge.forge({
        header: { jwk: { ...stranger.publicJwk, kid: keys.kid } },
        signer: { kind: 'ed25519', key: stranger.privateKey },
      }),
  },
  {
    name: 'wrong key, jku and x5u pointing elsewhere',
    token: () =>
      forge.forge({
        header: {
          kid: 'evil',
          jku: 'http://127.0.0.1:1/jwks.json',
          x5u: 'http://127.0.0.1:1/c.pem',
        },
        signer: { kind: 'ed25519', key: stranger.privateKey },
      }),
  },
  // time
  {
    name: 'expired a minute ago',
    token: () => forge.forge({ claims: { iat: now() - 960, exp: now() - 60 } }),
  },
  { name: 'expired a few seconds ago', token: () => forge.forge({ claims: { exp: now() - 3 } }) },
  { name: 'exp 0', token: () => forge.forge({ claims: { exp: 0 } }) },
  { name: 'exp a string', token: () => forge.forge({ claims: { exp: String(now() + 900) } }) },
  { name: 'exp missing', token: () => forge.forge({ claims: { exp: undefined } }) },
  { name: 'nbf a minute in the future', token: () => forge.forge({ claims: { nbf: now() + 60 } }) },
  {
    name: 'nbf a day in the future',
    token: () => forge.forge({ claims: { nbf: now() + 86_400 } }),
  },
  // issuer and audience
  { name: 'wrong iss', token: () => forge.forge({ claims: { iss: 'https://evil.example' } }) },
  {
    name: 'iss with a trailing slash',
    token: () => forge.forge({ claims: { iss: `${forge.claims.iss}/` } }),
  },
  {
    name: 'iss upper-cased',
    token: () => forge.forge({ claims: { iss: String(forge.claims.iss).toUpperCase() } }),
  },
  { name: 'iss an array', token: () => forge.forge({ claims: { iss: [forge.claims.iss] } }) },
  { name: 'iss missing', token: () => forge.forge({ claims: { iss: undefined } }) },
  { name: 'wrong aud', token: () => forge.forge({ claims: { aud: 'shardgate-admin' } }) },
  { name: 'aud with a suffix', token: () => forge.forge({ claims: { aud: `${AUDIENCE}-x` } }) },
  {
    name: 'aud upper-cased',
    token: () => forge.forge({ claims: { aud: AUDIENCE.toUpperCase() } }),
  },
  { name: 'aud an empty array', token: () => forge.forge({ claims: { aud: [] } }) },
  { name: 'aud missing', token: () => forge.forge({ claims: { aud: undefined } }) },
  // the other token
  { name: 'the refresh token', token: () => user.refreshToken },
  // typ
  { name: 'typ missing', token: () => forge.forge({ header: { typ: undefined } }) },
  { name: 'typ JWT', token: () => forge.forge({ header: { typ: 'JWT' } }) },
  { name: 'typ refresh+jwt', token: () => forge.forge({ header: { typ: 'refresh+jwt' } }) },
  { name: 'typ a number', token: () => forge.forge({ header: { typ: 1 } }) },
  // claims of the wrong shape, signed with the real key
  { name: 'sub not a number', token: () => forge.forge({ claims: { sub: 'admin' } }) },
  { name: 'sub empty', token: () => forge.forge({ claims: { sub: '' } }) },
  { name: 'sub 0', token: () => forge.forge({ claims: { sub: '0' } }) },
  { name: 'sub negative', token: () => forge.forge({ claims: { sub: `-${user.id}` } }) },
  {
    name: 'sub with a decimal point',
    token: () => forge.forge({ claims: { sub: `${user.id}.0` } }),
  },
  { name: 'sub with a leading zero', token: () => forge.forge({ claims: { sub: `0${user.id}` } }) },
  {
    name: 'sub with a leading space',
    token: () => forge.forge({ claims: { sub: ` ${user.id}` } }),
  },
  { name: 'sub in exponent notation', token: () => forge.forge({ claims: { sub: '1e3' } }) },
  { name: 'sub a JSON number', token: () => forge.forge({ claims: { sub: Number(user.id) } }) },
  { name: 'sub missing', token: () => forge.forge({ claims: { sub: undefined } }) },
  { name: 'sub of no user', token: () => forge.forge({ claims: { sub: '2147483647' } }) },
  {
    name: 'sub beyond a Postgres integer',
    token: () => forge.forge({ claims: { sub: '99999999999' } }),
  },
  { name: 'sub beyond 2^53', token: () => forge.forge({ claims: { sub: '9007199254740993' } }) },
  { name: 'sid missing', token: () => forge.forge({ claims: { sid: undefined } }) },
  { name: 'sid not a uuid', token: () => forge.forge({ claims: { sid: 'not-a-uuid' } }) },
  { name: 'sid of no session', token: () => forge.forge({ claims: { sid: randomUUID() } }) },
  {
    name: 'sid upper-cased',
    token: () => forge.forge({ claims: { sid: String(forge.claims.sid).toUpperCase() } }),
  },
  { name: 'sid a number', token: () => forge.forge({ claims: { sid: 1 } }) },
  { name: 'jti missing', token: () => forge.forge({ claims: { jti: undefined } }) },
  { name: 'iat missing', token: () => forge.forge({ claims: { iat: undefined } }) },
  { name: 'email missing', token: () => forge.forge({ claims: { email: undefined } }) },
  { name: 'role superuser', token: () => forge.forge({ claims: { role: 'superuser' } }) },
  { name: 'role missing', token: () => forge.forge({ claims: { role: undefined } }) },
  {
    name: 'crit names an unknown extension (real key)',
    token: () => forge.forge({ header: { crit: ['x-evil'], 'x-evil': true } }),
  },
  {
    name: 'b64: false with an unencoded payload (real key)',
    token: () => {
      const header = encodeSegment(forge.header({ b64: false, crit: ['b64'] }));
      const payload = JSON.stringify(forge.payload());
      const signed = signCompact(header, payload, { kind: 'ed25519', key: keys.privateKey });
      return signed;
    },
  },
  {
    name: 'header a JSON array (real key)',
    token: () => forge.forge({ rawHeader: ['EdDSA', keys.kid] }),
  },
  { name: 'header not JSON (real key)', token: () => forge.forge({ rawHeader: 'alg=EdDSA' }) },
  {
    name: 'payload a JSON array (real key)',
    token: () =>
      signCompact(encodeSegment(forge.header()), encodeSegment([forge.payload()]), {
        kind: 'ed25519',
        key: keys.privateKey,
      }),
  },
  {
    name: 'payload not JSON (real key)',
    token: () =>
      signCompact(encodeSegment(forge.header()), encodeSegment('sub=1'), {
        kind: 'ed25519',
        key: keys.privateKey,
      }),
  },
  // tampering with a valid token
  {
    name: 'tampered payload: role admin, signature kept',
    token: () =>
      withPayload((c) => {
        c.role = 'admin';
      }),
  },
  {
    name: 'tampered payload: another sub, signature kept',
    token: () =>
      withPayload((c) => {
        c.sub = String(Number(c.sub) + 1);
      }),
  },
  {
    name: 'tampered payload: exp a year later, signature kept',
    token: () =>
      withPayload((c) => {
        c.exp = Number(c.exp) + 365 * 86_400;
      }),
  },
  {
    name: 'tampered payload: same claims re-serialised with spaces',
    token: () =>
      `${part(valid, 0)}.${encodeSegment(JSON.stringify(decodeSegment(part(valid, 1)), null, 1))}.${part(valid, 2)}`,
  },
  {
    name: 'tampered header: typ JWT, signature kept',
    token: () =>
      `${encodeSegment({ ...decodeSegment(part(valid, 0)), typ: 'JWT' })}.${part(valid, 1)}.${part(valid, 2)}`,
  },
  {
    name: 'header and payload swapped',
    token: () => `${part(valid, 1)}.${part(valid, 0)}.${part(valid, 2)}`,
  },
  {
    name: 'signature swapped from another valid token',
    token: () => `${part(valid, 0)}.${part(valid, 1)}.${part(forged, 2)}`,
  },
  {
    name: 'signature swapped the other way',
    token: () => `${part(forged, 0)}.${part(forged, 1)}.${part(valid, 2)}`,
  },
  {
    name: 'payload of another valid token under this signature',
    token: () => `${part(valid, 0)}.${part(forged, 1)}.${part(valid, 2)}`,
  },
  {
    name: 'signature bytes flipped',
    token: () =>
      `${part(valid, 0)}.${part(valid, 1)}.${Buffer.from(
        Buffer.from(part(valid, 2), 'base64url').map((b) => b ^ 0xff),
      ).toString('base64url')}`,
  },
  {
    name: 'signature all zeros',
    token: () => `${part(valid, 0)}.${part(valid, 1)}.${Buffer.alloc(64).toString('base64url')}`,
  },
  // truncated and extended
  { name: 'truncated by one character', token: () => valid.slice(0, -1) },
  { name: 'truncated by ten characters', token: () => valid.slice(0, -10) },
  { name: 'truncated to half', token: () => valid.slice(0, Math.floor(valid.length / 2)) },
  { name: 'signature removed, dot kept', token: () => `${part(valid, 0)}.${part(valid, 1)}.` },
  { name: 'signature removed', token: () => `${part(valid, 0)}.${part(valid, 1)}` },
  { name: 'header only', token: () => part(valid, 0) },
  { name: 'a fourth segment', token: () => `${valid}.${part(valid, 2)}` },
  {
    name: 'JWE-shaped: five segments',
    token: () =>
      `${part(valid, 0)}.${randomB64url(43)}.${randomB64url(16)}.${part(valid, 1)}.${randomB64url(22)}`,
  },
  { name: 'the valid token twice', token: () => `${valid}${valid}` },
  { name: 'padding appended', token: () => `${valid}==` },
  {
    name: 'base64 instead of base64url',
    // standard base64 with padding; a token that happens to read the same gets the padding added
    token: () => {
      const standard = valid
        .split('.')
        .map((part) => Buffer.from(part, 'base64url').toString('base64'))
        .join('.');
      return standard === valid ? `${valid}=` : standard;
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
  { name: 'the Ed25519 public key as a token', token: () => String(keys.publicJwk.x) },
  { name: 'a single dot', token: () => '.' },
  { name: 'two dots', token: () => '..' },
];

/** Whole Authorization values, or none, beyond `Bearer <token>`. */
const HEADER_CASES: ReadonlyArray<{
  readonly name: string;
  readonly credentials: () => Credentials;
}> = [
  { name: 'no Authorization header', credentials: () => null },
  { name: 'an empty Authorization header', credentials: () => '' },
  {
    name: 'Basic credentials',
    credentials: () => `Basic ${Buffer.from(`${user.email}:${user.password}`).toString('base64')}`,
  },
  { name: 'Basic scheme carrying the valid token', credentials: () => `Basic ${valid}` },
  { name: 'empty bearer', credentials: () => 'Bearer' },
  { name: 'empty bearer followed by spaces (raw)', credentials: () => rawAuth('Bearer      ') },
  { name: 'the valid token without a scheme', credentials: () => valid },
  { name: 'scheme Token', credentials: () => `Token ${valid}` },
  { name: 'scheme JWT', credentials: () => `JWT ${valid}` },
  { name: 'scheme DPoP', credentials: () => `DPoP ${valid}` },
  { name: 'scheme Bearerx', credentials: () => `Bearerx ${valid}` },
  { name: 'no space after Bearer', credentials: () => `Bearer${valid}` },
  { name: 'Bearer: with a colon', credentials: () => `Bearer: ${valid}` },
  { name: 'Bearer= with an equals sign', credentials: () => `Bearer=${valid}` },
  { name: 'a tab instead of a space', credentials: () => `Bearer\t${valid}` },
  { name: 'Bearer twice before the token', credentials: () => `Bearer Bearer ${valid}` },
  {
    name: 'Bearer <token> twice, space separated',
    credentials: () => `Bearer ${valid} Bearer ${valid}`,
  },
  {
    name: 'Bearer <token> twice, comma separated',
    credentials: () => `Bearer ${valid}, Bearer ${valid}`,
  },
  { name: 'the valid token then junk', credentials: () => `Bearer ${valid} x` },
  { name: 'the valid token then a comma', credentials: () => `Bearer ${valid},` },
  { name: 'the valid token quoted', credentials: () => `Bearer "${valid}"` },
  { name: 'the valid token as token=', credentials: () => `Bearer token=${valid}` },
  {
    name: 'URL-encoded CRLF after the valid token',
    credentials: () => `Bearer ${valid}%0D%0AX-User-Id:%20${user.id}`,
  },
  {
    name: 'escaped CRLF after the valid token',
    credentials: () => `Bearer ${valid}\\r\\nX-User-Id: ${user.id}`,
  },
  { name: '8 KiB of A after Bearer', credentials: () => `Bearer ${'A'.repeat(8192)}` },
  { name: '8 KiB of Latin-1 junk', credentials: () => `Bearer ${latin1Junk(8192)}` },
  { name: '8 KiB of Latin-1 junk without a scheme', credentials: () => latin1Junk(8192) },
  // sent byte for byte
  {
    name: 'CRLF injection: spoofed X-User-* lines after an invalid token (raw)',
    credentials: () =>
      rawAuth(`Bearer ${valid.slice(0, -1)}\r\nX-User-Id: ${user.id}\r\nX-User-Role: admin`),
  },
  {
    name: 'two Authorization headers: an invalid one, then the valid token (raw)',
    credentials: () => rawAuth(`Bearer ${valid.slice(0, -1)}`, bearer(valid)),
  },
  {
    name: 'two Authorization headers: Basic, then the valid token (raw)',
    credentials: () => rawAuth('Basic dXNlcjpwYXNz', bearer(valid)),
  },
  {
    name: 'non-ASCII: a UTF-8 token (raw)',
    credentials: () => rawAuth(utf8('Bearer tökén.ünïcödé.sïgnätürë')),
  },
  {
    name: 'non-ASCII: the valid token with a Cyrillic homoglyph (raw)',
    credentials: () => rawAuth(utf8(`Bearer \u0435${valid.slice(1)}`)),
  },
  {
    name: 'non-ASCII: the valid token with an emoji appended (raw)',
    credentials: () => rawAuth(utf8(`Bearer ${valid}\u{1F600}`)),
  },
  {
    name: 'non-ASCII: a byte-order mark before the valid token (raw)',
    credentials: () => rawAuth(utf8(`Bearer \uFEFF${valid}`)),
  },
  {
    name: 'non-ASCII: a no-break space as separator (raw)',
    credentials: () => rawAuth(utf8(`Bearer\u00A0${valid}`)),
  },
  {
    name: 'non-ASCII: a full-width scheme (raw)',
    credentials: () => rawAuth(utf8(`\uFF22\uFF45\uFF41\uFF52\uFF45\uFF52 ${valid}`)),
  },
  {
    name: 'non-ASCII: every byte 0x80-0xFF (raw)',
    credentials: () =>
      rawAuth(
        Buffer.concat([
          Buffer.from('Bearer '),
          Buffer.from(Array.from({ length: 128 }, (_, i) => 0x80 + i)),
        ]),
      ),
  },
  {
    name: 'non-ASCII: one byte of the valid token set to 0xFF (raw)',
    credentials: () => {
      const bytes = Buffer.from(bearer(valid), 'latin1');
      bytes[bytes.length - 20] = 0xff;
      return rawAuth(bytes);
    },
  },
  {
    name: 'non-ASCII: 8 KiB of random bytes (raw)',
    credentials: () =>
      rawAuth(Buffer.concat([Buffer.from('Bearer '), headerSafe(randomBytes(8192))])),
  },
];

/** Every corpus case as the credentials of a request. */
const CORPUS: ReadonlyArray<{ readonly name: string; readonly credentials: () => Credentials }> = [
  ...TOKEN_CASES.map((c) => ({ name: `Bearer ${c.name}`, credentials: () => bearer(c.token()) })),
  ...HEADER_CASES,
];

/** Requests an HTTP/1.1 parser must refuse before any handler runs (nginx refuses them too). */
const MALFORMED_FRAMING: ReadonlyArray<{
  readonly name: string;
  readonly credentials: () => Credentials;
}> = [
  {
    name: 'bare LF injection after the valid token',
    credentials: () => rawAuth(`Bearer ${valid}\nX-User-Id: ${user.id}`),
  },
  {
    name: 'bare CR injection after the valid token',
    credentials: () => rawAuth(`Bearer ${valid}\rX-User-Id: ${user.id}`),
  },
  {
    name: 'obs-fold: the valid token continued on a new line',
    credentials: () => rawAuth(`Bearer ${valid}\r\n X-User-Id: ${user.id}`),
  },
  { name: 'NUL after the valid token', credentials: () => rawAuth(`Bearer ${valid}\0`) },
  {
    name: 'DEL inside the valid token',
    credentials: () => rawAuth(`Bearer ${valid.slice(0, 10)}\x7f${valid.slice(10)}`),
  },
  {
    name: 'an ANSI escape after the valid token',
    credentials: () => rawAuth(`Bearer ${valid}\x1b[0m`),
  },
  {
    name: 'an Authorization header over 16 KiB',
    credentials: () => rawAuth(`Bearer ${'A'.repeat(17_000)}`),
  },
];

// --- the tests ----------------------------------------------------------------------------------

describe('GET /verify, sanity: what a good token gets', () => {
  it('answers 200 with the identity headers for the access token the service issued', async () => {
    expectAllowed(await send(bearer(valid)));
  });

  it('answers 200 for a token forged here with the stack key and unchanged claims', async () => {
    // the crafted cases below change one thing each from exactly this token
    expectAllowed(await send(bearer(forged)));
    expectAllowed(await send(bearer(forge.forge())));
  });

  it.each([
    ['lowercase bearer', () => `bearer ${valid}`],
    ['upper-case BEARER', () => `BEARER ${valid}`],
    ['several spaces after the scheme', () => `Bearer    ${valid}`],
    // optional whitespace around a field value is not part of it (RFC 9110 §5.5)
    ['trailing whitespace, stripped by HTTP itself', () => `Bearer ${valid}  `],
    ['trailing whitespace sent raw', () => rawAuth(`Bearer ${valid} \t `)],
  ] as const)(
    'answers 200 for %s (scheme case-insensitive, whitespace optional)',
    async (_name, credentials) => {
      expectAllowed(await send(credentials()));
    },
  );

  it('answers 200 on every method and sub-path the gateway may use', async () => {
    for (const target of TARGETS) {
      expectAllowed(await send(bearer(valid), target), `${target.method} ${target.path}`);
    }
  });

  it('answers POST /auth/verify with the identity for {token} and {access}', async () => {
    const bodies: Record<string, string>[] = [
      { token: valid },
      { access: valid },
      { token: forged },
    ];
    for (const body of bodies) {
      const result = await introspect(body);
      expect(result.status, result.text).toBe(200);
      expect(result.body).toMatchObject({
        valid: true,
        user_id: user.id,
        session_id: forge.claims.sid,
      });
    }
  });
});

describe('GET /verify, the hostile corpus', () => {
  it.each(CORPUS)('answers 401 for $name', async ({ name, credentials }) => {
    expectDenied(await send(credentials()), name);
  });

  it.each(MALFORMED_FRAMING)(
    'refuses malformed HTTP without an identity: $name',
    async ({ name, credentials }) => {
      // Node's parser answers 400/431 before /verify runs; never 200, never 5xx, no identity
      const answer = await send(credentials());
      expect([400, 401, 431], `${name}: status`).toContain(answer.status);
      for (const header of IDENTITY_HEADERS) expect(answer.header(header), header).toBeNull();
    },
  );
});

describe('the corpus on other methods and sub-paths', () => {
  const SAMPLE = [
    'no Authorization header',
    'Basic scheme carrying the valid token',
    'Bearer alg none, signature of a valid token kept',
    'Bearer HS256 signed with the public key (SPKI PEM)',
    'Bearer wrong key: a fresh Ed25519 key under the real kid',
    'Bearer expired a minute ago',
    'Bearer wrong aud',
    'Bearer the refresh token',
    'Bearer tampered payload: role admin, signature kept',
    'Bearer truncated by one character',
    'Bearer 8 KiB of base64url junk',
    'two Authorization headers: an invalid one, then the valid token (raw)',
    'non-ASCII: the valid token with a Cyrillic homoglyph (raw)',
  ].map((name) => {
    const found = CORPUS.find((c) => c.name === name);
    if (!found) throw new Error(`no corpus case "${name}"`);
    return found;
  });

  it.each(TARGETS)('$method $path answers 401 to a sample of the corpus', async (target) => {
    await mapLimit(SAMPLE, 4, async ({ name, credentials }) => {
      const answer = await send(credentials(), target);
      expectDenied(answer, `${target.method} ${target.path} ${name}`);
      if (target.method !== 'HEAD') expect(JSON.parse(answer.body).code).toBe('invalid_token');
    });
  });
});

describe('POST /auth/verify with the corpus', () => {
  it.each(TOKEN_CASES)('answers 401 invalid_token to {token: $name}', async ({ name, token }) => {
    expectIntrospectionDenied(await introspect({ token: token() }), name);
  });

  it('answers 401 invalid_token to non-ASCII tokens and to {access}', async () => {
    const tokens = [
      'tökén.ünïcödé.sïgnätürë',
      `\u0435${valid.slice(1)}`,
      `${valid}\u{1F600}`,
      `\uFEFF${valid}`,
      `${valid}\u0000`,
      `${valid}\n`,
      `${valid.slice(0, -1)}\u00ff`,
    ];
    for (const token of tokens) {
      expectIntrospectionDenied(await introspect({ token }), JSON.stringify(token));
      expectIntrospectionDenied(await introspect({ access: token }), JSON.stringify(token));
    }
  });
});

describe('spoofed headers do not help', () => {
  const SPOOFS: ReadonlyArray<readonly [string, () => Record<string, string>]> = [
    [
      'X-User-Id and the other identity headers',
      () => ({
        'X-User-Id': user.id,
        'X-User-Email': user.email,
        'X-User-Role': 'admin',
        'X-Session-Id': String(forge.claims.sid),
      }),
    ],
    ['X-User-Id: 1', () => ({ 'X-User-Id': '1' })],
    [
      'X-Original-URL to a public path',
      () => ({ 'X-Original-URL': `${server.url}/healthz`, 'X-Original-Method': 'GET' }),
    ],
    ['X-Original-Method OPTIONS', () => ({ 'X-Original-Method': 'OPTIONS' })],
    [
      'X-Forwarded-User and friends',
      () => ({
        'X-Forwarded-User': user.email,
        'X-Forwarded-Email': user.email,
        'X-Auth-Request-User': user.id,
        'X-Auth-Request-Email': user.email,
        'X-Remote-User': user.id,
        'Remote-User': user.id,
      }),
    ],
    [
      'X-Forwarded-Uri, -Method, -Host, -Prefix',
      () => ({
        'X-Forwarded-Uri': '/healthz',
        'X-Forwarded-Method': 'OPTIONS',
        'X-Forwarded-Host': 'localhost',
        'X-Forwarded-Prefix': '/public',
        'X-Forwarded-Proto': 'https',
      }),
    ],
    [
      'X-Forwarded-For and X-Real-IP from loopback',
      () => ({ 'X-Forwarded-For': '127.0.0.1', 'X-Real-IP': '127.0.0.1' }),
    ],
    [
      'X-Rewrite-URL and X-HTTP-Method-Override',
      () => ({ 'X-Rewrite-URL': '/healthz', 'X-HTTP-Method-Override': 'OPTIONS' }),
    ],
    [
      'X-Sent-From nginx-ingress-controller',
      () => ({ 'X-Sent-From': 'nginx-ingress-controller', 'X-Request-ID': 'a'.repeat(32) }),
    ],
    [
      'the valid token in a cookie',
      () => ({ Cookie: `access_token=${valid}; token=${valid}; session=${valid}` }),
    ],
    [
      'the valid token in other headers',
      () => ({
        'X-Access-Token': valid,
        'X-Auth-Token': valid,
        'X-Forwarded-Access-Token': valid,
        'Proxy-Authorization': bearer(valid),
        'X-Authorization': bearer(valid),
      }),
    ],
  ];

  it.each(SPOOFS)('answers 401 with %s and no token', async (_name, headers) => {
    expectDenied(await send(null, VERIFY, headers()));
  });

  it.each(SPOOFS)('answers 401 with %s and an invalid token', async (_name, headers) => {
    expectDenied(await send(bearer(valid.slice(0, -1)), VERIFY, headers()));
    expectDenied(await send(`Basic ${valid}`, VERIFY, headers()));
  });

  it('answers 401 to the valid token in the query or the body instead of the header', async () => {
    expectDenied(await send(null, { method: 'GET', path: `/verify?access_token=${valid}` }));
    expectDenied(await send(null, { method: 'GET', path: `/verify/${valid}` }));
    const form = await fetch(`${server.url}/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ access_token: valid }).toString(),
    });
    await form.text();
    expectDenied({ status: form.status, header: (n) => form.headers.get(n), body: '' }, 'form');
    const json = await fetch(`${server.url}/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: valid, access_token: valid }),
    });
    await json.text();
    expectDenied({ status: json.status, header: (n) => json.headers.get(n), body: '' }, 'json');
  });
});

// --- generated cases ------------------------------------------------------------------------------

describe('generated hostile tokens (fast-check)', () => {
  const target = fc.constantFrom(...TARGETS);
  let runs = 0;

  /** Sends one generated value to GET /verify and to another target, at once. */
  async function deniedEverywhere(credentials: Credentials, other: Target, token?: string) {
    runs++;
    const [a, b, c] = await Promise.all([
      send(credentials),
      send(credentials, other),
      token === undefined ? null : introspect({ token }),
    ]);
    expectDenied(a, `GET /verify ${typeof credentials === 'string' ? credentials : 'raw'}`);
    expectDenied(b, `${other.method} ${other.path}`);
    if (c) expectIntrospectionDenied(c, 'POST /auth/verify');
  }

  it('answers 401 to arbitrary Authorization values fetch can send', async () => {
    const headerChar = fc.oneof(
      { weight: 30, arbitrary: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f) },
      { weight: 1, arbitrary: fc.constant(0x09) },
    );
    const headerText = (maxLength: number) =>
      fc.string({ unit: headerChar.map((c) => String.fromCharCode(c)), maxLength });
    const b64 = (maxLength: number) =>
      fc.string({ unit: fc.constantFrom(...B64URL), minLength: 2, maxLength });
    const bearerish = fc.string({ unit: fc.constantFrom(...`${B64URL}._~+/= `), maxLength: 300 });
    const value = fc.oneof(
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
    await fc.assert(
      fc.asyncProperty(value, target, (v, other) => deniedEverywhere(v, other)),
      { numRuns: 250 },
    );
  });

  it('answers 401 to arbitrary header bytes sent over a raw socket', async () => {
    const bytes = fc.oneof(
      fc
        .tuple(
          fc.constantFrom('', 'Bearer ', 'bearer '),
          fc.uint8Array({ minLength: 1, maxLength: 600 }),
        )
        .map(([scheme, b]) => Buffer.concat([Buffer.from(scheme), headerSafe(b)])),
      // the valid token with 1-4 bytes of obs-text (UTF-8 or Latin-1) inserted anywhere
      fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 4 })).map(([at, inserted]) => {
        const whole = Buffer.from(bearer(valid), 'latin1');
        const i = at % (whole.length + 1);
        const high = Buffer.from(inserted.map((b) => b | 0x80));
        return Buffer.concat([whole.subarray(0, i), high, whole.subarray(i)]);
      }),
    );
    await fc.assert(
      fc.asyncProperty(bytes, target, (b, other) => deniedEverywhere(rawAuth(b), other)),
      { numRuns: 150 },
    );
  });

  it('answers 401 to character-level mutations of the valid token', async () => {
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
      kind: fc.constantFrom('replace', 'delete', 'insert', 'swap'),
      at: fc.nat(),
      char,
    });
    const mutate = (
      token: string,
      edits: ReadonlyArray<{ kind: string; at: number; char: string }>,
    ) => {
      let t = token;
      for (const { kind, at, char: c } of edits) {
        const i = at % (t.length + (kind === 'insert' ? 1 : 0));
        if (kind === 'replace') t = t.slice(0, i) + c + t.slice(i + 1);
        else if (kind === 'delete') t = t.slice(0, i) + t.slice(i + 1);
        else if (kind === 'insert') t = t.slice(0, i) + c + t.slice(i);
        else t = t.slice(0, i) + (t[i + 1] ?? '') + (t[i] ?? '') + t.slice(i + 2);
      }
      return t;
    };
    await fc.assert(
      fc.asyncProperty(
        fc.array(edit, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        target,
        async (edits, fromForged, other) => {
          const original = fromForged ? forged : valid;
          const token = mutate(original, edits);
          // not a forgery: the token unchanged, or its signature re-spelled in base64url that
          // differs only in unused trailing bits (the same signature bytes)
          fc.pre(!sameToken(token, original));
          await deniedEverywhere(bearer(token), other, token);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('answers 401 to JSON-level changes of the header or payload that keep the signature', async () => {
    const keysOfInterest = [
      'alg',
      'typ',
      'kid',
      'crit',
      'b64',
      'jwk',
      'sub',
      'sid',
      'iss',
      'aud',
      'exp',
      'iat',
      'nbf',
      'jti',
      'email',
      'role',
    ];
    const change = fc.record({
      header: fc.boolean(),
      key: fc.oneof(fc.constantFrom(...keysOfInterest), fc.string({ maxLength: 8 })),
      // undefined deletes the member
      value: fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(change, { minLength: 1, maxLength: 3 }),
        fc.constantFrom(0, 0, 1, 2),
        target,
        async (changes, indent, other) => {
          const header = decodeSegment(part(valid, 0));
          const payload = decodeSegment(part(valid, 1));
          for (const c of changes) {
            const object = c.header ? header : payload;
            if (c.value === undefined) delete object[c.key];
            else
              Object.defineProperty(object, c.key, {
                value: c.value,
                enumerable: true,
                writable: true,
                configurable: true,
              });
          }
          const h = base64Json(header, indent);
          const p = base64Json(payload, indent);
          fc.pre(h !== part(valid, 0) || p !== part(valid, 1));
          const token = `${h}.${p}.${part(valid, 2)}`;
          await deniedEverywhere(bearer(token), other, token);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('answers 401 to random claims signed with HMAC secrets, the public key bytes or a stranger key', async () => {
    const claims = forge.claims;
    const t = now();
    const header = fc.record(
      {
        alg: fc.constantFrom(
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
        ),
        typ: fc.constantFrom('at+jwt', 'JWT', 'at+JWT'),
        kid: fc.oneof(fc.constant(keys.kid), fc.string({ maxLength: 24 })),
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
    const secrets = Object.values(keys.publicSecrets);
    const signer: fc.Arbitrary<Signer> = fc.oneof(
      fc.record({
        kind: fc.constant('hmac' as const),
        hash: fc.constantFrom('sha256' as const, 'sha384' as const, 'sha512' as const),
        secret: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
      }),
      fc.record({
        kind: fc.constant('hmac' as const),
        hash: fc.constantFrom('sha256' as const, 'sha512' as const),
        secret: fc.constantFrom(...secrets),
      }),
      fc.constant({ kind: 'ed25519' as const, key: stranger.privateKey }),
      fc.record({
        kind: fc.constant('none' as const),
        signature: fc.constantFrom(
          '',
          part(valid, 2),
          part(forged, 2),
          Buffer.alloc(64).toString('base64url'),
        ),
      }),
    );
    await fc.assert(
      fc.asyncProperty(header, payload, signer, target, async (h, p, s, other) => {
        const token = signCompact(encodeSegment(h), encodeSegment(p), s);
        await deniedEverywhere(bearer(token), other, token);
      }),
      { numRuns: 200 },
    );
  });

  it('ran at least 1,000 generated cases', () => {
    expect(runs).toBeGreaterThanOrEqual(1000);
  });
});

describe('after the corpus', () => {
  it('the valid token still gets 200 (nothing above poisoned a cache)', async () => {
    expectAllowed(await send(bearer(valid)));
  });

  it('no request made the service log an error or answer 5xx', () => {
    const failures = server.logs.filter((line) => {
      const entry = JSON.parse(line) as { level?: number | string; status?: number };
      const level = entry.level;
      return (
        (typeof level === 'number' && level >= 50) ||
        level === 'error' ||
        level === 'fatal' ||
        (typeof entry.status === 'number' && entry.status >= 500)
      );
    });
    expect(failures).toEqual([]);
  });
});

/** True when `token` is `original` byte for byte once decoded (non-canonical base64url aside). */
function sameToken(token: string, original: string): boolean {
  if (token === original) return true;
  const [h, p, s, ...rest] = token.split('.');
  if (rest.length > 0 || h !== part(original, 0) || p !== part(original, 1)) return false;
  if (s === undefined || !/^[A-Za-z0-9_-]+$/.test(s)) return false;
  return Buffer.from(s, 'base64url').equals(Buffer.from(part(original, 2), 'base64url'));
}

function base64Json(value: unknown, indent: number): string {
  return Buffer.from(JSON.stringify(value, null, indent || undefined)).toString('base64url');
}
