import { randomBytes, randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  freshUserId,
  startApiServer,
  type TestApiServer,
  tokenFor,
} from '../support/api-server.js';
import { sql } from '../support/shard-sql.js';

// Acceptance: hostile input (wrong types, huge numbers, negative quantities, 1 MiB bodies,
// invalid JSON, unknown fields, odd unicode) gets 4xx with problem+json and writes nothing; a
// generated-input test (fast-check, at least 1,000 cases) never sees a 5xx.
//
// The named corpus states the exact status and code of every case, and each corpus runs as its
// own users, so that the shards can be checked afterwards for exactly what valid requests wrote.

let api: TestApiServer;
const stack = inject('stack');
const PRIMARIES = [stack.pg.shard0.primary, stack.pg.shard1.primary] as const;

/** A user of this file: id and token. */
interface User {
  readonly id: number;
  readonly token: string;
}

async function user(parity?: 'even' | 'odd'): Promise<User> {
  const id = freshUserId(parity);
  return { id, token: await tokenFor(id) };
}

/** Index of the shard a user lives on (even ids on shard0, odd on shard1). */
const home = (u: User) => u.id % 2;
const primaryOf = (u: User) => (home(u) === 0 ? PRIMARIES[0] : PRIMARIES[1]);

const VALID_ORDER = {
  items: [{ sku: 'MUG-01', quantity: 2, unitPriceCents: 1250 }],
  currency: 'EUR',
};

beforeAll(async () => {
  api = await startApiServer();
});
afterAll(async () => {
  await api?.close();
});

// --- requests ---------------------------------------------------------------------------------

/** A body: text (sent as UTF-8), raw bytes, or bytes streamed chunked without Content-Length. */
type Payload = string | Buffer | { readonly chunked: Buffer };

interface Probe {
  readonly method: 'GET' | 'POST' | 'PATCH';
  readonly path: string;
  readonly body?: Payload;
  /** Content-Type of the body: `application/json` when undefined, none when null. */
  readonly type?: string | null;
  readonly headers?: Readonly<Record<string, string>>;
}

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests inspect arbitrary JSON
  readonly body: any;
  /** Error lines the server logged while the request ran (possibly others' when concurrent). */
  readonly errors: readonly string[];
}

function chunked(bytes: Buffer): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + 16 * 1024));
      offset += 16 * 1024;
    },
  });
}

async function send(who: User, probe: Probe): Promise<Answer> {
  const headers: Record<string, string> = {
    ...probe.headers,
    authorization: `Bearer ${who.token}`,
  };
  const init: RequestInit & { duplex?: 'half' } = { method: probe.method, headers };
  if (probe.body !== undefined) {
    const type = probe.type === undefined ? 'application/json' : probe.type;
    if (type !== null) headers['content-type'] = type;
    if (typeof probe.body === 'string') init.body = Buffer.from(probe.body, 'utf8');
    else if (Buffer.isBuffer(probe.body)) init.body = probe.body;
    else {
      init.body = chunked(probe.body.chunked);
      init.duplex = 'half';
    }
  }
  const logged = api.logs.length;
  const response = await fetch(`${api.url}${probe.path}`, init);
  const text = await response.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: body stays null, the text is kept
  }
  const errors = serverErrors(api.logs.slice(logged));
  return { status: response.status, headers: response.headers, text, body, errors };
}

/** Error lines of the server's log, shortened to what went wrong where. */
function serverErrors(lines: readonly string[] = api.logs): string[] {
  return lines
    .filter((l) => /"level":5\d/.test(l))
    .map((l) => {
      const entry = JSON.parse(l) as {
        method?: string;
        path?: string;
        msg?: string;
        err?: { type?: string; message?: string };
      };
      const cause = (entry.err?.message ?? '').split('\n').filter(Boolean).at(-1) ?? '';
      return `${entry.method} ${entry.path} ${entry.msg}: ${entry.err?.type}: ${cause.slice(0, 300)}`;
    });
}

/** What the server logged at error level while `answer` was made (5xx diagnosis). */
const serverErrorFor = (answer: Answer) => answer.errors.join('\n');

/** Why `answer` is not a 4xx problem+json whose `status` matches, or null when it is one. */
function notAProblem(answer: Answer): string | null {
  if (answer.status < 400 || answer.status >= 500) return `status ${answer.status}`;
  const type = answer.headers.get('content-type') ?? '';
  if (!type.includes('application/problem+json')) return `content-type ${JSON.stringify(type)}`;
  if (typeof answer.body?.code !== 'string') return 'no string code';
  if (answer.body?.status !== answer.status) return `body status ${answer.body?.status}`;
  return null;
}

function expectProblem(answer: Answer, label: string, status: number, code: string): void {
  const context = `${label}\n${answer.text.slice(0, 500)}\n${serverErrorFor(answer)}`;
  expect(
    {
      status: answer.status,
      problem: notAProblem(answer),
      code: answer.body?.code,
    },
    context,
  ).toEqual({ status, problem: null, code });
}

// --- the shards -------------------------------------------------------------------------------

/** A user's rows on shard0 and shard1: orders and profiles. */
async function footprint(u: User): Promise<{ orders: number[]; profiles: number[] }> {
  const count = async (url: string, table: 'orders' | 'profiles') =>
    (
      await sql<{ n: number }>(url, `SELECT count(*)::int AS n FROM ${table} WHERE user_id = $1`, [
        u.id,
      ])
    )[0]?.n ?? -1;
  return {
    orders: await Promise.all(PRIMARIES.map((url) => count(url, 'orders'))),
    profiles: await Promise.all(PRIMARIES.map((url) => count(url, 'profiles'))),
  };
}

/** `[n, 0]` or `[0, n]`: `n` on the user's own shard, nothing on the other. */
const onHome = (u: User, n: number) => (home(u) === 0 ? [n, 0] : [0, n]);

const NOTHING = { orders: [0, 0], profiles: [0, 0] };

// --- the corpus -------------------------------------------------------------------------------

interface Hostile {
  readonly name: string;
  readonly status: number;
  readonly code: string;
  readonly body?: Payload;
  readonly type?: string | null;
  readonly headers?: Readonly<Record<string, string>>;
}

const MiB = 1024 * 1024;
const BODY_LIMIT = 64 * 1024;
const BOM = '\uFEFF';

const INVALID_JSON = { status: 400, code: 'invalid_json' } as const;
const TOO_LARGE = { status: 413, code: 'payload_too_large' } as const;
const UNSUPPORTED = { status: 415, code: 'unsupported_media_type' } as const;
const INVALID = { status: 422, code: 'validation_failed' } as const;
const NOT_FOUND = { status: 404, code: 'not_found' } as const;
const BAD_CURSOR = { status: 400, code: 'invalid_cursor' } as const;

const json = (value: unknown) => JSON.stringify(value);
/** `valid` (a JSON object's text) with one more member first. */
const withMember = (valid: string, member: string) => `{${member},${valid.slice(1)}`;
const bytes = (...parts: Array<string | number[] | Buffer>) =>
  Buffer.concat(
    parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))),
  );
const nestedArrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const nestedObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const utf16be = (text: string) => Buffer.from(text, 'utf16le').swap16();
/** UTF-8 bytes of `text` as a latin1 string: fetch sends them byte for byte in a header. */
const utf8Header = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

const INVALID_UTF8: ReadonlyArray<[string, number[]]> = [
  ['an invalid continuation (C3 28)', [0xc3, 0x28]],
  ['a lone 0xFF byte', [0xff]],
  ['a lone continuation byte (0x80)', [0x80]],
  ['an overlong "/" (C0 AF)', [0xc0, 0xaf]],
  ['an encoded surrogate (ED A0 80)', [0xed, 0xa0, 0x80]],
  ['a code point above U+10FFFF (F4 90 80 80)', [0xf4, 0x90, 0x80, 0x80]],
  ['a five-byte sequence (F8 88 80 80 80)', [0xf8, 0x88, 0x80, 0x80, 0x80]],
  ['a truncated sequence (E2 82)', [0xe2, 0x82]],
];

/**
 * Bodies no JSON endpoint may accept, built around `valid` (the text of a body the endpoint
 * accepts): unreadable JSON, bad encodings, deep nesting, oversize bodies, wrong content types.
 */
function unreadableBodies(valid: string, options: { emptyBodyIsValid?: boolean } = {}): Hostile[] {
  const cases: Hostile[] = [
    // invalid JSON
    ...(options.emptyBodyIsValid ? [] : [{ name: 'an empty body', ...INVALID_JSON, body: '' }]),
    { name: 'whitespace only', ...INVALID_JSON, body: ' \n\t\r ' },
    { name: 'truncated by one byte', ...INVALID_JSON, body: valid.slice(0, -1) },
    { name: 'truncated half-way', ...INVALID_JSON, body: valid.slice(0, valid.length >> 1) },
    { name: 'a trailing comma in the object', ...INVALID_JSON, body: valid.replace(/}$/, ',}') },
    { name: 'a trailing comma in an array', ...INVALID_JSON, body: withMember(valid, '"x":[1,]') },
    { name: 'single quotes', ...INVALID_JSON, body: valid.replaceAll('"', "'") },
    { name: 'unquoted keys', ...INVALID_JSON, body: valid.replace(/"(\w+)":/g, '$1:') },
    { name: 'a block comment', ...INVALID_JSON, body: `/* hi */${valid}` },
    { name: 'a line comment', ...INVALID_JSON, body: `// hi\n${valid}` },
    { name: 'a NaN literal', ...INVALID_JSON, body: withMember(valid, '"x":NaN') },
    { name: 'an Infinity literal', ...INVALID_JSON, body: withMember(valid, '"x":-Infinity') },
    { name: 'a hex number', ...INVALID_JSON, body: withMember(valid, '"x":0x10') },
    { name: 'a leading zero', ...INVALID_JSON, body: withMember(valid, '"x":007') },
    { name: 'a leading plus', ...INVALID_JSON, body: withMember(valid, '"x":+1') },
    { name: 'two documents', ...INVALID_JSON, body: valid + valid },
    { name: 'trailing garbage', ...INVALID_JSON, body: `${valid}garbage` },
    { name: 'an extra closing brace', ...INVALID_JSON, body: `${valid}}` },
    { name: 'the word undefined', ...INVALID_JSON, body: 'undefined' },
    { name: 'an invalid escape', ...INVALID_JSON, body: withMember(valid, '"x":"\\q"') },
    { name: 'a truncated \\u escape', ...INVALID_JSON, body: withMember(valid, '"x":"\\u12"') },
    // bytes and encodings
    { name: 'two byte-order marks', ...INVALID_JSON, body: BOM + BOM + valid },
    {
      name: 'UTF-16LE with a BOM',
      ...INVALID_JSON,
      body: bytes([0xff, 0xfe], Buffer.from(valid, 'utf16le')),
    },
    { name: 'UTF-16BE with a BOM', ...INVALID_JSON, body: bytes([0xfe, 0xff], utf16be(valid)) },
    {
      name: 'UTF-16LE declared as charset=utf-16le',
      ...INVALID_JSON,
      body: Buffer.from(valid, 'utf16le'),
      type: 'application/json; charset=utf-16le',
    },
    {
      name: 'latin1 text declared as charset=latin1',
      ...INVALID_JSON,
      body: Buffer.from(withMember(valid, '"x":"Zoë Ørsted"'), 'latin1'),
      type: 'application/json; charset=latin1',
    },
    { name: 'a NUL byte before the JSON', ...INVALID_JSON, body: `\u0000${valid}` },
    { name: 'a NUL byte after the JSON', ...INVALID_JSON, body: `${valid}\u0000` },
    { name: 'a raw NUL in a string', ...INVALID_JSON, body: withMember(valid, '"x":"a\u0000b"') },
    { name: 'a raw NUL in a key', ...INVALID_JSON, body: withMember(valid, '"\u0000":1') },
    { name: 'a raw newline in a string', ...INVALID_JSON, body: withMember(valid, '"x":"a\nb"') },
    ...INVALID_UTF8.map(([what, raw]) => ({
      name: `invalid UTF-8: ${what}`,
      ...INVALID_JSON,
      body: bytes('{"x":"', raw, '",', valid.slice(1)),
    })),
    {
      name: 'gzip with Content-Encoding: gzip',
      ...INVALID_JSON,
      body: gzipSync(valid),
      headers: { 'content-encoding': 'gzip' },
    },
    // deep nesting: must be refused, not crash the server
    { name: '10,000 nested arrays', ...INVALID, body: nestedArrays(10_000) },
    { name: '10,000 nested objects', ...INVALID, body: nestedObjects(10_000) },
    {
      name: '10,000 nested arrays in an extra member',
      ...INVALID,
      body: withMember(valid, `"x":${nestedArrays(10_000)}`),
    },
    { name: '30,000 unclosed arrays', ...INVALID_JSON, body: '['.repeat(30_000) },
    { name: '100,000 nested arrays', ...TOO_LARGE, body: nestedArrays(100_000) },
    // size
    {
      name: '1 MiB of valid JSON',
      ...TOO_LARGE,
      body: withMember(valid, `"pad":"${'x'.repeat(MiB)}"`),
    },
    { name: '1 MiB of whitespace around valid JSON', ...TOO_LARGE, body: ' '.repeat(MiB) + valid },
    { name: '1 MiB of random bytes', ...TOO_LARGE, body: randomBytes(MiB) },
    {
      name: '1 MiB of valid JSON, chunked without Content-Length',
      ...TOO_LARGE,
      body: { chunked: Buffer.from(withMember(valid, `"pad":"${'x'.repeat(MiB)}"`)) },
    },
    { name: '1 MiB of random bytes, chunked', ...TOO_LARGE, body: { chunked: randomBytes(MiB) } },
    {
      name: 'valid JSON one byte over the 64 KiB limit',
      ...TOO_LARGE,
      body: valid + ' '.repeat(BODY_LIMIT + 1 - Buffer.byteLength(valid)),
    },
    // content types, with a body the endpoint would accept as JSON
    { name: 'no Content-Type', ...UNSUPPORTED, body: Buffer.from(valid), type: null },
    ...[
      'text/plain',
      'text/plain; charset=utf-8',
      'text/json',
      'json',
      'application/jsonp',
      'application/json-seq',
      'application/javascript',
      'application/xml',
      'application/octet-stream',
      'application/x-www-form-urlencoded',
      'application/*',
      '*/*',
      'application/json, text/plain',
    ].map((type) => ({ name: `Content-Type ${type}`, ...UNSUPPORTED, body: valid, type })),
    {
      name: 'multipart/form-data',
      ...UNSUPPORTED,
      type: 'multipart/form-data; boundary=XyZ',
      body: `--XyZ\r\nContent-Disposition: form-data; name="json"\r\nContent-Type: application/json\r\n\r\n${valid}\r\n--XyZ--\r\n`,
    },
  ];
  return cases;
}

