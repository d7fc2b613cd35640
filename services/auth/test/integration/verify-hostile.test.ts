import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newUser, startAuthServer, type TestAuthServer } from '../support/auth-server.js';
import { decodeSegment, encodeSegment, mapLimit, signCompact } from '../support/hostile-tokens.js';
import {
  base64Json,
  bearer,
  type CaseMaterial,
  type Credentials,
  caseMaterialFor,
  part,
  rawAuth,
  sameToken,
} from '../support/token-surgery.js';
import {
  type Answer,
  expectAllowed,
  expectDenied,
  expectIntrospectionDenied,
  IDENTITY_HEADERS,
  introspect,
  send,
  TARGETS,
  type Target,
  VERIFY,
} from '../support/verify-requests.js';
import {
  applyEdits,
  authorizationValues,
  jsonChanges,
  rawAuthorizationBytes,
  signedJunk,
  tokenEdits,
} from './verify-hostile.arbitraries.js';
import {
  type CredentialsCase,
  HEADER_CASES,
  MALFORMED_FRAMING,
  SPOOFED_HEADERS,
} from './verify-hostile-headers.corpus.js';
import { TOKEN_CASES } from './verify-hostile-tokens.corpus.js';

// Acceptance: a hostile-token corpus sent to /verify, plus at least 1,000 generated cases, only
// ever gets 401 — never 200, never 5xx. The sanity group first proves that the same requests with
// a good token do get 200, so a broken check would make the corpus fail. The corpus lives in the
// *.corpus.ts modules next to this file, the generators in verify-hostile.arbitraries.ts.

let server: TestAuthServer;
/** The live session every case is made from (known once the server runs). */
let m: CaseMaterial;

beforeAll(async () => {
  server = await startAuthServer();
  m = caseMaterialFor(server.url, await newUser(server.url));
});

afterAll(async () => {
  await server?.close();
});

const ask = (credentials: Credentials, target?: Target, extra?: Record<string, string>) =>
  send(server.url, credentials, target, extra);
const introspectWith = (body: Record<string, string>) => introspect(server.url, body);

/** Every corpus case as the credentials of a request. */
const CORPUS: readonly CredentialsCase[] = [
  ...TOKEN_CASES.map((c) => ({
    name: `Bearer ${c.name}`,
    credentials: (material: CaseMaterial) => bearer(c.token(material)),
  })),
  ...HEADER_CASES,
];

describe('GET /verify, sanity: what a good token gets', () => {
  it('answers 200 with the identity headers for the access token the service issued', async () => {
    expectAllowed(await ask(bearer(m.valid)), m);
  });

  it('answers 200 for a token forged here with the stack key and unchanged claims', async () => {
    // the crafted cases change one thing each from exactly this token
    expectAllowed(await ask(bearer(m.forged)), m);
    expectAllowed(await ask(bearer(m.forge.forge())), m);
  });

  it.each([
    ['lowercase bearer', () => `bearer ${m.valid}`],
    ['upper-case BEARER', () => `BEARER ${m.valid}`],
    ['several spaces after the scheme', () => `Bearer    ${m.valid}`],
    // optional whitespace around a field value is not part of it (RFC 9110 §5.5)
    ['trailing whitespace, stripped by HTTP itself', () => `Bearer ${m.valid}  `],
    ['trailing whitespace sent raw', () => rawAuth(`Bearer ${m.valid} \t `)],
  ] as const)(
    'answers 200 for %s (scheme case-insensitive, whitespace optional)',
    async (_name, credentials) => {
      expectAllowed(await ask(credentials()), m);
    },
  );

  it('answers 200 on every method and sub-path the gateway may use', async () => {
    for (const target of TARGETS) {
      expectAllowed(await ask(bearer(m.valid), target), m, `${target.method} ${target.path}`);
    }
  });

  it('answers POST /auth/verify with the identity for {token} and {access}', async () => {
    const bodies: Record<string, string>[] = [
      { token: m.valid },
      { access: m.valid },
      { token: m.forged },
    ];
    for (const body of bodies) {
      const result = await introspectWith(body);
      expect(result.status, result.text).toBe(200);
      expect(result.body).toMatchObject({
        valid: true,
        user_id: m.user.id,
        session_id: m.forge.claims.sid,
      });
    }
  });
});

describe('GET /verify, the hostile corpus', () => {
  it.each(CORPUS)('answers 401 for $name', async ({ name, credentials }) => {
    expectDenied(await ask(credentials(m)), name);
  });

  it.each(MALFORMED_FRAMING)(
    'refuses malformed HTTP without an identity: $name',
    async ({ name, credentials }) => {
      // Node's parser answers 400/431 before /verify runs; never 200, never 5xx, no identity
      const answer = await ask(credentials(m));
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
      const answer = await ask(credentials(m), target);
      expectDenied(answer, `${target.method} ${target.path} ${name}`);
      if (target.method !== 'HEAD') expect(JSON.parse(answer.body).code).toBe('invalid_token');
    });
  });
});

