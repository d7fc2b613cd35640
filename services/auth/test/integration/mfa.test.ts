import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  newUser,
  randomIp,
  startAuthServer,
  type TestAuthServer,
} from '../support/auth-server.js';
import { TestAuthenticator } from '../support/authenticator.js';
import { enrol, mfaToken, newMfaUser, passwordStep, secondStep } from '../support/mfa-flows.js';
import { authSql } from '../support/sql.js';

let server: TestAuthServer;
let url: string;
beforeAll(async () => {
  server = await startAuthServer();
  url = server.url;
});
afterAll(() => server.close());

describe('TOTP enrolment', () => {
  it('answers a base32 seed and its otpauth URI; stores it encrypted; replaces an unconfirmed one', async () => {
    const user = await newUser(url);
    const first = await enrol(url, user);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    const { secret, otpauth_uri } = first.body;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(otpauth_uri).toBe(
      `otpauth://totp/shardgate:${encodeURIComponent(user.email)}?secret=${secret}` +
        '&issuer=shardgate&algorithm=SHA1&digits=6&period=30',
    );
    const [row] = await authSql<{ secret_ciphertext: string; confirmed_at: Date | null }>(
      'SELECT secret_ciphertext, confirmed_at FROM user_totp WHERE user_id = $1',
      [Number(user.id)],
    );
    expect(row?.confirmed_at).toBeNull();
    expect(row?.secret_ciphertext).not.toContain(secret);
    // MFA is not on until confirmed: the password alone still logs in
    expect((await passwordStep(url, user)).status).toBe(200);
    const second = await enrol(url, user);
    expect(second.body.secret).not.toBe(secret);
    // a code of the replaced seed does not confirm
    const stale = await call(url, 'POST', '/auth/mfa/totp/confirm', {
      token: user.accessToken,
      json: { code: new TestAuthenticator(secret).wrong() },
    });
    expect([stale.status, stale.body.code]).toEqual([403, 'wrong_mfa_code']);
  });

  it('confirms with a code: ten recovery codes, stored hashed; then enrolment and confirmation answer 409', async () => {
    const user = await newMfaUser(url);
    expect(user.recoveryCodes).toHaveLength(10);
    expect(new Set(user.recoveryCodes).size).toBe(10);
    for (const code of user.recoveryCodes) expect(code).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/);
    const stored = await authSql<{ code_hash: string }>(
      'SELECT code_hash FROM recovery_codes WHERE user_id = $1',
      [Number(user.id)],
    );
    expect(stored).toHaveLength(10);
    for (const { code_hash } of stored) {
      expect(code_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(user.recoveryCodes.some((c) => code_hash.includes(c.replaceAll('-', '')))).toBe(false);
    }
    const again = await enrol(url, user);
    expect([again.status, again.body.code]).toEqual([409, 'mfa_already_enabled']);
    const reconfirm = await call(url, 'POST', '/auth/mfa/totp/confirm', {
      token: user.accessToken,
      json: { code: user.authenticator.wrong() },
    });
    expect([reconfirm.status, reconfirm.body.code]).toEqual([409, 'mfa_already_enabled']);
    const nothing = await call(url, 'POST', '/auth/mfa/totp/confirm', {
      token: (await newUser(url)).accessToken,
      json: { code: '123456' },
    });
    expect([nothing.status, nothing.body.code]).toEqual([409, 'mfa_not_enabled']);
  });
});

