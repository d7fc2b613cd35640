import {
  type CallResult,
  call,
  newUser,
  randomIp,
  type TestAuthServer,
  type TestUser,
} from './auth-server.js';
import { TestAuthenticator } from './authenticator.js';
import { linkTokenMailedTo } from './mail-links.js';
import { enrol, type MfaUser, mfaToken, newMfaUser, secondStep } from './mfa-flows.js';

// The live material the hostile suite of the account-lifecycle endpoints works on: real link
// tokens read from the mail, a real login challenge, a pending enrolment, an administrator and a
// deactivated account. Every case is made from it, so that a case wrongly accepted would change
// a real account (and the suite checks that none did).

/** Real secrets of other kinds, each of which must be refused where it does not belong. */
export interface ForeignSecrets {
  /** An access token (a JWT). */
  readonly access: string;
  /** A refresh token: 43 base64url characters, like every opaque token. */
  readonly refresh: string;
  /** A link token or challenge of another purpose, still live. */
  readonly otherPurpose: string;
  /** A token of this purpose, already used. */
  readonly used: string;
}

/** A password the policy accepts, other than the one accounts are registered with. */
export const NEW_PASSWORD = 'velvet-harbour-quill-62-tundra';

/** A user with a live verification link and a live reset link, both unused. */
export interface LinkMaterial {
  readonly user: TestUser;
  readonly verifyToken: string;
  readonly resetToken: string;
  /** Secrets to send where a verification token belongs. */
  readonly foreignForVerify: ForeignSecrets;
  /** Secrets to send where a reset token belongs. */
  readonly foreignForReset: ForeignSecrets;
}

/** Asks for a reset link for `email` (from a fresh address) and answers its token. */
async function resetLinkOf(url: string, mailpit: string, email: string, mails: number) {
  const asked = await call(url, 'POST', '/auth/password/reset', {
    json: { email },
    headers: { 'x-forwarded-for': randomIp() },
  });
  if (asked.status !== 202) throw new Error(`reset request: ${asked.status} ${asked.text}`);
  return (await linkTokenMailedTo(mailpit, email, mails)).token;
}

/** Fails loudly unless `res` has `status`. */
function expectStatus(res: CallResult, status: number, what: string): CallResult {
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${res.text}`);
  return res;
}

/** Registers a user and reads their verification link and a reset link from `mailpit`. */
export async function linkMaterial(server: TestAuthServer, mailpit: string): Promise<LinkMaterial> {
  const { url } = server;
  const user = await newUser(url);
  const verifyToken = (await linkTokenMailedTo(mailpit, user.email)).token;
  const resetToken = await resetLinkOf(url, mailpit, user.email, 2);
  // spent links of each purpose, of other accounts
  const verified = await newUser(url);
  const usedVerify = (await linkTokenMailedTo(mailpit, verified.email)).token;
  expectStatus(
    await call(url, 'POST', '/auth/email/verify', { json: { token: usedVerify } }),
    204,
    'verify',
  );
  const reset = await newUser(url);
  await linkTokenMailedTo(mailpit, reset.email);
  const usedReset = await resetLinkOf(url, mailpit, reset.email, 2);
  expectStatus(
    await call(url, 'POST', '/auth/password/reset/confirm', {
      json: { token: usedReset, password: NEW_PASSWORD },
    }),
    204,
    'reset',
  );
  await server.deps.passwordReset.settle();
  const tokens = { access: user.accessToken, refresh: user.refreshToken };
  return {
    user,
    verifyToken,
    resetToken,
    foreignForVerify: { ...tokens, otherPurpose: resetToken, used: usedVerify },
    foreignForReset: { ...tokens, otherPurpose: verifyToken, used: usedReset },
  };
}

/** A user with MFA on and an open login challenge, untouched. */
export interface ChallengeMaterial {
  readonly user: MfaUser;
  readonly mfaToken: string;
  /** A code of the right shape that is not the user's. */
  readonly wrongCode: string;
  /** Secrets to send where a challenge belongs. */
  readonly foreign: ForeignSecrets;
}

/** Enrols a user in MFA, spends one challenge (with their last recovery code), opens another. */
export async function challengeMaterial(
  url: string,
  linkToken: string,
): Promise<ChallengeMaterial> {
  const user = await newMfaUser(url);
  const spent = await mfaToken(url, user);
  expectStatus(
    await secondStep(url, { mfa_token: spent, recovery_code: user.recoveryCodes[9] }),
    200,
    'second step',
  );
  return {
    user,
    mfaToken: await mfaToken(url, user),
    wrongCode: user.authenticator.wrong(),
    foreign: {
      access: user.accessToken,
      refresh: user.refreshToken,
      otherPurpose: linkToken,
      used: spent,
    },
  };
}

/** A user who started a TOTP enrolment and has not confirmed it. */
export interface EnrolmentMaterial {
  readonly user: TestUser;
  readonly authenticator: TestAuthenticator;
}

/** Registers a user and starts their enrolment. */
export async function enrolmentMaterial(url: string): Promise<EnrolmentMaterial> {
  const user = await newUser(url);
  const enrolled = expectStatus(await enrol(url, user), 200, 'enrol');
  return { user, authenticator: new TestAuthenticator(enrolled.body.secret) };
}

/** An administrator and a deactivated account, made through the service's own domain. */
export async function roleMaterial(
  server: TestAuthServer,
): Promise<{ admin: TestUser; inactive: TestUser }> {
  const admin = await newUser(server.url, 'Admin');
  await server.deps.accounts.administer(Number(admin.id), { role: 'admin' });
  const inactive = await newUser(server.url);
  await server.deps.accounts.administer(Number(inactive.id), { active: false });
  return { admin, inactive };
}