/** `VALID_ORDER` with the first item's members replaced (raw JSON text for each value). */
function orderWithItem(members: Record<string, string | undefined>): string {
  const item: Record<string, string> = { sku: '"MUG-01"', quantity: '2', unitPriceCents: '1250' };
  for (const [k, v] of Object.entries(members)) {
    if (v === undefined) delete item[k];
    else item[k] = v;
  }
  const text = Object.entries(item)
    .map(([k, v]) => `${json(k)}:${v}`)
    .join(',');
  return `{"items":[{${text}}],"currency":"EUR"}`;
}

/** `VALID_ORDER` with `currency` as raw JSON text. */
const orderWithCurrency = (raw: string) =>
  `{"items":[{"sku":"MUG-01","quantity":2,"unitPriceCents":1250}],"currency":${raw}}`;

/** Values of every JSON type, as raw text; each field skips the ones it accepts. */
const TYPED_VALUES: Record<string, string> = {
  null: 'null',
  true: 'true',
  false: 'false',
  'a numeric string': '"2"',
  'a number': '2',
  'a fraction': '2.5',
  'an empty array': '[]',
  'an array': '[2]',
  'an empty object': '{}',
  'an object': '{"value":2}',
};

const HUGE_NUMBERS: Record<string, string> = {
  '1e308': '1e308',
  '2**53+1': '9007199254740993',
  '2**31': '2147483648',
  '1e999 (Infinity)': '1e999',
  '-1e999 (-Infinity)': '-1e999',
  '"NaN" as a string': '"NaN"',
  '"Infinity" as a string': '"Infinity"',
  '-1': '-1',
  '-2**53': '-9007199254740992',
  '0.5': '0.5',
  '1.5': '1.5',
  '1.0000001': '1.0000001',
  '1e-7': '1e-7',
};

function orderCorpus(): Hostile[] {
  const valid = json(VALID_ORDER);
  const cases: Hostile[] = [...unreadableBodies(valid)];
  // wrong types at every field
  for (const [what, raw] of Object.entries(TYPED_VALUES)) {
    cases.push({ name: `the body as ${what}`, ...INVALID, body: raw });
    cases.push({ name: `items as ${what}`, ...INVALID, body: `{"items":${raw},"currency":"EUR"}` });
    cases.push({
      name: `an item as ${what}`,
      ...INVALID,
      body: `{"items":[${raw}],"currency":"EUR"}`,
    });
    if (raw !== '"2"')
      cases.push({ name: `sku as ${what}`, ...INVALID, body: orderWithItem({ sku: raw }) });
    if (raw !== '2') {
      cases.push({
        name: `quantity as ${what}`,
        ...INVALID,
        body: orderWithItem({ quantity: raw }),
      });
      cases.push({
        name: `unitPriceCents as ${what}`,
        ...INVALID,
        body: orderWithItem({ unitPriceCents: raw }),
      });
    }
    cases.push({ name: `currency as ${what}`, ...INVALID, body: orderWithCurrency(raw) });
  }
  for (const field of ['sku', 'quantity', 'unitPriceCents']) {
    cases.push({ name: `no ${field}`, ...INVALID, body: orderWithItem({ [field]: undefined }) });
  }
  cases.push(
    { name: 'no items', ...INVALID, body: '{"currency":"EUR"}' },
    { name: 'no currency', ...INVALID, body: json({ items: VALID_ORDER.items }) },
    { name: 'an empty object', ...INVALID, body: '{}' },
    { name: 'the valid order wrapped in an array', ...INVALID, body: `[${valid}]` },
    { name: 'the valid order as a JSON string', ...INVALID, body: json(valid) },
  );
  // huge numbers, negative, zero and fractional quantities and prices
  for (const [what, raw] of Object.entries(HUGE_NUMBERS)) {
    cases.push({ name: `quantity ${what}`, ...INVALID, body: orderWithItem({ quantity: raw }) });
    cases.push({
      name: `unitPriceCents ${what}`,
      ...INVALID,
      body: orderWithItem({ unitPriceCents: raw }),
    });
  }
  cases.push(
    { name: 'quantity 0', ...INVALID, body: orderWithItem({ quantity: '0' }) },
    { name: 'quantity -0', ...INVALID, body: orderWithItem({ quantity: '-0' }) },
    { name: 'quantity 1001', ...INVALID, body: orderWithItem({ quantity: '1001' }) },
    {
      name: 'quantity 1e-400 (underflows to 0)',
      ...INVALID,
      body: orderWithItem({ quantity: '1e-400' }),
    },
    {
      name: 'unitPriceCents 100000001',
      ...INVALID,
      body: orderWithItem({ unitPriceCents: '100000001' }),
    },
    {
      name: 'unitPriceCents -1e-300',
      ...INVALID,
      body: orderWithItem({ unitPriceCents: '-1e-300' }),
    },
    {
      name: 'unitPriceCents 9.99 (euros, not cents)',
      ...INVALID,
      body: orderWithItem({ unitPriceCents: '9.99' }),
    },
    {
      name: '101 items',
      ...INVALID,
      body: json({
        ...VALID_ORDER,
        items: Array.from({ length: 101 }, () => VALID_ORDER.items[0]),
      }),
    },
  );
  // unknown fields and prototype-pollution keys
  const unknownMembers: Record<string, string> = {
    'an unknown field': '"discount":50',
    'a totalCents field': '"totalCents":0',
    'a status field': '"status":"paid"',
    'a userId field': '"userId":"1"',
    'an empty key': '"":1',
    'an emoji key': '"🔑":1',
    __proto__: '"__proto__":{"polluted":true}',
    constructor: '"constructor":{"prototype":{"polluted":true}}',
    prototype: '"prototype":{"polluted":true}',
    toString: '"toString":"x"',
    hasOwnProperty: '"hasOwnProperty":1',
  };
  for (const [what, member] of Object.entries(unknownMembers)) {
    cases.push({ name: `${what} on the order`, ...INVALID, body: withMember(valid, member) });
    cases.push({
      name: `${what} on an item`,
      ...INVALID,
      body: `{"items":[{${member},"sku":"MUG-01","quantity":2,"unitPriceCents":1250}],"currency":"EUR"}`,
    });
  }
  cases.push(
    {
      name: 'a duplicate currency key whose last value is invalid',
      ...INVALID,
      body: `{"currency":"EUR",${valid.slice(1, -1)},"currency":"eur"}`,
    },
    {
      name: 'a duplicate quantity key whose last value is invalid',
      ...INVALID,
      body: orderWithItem({ quantity: '2,"quantity":-2' }),
    },
  );
  // odd unicode
  const skus: Record<string, string> = {
    'a lone high surrogate': '\\ud800',
    'a lone low surrogate': 'MUG\\udc00',
    'an RTL override': '\u202eMUG-01',
    'a zero-width joiner': 'MUG\u200d01',
    'a zero-width space': 'MUG\u200b01',
    'a combining mark': 'MUG-01\u0301',
    'an emoji': '🛒',
    'an emoji ZWJ sequence': 'MUG-👩‍👩‍👧',
    'fullwidth letters': 'ＭＵＧ-01',
    'a Cyrillic homoglyph': 'MUG-0\u04301',
    'an escaped NUL': 'MUG\\u0000',
    'a newline': 'MUG\\n01',
    'a leading space': ' MUG-01',
    'a leading dot': '.MUG',
    'a path traversal': '../etc/passwd',
    SQL: "MUG'; DROP TABLE orders;--",
    'an empty string': '',
    '65 characters': 'M'.repeat(65),
    'a BOM': '\uFEFFMUG-01',
  };
  for (const [what, sku] of Object.entries(skus)) {
    cases.push({
      name: `a sku with ${what}`,
      ...INVALID,
      body: orderWithItem({ sku: `"${sku}"` }),
    });
  }
  const currencies: Record<string, string> = {
    'lower case': 'eur',
    'a trailing space': 'EUR ',
    'a trailing NUL': 'EUR\\u0000',
    'a lone surrogate': 'EU\\udfff',
    'a zero-width joiner': 'EU\u200dR',
    'an RTL override': '\u202eRUE',
    'a combining mark': 'E\u0301UR',
    'fullwidth letters': 'ＥＵＲ',
    'the euro sign': '€',
    'an emoji': '💶',
    'a Cyrillic homoglyph': 'ЕUR',
    'two letters': 'EU',
    'four letters': 'EURO',
    'an unknown code': 'XYZ',
    'an empty string': '',
  };
  for (const [what, currency] of Object.entries(currencies)) {
    cases.push({
      name: `a currency with ${what}`,
      ...INVALID,
      body: orderWithCurrency(`"${currency}"`),
    });
  }
  // odd headers, with a valid body: the key is checked before anything is written
  const keys: Record<string, string> = {
    '10 KiB': 'k'.repeat(10 * 1024),
    '256 characters': 'k'.repeat(256),
    '10 KiB of emoji (UTF-8 bytes)': utf8Header('🔑'.repeat(2560)),
    'Cyrillic (UTF-8 bytes)': utf8Header('ключ-42'),
    'an RTL override (UTF-8 bytes)': utf8Header('key\u202e42'),
    'a zero-width joiner (UTF-8 bytes)': utf8Header('key\u200d42'),
    'a combining mark (UTF-8 bytes)': utf8Header('ke\u0301y'),
    'latin1 letters': 'clé-ünïcode',
    'a tab inside': 'key\t42',
  };
  for (const [what, key] of Object.entries(keys)) {
    cases.push({
      name: `Idempotency-Key with ${what}`,
      ...INVALID,
      body: valid,
      headers: { 'idempotency-key': key },
    });
  }
  return cases;
}

