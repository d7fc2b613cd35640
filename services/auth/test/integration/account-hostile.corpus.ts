import { createHash, randomBytes } from 'node:crypto';
import {
  type Hostile,
  INVALID,
  INVALID_TEXT,
  json,
  NOT_FOUND,
  type Outcome,
  TOO_LARGE,
  TYPED_VALUES,
  textOutcome,
  UNSUPPORTED,
  unreadableBodies,
  withMember,
} from '../../../../tests/support/hostile-bodies.js';
import type { ForeignSecrets } from '../support/account-material.js';

// The named hostile corpus of the account-lifecycle endpoints (email verification, password
// reset, TOTP MFA, the admin's MFA reset): every case states the exact status and code it must
// get. Each corpus starts from a body the endpoint would accept with live material (a link token,
// a login challenge), so that a case wrongly accepted would change the account, which the suite
// checks afterwards. account-hostile.test.ts sends them.

/** A verification or reset link that is unknown, expired or used. */
export const BAD_LINK = { status: 400, code: 'invalid_link_token' } as const satisfies Outcome;
/** A login challenge that is unknown, expired, used or out of attempts. */
export const BAD_CHALLENGE = { status: 401, code: 'invalid_mfa_token' } as const satisfies Outcome;
/** A password the policy refuses. */
export const WEAK = { status: 422, code: 'weak_password' } as const satisfies Outcome;
/** Not signed in: no, a malformed or a revoked access token. */
export const NO_TOKEN = { status: 401, code: 'invalid_token' } as const satisfies Outcome;
/** Signed in, but not an administrator. */
export const NOT_ADMIN = { status: 403, code: 'forbidden' } as const satisfies Outcome;

/** A string of `n` times `unit`. */
const times = (unit: string, n: number) => unit.repeat(n);

