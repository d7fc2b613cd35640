import { TestAuthenticator } from '../../../services/auth/test/support/authenticator.js';
import { enrolmentBody } from '../../../services/auth/test/support/enrolment.js';
import { send } from './gateway-client.js';
import type { Account } from './users.js';

/** An account with TOTP MFA on, enrolled through the gateway. */
export interface MfaAccount {
  readonly authenticator: TestAuthenticator;
  readonly recoveryCodes: readonly string[];
}

/**
 * Enrols `account` (signed in with `accessToken`) and confirms the enrolment with a code, through
 * the gateway; the enrolment's body is `enrolmentBody` of the auth tests (one place to change).
 */
export async function turnOnMfa(account: Account, accessToken: string): Promise<MfaAccount> {
  const json = enrolmentBody(account.password);
  const enrolled = await send('POST', '/auth/mfa/totp', {
    token: accessToken,
    from: account.from,
    ...(json === undefined ? {} : { json }),
  });
  if (enrolled.status !== 200) throw new Error(`enrol: ${enrolled.status} ${enrolled.text}`);
  const authenticator = new TestAuthenticator(enrolled.body.secret);
  const confirmed = await send('POST', '/auth/mfa/totp/confirm', {
    token: accessToken,
    json: { code: authenticator.next() },
    from: account.from,
  });
  if (confirmed.status !== 200) throw new Error(`confirm: ${confirmed.status} ${confirmed.text}`);
  return { authenticator, recoveryCodes: confirmed.body.recovery_codes };
}

/** The password step of a login for an account with MFA on: its `mfa_token`. */
export async function challengeOf(account: Account): Promise<string> {
  const res = await send('POST', '/auth/login', {
    json: { email: account.email, password: account.password },
    from: account.from,
  });
  if (res.status !== 401 || res.body?.code !== 'mfa_required')
    throw new Error(`expected mfa_required, got ${res.status} ${res.text}`);
  return res.body.mfa_token;
}

/** The second step of a login (`POST /auth/login/mfa`) with `factor`. */
export function secondStep(
  account: Account,
  mfaToken: string,
  factor: { code: string } | { recovery_code: string },
) {
  return send('POST', '/auth/login/mfa', {
    json: { mfa_token: mfaToken, ...factor },
    from: account.from,
  });
}