function patchCorpus(): Hostile[] {
  const valid = json({ status: 'cancelled' });
  const cases: Hostile[] = [...unreadableBodies(valid)];
  for (const [what, raw] of Object.entries(TYPED_VALUES)) {
    cases.push({ name: `the body as ${what}`, ...INVALID, body: raw });
    cases.push({ name: `status as ${what}`, ...INVALID, body: `{"status":${raw}}` });
  }
  const statuses: Record<string, string> = {
    shipped: 'shipped',
    paid: 'paid',
    delivered: 'delivered',
    pending: 'pending',
    'upper case': 'CANCELLED',
    'American spelling': 'canceled',
    'a trailing space': 'cancelled ',
    'a leading space': ' cancelled',
    'an escaped NUL': 'cancelled\\u0000',
    'a zero-width joiner': 'cancel\u200dled',
    'an RTL override': '\u202ecancelled',
    'a combining mark': 'cancelle\u0301d',
    'fullwidth letters': 'ｃａｎｃｅｌｌｅｄ',
    'a lone surrogate': 'cancelled\\ud800',
    'an emoji': 'cancelled 🚫',
    'an empty string': '',
  };
  for (const [what, status] of Object.entries(statuses)) {
    cases.push({ name: `status ${what}`, ...INVALID, body: `{"status":"${status}"}` });
  }
  cases.push(
    { name: 'no status', ...INVALID, body: '{}' },
    { name: 'status as an array of the valid one', ...INVALID, body: '{"status":["cancelled"]}' },
    { name: 'the valid body as a JSON string', ...INVALID, body: json(valid) },
    { name: 'the valid body in an array', ...INVALID, body: `[${valid}]` },
    { name: 'an unknown field', ...INVALID, body: '{"status":"cancelled","total":0}' },
    { name: 'a userId field', ...INVALID, body: '{"status":"cancelled","userId":"1"}' },
    { name: '__proto__', ...INVALID, body: '{"status":"cancelled","__proto__":{"polluted":true}}' },
    {
      name: '__proto__ carrying the status',
      ...INVALID,
      body: '{"__proto__":{"status":"cancelled"}}',
    },
    {
      name: 'constructor.prototype',
      ...INVALID,
      body: '{"status":"cancelled","constructor":{"prototype":{"polluted":true}}}',
    },
    {
      name: 'a duplicate status key whose last value is invalid',
      ...INVALID,
      body: '{"status":"cancelled","status":"paid"}',
    },
  );
  return cases;
}

/** Malformed and look-alike forms of `id` (an order the caller owns), each answered 404. */
function hostileIds(id: string): Array<{ name: string; path: string }> {
  const ids: Record<string, string> = {
    'upper case': id.toUpperCase(),
    'no dashes': id.replaceAll('-', ''),
    braces: `{${id}}`,
    'a urn:uuid: prefix': `urn:uuid:${id}`,
    'a trailing space': `${id} `,
    'a trailing NUL': `${id}\u0000`,
    'a trailing newline': `${id}\n`,
    'a zero-width space': `${id}\u200b`,
    'an RTL override': `\u202e${id}`,
    'a combining mark': `${id}\u0301`,
    'fullwidth digits': id.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d))),
    'an emoji': `${id}🛒`,
    '10 KiB': 'a'.repeat(10 * 1024),
    'SQL injection': `${id}' OR '1'='1`,
    'a number': '1',
    'negative zero': '-0',
    'an unknown UUID': randomUUID(),
    'the nil UUID': '00000000-0000-0000-0000-000000000000',
  };
  const cases = Object.entries(ids).map(([name, value]) => ({
    name,
    path: `/api/orders/${encodeURIComponent(value)}`,
  }));
  cases.push(
    { name: 'a bare percent', path: `/api/orders/${id}%` },
    { name: 'a truncated percent escape', path: `/api/orders/${id}%E0%A4%A` },
    { name: 'an encoded invalid UTF-8 byte', path: `/api/orders/${id}%FF` },
    { name: 'an encoded slash', path: `/api/orders/..%2F${id}` },
    { name: 'an encoded NUL', path: `/api/orders/${id}%00` },
    { name: 'a lone surrogate as WTF-8 bytes', path: `/api/orders/${id}%ED%A0%80` },
  );
  return cases;
}

