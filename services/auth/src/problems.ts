import { COMMON_PROBLEMS, defineProblems, FORM_PROBLEMS } from '@shardgate/shared';

/**
 * Every problem code the auth service answers with: public, documented API. The OpenAPI
 * document's `ProblemCode` is generated from this catalogue (`UPDATE_OPENAPI=1 npm test --
 * services/auth/test/unit/openapi.test.ts`), and an error can only be made from an entry here.
 * `/auth/token` renders them as RFC 6749 errors instead (`routes/tokens.ts`).
 */
export const AUTH_PROBLEMS = {
  ...COMMON_PROBLEMS,
  ...FORM_PROBLEMS,
  ...defineProblems({
    invalid_credentials: {
      status: 401,
      title: 'Invalid credentials',
      when: 'The email or password is wrong; the same answer whether or not the account exists.',
    },
    invalid_refresh_token: {
      status: 401,
      title: 'Invalid refresh token',
      when: 'The refresh token is unknown, expired, spent or revoked.',
    },
    mfa_required: {
      status: 401,
      title: 'MFA required',
      when: 'The password was right and the account has MFA on: send a code with the `mfa_token` of this answer to `POST /auth/login/mfa`.',
    },
    invalid_mfa_token: {
      status: 401,
      title: 'Invalid MFA token',
      when: 'The `mfa_token` is unknown, expired (5 minutes), already used or out of attempts (5 wrong codes): log in again.',
    },
    invalid_mfa_code: {
      status: 401,
      title: 'Invalid MFA code',
      when: 'The TOTP or recovery code is wrong or was used already; the `mfa_token` stays usable until it runs out of attempts.',
    },
    forbidden: {
      status: 403,
      title: 'Forbidden',
      when: 'The caller is authenticated but lacks the role the endpoint needs.',
    },
    user_inactive: {
      status: 403,
      title: 'User inactive',
      when: 'The account was deactivated; its tokens no longer pass.',
    },
    email_unverified: {
      status: 403,
      title: 'Email not verified',
      when: 'REQUIRE_VERIFIED_EMAIL is on and the account has not verified its address (at `/verify`).',
    },
    csrf_origin: {
      status: 403,
      title: 'Cross-origin request refused',
      when: 'An unsafe request authenticated by the session cookie came from an origin not in PUBLIC_ORIGINS (`Origin`, or `Sec-Fetch-Site` other than `same-origin` without an allowed `Origin`).',
    },
    csrf_token: {
      status: 403,
      title: 'CSRF token missing or wrong',
      when: 'An unsafe request authenticated by the session cookie sent neither `Sec-Fetch-Site` nor `Origin`, and its `X-CSRF-Token` (or form field `csrf`) does not equal the `__Host-sg_csrf` cookie.',
    },
    credentials_ambiguous: {
      status: 401,
      title: 'Ambiguous credentials',
      when: 'The request carries both an `Authorization` header and a session cookie: send one or the other.',
    },
    wrong_password: {
      status: 403,
      title: 'Wrong password',
      when: 'The current password given to change it, or to start an MFA enrolment, is wrong.',
    },
    invalid_link_token: {
      status: 400,
      title: 'Invalid link',
      when: 'The token of a verification or reset link is unknown, expired or already used.',
    },
    email_already_verified: {
      status: 409,
      title: 'Email already verified',
      when: 'A verification link was asked for an address that is already verified.',
    },
    wrong_mfa_code: {
      status: 403,
      title: 'Wrong MFA code',
      when: 'The TOTP or recovery code given to confirm or turn off MFA is wrong or was used already.',
    },
    mfa_already_enabled: {
      status: 409,
      title: 'MFA already enabled',
      when: 'MFA is already on for the account: turn it off before enrolling again.',
    },
    mfa_not_enabled: {
      status: 409,
      title: 'MFA not enabled',
      when: 'There is no enrolment to confirm, or MFA is not on to be turned off.',
    },
    email_taken: {
      status: 409,
      title: 'Email already registered',
      when: 'An account with this email already exists.',
    },
    weak_password: {
      status: 422,
      title: 'Weak password',
      when: 'The password fails the strength policy; `errors[]` gives the reasons.',
    },
    rate_limited: {
      status: 429,
      title: 'Too many requests',
      when: 'Too many attempts from this address or for this account; retry after `Retry-After` seconds.',
    },
    busy: {
      status: 503,
      title: 'Too busy',
      when: 'Too many passwords are being checked at once; nothing was changed. Retry after `Retry-After` seconds.',
    },
    unsupported_grant_type: {
      status: 400,
      title: 'Unsupported grant type',
      when: '`grant_type` is neither `password` nor `refresh_token`.',
      shape: 'oauth',
    },
  }),
} as const;

/** A code of the auth service's catalogue. */
export type AuthProblemCode = keyof typeof AUTH_PROBLEMS;
