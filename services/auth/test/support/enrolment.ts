/**
 * The body of `POST /auth/mfa/totp` for an account whose password is `password`: starting an
 * enrolment asks for it, so a stolen access token alone cannot bind an attacker's authenticator.
 * Every test that enrols through `enrol` of `mfa-flows.ts`, `tests/e2e/support/mfa.ts` and the hostile
 * corpus of the enrolment use this one definition.
 */
export function enrolmentBody(password: string): Record<string, unknown> | undefined {
  return { current_password: password };
}
