import { randomBytes, randomUUID } from 'node:crypto';
import { base32Decode } from '../../src/domain/base32.js';
import { newRecoveryCode } from '../../src/domain/recovery-codes.js';
import { TestAuthenticator } from './authenticator.js';
import { enrolmentBody } from './enrolment.js';
import { linkTokenMailedTo } from './mail-links.js';
import { waitForMail } from './mailpit.js';

// The account flows of issue 14 run for the secrets-in-logs tests, against any base URL (a real
// auth process, or the stack's gateway): every secret the client sees or sends is kept, to be
// looked for in the logs afterwards. log-leaks.ts says how they are looked for.

/** What a {@link Client} sends: as `call` of auth-server.ts and `send` of the e2e gateway client. */
export interface ClientRequest {
  readonly json?: unknown;
  readonly form?: Record<string, string>;
  readonly token?: string;
  readonly headers?: Record<string, string>;
}

/** One answer, its body parsed when JSON. */
export interface ClientAnswer {
  readonly status: number;
  readonly text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests inspect arbitrary JSON
  readonly body: any;
}

/** Sends one request to the service under test (each simulated client from its own address). */
export type Client = (
  method: string,
  path: string,
  request?: ClientRequest,
) => Promise<ClientAnswer>;

/** The secrets a run of the flows saw, by kind. */
export interface SeenSecrets {
  /** Long values that must not appear anywhere: tokens, seeds, recovery codes, passwords. */
  readonly values: Map<string, string>;
  /** TOTP codes (six digits): they must not appear as a value of their own. */
  readonly codes: Set<string>;
}

/** A password of its own for each use, so that finding it in a log names the leak. */
const password = (label: string) => `${label}-${randomBytes(9).toString('base64url')}-Kq7`;

/** Adds `value` (and the spellings it may be logged in) as a secret of `kind`. */
function keep(seen: SeenSecrets, kind: string, value: unknown): void {
  if (typeof value !== 'string' || value.length === 0) return;
  seen.values.set(value, kind);
  if (kind === 'recovery code') {
    const compact = value.replaceAll('-', '');
    for (const v of [compact, compact.toLowerCase(), value.toLowerCase()]) seen.values.set(v, kind);
  }
  if (kind === 'TOTP seed') {
    const seed = Buffer.from(base32Decode(value));
    seen.values.set(value.toLowerCase(), kind);
    seen.values.set(seed.toString('hex'), `${kind} (hex)`);
    seen.values.set(seed.toString('base64'), `${kind} (base64)`);
  }
  if (kind.endsWith('access token'))
    seen.values.set(value.split('.')[2] ?? value, `${kind} signature`);
  const encoded = encodeURIComponent(value);
  if (encoded !== value) seen.values.set(encoded, `${kind} (URL-encoded)`);
}

/** Keeps every secret an answer's body carries. */
function harvest(seen: SeenSecrets, body: unknown): void {
  if (body === null || typeof body !== 'object') return;
  const b = body as Record<string, unknown>;
  keep(seen, 'access token', b.access_token);
  keep(seen, 'refresh token', b.refresh_token);
  keep(seen, 'MFA challenge', b.mfa_token);
  keep(seen, 'TOTP seed', b.secret);
  keep(seen, 'otpauth URI', b.otpauth_uri);
  if (Array.isArray(b.recovery_codes))
    for (const code of b.recovery_codes) keep(seen, 'recovery code', code);
}

/** Fails loudly unless `answer` has `status`. */
function expectStatus(answer: ClientAnswer, status: number, what: string): ClientAnswer {
  if (answer.status !== status)
    throw new Error(`${what}: expected ${status}, got ${answer.status} ${answer.text}`);
  return answer;
}

/**
 * Runs registration, email verification, login (JSON and the password grant), refresh, password
 * reset, password change, MFA enrolment, confirmation, login with a code and with a recovery
 * code, and turning MFA off, each with some refused attempts that carry secrets too; reads the
 * link tokens from `mailpit`. Answers every secret seen.
 */
