import fc from 'fast-check';
import { anyValue, wellFormed } from '../../../../tests/support/hostile-arbitraries.js';
import { json } from '../../../../tests/support/hostile-bodies.js';

// The generated input of account-hostile.test.ts: bodies for the account-lifecycle endpoints made
// of their own field names with values near and far from what they accept (token-, code- and
// address-shaped strings, binary strings, any JSON value), extra and prototype members, and
// arbitrary JSON or text; and user ids for the admin's path.

/** Object keys: binary strings, prototype keys, and the auth service's own field names. */
const anyKey: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'token',
    'email',
    'password',
    'code',
    'recovery_code',
    'mfa_token',
    'current_password',
  ),
);

/** Strings shaped like the service's opaque tokens (43 base64url characters), or near them. */
export const tokenLike: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_-]{43}$/),
  fc.stringMatching(/^[A-Za-z0-9_+/=.-]{0,60}$/),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
);

/** Strings shaped like TOTP or recovery codes, or near them. */
export const codeLike: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^[0-9]{6}$/),
  fc.stringMatching(/^[0-9 +.e-]{0,8}$/),
  fc.stringMatching(/^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$/),
  fc.stringMatching(/^[A-Za-z0-9 -]{0,24}$/),
  fc.string({ unit: 'binary', maxLength: 30 }),
);

/** Addresses: valid ones, odd local parts and domains, and any text. */
export const emailLike: fc.Arbitrary<string> = fc.oneof(
  fc.emailAddress(),
  fc
    .tuple(fc.string({ unit: 'grapheme', maxLength: 20 }), fc.domain())
    .map(([local, domain]) => `${local}@${domain}`),
  fc
    .tuple(fc.emailAddress(), fc.string({ unit: 'binary', maxLength: 20 }))
    .map(([email, tail]) => `${email}${tail}`),
  fc.string({ unit: 'binary', maxLength: 60 }),
);

/** Passwords: any text, of any characters. */
export const passwordLike: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
);

/**
 * The text of a JSON object with some of `fields` (each of its own arbitrary or of any type) and
 * up to two more members of any name; written as text, so that `__proto__` is a member like any
 * other.
 */
function objectOf(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<string> {
  const members = Object.entries(fields).map(([name, value]) =>
    fc
      .option(fc.oneof({ arbitrary: value, weight: 4 }, { arbitrary: anyValue, weight: 1 }), {
        nil: undefined,
        freq: 4,
      })
      .map((v): [string, unknown] | undefined => (v === undefined ? undefined : [name, v])),
  );
  return fc
    .tuple(fc.tuple(...members), fc.array(fc.tuple(anyKey, anyValue), { maxLength: 2 }))
    .map(([own, extra]) =>
      [...own.filter((m): m is [string, unknown] => m !== undefined), ...extra]
        .map(([k, v]) => `${json(k)}:${json(v) ?? 'null'}`)
        .join(','),
    )
    .map((text) => `{${text}}`);
}

/** Bodies for an endpoint with `fields`: mostly objects of its fields, else any JSON or text. */
export function bodyFor(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: objectOf(fields), weight: 6 },
    { arbitrary: fc.json({ stringUnit: 'binary' }), weight: 1 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 200 }), weight: 1 },
  );
}

/**
 * Whether a URL parser takes `segment` for `.` or `..` (also spelled `%2e`, any case) and removes
 * it before the request leaves (`/users/%2E/mfa` is sent as `/users/mfa`): such an id would probe
 * another route, not an id. Such paths belong to the path-tricks suites
 * (tests/e2e/support/path-tricks.ts), which send them raw.
 */
const isDotSegment = (segment: string): boolean => /^(\.|%2e)+$/i.test(segment);

/**
 * The `:id` of `/auth/users/:id/mfa`, never one of a real user: encoded binary strings, numbers
 * past Postgres `integer`, negative, fractional and spelled-out numbers, odd raw characters.
 */
export const notAUserId: fc.Arbitrary<string> = fc
  .oneof(
    fc
      .string({ unit: 'binary', maxLength: 40 })
      .filter((s) => !/^\d+$/.test(s))
      .map((s) => encodeURIComponent(wellFormed(s))),
    fc.bigInt({ min: 2n ** 31n, max: 2n ** 80n }).map(String),
    fc.bigInt({ min: -(2n ** 80n), max: -1n }).map(String),
    fc
      .double({ noNaN: true })
      .map(String)
      .filter((s) => !/^\d+$/.test(s)),
    fc
      .string({
        unit: fc.constantFrom('%', '2', 'F', '0', 'a', '.', '-', 'E', 'é', ' ', ';'),
        maxLength: 12,
      })
      .filter((s) => !/^\d+$/.test(s)),
  )
  .filter((id) => !isDotSegment(id));
