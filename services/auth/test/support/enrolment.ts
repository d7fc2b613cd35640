import { type CallResult, call, type TestUser } from './auth-server.js';

/**
 * The body of `POST /auth/mfa/totp` for an account whose password is `password`: none today.
 * When starting an enrolment asks for the account's password, this is the one line to change
 * (`return { current_password: password };`); every test that enrols through
 * {@link enrolTotp}, `tests/e2e/support/mfa.ts` and the hostile corpus of the enrolment follow it.
 */
export function enrolmentBody(_password: string): Record<string, unknown> | undefined {
  return undefined;
}

/** Starts a TOTP enrolment (`POST /auth/mfa/totp`) as `user`, with {@link enrolmentBody}. */
export function enrolTotp(base: string, user: TestUser): Promise<CallResult> {
  const json = enrolmentBody(user.password);
  return call(base, 'POST', '/auth/mfa/totp', {
    token: user.accessToken,
    ...(json === undefined ? {} : { json }),
  });
}