describe('POST /auth/verify with the corpus', () => {
  it.each(TOKEN_CASES)('answers 401 invalid_token to {token: $name}', async ({ name, token }) => {
    expectIntrospectionDenied(await introspectWith({ token: token(m) }), name);
  });

  it('answers 401 invalid_token to non-ASCII tokens and to {access}', async () => {
    const tokens = [
      'tökén.ünïcödé.sïgnätürë',
      `\u0435${m.valid.slice(1)}`,
      `${m.valid}\u{1F600}`,
      `\uFEFF${m.valid}`,
      `${m.valid}\n`,
      `${m.valid.slice(0, -1)}\u00ff`,
    ];
    for (const token of tokens) {
      expectIntrospectionDenied(await introspectWith({ token }), JSON.stringify(token));
      expectIntrospectionDenied(await introspectWith({ access: token }), JSON.stringify(token));
    }
  });

  it('answers 400 invalid_text to a token holding U+0000 (the body reader refuses it first)', async () => {
    const bodies: Record<string, string>[] = [
      { token: `${m.valid}\u0000` },
      { access: `${m.valid}\u0000` },
    ];
    for (const body of bodies) {
      const res = await introspectWith(body);
      expect([res.status, res.body?.code], JSON.stringify(body)).toEqual([400, 'invalid_text']);
    }
  });
});

describe('spoofed headers do not help', () => {
  it.each(SPOOFED_HEADERS)('answers 401 with %s and no token', async (_name, headers) => {
    expectDenied(await ask(null, VERIFY, headers(m)));
  });

  it.each(SPOOFED_HEADERS)('answers 401 with %s and an invalid token', async (_name, headers) => {
    expectDenied(await ask(bearer(m.valid.slice(0, -1)), VERIFY, headers(m)));
    expectDenied(await ask(`Basic ${m.valid}`, VERIFY, headers(m)));
  });

  it('answers 401 to the valid token in the query or the body instead of the header', async () => {
    expectDenied(await ask(null, { method: 'GET', path: `/verify?access_token=${m.valid}` }));
    expectDenied(await ask(null, { method: 'GET', path: `/verify/${m.valid}` }));
    const asAnswer = async (response: Response): Promise<Answer> => {
      await response.text();
      return { status: response.status, header: (n) => response.headers.get(n), body: '' };
    };
    const form = await fetch(`${server.url}/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ access_token: m.valid }).toString(),
    });
    expectDenied(await asAnswer(form), 'form');
    const json = await fetch(`${server.url}/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: m.valid, access_token: m.valid }),
    });
    expectDenied(await asAnswer(json), 'json');
  });
});

describe('generated hostile tokens (fast-check)', () => {
  const target = fc.constantFrom(...TARGETS);
  let runs = 0;

  /** Sends one generated value to GET /verify and to another target, at once. */
  async function deniedEverywhere(credentials: Credentials, other: Target, token?: string) {
    runs++;
    const [a, b, c] = await Promise.all([
      ask(credentials),
      ask(credentials, other),
      token === undefined ? null : introspectWith({ token }),
    ]);
    expectDenied(a, `GET /verify ${typeof credentials === 'string' ? credentials : 'raw'}`);
    expectDenied(b, `${other.method} ${other.path}`);
    if (c) expectIntrospectionDenied(c, 'POST /auth/verify');
  }

  it('answers 401 to arbitrary Authorization values fetch can send', async () => {
    await fc.assert(
      fc.asyncProperty(authorizationValues(), target, (v, other) => deniedEverywhere(v, other)),
      { numRuns: 250 },
    );
  });

  it('answers 401 to arbitrary header bytes sent over a raw socket', async () => {
    await fc.assert(
      fc.asyncProperty(rawAuthorizationBytes(m), target, (b, other) =>
        deniedEverywhere(rawAuth(b), other),
      ),
      { numRuns: 150 },
    );
  });

  it('answers 401 to character-level mutations of the valid token', async () => {
    await fc.assert(
      fc.asyncProperty(tokenEdits(), fc.boolean(), target, async (edits, fromForged, other) => {
        const original = fromForged ? m.forged : m.valid;
        const token = applyEdits(original, edits);
        // not a forgery: the token unchanged, or its signature re-spelled in base64url that
        // differs only in unused trailing bits (the same signature bytes)
        fc.pre(!sameToken(token, original));
        await deniedEverywhere(bearer(token), other, token);
      }),
      { numRuns: 300 },
    );
  });

  it('answers 401 to JSON-level changes of the header or payload that keep the signature', async () => {
    await fc.assert(
      fc.asyncProperty(
        jsonChanges(),
        fc.constantFrom(0, 0, 1, 2),
        target,
        async (changes, indent, other) => {
          const header = decodeSegment(part(m.valid, 0));
          const payload = decodeSegment(part(m.valid, 1));
          for (const c of changes) {
            const object = c.header ? header : payload;
            if (c.value === undefined) delete object[c.key];
            // defineProperty, so that a key such as __proto__ becomes a member, not a prototype
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
          fc.pre(h !== part(m.valid, 0) || p !== part(m.valid, 1));
          const token = `${h}.${p}.${part(m.valid, 2)}`;
          await deniedEverywhere(bearer(token), other, token);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('answers 401 to random claims signed with HMAC secrets, the public key bytes or a stranger key', async () => {
    const junk = signedJunk(m);
    await fc.assert(
      fc.asyncProperty(junk.header, junk.payload, junk.signer, target, async (h, p, s, other) => {
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
    expectAllowed(await ask(bearer(m.valid)), m);
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
