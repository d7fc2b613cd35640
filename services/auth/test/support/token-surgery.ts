import { randomBytes } from 'node:crypto';
import type { TestUser } from './auth-server.js';
import {
  decodeSegment,
  encodeSegment,
  type StackKeys,
  stackKeys,
  strangerKey,
  TokenForge,
} from './hostile-tokens.js';

/** No Authorization (null), a value fetch can send, or raw header lines sent byte for byte. */
export type Credentials = null | string | { readonly lines: ReadonlyArray<string | Buffer> };

/**
 * What the hostile cases of `/verify` are made from: one real, live session and the means to
 * forge tokens for it. Known only once the suite has started its server and logged a user in,
 * so the cases are functions of it.
 */
export interface CaseMaterial {
  /** The auth server under test. */
  readonly serverUrl: string;
  /** The user the session belongs to. */
  readonly user: TestUser;
  /** The access token the service issued at login. */
  readonly valid: string;
  /** A second valid token for the same session, signed here with the stack's key. */
  readonly forged: string;
  /** Forges tokens for the session, each breaking one thing. */
  readonly forge: TokenForge;
  /** The stack's signing key, and its public encodings. */
  readonly keys: StackKeys;
  /** A key pair nobody trusts. */
  readonly stranger: ReturnType<typeof strangerKey>;
}

/** The material of the hostile cases for `user`'s live session on the server at `serverUrl`. */
export function caseMaterialFor(serverUrl: string, user: TestUser): CaseMaterial {
  const keys = stackKeys();
  const forge = new TokenForge(keys, decodeSegment(part(user.accessToken, 1)));
  return {
    serverUrl,
    user,
    valid: user.accessToken,
    forged: forge.forge(),
    forge,
    keys,
    stranger: strangerKey(),
  };
}

/** Segment `i` of a compact JWS (0 header, 1 payload, 2 signature); empty when absent. */
export const part = (token: string, i: number): string => token.split('.')[i] ?? '';

/** The current time in seconds, as JWT claims count it. */
export const now = (): number => Math.floor(Date.now() / 1000);

/** The Authorization value that carries `token`. */
export const bearer = (token: string): string => `Bearer ${token}`;

/** The UTF-8 bytes of `text` (sent raw, since fetch refuses them in a header). */
export const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');

/** One raw Authorization line per value (several values: several Authorization headers). */
export const rawAuth = (...values: Array<string | Buffer>): Credentials => ({
  lines: values.map((v) =>
    Buffer.concat([
      Buffer.from('Authorization: '),
      typeof v === 'string' ? Buffer.from(v, 'latin1') : v,
    ]),
  ),
});

/** The token `valid` with its payload re-encoded after `change`, signature kept. */
export function withPayload(
  valid: string,
  change: (claims: Record<string, unknown>) => void,
): string {
  const claims = decodeSegment(part(valid, 1));
  change(claims);
  return `${part(valid, 0)}.${encodeSegment(claims)}.${part(valid, 2)}`;
}

/** The base64url alphabet. */
export const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** `length` random base64url characters. */
export const randomB64url = (length: number): string =>
  Array.from(randomBytes(length), (b) => B64URL[b % 64]).join('');

/** Bytes an HTTP/1.1 parser accepts in a header value: HTAB, visible ASCII, SP, obs-text. */
export const headerSafe = (bytes: Uint8Array): Buffer =>
  Buffer.from(bytes.map((b) => (b === 0x7f ? 0xff : b < 0x20 && b !== 0x09 ? b | 0x80 : b)));

/** `length` random Latin-1 characters fetch can send in a header (not blank at either end). */
export const latin1Junk = (length: number): string =>
  headerSafe(randomBytes(length))
    .toString('latin1')
    .replace(/^[\t ]+|[\t ]+$/g, 'x');

/** True when `token` is `original` byte for byte once decoded (non-canonical base64url aside). */
export function sameToken(token: string, original: string): boolean {
  if (token === original) return true;
  const [h, p, s, ...rest] = token.split('.');
  if (rest.length > 0 || h !== part(original, 0) || p !== part(original, 1)) return false;
  if (s === undefined || !/^[A-Za-z0-9_-]+$/.test(s)) return false;
  return Buffer.from(s, 'base64url').equals(Buffer.from(part(original, 2), 'base64url'));
}

/** `value` as JSON (indented by `indent` spaces, 0 for none) in base64url: a JWS segment. */
export function base64Json(value: unknown, indent: number): string {
  return Buffer.from(JSON.stringify(value, null, indent || undefined)).toString('base64url');
}