export async function runSecretFlows(client: Client, mailpit: string): Promise<SeenSecrets> {
  const seen: SeenSecrets = { values: new Map(), codes: new Set() };
  const ask: Client = async (method, path, request) => {
    const answer = await client(method, path, request);
    harvest(seen, answer.body);
    return answer;
  };
  const secret = (kind: string, value: string) => {
    keep(seen, kind, value);
    return value;
  };

  // registration and the verification link
  const email = `log-secrets-${randomUUID()}@example.com`;
  let current = secret('password', password('registered'));
  const refused = secret('password', password('refused'));
  expectStatus(
    await ask('POST', '/auth/register', { json: { email: 'bad', password: refused } }),
    422,
    'bad registration',
  );
  expectStatus(
    await ask('POST', '/auth/register', { json: { email, password: current, name: 'Logs' } }),
    201,
    'register',
  );
  const verification = secret(
    'verification link token',
    (await linkTokenMailedTo(mailpit, email)).token,
  );
  expectStatus(
    await ask('POST', '/auth/email/verify', { json: { token: verification } }),
    204,
    'verify',
  );
  expectStatus(
    await ask('POST', '/auth/email/verify', { json: { token: verification } }),
    400,
    'verify again',
  );

  // logins and refreshes
  const wrong = secret('password', password('wrong'));
  expectStatus(
    await ask('POST', '/auth/login', { json: { email, password: wrong } }),
    401,
    'wrong password',
  );
  expectStatus(
    await ask('POST', '/auth/token', {
      form: { grant_type: 'password', username: email, password: wrong },
    }),
    400,
    'wrong password grant',
  );
  const granted = expectStatus(
    await ask('POST', '/auth/token', {
      form: { grant_type: 'password', username: email, password: current },
    }),
    200,
    'password grant',
  );
  const login = expectStatus(
    await ask('POST', '/auth/login', { json: { email, password: current } }),
    200,
    'login',
  );
  const rotated = expectStatus(
    await ask('POST', '/auth/refresh', { json: { refresh_token: login.body.refresh_token } }),
    200,
    'refresh',
  );
  expectStatus(
    await ask('POST', '/auth/token', {
      form: { grant_type: 'refresh_token', refresh_token: rotated.body.refresh_token },
    }),
    200,
    'refresh grant',
  );
  const access: string = granted.body.access_token;
  expectStatus(await ask('GET', '/auth/me', { token: access }), 200, 'me');
  expectStatus(
    await ask('POST', '/auth/verify', { json: { token: access } }),
    200,
    'introspection',
  );

  // password reset: a malformed confirmation carrying secrets, a weak password, then the reset
  expectStatus(
    await ask('POST', '/auth/password/reset/confirm', {
      json: {
        token: secret('link token', randomBytes(32).toString('base64url')),
        password: secret('password', password('malformed')),
        extra: 1,
      },
    }),
    422,
    'malformed reset',
  );
  expectStatus(
    await ask('POST', '/auth/password/reset', { json: { email } }),
    202,
    'reset request',
  );
  const reset = secret('reset link token', (await linkTokenMailedTo(mailpit, email, 2)).token);
  expectStatus(
    await ask('POST', '/auth/password/reset/confirm', {
      json: { token: reset, password: 'password' },
    }),
    422,
    'weak reset',
  );
  current = secret('password', password('reset'));
  expectStatus(
    await ask('POST', '/auth/password/reset/confirm', {
      json: { token: reset, password: current },
    }),
    204,
    'reset',
  );
  expectStatus(
    await ask('POST', '/auth/password/reset/confirm', {
      json: { token: reset, password: current },
    }),
    400,
    'reset again',
  );
  await waitForMail(mailpit, email, 3); // the notice: its delivery is logged too

  // a password change
  const session = expectStatus(
    await ask('POST', '/auth/login', { json: { email, password: current } }),
    200,
    'login',
  );
  const changed = secret('password', password('changed'));
  expectStatus(
    await ask('POST', '/auth/password', {
      token: session.body.access_token,
      json: { current_password: current, new_password: changed },
    }),
    204,
    'password change',
  );
  current = changed;
  const token: string = session.body.access_token;

  // MFA: enrolment, a wrong confirmation, confirmation, logins with a code and a recovery code
  const body = enrolmentBody(current);
  const enrolled = expectStatus(
    await ask('POST', '/auth/mfa/totp', { token, ...(body === undefined ? {} : { json: body }) }),
    200,
    'enrol',
  );
  const authenticator = new TestAuthenticator(enrolled.body.secret);
  const code = (c: string) => {
    seen.codes.add(c);
    return c;
  };
  expectStatus(
    await ask('POST', '/auth/mfa/totp/confirm', {
      token,
      json: { code: code(authenticator.wrong()) },
    }),
    403,
    'wrong confirm',
  );
  const confirmed = expectStatus(
    await ask('POST', '/auth/mfa/totp/confirm', {
      token,
      json: { code: code(authenticator.next()) },
    }),
    200,
    'confirm',
  );
  const recovery: string[] = confirmed.body.recovery_codes;
  const challenge = async () => {
    const answer = expectStatus(
      await ask('POST', '/auth/login', { json: { email, password: current } }),
      401,
      'password step',
    );
    return answer.body.mfa_token as string;
  };
  const first = await challenge();
  expectStatus(
    await ask('POST', '/auth/login/mfa', {
      json: { mfa_token: first, code: code(authenticator.wrong(1)) },
    }),
    401,
    'wrong code',
  );
  expectStatus(
    await ask('POST', '/auth/login/mfa', {
      json: { mfa_token: first, code: code(authenticator.next()) },
    }),
    200,
    'code',
  );
  expectStatus(
    await ask('POST', '/auth/login/mfa', {
      json: { mfa_token: await challenge(), recovery_code: recovery[0] },
    }),
    200,
    'recovery code',
  );
  expectStatus(
    await ask('POST', '/auth/login/mfa', {
      json: { mfa_token: await challenge(), code: recovery[0] },
    }),
    401,
    'recovery code again',
  );
  expectStatus(
    await ask('POST', '/auth/login/mfa', {
      json: {
        mfa_token: secret('MFA challenge', randomBytes(32).toString('base64url')),
        code: 'abcdef',
      },
    }),
    422,
    'malformed second step',
  );
  expectStatus(
    await ask('DELETE', '/auth/mfa/totp', {
      token,
      json: { recovery_code: secret('recovery code', newRecoveryCode()) },
    }),
    403,
    'wrong recovery code',
  );
  expectStatus(
    await ask('DELETE', '/auth/mfa/totp', { token, json: { recovery_code: recovery[1] } }),
    204,
    'MFA off',
  );
  expectStatus(await ask('POST', '/auth/logout-all', { token }), 204, 'logout everywhere');
  return seen;
}
