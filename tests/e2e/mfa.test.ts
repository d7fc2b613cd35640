import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { TestAuthenticator } from '../../services/auth/test/support/authenticator.js';
import { send } from './support/gateway-client.js';
import { jsonLogin, register, tokensOf } from './support/users.js';

describe('TOTP MFA through the gateway', () => {
  it('enrol with the password, confirm, then a login takes password and code and ends at /api/me 200', async () => {
    const account = await register();
    const { accessToken } = await jsonLogin(account);
    // an access token alone does not start an enrolment: the password must come with it
    const tokenOnly = await send('POST', '/auth/mfa/totp', {
      token: accessToken,
      json: { current_password: `${account.password}-not` },
      from: account.from,
    });
    expect([tokenOnly.status, tokenOnly.body.code]).toEqual([403, 'wrong_password']);
    const enrolled = await send('POST', '/auth/mfa/totp', {
      token: accessToken,
      json: { current_password: account.password },
      from: account.from,
    });
    expect(enrolled.status, enrolled.text).toBe(200);
    const authenticator = new TestAuthenticator(enrolled.body.secret);
    const confirmed = await send('POST', '/auth/mfa/totp/confirm', {
      token: accessToken,
      json: { code: authenticator.next() },
      from: account.from,
    });
    expect(confirmed.status, confirmed.text).toBe(200);
    expect(confirmed.body.recovery_codes).toHaveLength(10);

    // the password alone no longer answers tokens: a challenge instead
    const challenged = await send('POST', '/auth/login', {
      json: { email: account.email, password: account.password },
      from: account.from,
    });
    expect(challenged.status).toBe(401);
    expect(challenged.body.code).toBe('mfa_required');
    const code = authenticator.next();
    const tokens = tokensOf(
      await send('POST', '/auth/login/mfa', {
        json: { mfa_token: challenged.body.mfa_token, code },
        from: account.from,
      }),
    );
    expect(decodeJwt(tokens.accessToken).amr).toEqual(['pwd', 'otp']);
    const me = await send('GET', '/api/me', { token: tokens.accessToken, from: account.from });
    expect(me.status, me.text).toBe(200);
    expect(me.body.userId).toBe(account.id);

    // the same code again, on a fresh challenge: refused
    const again = await send('POST', '/auth/login', {
      json: { email: account.email, password: account.password },
      from: account.from,
    });
    const replay = await send('POST', '/auth/login/mfa', {
      json: { mfa_token: again.body.mfa_token, code },
      from: account.from,
    });
    expect([replay.status, replay.body.code]).toEqual([401, 'invalid_mfa_code']);
  });
});
