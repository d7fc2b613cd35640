import fc from 'fast-check';
import { utf8Header } from './hostile-bodies.js';

// fast-check arbitraries every hostile-input suite shares: header values fetch can send, values of
// any JSON type and edge values, raw bodies and Content-Types. The suites' own generators (bodies
// of their endpoints) are next to their tests: services/api/test/integration/
// hostile-input.arbitraries.ts, services/auth/test/integration/account-hostile.arbitraries.ts.

/** Characters fetch accepts in a header value (no controls but tab, nothing above U+00FF). */
const headerChar = fc
  .oneof(
    fc.integer({ min: 0x20, max: 0x7e }),
    fc.integer({ min: 0x80, max: 0xff }),
    fc.constant(0x09),
  )
  .map((c) => String.fromCharCode(c));
/** Header values fetch can send: Latin-1 text, UTF-8 bytes of any graphemes, visible ASCII. */
export const headerValue = fc
  .oneof(
    fc.string({ unit: headerChar, maxLength: 300 }),
    fc.string({ unit: 'grapheme', maxLength: 40 }).map(utf8Header),
    fc.stringMatching(/^[\x21-\x7e][\x20-\x7e]{0,254}$/),
  )
  .filter((s) => /^[\t\x20-\x7e\x80-\xff]*$/.test(s));

/** A string with lone surrogates replaced, so that encodeURIComponent accepts it. */
export const wellFormed = (s: string): string =>
  s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');

/** Values at the edges of the services' rules: zeros, limits, overflow, lookalikes, `__proto__`. */
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
/** Any value at all: nested, binary strings, null-prototype objects, doubles, special values. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({ stringUnit: 'binary', withNullPrototype: true, maxDepth: 3 }),
  fc.string({ unit: 'binary' }),
  fc.double(),
  specialValue,
);

/** Request bodies as bytes: random bytes or JSON text. */
export const bodyBytes: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
  fc.json().map((t) => Buffer.from(t)),
);

/** Content-Type values: none, JSON with odd charsets, other types, any header value. */
export const contentType: fc.Arbitrary<string | null> = fc.oneof(
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
);