function profileCorpus(): Hostile[] {
  const valid = json({ name: 'Zoë' });
  const cases: Hostile[] = [...unreadableBodies(valid, { emptyBodyIsValid: true })];
  for (const [what, raw] of Object.entries(TYPED_VALUES)) {
    if (raw !== '{}') cases.push({ name: `the body as ${what}`, ...INVALID, body: raw });
    if (raw !== 'null' && raw !== '"2"') {
      cases.push({ name: `name as ${what}`, ...INVALID, body: `{"name":${raw}}` });
    }
  }
  const names: Record<string, string> = {
    'an empty string': '',
    'only spaces': '   ',
    'only an ideographic space': '\u3000',
    'only tabs and newlines': '\\t\\n\\r',
    '101 characters': 'x'.repeat(101),
    'an escaped NUL': 'Ada\\u0000',
    'a C1 control (NEL)': 'Ada\\u0085Lovelace',
    'an escape character': 'Ada\\u001b[31m',
    'a DEL': 'Ada\\u007f',
    'a lone high surrogate': 'Ada\\ud800',
    'a lone low surrogate': '\\udc00Ada',
    'reversed surrogates': '\\udc00\\ud800',
    '200 combining marks (Zalgo)': `A${'\u0301'.repeat(200)}`,
    '15 family emoji (105 code points)': '👩‍👩‍👧‍👦'.repeat(15),
  };
  for (const [what, name] of Object.entries(names)) {
    cases.push({ name: `a name with ${what}`, ...INVALID, body: `{"name":"${name}"}` });
  }
  const unknownMembers: Record<string, string> = {
    'a role field': '"role":"admin"',
    'an email field': '"email":"root@example.com"',
    'a userId field': '"userId":"1"',
    'an unknown field': '"nickname":"x"',
    __proto__: '"__proto__":{"polluted":true}',
    '__proto__ carrying a name': '"__proto__":{"name":"Mallory"}',
    constructor: '"constructor":{"prototype":{"polluted":true}}',
  };
  for (const [what, member] of Object.entries(unknownMembers)) {
    cases.push({
      name: `${what} beside a valid name`,
      ...INVALID,
      body: withMember(valid, member),
    });
    cases.push({ name: `${what} alone`, ...INVALID, body: `{${member}}` });
  }
  cases.push({
    name: 'a duplicate name key whose last value is invalid',
    ...INVALID,
    body: '{"name":"Ada","name":7}',
  });
  return cases;
}

const enc = (value: unknown) => Buffer.from(json(value) ?? 'undefined').toString('base64url');

function queryCorpus(): Array<{ name: string; query: string; status: number; code: string }> {
  const limits: Record<string, string> = {
    '0': '0',
    '101': '101',
    '-1': '-1',
    '1e2': '1e2',
    '0x10': '0x10',
    '1.0': '1.0',
    '0100 (four digits)': '0100',
    '99999999999999999999': '99999999999999999999',
    '2**53+1': '9007199254740993',
    Infinity: 'Infinity',
    NaN: 'NaN',
    'an empty value': '',
    'a leading space': '%201',
    'a trailing space': '1%20',
    'a plus sign': '%2B1',
    'an encoded NUL': '1%00',
    'fullwidth one': encodeURIComponent('１'),
    'Arabic-Indic one': encodeURIComponent('١'),
    'a combining mark': encodeURIComponent('1\u0301'),
    'an RTL override': encodeURIComponent('\u202e1'),
    'a zero-width joiner': encodeURIComponent('1\u200d0'),
    'an emoji': encodeURIComponent('💯'),
    'a bare percent': '%',
    'a truncated escape': '%E0%A4%A',
    'an encoded invalid UTF-8 byte': '%FF',
  };
  const cases: Array<{ name: string; query: string; status: number; code: string }> =
    Object.entries(limits).map(([name, value]) => ({
      name: `limit ${name}`,
      query: `limit=${value}`,
      ...INVALID,
    }));
  cases.push(
    { name: 'limit twice', query: 'limit=1&limit=2', ...INVALID },
    { name: 'limit twice, same value', query: 'limit=5&limit=5', ...INVALID },
    { name: 'limit without a value', query: 'limit', ...INVALID },
    { name: 'cursor twice', query: `cursor=a&cursor=b`, ...INVALID },
    { name: 'a valid limit with an invalid one', query: 'limit=10&limit=abc', ...INVALID },
  );
  const uuid = randomUUID();
  const cursors: Record<string, string> = {
    'a word': 'nope',
    'base64url of {"t":1}': 'eyJ0IjoxfQ',
    'a non-date t': enc({ t: 'x', i: uuid }),
    'a non-UUID i': enc({ t: '2026-01-01T00:00:00.000Z', i: 'not-a-uuid' }),
    'an upper-case UUID': enc({ t: '2026-01-01T00:00:00.000Z', i: uuid.toUpperCase() }),
    'numbers for t and i': enc({ t: 0, i: 0 }),
    'an array': enc(['2026-01-01T00:00:00.000Z', uuid]),
    null: enc(null),
    'a JSON string': enc('cursor'),
    'not JSON inside': Buffer.from('{t:1').toString('base64url'),
    'base64 padding': `${enc({ t: '2026-01-01T00:00:00.000Z', i: uuid })}==`,
    'standard base64 characters': 'ab+/cd',
    '201 characters': 'a'.repeat(201),
    '10 KiB': 'a'.repeat(10 * 1024),
    'an encoded NUL': 'abc%00',
    'an emoji': encodeURIComponent('🧭'),
    'an RTL override': encodeURIComponent('\u202eabc'),
    'a zero-width joiner': encodeURIComponent('ab\u200dcd'),
    'a lone surrogate (WTF-8 bytes)': '%ED%A0%80',
    'a truncated escape': '%E0%A4%A',
    SQL: encodeURIComponent("' OR 1=1 --"),
    // well-formed but forged: dates JavaScript accepts and Postgres timestamps cannot hold
    'the earliest JavaScript date': enc({ t: '-271821-04-20T00:00:00.000Z', i: uuid }),
    'the last millisecond of 1 BC': enc({ t: '0000-12-31T23:59:59.999Z', i: uuid }),
    'a date before 4713 BC': enc({ t: '-010000-01-01T00:00:00.000Z', i: uuid }),
  };
  for (const [name, value] of Object.entries(cursors)) {
    cases.push({ name: `cursor ${name}`, query: `cursor=${value}`, ...BAD_CURSOR });
  }
  return cases;
}

