import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  call,
  newUser,
  randomIp,
  startAuthServer,
  type TestAuthServer,
} from '../support/auth-server.js';
import { mailEnv } from '../support/mail-env.js';
import { linkTokenMailedTo } from '../support/mail-links.js';
import { mfaToken, newMfaUser, secondStep } from '../support/mfa-flows.js';
import { authSql } from '../support/sql.js';

/**
 * Issue 14: link tokens, TOTP codes and recovery codes work once, also when a client (or an
 * attacker holding a copy) sends the same one many times at once: of concurrent uses exactly one
 * succeeds. Two servers share the database and Redis, as two replicas would.
 */

const RACERS = 8;
let a: TestAuthServer;
let b: TestAuthServer;
let mailpit: string;
beforeAll(async () => {
  mailpit = inject('stack').mailpitUrl;
  [a, b] = await Promise.all([startAuthServer(mailEnv()), startAuthServer(mailEnv())]);
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
});

/** The base URL of racer `i`: the two servers in turn. */
const base = (i: number) => (i % 2 === 0 ? a : b).url;
/** How many of `statuses` are each status. */
function tally(statuses: number[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
  return counts;
}

describe('used concurrently, each secret works once', () => {
  it('a verification link', async () => {
    const user = await newUser(a.url);
    const { token } = await linkTokenMailedTo(mailpit, user.email);
    const answers = await Promise.all(
      Array.from({ length: RACERS }, (_, i) =>
        call(base(i), 'POST', '/auth/email/verify', { json: { token } }),
      ),
    );
    expect(tally(answers.map((r) => r.status))).toEqual({ 204: 1, 400: RACERS - 1 });
  });

  it('a reset link: one new password wins, one notice is mailed', async () => {
    const user = await newUser(a.url);
    await linkTokenMailedTo(mailpit, user.email);
    await call(a.url, 'POST', '/auth/password/reset', {
      json: { email: user.email },
      headers: { 'x-forwarded-for': randomIp() },
    });
    const { token } = await linkTokenMailedTo(mailpit, user.email, 2);
    const passwords = Array.from({ length: RACERS }, (_, i) => `quiet-harbour-${i}-lantern-${i}7`);
    const answers = await Promise.all(
      passwords.map((password, i) =>
        call(base(i), 'POST', '/auth/password/reset/confirm', { json: { token, password } }),
      ),
    );
    expect(tally(answers.map((r) => r.status))).toEqual({ 204: 1, 400: RACERS - 1 });
    const winner = passwords[answers.findIndex((r) => r.status === 204)] as string;
    const logins = await Promise.all(
      passwords.map((password) =>
        call(a.url, 'POST', '/auth/login', {
          json: { email: user.email, password },
          headers: { 'x-forwarded-for': randomIp() },
        }),
      ),
    );
    expect(logins.map((r, i) => [passwords[i], r.status])).toEqual(
      passwords.map((p) => [p, p === winner ? 200 : 401]),
    );
    await Promise.all([a.deps.passwordReset.settle(), b.deps.passwordReset.settle()]);
    const notices = await authSql(
      "SELECT 1 FROM mail_outbox WHERE recipient = $1 AND subject = 'Your password was changed'",
      [user.email],
    );
    expect(notices).toHaveLength(1);
  });

  it('a TOTP code, on as many challenges', async () => {
    const user = await newMfaUser(a.url);
    const challenges = await Promise.all(
      Array.from({ length: RACERS }, () => mfaToken(a.url, user)),
    );
    const code = user.authenticator.next();
    const answers = await Promise.all(
      challenges.map((mfa_token, i) => secondStep(base(i), { mfa_token, code })),
    );
    expect(tally(answers.map((r) => r.status))).toEqual({ 200: 1, 401: RACERS - 1 });
    expect(answers.filter((r) => r.status === 401).map((r) => r.body.code)).toEqual(
      Array(RACERS - 1).fill('invalid_mfa_code'),
    );
  });

  it('a recovery code, on as many challenges', async () => {
    const user = await newMfaUser(a.url);
    const challenges = await Promise.all(
      Array.from({ length: RACERS }, () => mfaToken(a.url, user)),
    );
    const recovery_code = user.recoveryCodes[0] as string;
    const answers = await Promise.all(
      challenges.map((mfa_token, i) => secondStep(base(i), { mfa_token, recovery_code })),
    );
    expect(tally(answers.map((r) => r.status))).toEqual({ 200: 1, 401: RACERS - 1 });
  });
});
