import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { MFA_CHALLENGE_ATTEMPTS } from '../../services/auth/src/domain/mfa.js';
import { send } from './support/gateway-client.js';
import { challengeOf, secondStep, turnOnMfa } from './support/mfa.js';
import { stackAuthConfig } from './support/stack-settings.js';
import { jsonLogin, register, tokensOf } from './support/users.js';

/**
 * Issue 14, acceptance 2, through the gateway: a recovery code works once, turning MFA off needs a
 * code, and guessing codes ends in 429 with `Retry-After` that the client receives.
 */
describe('MFA codes through the gateway', () => {
  it('a recovery code logs in once, then is refused on any challenge', async () => {
    const account = await register();
    const { recoveryCodes } = await turnOnMfa(account, (await jsonLogin(account)).accessToken);
    const recovery = recoveryCodes[0] as string;

    const rescued = tokensOf(
      await secondStep(account, await challengeOf(account), { recovery_code: recovery }),
    );
    expect(decodeJwt(rescued.accessToken).amr).toEqual(['pwd', 'otp']);
    const me = await send('GET', '/api/me', { token: rescued.accessToken, from: account.from });
    expect([me.status, me.body.userId]).toEqual([200, account.id]);

    // spent: in either field, lower-cased or not, on a new challenge
    for (const factor of [
      { recovery_code: recovery },
      { code: recovery },
      { recovery_code: recovery.toLowerCase().replaceAll('-', ' ') },
    ]) {
      const again = await secondStep(account, await challengeOf(account), factor);
      expect([again.status, again.body.code], JSON.stringify(factor)).toEqual([
        401,
        'invalid_mfa_code',
      ]);
    }
    // another of the ten still works
    const other = { recovery_code: recoveryCodes[1] as string };
    expect((await secondStep(account, await challengeOf(account), other)).status).toBe(200);
  });

  it('turning MFA off needs a current code: none, a wrong one or a spent one is refused', async () => {
    const account = await register();
    const { accessToken } = await jsonLogin(account);
    const { authenticator, recoveryCodes } = await turnOnMfa(account, accessToken);
    const off = (json?: unknown) =>
      send('DELETE', '/auth/mfa/totp', {
        token: accessToken,
        from: account.from,
        ...(json === undefined ? {} : { json }),
      });
    const refusals: [unknown, number, string][] = [
      [undefined, 415, 'unsupported_media_type'],
      [{}, 422, 'validation_failed'],
      [{ code: authenticator.wrong() }, 403, 'wrong_mfa_code'],
      [{ code: authenticator.last() }, 403, 'wrong_mfa_code'], // the confirmation's code
      [{ recovery_code: 'AAAA-BBBB-CCCC-DDDD' }, 403, 'wrong_mfa_code'],
    ];
    for (const [body, status, code] of refusals) {
      const res = await off(body);
      expect([res.status, res.body?.code], JSON.stringify(body)).toEqual([status, code]);
    }
    // still on: the password alone is not enough
    await challengeOf(account);
    expect((await off({ code: authenticator.next() })).status).toBe(204);
    // off: the password alone logs in, and the codes are gone with it
    expect((await jsonLogin(account)).accessToken).toBeTruthy();
    const gone = await off({ recovery_code: recoveryCodes[0] });
    expect([gone.status, gone.body.code]).toEqual([409, 'mfa_not_enabled']);
  });

  it('guessing codes ends in 429 with Retry-After, even for the right code, and for turning MFA off', async () => {
    const limit = stackAuthConfig().MFA_FAILURES_PER_USER;
    const account = await register();
    const { accessToken } = await jsonLogin(account);
    const { authenticator, recoveryCodes } = await turnOnMfa(account, accessToken);
    let challenge = '';
    for (let guess = 0; guess < limit; guess++) {
      // a challenge takes MFA_CHALLENGE_ATTEMPTS codes; the per-user count spans challenges
      if (guess % MFA_CHALLENGE_ATTEMPTS === 0) challenge = await challengeOf(account);
      const res = await secondStep(account, challenge, { code: authenticator.wrong(guess) });
      expect([res.status, res.body.code], `guess ${guess}`).toEqual([401, 'invalid_mfa_code']);
    }
    const blocked = await secondStep(account, await challengeOf(account), {
      code: authenticator.next(),
    });
    expect([blocked.status, blocked.body.code]).toEqual([429, 'rate_limited']);
    expect(blocked.headers['content-type']).toMatch(/^application\/problem\+json/);
    const retryAfter = Number(blocked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    // the same count guards turning MFA off, with an unused recovery code too
    const off = await send('DELETE', '/auth/mfa/totp', {
      token: accessToken,
      json: { recovery_code: recoveryCodes[0] },
      from: account.from,
    });
    expect([off.status, off.body.code]).toEqual([429, 'rate_limited']);
    expect(Number(off.headers['retry-after'])).toBeGreaterThan(0);
    // and the answers say nothing else: no token, no identity
    expect(blocked.body.access_token).toBeUndefined();
  });
});
