import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { DEFAULT_BODY_LIMIT } from '@shardgate/shared';

// The hostile request bodies every JSON endpoint of every service must refuse: the case shape,
// the answers expected, text helpers, and the bodies no JSON endpoint may accept. Each service's
// hostile-input suites build their corpora on these (services/api/test/integration/hostile-*,
// services/auth/test/integration/account-hostile.*).

/** A body: text (sent as UTF-8), raw bytes, or bytes streamed chunked without Content-Length. */
export type Payload = string | Buffer | { readonly chunked: Buffer };

/** One named hostile request body (and headers) with the exact answer it must get. */
export interface Hostile {
  readonly name: string;
  readonly status: number;
  readonly code: string;
  readonly body?: Payload;
  /** Content-Type of the body: `application/json` when undefined, none when null. */
  readonly type?: string | null;
  readonly headers?: Readonly<Record<string, string>>;
}

/** An expected answer: HTTP status and problem+json `code`. */
export interface Outcome {
  readonly status: number;
  readonly code: string;
}

/** The body is not JSON, or not UTF-8. */
export const INVALID_JSON = { status: 400, code: 'invalid_json' } as const satisfies Outcome;
/** The body is over the 64 KiB limit of every service (`DEFAULT_BODY_LIMIT`). */
export const TOO_LARGE = { status: 413, code: 'payload_too_large' } as const satisfies Outcome;
/** The body is not declared as `application/json`. */
export const UNSUPPORTED = {
  status: 415,
  code: 'unsupported_media_type',
} as const satisfies Outcome;
/** The body is JSON of the wrong shape. */
export const INVALID = { status: 422, code: 'validation_failed' } as const satisfies Outcome;
/**
 * A string holds U+0000 or a lone surrogate: the body reader refuses it before any schema runs,
 * since no text column can store it.
 */
export const INVALID_TEXT = { status: 400, code: 'invalid_text' } as const satisfies Outcome;

/** `outcome`, unless one of `values` holds U+0000 or a lone surrogate: then {@link INVALID_TEXT}. */
export function textOutcome(outcome: Outcome, ...values: string[]): Outcome {
  const unstorable = (v: string) => v.includes('\u0000') || /\p{Cs}/u.test(v);
  return values.some(unstorable) ? INVALID_TEXT : outcome;
}
/** No such resource (of this user). */
export const NOT_FOUND = { status: 404, code: 'not_found' } as const satisfies Outcome;

const MiB = 1024 * 1024;
/** The services' body limit. */
const BODY_LIMIT = DEFAULT_BODY_LIMIT;
const BOM = '\uFEFF';

/** `JSON.stringify`, short. */
export const json = (value: unknown): string => JSON.stringify(value);

/** `valid` (a JSON object's text) with one more member first. */
export const withMember = (valid: string, member: string): string => `{${member},${valid.slice(1)}`;

/** Bytes made of UTF-8 text and raw byte values, in order. */
export const bytes = (...parts: Array<string | number[] | Buffer>): Buffer =>
  Buffer.concat(
    parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))),
  );

const nestedArrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const nestedObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const utf16be = (text: string) => Buffer.from(text, 'utf16le').swap16();

/** UTF-8 bytes of `text` as a latin1 string: fetch sends them byte for byte in a header. */
export const utf8Header = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');

/** Byte sequences that are not UTF-8, each with what is wrong with it. */
export const INVALID_UTF8: ReadonlyArray<[string, number[]]> = [
  ['an invalid continuation (C3 28)', [0xc3, 0x28]],
  ['a lone 0xFF byte', [0xff]],
  ['a lone continuation byte (0x80)', [0x80]],
  ['an overlong "/" (C0 AF)', [0xc0, 0xaf]],
  ['an encoded surrogate (ED A0 80)', [0xed, 0xa0, 0x80]],
  ['a code point above U+10FFFF (F4 90 80 80)', [0xf4, 0x90, 0x80, 0x80]],
  ['a five-byte sequence (F8 88 80 80 80)', [0xf8, 0x88, 0x80, 0x80, 0x80]],
  ['a truncated sequence (E2 82)', [0xe2, 0x82]],
];

/** Values of every JSON type, as raw text; each field skips the ones it accepts. */
export const TYPED_VALUES: Readonly<Record<string, string>> = {
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

/**
 * Bodies no JSON endpoint may accept, built around `valid` (the text of a body the endpoint
 * accepts): unreadable JSON, bad encodings, deep nesting, oversize bodies, wrong content types.
 * An endpoint whose body is optional passes `emptyBodyIsValid`.
 */
export function unreadableBodies(
  valid: string,
  options: { emptyBodyIsValid?: boolean } = {},
): Hostile[] {
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