/** `token` with every ASCII letter and digit replaced by its fullwidth form. */
const fullwidth = (token: string) =>
  token.replace(/[A-Za-z0-9]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

/** `token` with the case of every letter swapped (a token has letters of both cases). */
const swapCase = (token: string) =>
  token.replace(/[A-Za-z]/g, (c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()));

/**
 * Every shape a link token or login challenge must be refused in: the live one altered, odd
 * unicode, lookalikes, the database's hash of it, and real secrets of other kinds. All but an
 * access token (a JWT, longer than the schemas' 512 characters) reach the token check.
 */
export function tokenShapes(live: string, foreign: ForeignSecrets): [string, string][] {
  const sha256 = createHash('sha256').update(live).digest();
  return [
    ['empty', ''],
    ['one character', 'x'],
    ['the live token less its last character', live.slice(0, -1)],
    ['the live token and one more character', `${live}A`],
    ['the live token with a trailing newline', `${live}\n`],
    ['the live token with a trailing CRLF', `${live}\r\n`],
    ['the live token with a leading space', ` ${live}`],
    ['the live token with a trailing NUL', `${live}\u0000`],
    ['the live token with its case swapped', swapCase(live)],
    ['the live token with a base64 "+" for its last character', `${live.slice(0, -1)}+`],
    ['the live token with a base64 "/" for its first character', `/${live.slice(1)}`],
    ['the live token padded with "="', `${live}=`],
    ['the live token with its first character percent-encoded', `%41${live.slice(1)}`],
    ['a Cyrillic homoglyph for its first character', `\u0410${live.slice(1)}`],
    ['a zero-width space inside the live token', `${live.slice(0, 20)}\u200b${live.slice(20)}`],
    ['an RTL override before the live token', `\u202e${live}`],
    ['a byte-order mark before the live token', `\ufeff${live}`],
    ['a combining mark after the live token', `${live}\u0301`],
    ['the live token in fullwidth characters', fullwidth(live)],
    ['43 NUL characters', times('\u0000', 43)],
    ['43 é', times('é', 43)],
    ['43 lone surrogates', times('\ud800', 43)],
    ['43 emoji', times('🔑', 43)],
    ['43 percent signs (a LIKE wildcard)', times('%', 43)],
    ['an SQL injection of 43 characters', "' OR '1'='1' --".padEnd(43, 'x')],
    ['512 base64url characters', randomBytes(384).toString('base64url')],
    ['the SHA-256 the database keeps, in hex', sha256.toString('hex')],
    ['the SHA-256 the database keeps, in base64url (43 characters)', sha256.toString('base64url')],
    ['a well-formed token nobody issued', randomBytes(32).toString('base64url')],
    ['an access token', foreign.access],
    ['a refresh token', foreign.refresh],
    ['a live token of another purpose', foreign.otherPurpose],
    ['a used token', foreign.used],
  ];
}

/** What a shape of {@link tokenShapes} gets: the schema refuses what is over 512 characters. */
const shapeOutcome = (token: string, refused: Outcome): Outcome =>
  textOutcome(token.length > 512 ? INVALID : refused, token);

/** The body as every JSON type but an object; a named field as every JSON type but a string. */
function typedCases(
  field: string,
  withField: (raw: string) => string,
  stringOutcome: Outcome,
): Hostile[] {
  const cases: Hostile[] = [];
  for (const [what, raw] of Object.entries(TYPED_VALUES)) {
    if (what !== 'an empty object')
      cases.push({ name: `the body as ${what}`, ...INVALID, body: raw });
    const outcome = raw.startsWith('"') ? stringOutcome : INVALID;
    cases.push({ name: `${field} as ${what}`, ...outcome, body: withField(raw) });
  }
  return cases;
}

/** Cases every strict JSON body gets: extra members, prototype keys, an empty object. */
function memberCases(valid: string): Hostile[] {
  return [
    { name: 'an empty object', ...INVALID, body: '{}' },
    { name: 'an unknown member', ...INVALID, body: withMember(valid, '"x":1') },
    {
      name: 'the whole body under __proto__',
      ...INVALID,
      body: `{"__proto__":${valid}}`,
    },
    { name: 'a constructor member', ...INVALID, body: withMember(valid, '"constructor":{}') },
    { name: 'a __proto__ member', ...INVALID, body: withMember(valid, '"__proto__":{"x":1}') },
  ];
}

/** `POST /auth/email/verify` with `live`, the user's verification token. */
export function verifyEmailCorpus(live: string, foreign: ForeignSecrets): Hostile[] {
  const valid = json({ token: live });
  return [
    ...unreadableBodies(valid),
    ...memberCases(valid),
    ...typedCases('token', (raw) => `{"token":${raw}}`, BAD_LINK),
    { name: 'the token as a list of the live one', ...INVALID, body: json({ token: [live] }) },
    {
      name: 'the token twice, the live one first (the last one counts)',
      ...BAD_LINK,
      body: `{"token":${json(live)},"token":"nope"}`,
    },
    { name: 'a token of 513 characters', ...INVALID, body: json({ token: times('A', 513) }) },
    {
      name: 'a token of 70,000 characters',
      ...TOO_LARGE,
      body: json({ token: times('A', 70_000) }),
    },
    ...tokenShapes(live, foreign).map(
      ([what, token]): Hostile => ({
        name: `token: ${what}`,
        ...shapeOutcome(token, BAD_LINK),
        body: json({ token }),
      }),
    ),
  ];
}

/** `POST /auth/password/reset` for `email`, an account's address. */
export function resetRequestCorpus(email: string, attacker: string): Hostile[] {
  const valid = json({ email });
  const [local, domain] = email.split('@') as [string, string];
  const addresses: [string, string][] = [
    ['a CRLF and a Bcc header after the address', `${email}\r\nBcc: ${attacker}`],
    ['an LF and a Bcc header after the address', `${email}\nBcc: ${attacker}`],
    ['a second address after a comma', `${email},${attacker}`],
    ['a second address after a semicolon', `${email};${attacker}`],
    ['a display name and the address in angle brackets', `Attacker <${email}>`],
    ['the address in angle brackets', `<${email}>`],
    ['the address in double quotes', `"${email}"`],
    ['a NUL inside the address', `${local}\u0000@${domain}`],
    ['a NUL after the address', `${email}\u0000`],
    ['a zero-width space before the address', `\u200b${email}`],
    ['an RTL override inside the address', `${local}\u202e@${domain}`],
    ['a fullwidth at sign', `${local}\uff20${domain}`],
    ['a lone surrogate in the local part', `${local}\ud800@${domain}`],
    ['a non-ASCII local part', `zoë-${local}@${domain}`],
    ['an internationalised domain', `${local}@exämple.com`],
    ['no at sign', `${local}${domain}`],
    ['nothing before the at sign', `@${domain}`],
    ['nothing after the at sign', `${local}@`],
    ['two at signs', `${local}@@${domain}`],
    ['an empty string', ''],
    ['only spaces', '   '],
    ['255 characters', `${times('a', 243)}@example.com`],
    ['an SQL injection', `' OR 1=1 --@${domain}`],
  ];
  return [
    ...unreadableBodies(valid),
    ...memberCases(valid),
    ...typedCases('email', (raw) => `{"email":${raw}}`, INVALID),
    { name: 'the address as a list', ...INVALID, body: json({ email: [email] }) },
    {
      name: 'two addresses as a list',
      ...INVALID,
      body: json({ email: [email, attacker] }),
    },
    {
      name: 'an address of 70,000 characters',
      ...TOO_LARGE,
      body: json({ email: times('a', 70_000) }),
    },
    ...addresses.map(
      ([what, address]): Hostile => ({
        name: `email: ${what}`,
        ...textOutcome(INVALID, address),
        body: json({ email: address }),
      }),
    ),
  ];
}

/** `POST /auth/password/reset/confirm` with `live`, the user's reset token, and `password`, a good one. */
export function resetConfirmCorpus(
  live: string,
  password: string,
  user: { email: string },
  foreign: ForeignSecrets,
): Hostile[] {
  const valid = json({ token: live, password });
  const weak: [string, string][] = [
    ['a common password', 'password'],
    ['digits only', '12345678'],
    ['the account’s own address', user.email],
    ['73 bytes of UTF-8 (bcrypt would ignore the rest)', times('é', 37)],
    ['spaces only', times(' ', 20)],
    ['one letter repeated', times('a', 30)],
    ['lone surrogates', times('\ud800', 20)],
    ['an RTL override and a common password', '\u202epassword'],
    ['emoji only', times('🔑', 3)],
  ];
  return [
    ...unreadableBodies(valid),
    ...memberCases(valid),
    ...typedCases('token', (raw) => `{"token":${raw},"password":${json(password)}}`, BAD_LINK),
    ...typedCases('password', (raw) => `{"token":${json(live)},"password":${raw}}`, WEAK).filter(
      (c) => !c.name.startsWith('the body as'),
    ),
    { name: 'no token', ...INVALID, body: json({ password }) },
    { name: 'no password', ...INVALID, body: json({ token: live }) },
    { name: 'an empty password', ...INVALID, body: json({ token: live, password: '' }) },
    {
      name: 'a password of 1,025 characters',
      ...INVALID,
      body: json({ token: live, password: times('x', 1025) }),
    },
    {
      name: 'a NUL inside the password',
      ...INVALID_TEXT,
      body: json({ token: live, password: `${password}\u0000x` }),
    },
    {
      name: 'a token of 513 characters',
      ...INVALID,
      body: json({ token: times('A', 513), password }),
    },
    {
      name: 'the token twice, the live one first (the last one counts)',
      ...BAD_LINK,
      body: `{"token":${json(live)},"token":"nope","password":${json(password)}}`,
    },
    ...weak.map(
      ([what, weakPassword]): Hostile => ({
        name: `password: ${what}`,
        ...textOutcome(WEAK, weakPassword),
        body: json({ token: live, password: weakPassword }),
      }),
    ),
    ...tokenShapes(live, foreign).map(
      ([what, token]): Hostile => ({
        name: `token: ${what}`,
        ...shapeOutcome(token, BAD_LINK),
        body: json({ token, password }),
      }),
    ),
  ];
}

/** A wrong current password. */
export const WRONG_PASSWORD = { status: 403, code: 'wrong_password' } as const satisfies Outcome;

/**
 * `POST /auth/mfa/totp` once it takes a body (`enrolmentBody` of test/support/enrolment.ts, the
 * account's password): nothing malformed may start an enrolment. None while it takes no body.
 */
export function enrolTotpCorpus(body: Record<string, unknown> | undefined): Hostile[] {
  if (body === undefined) return [];
  const valid = json(body);
  const fields = Object.keys(body).flatMap((field, i) =>
    typedCases(
      field,
      (raw) =>
        `{${Object.entries(body)
          .map(([k, v]) => `${json(k)}:${k === field ? raw : json(v)}`)
          .join(',')}}`,
      WRONG_PASSWORD,
    ).filter((c) => i === 0 || !c.name.startsWith('the body as')),
  );
  return [...unreadableBodies(valid), ...memberCases(valid), ...fields];
}

/** Strings no field taking a TOTP code may accept (each refused by its shape, no attempt used). */
export const NOT_CODES: [string, string][] = [
  ['five digits', '12345'],
  ['seven digits', '1234567'],
  ['letters', 'abcdef'],
  ['fullwidth digits', '１２３４５６'],
  ['Arabic-Indic digits', '١٢٣٤٥٦'],
  ['a trailing NUL', '12345\u0000'],
  ['six NULs', times('\u0000', 6)],
  ['a leading space', ' 123456'],
  ['a trailing newline', '123456\n'],
  ['a sign', '+12345'],
  ['a decimal point', '12345.'],
  ['an exponent', '1e5000'],
  ['hex', '0x1234'],
  ['a zero-width space', '123\u200b456'],
  ['10,000 digits', times('1', 10_000)],
];

/** Strings no field taking a recovery code may accept. */
export const NOT_RECOVERY_CODES: [string, string][] = [
  ['15 characters', 'AAAA-BBBB-CCCC-DDD'],
  ['17 characters', 'AAAA-BBBB-CCCC-DDDDE'],
  ['digits outside base32 (0, 1, 8, 9)', '0189-AAAA-BBBB-CCCC'],
  ['a NUL inside', 'AAAA-BBBB-CCCC-DDD\u0000'],
  ['lowercase letters outside base32', 'aaaa-bbbb-cccc-ddd1'],
  ['65 characters', times('A', 65)],
  ['fullwidth letters', 'ＡＡＡＡ-ＢＢＢＢ-ＣＣＣＣ-ＤＤＤＤ'],
  ['an empty string', ''],
];

/** `POST /auth/mfa/totp/confirm` for a user with an enrolment to confirm; `wrong` a wrong code. */
export function confirmTotpCorpus(wrong: string, recoveryShaped: string): Hostile[] {
  const valid = json({ code: wrong });
  return [
    ...unreadableBodies(valid),
    ...memberCases(valid),
    ...typedCases('code', (raw) => `{"code":${raw}}`, INVALID),
    { name: 'the code as a number', ...INVALID, body: '{"code":123456}' },
    { name: 'a recovery code in code', ...INVALID, body: json({ code: recoveryShaped }) },
    {
      name: 'code and recovery_code',
      ...INVALID,
      body: json({ code: wrong, recovery_code: recoveryShaped }),
    },
    ...NOT_CODES.map(
      ([what, code]): Hostile => ({
        name: `code: ${what}`,
        ...textOutcome(INVALID, code),
        body: json({ code }),
      }),
    ),
  ];
}

/** `DELETE /auth/mfa/totp` for a user with MFA on; `wrong` a wrong code. */
export function disableTotpCorpus(wrong: string, recoveryShaped: string): Hostile[] {
  const valid = json({ code: wrong });
  return [
    // fetch sends a DELETE's empty body as no body at all (no Content-Length): nothing typed JSON
    ...unreadableBodies(valid).map((c) =>
      c.name === 'an empty body'
        ? { ...c, name: 'an empty body (sent as none)', ...UNSUPPORTED }
        : c,
    ),
    ...memberCases(valid),
    ...typedCases('code', (raw) => `{"code":${raw}}`, INVALID),
    ...typedCases('recovery_code', (raw) => `{"recovery_code":${raw}}`, INVALID).filter(
      (c) => !c.name.startsWith('the body as'),
    ),
    {
      name: 'code and recovery_code',
      ...INVALID,
      body: json({ code: wrong, recovery_code: recoveryShaped }),
    },
    ...NOT_CODES.map(
      ([what, code]): Hostile => ({
        name: `code: ${what}`,
        ...textOutcome(INVALID, code),
        body: json({ code }),
      }),
    ),
    ...NOT_RECOVERY_CODES.map(
      ([what, code]): Hostile => ({
        name: `recovery_code: ${what}`,
        ...textOutcome(INVALID, code),
        body: json({ recovery_code: code }),
      }),
    ),
  ];
}

/** `POST /auth/login/mfa` with `live`, an open challenge of a user with MFA on. */
export function loginMfaCorpus(
  live: string,
  wrong: string,
  recoveryShaped: string,
  foreign: ForeignSecrets,
): Hostile[] {
  const valid = json({ mfa_token: live, code: wrong });
  const withToken = (extra: Record<string, unknown>) => json({ mfa_token: live, ...extra });
  return [
    ...unreadableBodies(valid),
    ...memberCases(valid),
    ...typedCases(
      'mfa_token',
      (raw) => `{"mfa_token":${raw},"code":${json(wrong)}}`,
      BAD_CHALLENGE,
    ),
    ...typedCases('code', (raw) => `{"mfa_token":${json(live)},"code":${raw}}`, INVALID).filter(
      (c) => !c.name.startsWith('the body as'),
    ),
    ...typedCases(
      'recovery_code',
      (raw) => `{"mfa_token":${json(live)},"recovery_code":${raw}}`,
      INVALID,
    ).filter((c) => !c.name.startsWith('the body as')),
    { name: 'no code', ...INVALID, body: withToken({}) },
    { name: 'no mfa_token', ...INVALID, body: json({ code: wrong }) },
    {
      name: 'code and recovery_code',
      ...INVALID,
      body: withToken({ code: wrong, recovery_code: recoveryShaped }),
    },
    {
      name: 'an mfa_token of 513 characters',
      ...INVALID,
      body: json({ mfa_token: times('A', 513), code: wrong }),
    },
    ...NOT_CODES.map(
      ([what, code]): Hostile => ({
        name: `code: ${what}`,
        ...textOutcome(INVALID, code),
        body: withToken({ code }),
      }),
    ),
    ...NOT_RECOVERY_CODES.map(
      ([what, code]): Hostile => ({
        name: `recovery_code: ${what}`,
        ...textOutcome(INVALID, code),
        body: withToken({ recovery_code: code }),
      }),
    ),
    ...tokenShapes(live, foreign).map(
      ([what, token]): Hostile => ({
        name: `mfa_token: ${what}`,
        ...shapeOutcome(token, BAD_CHALLENGE),
        body: json({ mfa_token: token, code: wrong }),
      }),
    ),
  ];
}

/** A path of `DELETE /auth/users/:id/mfa` whose id is no user id. */
export interface HostilePath {
  readonly name: string;
  readonly path: string;
}

/** `/auth/users/<id>/mfa` with every kind of id that is not one, made from `id`, a real one. */
export function hostileUserIds(id: string): HostilePath[] {
  const ids: Record<string, string> = {
    letters: 'abc',
    negative: `-${id}`,
    zero: '0',
    'negative zero': '-0',
    'a fraction': `${id}.5`,
    'a trailing .0': `${id}.0`,
    'an exponent': '1e3',
    hex: '0x10',
    'a leading plus': `+${id}`,
    '2**31 (past Postgres integer)': '2147483648',
    '20 digits': '99999999999999999999',
    '10,000 digits': times('9', 10_000),
    'a leading space': ` ${id}`,
    'a trailing space': `${id} `,
    'a trailing NUL': `${id}\u0000`,
    'a trailing newline': `${id}\n`,
    'a zero-width space': `${id}\u200b`,
    'an RTL override': `\u202e${id}`,
    'fullwidth digits': id.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d))),
    'Arabic-Indic digits': id.replace(/[0-9]/g, (d) => String.fromCharCode(0x0660 + Number(d))),
    'an emoji': `${id}🔑`,
    'an SQL injection': `${id} OR 1=1`,
    NaN: 'NaN',
    Infinity: 'Infinity',
    null: 'null',
    '[object Object]': '[object Object]',
    'a JSON list': `[${id}]`,
    'two ids': `${id},${id}`,
  };
  const cases = Object.entries(ids).map(([name, value]) => ({
    name,
    path: `/auth/users/${encodeURIComponent(value)}/mfa`,
  }));
  cases.push(
    { name: 'a bare percent', path: `/auth/users/${id}%/mfa` },
    { name: 'a truncated percent escape', path: `/auth/users/${id}%E0%A4%A/mfa` },
    { name: 'an encoded invalid UTF-8 byte', path: `/auth/users/${id}%FF/mfa` },
    { name: 'an encoded slash', path: `/auth/users/..%2F${id}/mfa` },
    { name: 'an encoded NUL', path: `/auth/users/${id}%00/mfa` },
    { name: 'a lone surrogate as WTF-8 bytes', path: `/auth/users/${id}%ED%A0%80/mfa` },
    { name: 'a semicolon parameter', path: `/auth/users/${id};x=1/mfa` },
  );
  return cases;
}

/** What every path of {@link hostileUserIds} must get from an administrator. */
export const NO_SUCH_USER = NOT_FOUND;
