import { randomBytes } from 'node:crypto';
import {
  bearer,
  type CaseMaterial,
  type Credentials,
  headerSafe,
  latin1Junk,
  rawAuth,
  utf8,
} from '../support/token-surgery.js';

// The Authorization headers of the /verify hostile corpus beyond `Bearer <crafted token>`: other
// schemes, separators, duplicates, injections and bytes no token has. verify-hostile.test.ts sends
// each to /verify and expects 401 (or, for broken framing, a refusal before any handler runs).

/** One hostile Authorization header (or none), made from the live session. */
export interface CredentialsCase {
  readonly name: string;
  readonly credentials: (material: CaseMaterial) => Credentials;
}

export const HEADER_CASES: readonly CredentialsCase[] = [
  { name: 'no Authorization header', credentials: () => null },
  { name: 'an empty Authorization header', credentials: () => '' },
  {
    name: 'Basic credentials',
    credentials: (m) =>
      `Basic ${Buffer.from(`${m.user.email}:${m.user.password}`).toString('base64')}`,
  },
  { name: 'Basic scheme carrying the valid token', credentials: (m) => `Basic ${m.valid}` },
  { name: 'empty bearer', credentials: () => 'Bearer' },
  { name: 'empty bearer followed by spaces (raw)', credentials: () => rawAuth('Bearer      ') },
  { name: 'the valid token without a scheme', credentials: (m) => m.valid },
  { name: 'scheme Token', credentials: (m) => `Token ${m.valid}` },
  { name: 'scheme JWT', credentials: (m) => `JWT ${m.valid}` },
  { name: 'scheme DPoP', credentials: (m) => `DPoP ${m.valid}` },
  { name: 'scheme Bearerx', credentials: (m) => `Bearerx ${m.valid}` },
  { name: 'no space after Bearer', credentials: (m) => `Bearer${m.valid}` },
  { name: 'Bearer: with a colon', credentials: (m) => `Bearer: ${m.valid}` },
  { name: 'Bearer= with an equals sign', credentials: (m) => `Bearer=${m.valid}` },
  { name: 'a tab instead of a space', credentials: (m) => `Bearer\t${m.valid}` },
  { name: 'Bearer twice before the token', credentials: (m) => `Bearer Bearer ${m.valid}` },
  {
    name: 'Bearer <token> twice, space separated',
    credentials: (m) => `Bearer ${m.valid} Bearer ${m.valid}`,
  },
  {
    name: 'Bearer <token> twice, comma separated',
    credentials: (m) => `Bearer ${m.valid}, Bearer ${m.valid}`,
  },
  { name: 'the valid token then junk', credentials: (m) => `Bearer ${m.valid} x` },
  { name: 'the valid token then a comma', credentials: (m) => `Bearer ${m.valid},` },
  { name: 'the valid token quoted', credentials: (m) => `Bearer "${m.valid}"` },
  { name: 'the valid token as token=', credentials: (m) => `Bearer token=${m.valid}` },
  {
    name: 'URL-encoded CRLF after the valid token',
    credentials: (m) => `Bearer ${m.valid}%0D%0AX-User-Id:%20${m.user.id}`,
  },
  {
    name: 'escaped CRLF after the valid token',
    credentials: (m) => `Bearer ${m.valid}\\r\\nX-User-Id: ${m.user.id}`,
  },
  { name: '8 KiB of A after Bearer', credentials: () => `Bearer ${'A'.repeat(8192)}` },
  { name: '8 KiB of Latin-1 junk', credentials: () => `Bearer ${latin1Junk(8192)}` },
  { name: '8 KiB of Latin-1 junk without a scheme', credentials: () => latin1Junk(8192) },
  // sent byte for byte
  {
    name: 'CRLF injection: spoofed X-User-* lines after an invalid token (raw)',
    credentials: (m) =>
      rawAuth(`Bearer ${m.valid.slice(0, -1)}\r\nX-User-Id: ${m.user.id}\r\nX-User-Role: admin`),
  },
  {
    name: 'two Authorization headers: an invalid one, then the valid token (raw)',
    credentials: (m) => rawAuth(`Bearer ${m.valid.slice(0, -1)}`, bearer(m.valid)),
  },
  {
    name: 'two Authorization headers: Basic, then the valid token (raw)',
    credentials: (m) => rawAuth('Basic dXNlcjpwYXNz', bearer(m.valid)),
  },
  {
    name: 'non-ASCII: a UTF-8 token (raw)',
    credentials: () => rawAuth(utf8('Bearer tökén.ünïcödé.sïgnätürë')),
  },
  {
    name: 'non-ASCII: the valid token with a Cyrillic homoglyph (raw)',
    credentials: (m) => rawAuth(utf8(`Bearer \u0435${m.valid.slice(1)}`)),
  },
  {
    name: 'non-ASCII: the valid token with an emoji appended (raw)',
    credentials: (m) => rawAuth(utf8(`Bearer ${m.valid}\u{1F600}`)),
  },
  {
    name: 'non-ASCII: a byte-order mark before the valid token (raw)',
    credentials: (m) => rawAuth(utf8(`Bearer \uFEFF${m.valid}`)),
  },
  {
    name: 'non-ASCII: a no-break space as separator (raw)',
    credentials: (m) => rawAuth(utf8(`Bearer\u00A0${m.valid}`)),
  },
  {
    name: 'non-ASCII: a full-width scheme (raw)',
    credentials: (m) => rawAuth(utf8(`\uFF22\uFF45\uFF41\uFF52\uFF45\uFF52 ${m.valid}`)),
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
    credentials: (m) => {
      const bytes = Buffer.from(bearer(m.valid), 'latin1');
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

export const MALFORMED_FRAMING: readonly CredentialsCase[] = [
  {
    name: 'bare LF injection after the valid token',
    credentials: (m) => rawAuth(`Bearer ${m.valid}\nX-User-Id: ${m.user.id}`),
  },
  {
    name: 'bare CR injection after the valid token',
    credentials: (m) => rawAuth(`Bearer ${m.valid}\rX-User-Id: ${m.user.id}`),
  },
  {
    name: 'obs-fold: the valid token continued on a new line',
    credentials: (m) => rawAuth(`Bearer ${m.valid}\r\n X-User-Id: ${m.user.id}`),
  },
  { name: 'NUL after the valid token', credentials: (m) => rawAuth(`Bearer ${m.valid}\0`) },
  {
    name: 'DEL inside the valid token',
    credentials: (m) => rawAuth(`Bearer ${m.valid.slice(0, 10)}\x7f${m.valid.slice(10)}`),
  },
  {
    name: 'an ANSI escape after the valid token',
    credentials: (m) => rawAuth(`Bearer ${m.valid}\x1b[0m`),
  },
  {
    name: 'an Authorization header over 16 KiB',
    credentials: () => rawAuth(`Bearer ${'A'.repeat(17_000)}`),
  },
];

/**
 * Headers that claim an identity, another method or path, or carry the token somewhere other than
 * Authorization: none of them may make a request without a valid bearer token pass.
 */
export const SPOOFED_HEADERS: ReadonlyArray<
  readonly [name: string, headers: (material: CaseMaterial) => Record<string, string>]
> = [
  [
    'X-User-Id and the other identity headers',
    (m) => ({
      'X-User-Id': m.user.id,
      'X-User-Email': m.user.email,
      'X-User-Role': 'admin',
      'X-Session-Id': String(m.forge.claims.sid),
    }),
  ],
  ['X-User-Id: 1', () => ({ 'X-User-Id': '1' })],
  [
    'X-Original-URL to a public path',
    (m) => ({ 'X-Original-URL': `${m.serverUrl}/healthz`, 'X-Original-Method': 'GET' }),
  ],
  ['X-Original-Method OPTIONS', () => ({ 'X-Original-Method': 'OPTIONS' })],
  [
    'X-Forwarded-User and friends',
    (m) => ({
      'X-Forwarded-User': m.user.email,
      'X-Forwarded-Email': m.user.email,
      'X-Auth-Request-User': m.user.id,
      'X-Auth-Request-Email': m.user.email,
      'X-Remote-User': m.user.id,
      'Remote-User': m.user.id,
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
    (m) => ({ Cookie: `access_token=${m.valid}; token=${m.valid}; session=${m.valid}` }),
  ],
  [
    'the valid token in other headers',
    (m) => ({
      'X-Access-Token': m.valid,
      'X-Auth-Token': m.valid,
      'X-Forwarded-Access-Token': m.valid,
      'Proxy-Authorization': bearer(m.valid),
      'X-Authorization': bearer(m.valid),
    }),
  ],
];