describe('TOTP enrolment needs the current password', () => {
  /** The user's enrolment row, if any: a refused request must leave none. */
  const enrolment = (id: string) =>
    authSql('SELECT 1 FROM user_totp WHERE user_id = $1', [Number(id)]);

  it('refuses an access token alone, and a wrong password with 403 wrong_password', async () => {
    const user = await newUser(url);
    const bare = await call(url, 'POST', '/auth/mfa/totp', { token: user.accessToken });
    expect(bare.status).toBe(415);
    const empty = await call(url, 'POST', '/auth/mfa/totp', { token: user.accessToken, json: {} });
    expect([empty.status, empty.body.code]).toEqual([422, 'validation_failed']);
    expect(JSON.stringify(empty.body.errors)).toContain('current_password');
    const wrong = await call(url, 'POST', '/auth/mfa/totp', {
      token: user.accessToken,
      json: { current_password: `${user.password}x` },
    });
    expect([wrong.status, wrong.body.code]).toEqual([403, 'wrong_password']);
    expect(wrong.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(wrong.body.secret).toBeUndefined();
    expect(await enrolment(user.id)).toHaveLength(0);
    // an account with MFA on is not told so without the password
    const mfaUser = await newMfaUser(url);
    const probe = await call(url, 'POST', '/auth/mfa/totp', {
      token: mfaUser.accessToken,
      json: { current_password: 'not-the-password' },
    });
    expect([probe.status, probe.body.code]).toEqual([403, 'wrong_password']);
  });

  it('counts wrong passwords as failed logins: past the limit 429, for logins too', async () => {
    const limited = await startAuthServer({ LOGIN_FAILURES_PER_ACCOUNT_IP: '3' });
    try {
      const user = await newUser(limited.url);
      const ip = randomIp();
      const attempt = (password: string) =>
        call(limited.url, 'POST', '/auth/mfa/totp', {
          token: user.accessToken,
          json: { current_password: password },
          headers: { 'x-forwarded-for': ip },
        });
      for (let i = 0; i < 3; i++)
        expect((await attempt(`wrong-${i}`)).status, `try ${i}`).toBe(403);
      // blocked before the password is checked: even the right one waits
      const blocked = await attempt(user.password);
      expect([blocked.status, blocked.body.code]).toEqual([429, 'rate_limited']);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await enrolment(user.id)).toHaveLength(0);
      // the same counter guards the password at the login from that address
      const login = await call(limited.url, 'POST', '/auth/login', {
        json: { email: user.email, password: user.password },
        headers: { 'x-forwarded-for': ip },
      });
      expect([login.status, login.body.code]).toEqual([429, 'rate_limited']);
      // from another address the account is not locked
      const elsewhere = await call(limited.url, 'POST', '/auth/mfa/totp', {
        token: user.accessToken,
        json: { current_password: user.password },
        headers: { 'x-forwarded-for': randomIp() },
      });
      expect(elsewhere.status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('login with MFA', () => {
  it('needs the code; a code works once; a recovery code works once; amr survives refresh', async () => {
    const user = await newMfaUser(url);
    const challenged = await passwordStep(url, user);
    expect(challenged.status).toBe(401);
    expect(challenged.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(challenged.headers.get('cache-control')).toBe('no-store');
    expect(challenged.body).toMatchObject({ code: 'mfa_required', status: 401 });
    expect(challenged.body.mfa_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(challenged.body.access_token).toBeUndefined();

    const code = user.authenticator.next();
    const done = await secondStep(url, { mfa_token: challenged.body.mfa_token, code });
    expect(done.status).toBe(200);
    expect(done.headers.get('cache-control')).toBe('no-store');
    expect(done.body).toMatchObject({ token_type: 'Bearer', user_id: user.id });
    expect(decodeJwt(done.body.access_token).amr).toEqual(['pwd', 'otp']);
    expect((await call(url, 'GET', '/verify', { token: done.body.access_token })).status).toBe(200);
    // the challenge is spent
    const again = await secondStep(url, { mfa_token: challenged.body.mfa_token, code });
    expect([again.status, again.body.code]).toEqual([401, 'invalid_mfa_token']);

    // the same code on a new challenge: refused (replay)
    const replay = await secondStep(url, { mfa_token: await mfaToken(url, user), code });
    expect([replay.status, replay.body.code]).toEqual([401, 'invalid_mfa_code']);

    // a recovery code works once, in either field
    const recovery = user.recoveryCodes[0] as string;
    const rescued = await secondStep(url, {
      mfa_token: await mfaToken(url, user),
      recovery_code: recovery.toLowerCase(),
    });
    expect(rescued.status).toBe(200);
    expect(decodeJwt(rescued.body.access_token).amr).toEqual(['pwd', 'otp']);
    const reused = await secondStep(url, { mfa_token: await mfaToken(url, user), code: recovery });
    expect([reused.status, reused.body.code]).toEqual([401, 'invalid_mfa_code']);

    // refreshes keep the session's amr; a password-only session's tokens say pwd
    const refreshed = await call(url, 'POST', '/auth/refresh', {
      json: { refresh_token: done.body.refresh_token },
    });
    expect(refreshed.status).toBe(200);
    expect(decodeJwt(refreshed.body.access_token).amr).toEqual(['pwd', 'otp']);
    expect(decodeJwt((await newUser(url)).accessToken).amr).toEqual(['pwd']);
  });

  it('refuses the OAuth2 password grant of an MFA account with invalid_grant', async () => {
    const user = await newMfaUser(url);
    const res = await call(url, 'POST', '/auth/token', {
      form: { grant_type: 'password', username: user.email, password: user.password },
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
    expect(res.body.error_description).toMatch(/MFA/);
    expect(res.body.mfa_token).toBeUndefined();
  });
});

describe('turning MFA off', () => {
  it('needs a current code or an unused recovery code; then the password alone logs in', async () => {
    const user = await newMfaUser(url);
    const off = (json: unknown) =>
      call(url, 'DELETE', '/auth/mfa/totp', { token: user.accessToken, json });
    const wrong = await off({ code: user.authenticator.wrong() });
    expect([wrong.status, wrong.body.code]).toEqual([403, 'wrong_mfa_code']);
    const used = await off({ code: user.authenticator.last() }); // the confirmation's code
    expect([used.status, used.body.code]).toEqual([403, 'wrong_mfa_code']);
    expect((await off({ code: user.authenticator.next() })).status).toBe(204);
    const rows = await authSql(
      `SELECT 1 FROM user_totp WHERE user_id = $1
       UNION ALL SELECT 1 FROM recovery_codes WHERE user_id = $1`,
      [Number(user.id)],
    );
    expect(rows).toHaveLength(0);
    expect((await passwordStep(url, user)).status).toBe(200);
    const again = await off({ code: '123456' });
    expect([again.status, again.body.code]).toEqual([409, 'mfa_not_enabled']);
  });

  it('accepts a recovery code', async () => {
    const user = await newMfaUser(url);
    const res = await call(url, 'DELETE', '/auth/mfa/totp', {
      token: user.accessToken,
      json: { recovery_code: user.recoveryCodes[3] },
    });
    expect(res.status).toBe(204);
    expect((await passwordStep(url, user)).status).toBe(200);
  });
});

describe('an administrator resets MFA', () => {
  it('removes seed, codes and open challenges: 204; others get 403, unknown ids 404', async () => {
    const admin = await newUser(url, 'Admin');
    await server.deps.accounts.administer(Number(admin.id), { role: 'admin' });
    const user = await newMfaUser(url);
    const pending = await mfaToken(url, user);
    const reset = (id: string, token: string) =>
      call(url, 'DELETE', `/auth/users/${id}/mfa`, { token });
    const notAdmin = await reset(user.id, user.accessToken);
    expect([notAdmin.status, notAdmin.body.code]).toEqual([403, 'forbidden']);
    expect((await reset(user.id, admin.accessToken)).status).toBe(204);
    const stale = await secondStep(url, { mfa_token: pending, code: user.authenticator.next() });
    expect([stale.status, stale.body.code]).toEqual([401, 'invalid_mfa_token']);
    expect((await passwordStep(url, user)).status).toBe(200);
    expect((await reset(user.id, admin.accessToken)).status).toBe(204); // nothing left: still 204
    for (const id of ['2147483647', '0', 'abc', '1e3', '%00'])
      expect((await reset(id, admin.accessToken)).status, id).toBe(404);
  });
});
