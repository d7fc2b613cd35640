import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  call,
  newUser,
  STRONG_PASSWORD,
  startAuthServer,
  type TestAuthServer,
} from '../support/auth-server.js';
import { enrol, mfaToken, newMfaUser, secondStep } from '../support/mfa-flows.js';

let server: TestAuthServer;
beforeAll(async () => {
  server = await startAuthServer({ LOG_LEVEL: 'trace' });
});
afterAll(() => server.close());

describe('logs captured during the main flows', () => {
  it('contain no password, token or secret, but do carry request ids', async () => {
    const secrets: string[] = [STRONG_PASSWORD];
    const user = await newUser(server.url);
    secrets.push(user.accessToken, user.refreshToken);
    const requestId = 'log-test-0123456789abcdef';

    const wrong = 'my-wrong-password-xyz';
    secrets.push(wrong);
    await call(server.url, 'POST', '/auth/login', { json: { email: user.email, password: wrong } });
    await call(server.url, 'POST', '/auth/token', {
      form: { grant_type: 'password', username: user.email, password: wrong },
    });
    const token = await call(server.url, 'POST', '/auth/token', {
      form: { grant_type: 'password', username: user.email, password: user.password },
      headers: { 'x-request-id': requestId },
    });
    secrets.push(token.body.access_token, token.body.refresh_token);
    const refreshed = await call(server.url, 'POST', '/auth/refresh', {
      json: { refresh_token: token.body.refresh_token },
    });
    secrets.push(refreshed.body.access_token, refreshed.body.refresh_token);
    await call(server.url, 'POST', '/auth/refresh', {
      json: { refresh_token: token.body.refresh_token },
    });
    await call(server.url, 'GET', '/verify', { token: refreshed.body.access_token });
    await call(server.url, 'GET', '/verify', { token: `${refreshed.body.access_token}tampered` });
    await call(server.url, 'POST', '/auth/verify', { json: { token: user.accessToken } });
    const next = 'fresh-sequoia-walrus-42-ember';
    secrets.push(next);
    await call(server.url, 'POST', '/auth/password', {
      token: user.accessToken,
      json: { current_password: user.password, new_password: next },
    });
    await call(server.url, 'POST', '/auth/register', {
      json: { email: 'bad', password: 'hunter2-secret-pw' },
    });
    secrets.push('hunter2-secret-pw');
    await call(server.url, 'POST', '/auth/logout', { token: user.accessToken });

    // MFA: the seed (and its URI), codes, recovery codes and login challenges
    const codes: string[] = [];
    const mfaUser = await newMfaUser(server.url);
    secrets.push(mfaUser.accessToken, mfaUser.refreshToken, ...mfaUser.recoveryCodes);
    codes.push(mfaUser.authenticator.last());
    const enrolling = await newUser(server.url);
    const wrongAtEnrolment = 'enrolment-wrong-password-qrs';
    secrets.push(wrongAtEnrolment);
    await call(server.url, 'POST', '/auth/mfa/totp', {
      token: enrolling.accessToken,
      json: { current_password: wrongAtEnrolment },
    });
    const enrolled = await enrol(server.url, enrolling);
    secrets.push(enrolled.body.secret, enrolled.body.otpauth_uri);
    const challenge = await mfaToken(server.url, mfaUser);
    secrets.push(challenge);
    const wrongCode = mfaUser.authenticator.wrong();
    codes.push(wrongCode);
    await secondStep(server.url, { mfa_token: challenge, code: wrongCode });
    const code = mfaUser.authenticator.next();
    codes.push(code);
    const mfaLogin = await secondStep(server.url, { mfa_token: challenge, code });
    secrets.push(mfaLogin.body.access_token, mfaLogin.body.refresh_token);
    const another = await mfaToken(server.url, mfaUser);
    secrets.push(another);
    await secondStep(server.url, { mfa_token: another, recovery_code: mfaUser.recoveryCodes[1] });
    await call(server.url, 'DELETE', '/auth/mfa/totp', {
      token: mfaUser.accessToken,
      json: { recovery_code: mfaUser.recoveryCodes[2] },
    });
    for (const recovery of mfaUser.recoveryCodes) secrets.push(recovery.replaceAll('-', ''));

    const stack = inject('stack');
    secrets.push(new URL(stack.pg.auth.primary).password, new URL(stack.redisUrl).password);
    const keysDir = join(stack.dir, 'keys');
    for (const file of readdirSync(keysDir))
      secrets.push(JSON.parse(readFileSync(join(keysDir, file), 'utf8')).d);

    const logs = server.logs.join('');
    expect(server.logs.length).toBeGreaterThan(10);
    expect(logs).toContain(requestId);
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(5);
      expect(logs.includes(secret), `a secret (${secret.slice(0, 6)}…) reached the logs`).toBe(
        false,
      );
    }
    // six digits may occur inside any number: a code must not occur as a value of its own
    for (const c of codes)
      expect(logs, 'an MFA code reached the logs').not.toMatch(new RegExp(`[":= ]${c}["\\s,}]`));
    // no line has any JWT-looking or bcrypt-looking value either
    expect(logs).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
    expect(logs).not.toMatch(/\$2[aby]\$\d\d\$/);
  });
});
