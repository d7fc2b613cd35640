import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomUUID,
  sign,
} from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { base64url, type JWK } from 'jose';
import { inject } from 'vitest';

/** The audience every access token of the test stack carries (AUTH_AUDIENCE's default). */
export const AUDIENCE = 'shardgate-api';

/** The test stack's signing key (the one the auth service signs with) and everything public about it. */
export interface StackKeys {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicJwk: JWK;
  /** Every published `kid`. */
  readonly kids: readonly string[];
  /** Encodings of the public key an attacker could use as an HMAC secret (alg confusion). */
  readonly publicSecrets: Readonly<Record<string, Buffer>>;
}

/**
 * Reads the private JWK files of the test stack (`<stack dir>/keys/*.jwk.json`) and picks the
 * signing key the way the service does: the last private key by `kid`.
 */
export function stackKeys(): StackKeys {
  const dir = join(inject('stack').dir, 'keys');
  const jwks = readdirSync(dir)
    .filter((name) => name.endsWith('.jwk.json'))
    .map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as JWK & { kid: string })
    .sort((a, b) => a.kid.localeCompare(b.kid));
  const chosen = jwks.filter((k) => k.d).at(-1);
  if (!chosen) throw new Error(`no private signing key in ${dir}`);
  const privateKey = createPrivateKey({ key: chosen as never, format: 'jwk' });
  const publicKey = createPublicKey(privateKey);
  const { kty, crv, x } = chosen;
  const publicJwk: JWK = { kty, crv, x, kid: chosen.kid, alg: 'EdDSA', use: 'sig' };
  return {
    kid: chosen.kid,
    privateKey,
    publicJwk,
    kids: jwks.map((k) => k.kid),
    publicSecrets: {
      'raw key bytes': Buffer.from(x as string, 'base64url'),
      'the x member as text': Buffer.from(x as string),
      'the public JWK as JSON': Buffer.from(JSON.stringify(publicJwk)),
      'SPKI PEM': Buffer.from(publicKey.export({ format: 'pem', type: 'spki' }) as string),
      'SPKI DER': publicKey.export({ format: 'der', type: 'spki' }) as Buffer,
    },
  };
}

/** A fresh Ed25519 key pair nobody trusts. */
export function strangerKey(): { privateKey: KeyObject; publicJwk: JWK } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicJwk: publicKey.export({ format: 'jwk' }) as JWK };
}

/** base64url of the JSON of `value` (a string is encoded as is). */
export const encodeSegment = (value: unknown): string =>
  base64url.encode(typeof value === 'string' ? value : JSON.stringify(value));

/** The decoded JSON of one segment of a compact JWS. */
export const decodeSegment = (segment: string): Record<string, unknown> =>
  JSON.parse(new TextDecoder().decode(base64url.decode(segment))) as Record<string, unknown>;

/** How a forged token is signed. */
export type Signer =
  | { readonly kind: 'ed25519'; readonly key: KeyObject }
  | {
      readonly kind: 'hmac';
      readonly hash: 'sha256' | 'sha384' | 'sha512';
      readonly secret: Buffer;
    }
  | { readonly kind: 'none'; readonly signature?: string };

/** Signs `header.payload` (both already encoded) and returns the compact JWS. */
export function signCompact(header: string, payload: string, signer: Signer): string {
  const input = `${header}.${payload}`;
  switch (signer.kind) {
    case 'ed25519':
      return `${input}.${sign(null, Buffer.from(input), signer.key).toString('base64url')}`;
    case 'hmac':
      return `${input}.${createHmac(signer.hash, signer.secret).update(input).digest('base64url')}`;
    case 'none':
      return `${input}.${signer.signature ?? ''}`;
  }
}

/** Claims or header members to change; `undefined` removes the member. */
export type Overrides = Readonly<Record<string, unknown>>;

function apply(base: Record<string, unknown>, overrides: Overrides): Record<string, unknown> {
  const out = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete out[key];
    else out[key] = value;
  }
  return out;
}

/**
 * Forges access tokens for one real session: by default exactly what the service would issue
 * (so the default is valid), and each test breaks one thing.
 */
export class TokenForge {
  constructor(
    readonly keys: StackKeys,
    /** The claims of a token the service issued: sub, sid, email, role, iss, aud. */
    readonly claims: Readonly<Record<string, unknown>>,
  ) {}

  /** The header the service would use. */
  header(overrides: Overrides = {}): Record<string, unknown> {
    return apply({ alg: 'EdDSA', typ: 'at+jwt', kid: this.keys.kid }, overrides);
  }

  /** Fresh claims for the session (new jti, issued now, 15 minutes), with overrides. */
  payload(overrides: Overrides = {}): Record<string, unknown> {
    const now = Math.floor(Date.now() / 1000);
    return apply(
      {
        email: this.claims.email,
        role: this.claims.role,
        sid: this.claims.sid,
        iss: this.claims.iss,
        aud: this.claims.aud,
        sub: this.claims.sub,
        jti: randomUUID(),
        iat: now,
        exp: now + 900,
      },
      overrides,
    );
  }

  /** A token signed with the stack's real key (or `signer`), header and claims overridden. */
  forge(
    options: { header?: Overrides; claims?: Overrides; signer?: Signer; rawHeader?: unknown } = {},
  ): string {
    const header = options.rawHeader ?? this.header(options.header);
    return signCompact(
      encodeSegment(header),
      encodeSegment(this.payload(options.claims)),
      options.signer ?? { kind: 'ed25519', key: this.keys.privateKey },
    );
  }
}

/** An answer read off a raw socket. */
export interface RawResponse {
  readonly status: number;
  /** Lower-cased names; every value of repeated headers. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
  readonly body: string;
}

/**
 * Sends one HTTP/1.1 request byte for byte (fetch refuses CR, LF, NUL and anything above U+00FF
 * in header values) and reads the answer until the server closes the connection. `lines` are
 * header lines without their CRLF; they may contain anything, including bare CR or LF.
 */
export function rawRequest(
  baseUrl: string,
  request: { method?: string; path?: string; lines?: ReadonlyArray<string | Buffer> },
): Promise<RawResponse> {
  const { hostname, port, host } = new URL(baseUrl);
  const parts: Buffer[] = [
    Buffer.from(
      `${request.method ?? 'GET'} ${request.path ?? '/verify'} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n`,
      'latin1',
    ),
  ];
  for (const line of request.lines ?? []) {
    parts.push(typeof line === 'string' ? Buffer.from(line, 'latin1') : line, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('\r\n'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(port), hostname);
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // an answer followed by a reset (the server refusing a malformed request) is still an answer
    socket.on('error', (error) => (chunks.length > 0 ? finish() : reject(error)));
    socket.on('end', () => {
      socket.end();
      finish();
    });
    // written without half-closing: Node's server drops a request whose client sent FIN before
    // the answer was ready; `Connection: close` makes the server end the connection instead
    socket.write(Buffer.concat(parts));

    function finish(): void {
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const head = split < 0 ? text : text.slice(0, split);
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
      if (!status) {
        reject(new Error(`not an HTTP answer: ${JSON.stringify(text.slice(0, 200))}`));
        return;
      }
      const headers = new Map<string, string[]>();
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        if (colon <= 0) continue;
        const name = line.slice(0, colon).trim().toLowerCase();
        headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
      }
      resolve({
        status: Number(status[1]),
        headers,
        body: split < 0 ? '' : text.slice(split + 4),
      });
    }
  });
}

/** Runs `fn` over `items`, at most `limit` at a time, keeping the order of the results. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