// --- the named corpus -------------------------------------------------------------------------

describe('POST /api/orders refuses hostile input and writes nothing', () => {
  const users: User[] = [];
  beforeAll(async () => {
    users.push(await user('even'), await user('odd'));
  });

  it.each(orderCorpus().map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    for (const u of users) {
      const answer = await send(u, { method: 'POST', path: '/api/orders', ...c });
      expectProblem(answer, `${c.name} (user ${u.id})`, c.status, c.code);
    }
  });

  it('left no order and no profile on either shard', async () => {
    for (const u of users) expect(await footprint(u), `user ${u.id}`).toEqual(NOTHING);
  });
});

describe('PATCH /api/orders/:id refuses hostile input and changes nothing', () => {
  let owner: User;
  let stranger: User;
  let order: { id: string; updatedAt: string };
  beforeAll(async () => {
    owner = await user();
    stranger = await user();
    const placed = await send(owner, {
      method: 'POST',
      path: '/api/orders',
      body: json(VALID_ORDER),
    });
    expect(placed.status).toBe(201);
    order = placed.body;
  });

  it.each(patchCorpus().map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const path = `/api/orders/${order.id}`;
    expectProblem(await send(owner, { method: 'PATCH', path, ...c }), c.name, c.status, c.code);
    // someone else's order: the id is known to exist, the answer must not tell
    const foreign = await send(stranger, { method: 'PATCH', path, ...c });
    expect(foreign.status, `${c.name} (stranger)`).toBeGreaterThanOrEqual(400);
    expect(notAProblem(foreign), `${c.name} (stranger)`).toBeNull();
  });

  it.each(hostileIds(randomUUID()).map((c) => [c.name, c] as const))(
    'an id with %s is not found, even with a valid body',
    async (_name, c) => {
      const ids = hostileIds(order.id).find((x) => x.name === c.name) ?? c;
      for (const who of [owner, stranger]) {
        const answer = await send(who, {
          method: 'PATCH',
          path: ids.path,
          body: '{"status":"cancelled"}',
        });
        expectProblem(
          answer,
          `${c.name}: ${ids.path.slice(0, 120)}`,
          NOT_FOUND.status,
          NOT_FOUND.code,
        );
      }
    },
  );

  it('left the order pending and untouched, and wrote nothing for the stranger', async () => {
    const shown = await send(owner, { method: 'GET', path: `/api/orders/${order.id}` });
    expect([shown.status, shown.body.status, shown.body.updatedAt]).toEqual([
      200,
      'pending',
      order.updatedAt,
    ]);
    expect(await footprint(owner)).toEqual({
      orders: onHome(owner, 1),
      profiles: onHome(owner, 1),
    });
    expect(await footprint(stranger)).toEqual(NOTHING);
  });
});

describe('POST /api/users refuses hostile input and writes nothing', () => {
  let fresh: User;
  let named: User;
  let profile: { name: string; updatedAt: string };
  beforeAll(async () => {
    fresh = await user();
    named = await user();
    const created = await send(named, {
      method: 'POST',
      path: '/api/users',
      body: '{"name":"Ada"}',
    });
    expect(created.status).toBe(201);
    profile = created.body;
  });

  it.each(profileCorpus().map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    for (const u of [fresh, named]) {
      const answer = await send(u, { method: 'POST', path: '/api/users', ...c });
      expectProblem(answer, `${c.name} (user ${u.id})`, c.status, c.code);
    }
  });

  it('created no profile for a new user and left an existing one as it was', async () => {
    expect(await footprint(fresh)).toEqual(NOTHING);
    expect(await footprint(named)).toEqual({ orders: [0, 0], profiles: onHome(named, 1) });
    const [row] = await sql<{ name: string | null; updated_at: Date }>(
      primaryOf(named),
      'SELECT name, updated_at FROM profiles WHERE user_id = $1',
      [named.id],
    );
    expect([row?.name, row?.updated_at.toISOString()]).toEqual(['Ada', profile.updatedAt]);
  });
});

describe('GET /api/orders refuses hostile query strings', () => {
  let u: User;
  beforeAll(async () => {
    u = await user();
  });

  it.each(queryCorpus().map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const answer = await send(u, { method: 'GET', path: `/api/orders?${c.query}` });
    expectProblem(answer, `${c.name}: ?${c.query.slice(0, 120)}`, c.status, c.code);
  });

  it('wrote nothing', async () => {
    expect(await footprint(u)).toEqual(NOTHING);
  });
});

describe('after the corpus', () => {
  it('polluted no prototype in the server process', () => {
    expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('logged no server error', () => {
    expect(serverErrors()).toEqual([]);
  });
});

// --- generated input --------------------------------------------------------------------------

/** Characters fetch accepts in a header value (no controls but tab, nothing above U+00FF). */
const headerChar = fc
  .oneof(
    fc.integer({ min: 0x20, max: 0x7e }),
    fc.integer({ min: 0x80, max: 0xff }),
    fc.constant(0x09),
  )
  .map((c) => String.fromCharCode(c));
const headerValue = fc
  .oneof(
    fc.string({ unit: headerChar, maxLength: 300 }),
    fc.string({ unit: 'grapheme', maxLength: 40 }).map(utf8Header),
    fc.stringMatching(/^[\x21-\x7e][\x20-\x7e]{0,254}$/),
  )
  .filter((s) => /^[\t\x20-\x7e\x80-\xff]*$/.test(s));

/** A string with lone surrogates replaced, so that encodeURIComponent accepts it. */
const wellFormed = (s: string) =>
  s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');

const specialValue = fc.constantFrom<unknown>(
  -0,
  0,
  -1,
  0.5,
  1e308,
  2 ** 53 + 1,
  Number.MAX_SAFE_INTEGER,
  1001,
  100_000_001,
  2 ** 31,
  '',
  '1',
  'NaN',
  'Infinity',
  null,
  true,
  [],
  {},
  '__proto__',
);
const anyValue = fc.oneof(
  fc.anything({ stringUnit: 'binary', withNullPrototype: true, maxDepth: 3 }),
  fc.string({ unit: 'binary' }),
  fc.double(),
  specialValue,
);
const anyKey = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'items',
    'currency',
    'sku',
    'quantity',
    'unitPriceCents',
    'status',
    'name',
  ),
);

const validOrder = fc.record({
  items: fc.array(
    fc.record({
      sku: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/),
      quantity: fc.integer({ min: 1, max: 1000 }),
      unitPriceCents: fc.integer({ min: 0, max: 100_000_000 }),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  currency: fc.constantFrom('EUR', 'USD', 'GBP', 'JPY', 'CHF'),
});

interface Mutation {
  readonly op: 'replace' | 'delete' | 'add' | 'literal';
  readonly at: number;
  readonly key: string;
  readonly value: unknown;
  readonly literal: string;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom('replace', 'delete', 'add', 'literal'),
  at: fc.nat(),
  key: anyKey,
  value: anyValue,
  literal: fc.constantFrom(
    '1e999',
    '-1e999',
    '1e-999',
    '-0',
    '1E2',
    '1.0',
    '0.1e1',
    '9007199254740993',
    '-0.0',
  ),
});

const define = (target: object, key: string, value: unknown) =>
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });

/** The text of `order` after `mutations`: members replaced, deleted or added, numbers rewritten. */
function mutate(order: unknown, mutations: readonly Mutation[]): string {
  let root: unknown = structuredClone(order);
  let literals: Mutation[] = [];
  for (const generated of mutations) {
    if (generated.op === 'literal') {
      literals = [...literals, generated];
      continue;
    }
    // A copy: fast-check hands out the same value again while shrinking and across properties, so
    // writing into it (a later mutation may add into an earlier one's value) would make cycles.
    const m = { ...generated, value: structuredClone(generated.value) };
    const containers: object[] = [];
    const slots: Array<[object, string]> = [];
    const walk = (value: unknown) => {
      if (value === null || typeof value !== 'object') return;
      containers.push(value);
      for (const key of Object.keys(value)) {
        slots.push([value, key]);
        walk((value as Record<string, unknown>)[key]);
      }
    };
    walk(root);
    if (m.op === 'add') {
      const target = containers[m.at % Math.max(containers.length, 1)];
      if (Array.isArray(target)) target.push(m.value);
      else if (target) define(target, m.key, m.value);
      continue;
    }
    const slot = slots[m.at % (slots.length + 1)];
    if (!slot) {
      root = m.op === 'replace' ? m.value : undefined;
      continue;
    }
    const [container, key] = slot;
    if (m.op === 'replace') define(container, key, m.value);
    else if (Array.isArray(container)) container.splice(Number(key), 1);
    else delete (container as Record<string, unknown>)[key];
  }
  let text = JSON.stringify(root) ?? '';
  for (const m of literals) {
    const field = m.at % 2 === 0 ? 'quantity' : 'unitPriceCents';
    text = text.replace(new RegExp(`("${field}":)-?\\d+(\\.\\d+)?`), `$1${m.literal}`);
  }
  return text;
}

/** Checks one generated answer: below 500, and problem+json when 4xx. */
function checkGenerated(answer: Answer, label: () => string): void {
  if (answer.status >= 500) {
    throw new Error(
      `${answer.status} for ${label()}\n${answer.text.slice(0, 300)}\n${serverErrorFor(answer)}`,
    );
  }
  if (answer.status >= 400) {
    const why = notAProblem(answer);
    if (why)
      throw new Error(`not problem+json (${why}) for ${label()}: ${answer.text.slice(0, 300)}`);
  }
}

const show = (value: unknown) => {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return text.length > 300 ? `${text.slice(0, 300)}… (${text.length} chars)` : text;
};

/** How many generated requests ran, by property: the total must reach 1,000. */
const generated = new Map<string, number>();
const count = (name: string) => generated.set(name, (generated.get(name) ?? 0) + 1);

/** Where the server's log stood when the generated input began. */
let logsBeforeGenerated = 0;

