import { type CallResult, call, newUser, randomIp, type TestUser } from './auth-server.js';
import { TestAuthenticator } from './authenticator.js';
import { enrolmentBody } from './enrolment.js';

/** A user with MFA on: their authenticator and the recovery codes they were shown. */
export interface MfaUser extends TestUser {
  readonly authenticator: TestAuthenticator;
  readonly recoveryCodes: string[];
  /** The address all their logins come from (a fresh one: no shared rate-limit counters). */
  readonly ip: string;
}

/** Starts a TOTP enrolment (`POST /auth/mfa/totp`) as the user, with {@link enrolmentBody}. */
export function enrol(base: string, user: TestUser): Promise<CallResult> {
  return call(base, 'POST', '/auth/mfa/totp', {
    token: user.accessToken,
    json: enrolmentBody(user.password),
  });
}

/** Registers a user, enrols and confirms TOTP; fails loudly on any unexpected answer. */
export async function newMfaUser(base: string): Promise<MfaUser> {
  const user = await newUser(base);
  const enrolled = await enrol(base, user);
  if (enrolled.status !== 200) throw new Error(`enrol: ${enrolled.status} ${enrolled.text}`);
  const authenticator = new TestAuthenticator(enrolled.body.secret);
  const confirmed = await call(base, 'POST', '/auth/mfa/totp/confirm', {
    token: user.accessToken,
    json: { code: authenticator.next() },
  });
  if (confirmed.status !== 200) throw new Error(`confirm: ${confirmed.status} ${confirmed.text}`);
  return { ...user, authenticator, recoveryCodes: confirmed.body.recovery_codes, ip: randomIp() };
}

/** The password step of a login (`POST /auth/login`) from the user's address. */
export function passwordStep(base: string, user: TestUser & { ip?: string }): Promise<CallResult> {
  return call(base, 'POST', '/auth/login', {
    json: { email: user.email, password: user.password },
    headers: { 'x-forwarded-for': user.ip ?? randomIp() },
  });
}

/** The password step, answering its `mfa_token` (it must be asked for). */
export async function mfaToken(base: string, user: TestUser & { ip?: string }): Promise<string> {
  const res = await passwordStep(base, user);
  if (res.status !== 401 || res.body.code !== 'mfa_required')
    throw new Error(`expected mfa_required, got ${res.status} ${res.text}`);
  return res.body.mfa_token;
}

/** The second step (`POST /auth/login/mfa`) with any body. */
export function secondStep(base: string, json: unknown): Promise<CallResult> {
  return call(base, 'POST', '/auth/login/mfa', { json });
}