describe.concurrent('generated input never gets a 5xx', () => {
  beforeAll(() => {
    logsBeforeGenerated = api.logs.length;
  });

  it('arbitrary JSON values and text as order bodies', async () => {
    const u = await user();
    const created = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.json({ stringUnit: 'binary' }),
          fc.jsonValue().map((v) => json(v)),
          fc.anything({ stringUnit: 'binary', withNullPrototype: true }).map((v) => json(v) ?? ''),
          fc.object({ maxDepth: 2 }).map((v) => json(v)),
          fc.string({ unit: 'binary', maxLength: 200 }),
        ),
        async (body) => {
          count('json bodies');
          const answer = await send(u, { method: 'POST', path: '/api/orders', body });
          checkGenerated(answer, () => `POST /api/orders ${show(body)}`);
          if (answer.status === 201) created.add(answer.body.id);
        },
      ),
      { numRuns: 250 },
    );
    expect(await footprint(u)).toEqual(
      created.size > 0 ? { orders: onHome(u, created.size), profiles: onHome(u, 1) } : NOTHING,
    );
  });

  it('mutated valid orders, with arbitrary Idempotency-Keys', async () => {
    const u = await user();
    const created = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        validOrder,
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        fc.option(headerValue, { nil: undefined }),
        async (order, mutations, key) => {
          count('mutated orders');
          const body = mutate(order, mutations);
          const headers: Record<string, string> =
            key === undefined ? {} : { 'idempotency-key': key };
          const answer = await send(u, { method: 'POST', path: '/api/orders', body, headers });
          checkGenerated(answer, () => `POST /api/orders key=${show(key)} ${show(body)}`);
          if (answer.status === 201) created.add(answer.body.id);
        },
      ),
      { numRuns: 350 },
    );
    expect(await footprint(u)).toEqual(
      created.size > 0 ? { orders: onHome(u, created.size), profiles: onHome(u, 1) } : NOTHING,
    );
  });

  it("arbitrary path ids and bodies for GET and PATCH of someone else's order", async () => {
    const owner = await user();
    const stranger = await user();
    const placed = await send(owner, {
      method: 'POST',
      path: '/api/orders',
      body: json(VALID_ORDER),
    });
    expect(placed.status).toBe(201);
    const target: string = placed.body.id;
    const rawChars = fc.constantFrom(
      '%',
      '2',
      'F',
      '0',
      'a',
      '.',
      '-',
      'E',
      'é',
      ' ',
      '?',
      '#',
      ';',
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<'GET' | 'PATCH'>('GET', 'PATCH'),
        fc.oneof(
          fc.uuid().map((id) => encodeURIComponent(id)),
          fc
            .string({ unit: 'binary', maxLength: 80 })
            .map((s) => encodeURIComponent(wellFormed(s))),
          fc.string({ unit: rawChars, maxLength: 20 }),
          fc.constantFrom(target, target.toUpperCase(), `${target}%00`, `${target}%20`),
          fc
            .string({ unit: 'grapheme', maxLength: 10 })
            .map((s) => `${target}${encodeURIComponent(s)}`),
        ),
        fc.oneof(
          fc.constant(json({ status: 'cancelled' })),
          fc.jsonValue().map((v) => json(v)),
          fc.record({ status: anyValue }).map((v) => json(v) ?? ''),
          fc.string({ unit: 'binary', maxLength: 60 }),
        ),
        async (method, id, body) => {
          count('ids and patches');
          const path = `/api/orders/${id}`;
          const answer = await send(stranger, {
            method,
            path,
            ...(method === 'PATCH' ? { body } : {}),
          });
          checkGenerated(answer, () => `${method} ${show(path)} ${show(body)}`);
          if (answer.status < 400 && answer.body?.id === target) {
            throw new Error(`${method} ${path} reached someone else's order`);
          }
        },
      ),
      { numRuns: 150 },
    );
    const shown = await send(owner, { method: 'GET', path: `/api/orders/${target}` });
    expect([shown.body.status, shown.body.updatedAt]).toEqual(['pending', placed.body.updatedAt]);
    expect(await footprint(stranger)).toEqual(NOTHING);
  });

  it('arbitrary profile bodies', async () => {
    const u = await user();
    let lastSaved: { name: string | null } | undefined;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc
            .record(
              {
                name: fc.oneof(
                  fc.string({ unit: 'binary', maxLength: 120 }),
                  fc.string({ unit: 'grapheme', maxLength: 120 }),
                  anyValue,
                ),
                extra: fc.dictionary(anyKey, anyValue, { maxKeys: 2 }),
              },
              { requiredKeys: [] },
            )
            .map(({ extra, ...rest }) => {
              const body: Record<string, unknown> = { ...rest };
              for (const [k, v] of Object.entries(extra ?? {})) define(body, k, v);
              return json(body);
            }),
          fc.jsonValue().map((v) => json(v)),
          fc.string({ unit: 'binary', maxLength: 100 }),
        ),
        async (body) => {
          count('profiles');
          const answer = await send(u, { method: 'POST', path: '/api/users', body });
          checkGenerated(answer, () => `POST /api/users ${show(body)}`);
          if (answer.status < 300) lastSaved = answer.body;
        },
      ),
      { numRuns: 150 },
    );
    expect(await footprint(u)).toEqual({
      orders: [0, 0],
      profiles: lastSaved ? onHome(u, 1) : [0, 0],
    });
    if (lastSaved) {
      const [row] = await sql<{ name: string | null }>(
        primaryOf(u),
        'SELECT name FROM profiles WHERE user_id = $1',
        [u.id],
      );
      expect(row?.name).toBe(lastSaved.name);
    }
  });

  it('arbitrary query strings for the order list', async () => {
    const u = await user();
    for (let i = 0; i < 3; i++) {
      const placed = await send(u, {
        method: 'POST',
        path: '/api/orders',
        body: json(VALID_ORDER),
      });
      expect(placed.status).toBe(201);
    }
    const cursor = fc.oneof(
      fc
        .record({ t: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), i: fc.uuid() })
        .map(enc),
      fc.jsonValue().map(enc),
      fc
        .record({
          t: fc.oneof(
            fc.string(),
            fc.integer(),
            fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          ),
          i: fc.oneof(fc.uuid(), fc.string()),
        })
        .map(enc),
    );
    const value = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.nat().map(String),
      fc.double().map(String),
      fc.bigInt().map(String),
      fc.constantFrom('', '0', '1', '20', '100', '101', '-1', '1e2', '0x10', ' 1'),
      fc.stringMatching(/^[A-Za-z0-9_-]{1,250}$/),
      cursor,
    );
    const name = fc.oneof(
      fc.constantFrom('limit', 'cursor'),
      fc.string({ unit: 'binary', maxLength: 10 }),
    );
    const query = fc.oneof(
      fc
        .array(fc.tuple(name, value), { maxLength: 4 })
        .map((pairs) =>
          new URLSearchParams(
            pairs.map(([k, v]): [string, string] => [wellFormed(k), wellFormed(v)]),
          ).toString(),
        ),
      fc.string({
        unit: fc.constantFrom(
          '%',
          '&',
          '=',
          '+',
          'limit',
          'cursor',
          '1',
          '0',
          'F',
          'E',
          '[',
          ']',
          '.',
          'é',
        ),
        maxLength: 20,
      }),
      // a cursor alone, and with a limit: cursors are opaque, so clients can send anything
      cursor.map((c) => `cursor=${c}`),
      fc.tuple(fc.integer({ min: 1, max: 100 }), cursor).map(([l, c]) => `limit=${l}&cursor=${c}`),
    );
    await fc.assert(
      fc.asyncProperty(query, async (q) => {
        count('query strings');
        const answer = await send(u, { method: 'GET', path: `/api/orders?${q}` });
        checkGenerated(answer, () => `GET /api/orders?${show(q)}`);
        if (answer.status === 200 && !Array.isArray(answer.body?.items)) {
          throw new Error(`200 without items for ?${q}`);
        }
      }),
      { numRuns: 200 },
    );
    expect(await footprint(u)).toEqual({ orders: onHome(u, 3), profiles: onHome(u, 1) });
  });

  it('arbitrary bytes under arbitrary content types', async () => {
    const u = await user();
    const created = new Set<string>();
    let profileSaved = false;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/api/orders', '/api/users'),
        fc.oneof(
          fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
          fc.json().map((t) => Buffer.from(t)),
        ),
        fc.oneof(
          fc.constantFrom(
            null,
            'application/json',
            'application/json; charset=utf-8',
            'application/json; charset=latin1',
            'application/problem+json',
            'text/plain',
            'multipart/form-data; boundary=x',
            'application/x-www-form-urlencoded',
          ),
          headerValue,
        ),
        async (path, body, type) => {
          count('bytes');
          const answer = await send(u, { method: 'POST', path, body, type });
          checkGenerated(
            answer,
            () => `POST ${path} type=${show(type)} ${show(body.toString('latin1'))}`,
          );
          if (answer.status === 201 && path === '/api/orders') created.add(answer.body.id);
          if (answer.status < 300 && path === '/api/users') profileSaved = true;
        },
      ),
      { numRuns: 100 },
    );
    expect(await footprint(u)).toEqual({
      orders: onHome(u, created.size),
      profiles: created.size > 0 || profileSaved ? onHome(u, 1) : [0, 0],
    });
  });
});

describe('after the generated input', () => {
  it('ran at least 1,000 generated requests', () => {
    const total = [...generated.values()].reduce((a, b) => a + b, 0);
    expect(total, JSON.stringify(Object.fromEntries(generated))).toBeGreaterThanOrEqual(1000);
  });

  it('logged no server error while it ran', () => {
    expect(serverErrors(api.logs.slice(logsBeforeGenerated))).toEqual([]);
  });

  it('still serves a valid request correctly', async () => {
    const u = await user();
    const placed = await send(u, {
      method: 'POST',
      path: '/api/orders',
      body: json({
        ...VALID_ORDER,
        items: [...VALID_ORDER.items, { sku: 'TEE.blue_L', quantity: 3, unitPriceCents: 999 }],
      }),
      headers: { 'idempotency-key': 'after-the-storm' },
    });
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({
      userId: String(u.id),
      status: 'pending',
      currency: 'EUR',
      totalCents: 2 * 1250 + 3 * 999,
    });
    const list = await send(u, { method: 'GET', path: '/api/orders?limit=5' });
    expect([list.status, list.body.items.map((o: { id: string }) => o.id)]).toEqual([
      200,
      [placed.body.id],
    ]);
    const cancelled = await send(u, {
      method: 'PATCH',
      path: `/api/orders/${placed.body.id}`,
      body: '{"status":"cancelled"}',
    });
    expect([cancelled.status, cancelled.body.status]).toEqual([200, 'cancelled']);
    const named = await send(u, { method: 'POST', path: '/api/users', body: '{"name":"  Zoë  "}' });
    expect([named.status, named.body.name]).toEqual([200, 'Zoë']);
    expect(await footprint(u)).toEqual({ orders: onHome(u, 1), profiles: onHome(u, 1) });
  });
});
