import { randomBytes } from 'node:crypto';
import { HttpError, type Logger } from '@shardgate/shared';
import { AUTH_PROBLEMS } from '../problems.js';
import type { MfaChallengesStore } from '../store/mfa-challenges-store.js';
import type { TotpStore } from '../store/totp-store.js';
import type { User, UsersStore } from '../store/users-store.js';
import type { Accounts } from './accounts.js';
import { base32Encode } from './base32.js';
import { rateLimited } from './errors.js';
import type { Identity } from './identity.js';
import type { RateLimits } from './rate-limits.js';
import {
  hashRecoveryCode,
  newRecoveryCode,
  normalizeRecoveryCode,
  RECOVERY_CODE_COUNT,
} from './recovery-codes.js';
import type { SecretBox } from './secret-box.js';
import { hashSecretToken, isSecretTokenShaped, newSecretToken } from './secret-token.js';
import type { Sessions, TokenPair } from './sessions.js';
import { matchTotp, TOTP_DIGITS, TOTP_PERIOD_SECONDS } from './totp.js';

/** A second factor as a client sends it: a TOTP code, or one of the recovery codes. */
export type SecondFactor =
  | { readonly kind: 'totp'; readonly code: string }
  | { readonly kind: 'recovery'; readonly code: string };

/** What {@link Mfa} works with. */
export interface MfaDeps {
  readonly totp: TotpStore;
  readonly challenges: MfaChallengesStore;
  readonly users: UsersStore;
  /** Re-checks the caller's password before an enrolment (`Accounts`). */
  readonly passwords: Pick<Accounts, 'confirmPassword'>;
  readonly box: SecretBox;
  readonly limits: RateLimits;
  readonly sessions: Sessions;
  readonly logger: Logger;
  /** The issuer authenticator apps show (`TOTP_ISSUER`). */
  readonly issuer: string;
  readonly now?: () => number;
}

/** How long the `mfa_token` of a login's second step is valid. */
export const MFA_CHALLENGE_TTL_MS = 5 * 60 * 1000;
/** Codes one challenge may be tried with; then it is dead and the password is asked again. */
export const MFA_CHALLENGE_ATTEMPTS = 5;
/** RFC 8176 methods of a login completed with a second factor. */
const PASSWORD_AND_OTP = ['pwd', 'otp'] as const;

const invalidMfaToken = () =>
  new HttpError(
    AUTH_PROBLEMS.invalid_mfa_token,
    'The MFA token is invalid, expired, used or out of attempts; log in again.',
  );

/**
 * TOTP multi-factor authentication (RFC 6238): enrolment, confirmation with recovery codes,
 * the second step of a login, turning it off, and an administrator's reset.
 *
 * Seeds are stored sealed (AES-256-GCM, bound to the user id). A TOTP code is accepted once: the
 * last accepted time step is stored and only a later step passes (one conditional update decides
 * between concurrent requests). Every wrong code counts against a per-user limit (429 beyond it),
 * and a login challenge allows five attempts.
 */
export class Mfa {
  readonly #now: () => number;

  constructor(private readonly deps: MfaDeps) {
    this.#now = deps.now ?? Date.now;
  }

  /**
   * Starts an enrolment (replacing an unconfirmed one) and answers the seed, in base32 and as an
   * `otpauth://` URI for a QR code. The account's current password must come with it: whoever
   * holds only a stolen access token must not bind an authenticator of their own (403
   * `wrong_password`, counted against the login limits of the account and `ip`, 429 past them).
   * 409 `mfa_already_enabled` when MFA is on.
   */
  async enrol(
    identity: Identity,
    currentPassword: string,
    ip: string,
  ): Promise<{ secret: string; otpauthUri: string }> {
    // first: without the password, the answer tells nothing, not even whether MFA is on
    await this.deps.passwords.confirmPassword(identity, currentPassword, ip);
    const seed = randomBytes(20);
    const sealed = this.deps.box.seal(seed, String(identity.userId));
    if (!(await this.deps.totp.enrol(identity.userId, sealed))) throw alreadyEnabled();
    const secret = base32Encode(seed);
    return { secret, otpauthUri: otpauthUri(this.deps.issuer, identity.email, secret) };
  }

  /**
   * Turns MFA on with a code of the enrolment's seed; answers the recovery codes, shown this
   * once (only their hashes are kept). 403 `wrong_mfa_code` for a wrong code, 409 when there is
   * nothing to confirm, 429 past the per-user limit of wrong codes.
   */
  async confirm(identity: Identity, code: string): Promise<string[]> {
    const { userId } = identity;
    const record = await this.deps.totp.find(userId);
    if (!record) throw notEnabled('There is no enrolment to confirm; start one first.');
    if (record.confirmed) throw alreadyEnabled();
    await this.#takeAttempt(userId);
    const seed = this.deps.box.open(record.secretCiphertext, String(userId));
    const step = matchTotp(seed, code, this.#now());
    if (step === null || step <= record.lastStep) throw wrongCode();
    await this.deps.limits.refundMfaAttempt(userId);
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    const hashes = codes.map((c) => hashRecoveryCode(normalizeRecoveryCode(c) as string));
    if (!(await this.deps.totp.confirm(userId, record.secretCiphertext, step, hashes)))
      throw notEnabled('The enrolment changed meanwhile; start again.');
    this.deps.logger.info({ userId }, 'mfa enabled');
    return codes;
  }

  /**
   * Turns MFA off: needs a current TOTP code or an unused recovery code (403 `wrong_mfa_code`,
   * counted against the per-user limit). Removes the seed, the recovery codes and open challenges.
   */
  async disable(identity: Identity, factor: SecondFactor): Promise<void> {
    const { userId } = identity;
    if (!(await this.deps.totp.enabled(userId))) throw notEnabled('MFA is not on.');
    await this.#takeAttempt(userId);
    if (!(await this.#verify(userId, factor))) throw wrongCode();
    await this.deps.totp.remove(userId);
    this.deps.logger.info({ userId }, 'mfa disabled');
  }

  /**
   * The password step of `/auth/login`: when the user has MFA on, opens a challenge and throws
   * 401 `mfa_required` carrying its `mfa_token`; otherwise returns and the login goes on.
   */
  async requireSecondFactor(user: User): Promise<void> {
    const token = await this.openChallenge(user);
    if (token === null) return;
    throw new HttpError(
      AUTH_PROBLEMS.mfa_required,
      'The account has MFA on: send a code with mfa_token to /auth/login/mfa.',
      { extensions: { mfa_token: token } },
    );
  }

  /**
   * When the user has MFA on, opens a login challenge and returns its token (for
   * {@link completeLogin}); null when the password alone signs in.
   */
  async openChallenge(user: User): Promise<string | null> {
    if (!(await this.deps.totp.enabled(user.id))) return null;
    const token = newSecretToken();
    const now = this.#now();
    await this.deps.challenges.create(
      hashSecretToken(token),
      user.id,
      new Date(now),
      new Date(now + MFA_CHALLENGE_TTL_MS),
    );
    return token;
  }

  /**
   * The password grant of `/auth/token` cannot take a second step: a user with MFA on is refused
   * (rendered there as `invalid_grant`).
   */
  async refuseIfEnabled(user: User): Promise<void> {
    if (await this.deps.totp.enabled(user.id)) {
      throw new HttpError(
        AUTH_PROBLEMS.mfa_required,
        'The account has MFA on: log in with POST /auth/login, then POST /auth/login/mfa.',
      );
    }
  }

  /**
   * The second step of a login: a live challenge and a right code answer a token pair whose
   * `amr` is `["pwd","otp"]`. 401 `invalid_mfa_token` for a dead challenge, 401
   * `invalid_mfa_code` for a wrong or used code, 429 past the per-user limit.
   */
  async completeLogin(mfaToken: string, factor: SecondFactor): Promise<TokenPair> {
    if (!isSecretTokenShaped(mfaToken)) throw invalidMfaToken();
    const tokenHash = hashSecretToken(mfaToken);
    const now = new Date(this.#now());
    const { challenges } = this.deps;
    const user = await challenges.findLive(tokenHash, now, MFA_CHALLENGE_ATTEMPTS);
    if (!user?.active) throw invalidMfaToken();
    // taken before the challenge's attempt: a 429 does not use up the challenge
    await this.#takeAttempt(user.id);
    if (!(await challenges.claimAttempt(tokenHash, now, MFA_CHALLENGE_ATTEMPTS))) {
      // no code was checked: the user's attempt is given back
      await this.deps.limits.refundMfaAttempt(user.id);
      throw invalidMfaToken();
    }
    if (!(await this.#verify(user.id, factor))) {
      throw new HttpError(AUTH_PROBLEMS.invalid_mfa_code, 'The code is wrong or was used already.');
    }
    if (!(await challenges.consume(tokenHash, now))) throw invalidMfaToken();
    return this.deps.sessions.start(user, PASSWORD_AND_OTP);
  }

  /** An administrator removes a user's MFA (a lost device). 404 `not_found` for no such user. */
  async reset(userId: number): Promise<void> {
    if (!(await this.deps.users.findById(userId, true)))
      throw new HttpError(AUTH_PROBLEMS.not_found, `No user with id ${userId}.`);
    const removed = await this.deps.totp.remove(userId);
    this.deps.logger.info({ userId, removed }, 'mfa reset by an administrator');
  }

  /** Takes one of the user's attempts (429 when none is left); a right code gives it back. */
  async #takeAttempt(userId: number): Promise<void> {
    const blocked = await this.deps.limits.takeMfaAttempt(userId);
    if (blocked > 0) throw rateLimited(blocked);
  }

  /** Checks and spends a factor of a user whose MFA is on; a right one returns its attempt. */
  async #verify(userId: number, factor: SecondFactor): Promise<boolean> {
    const ok =
      factor.kind === 'totp'
        ? await this.#spendTotp(userId, factor.code)
        : await this.#spendRecoveryCode(userId, factor.code);
    if (ok) await this.deps.limits.refundMfaAttempt(userId);
    return ok;
  }

  async #spendTotp(userId: number, code: string): Promise<boolean> {
    const record = await this.deps.totp.find(userId);
    if (!record?.confirmed) return false;
    const seed = this.deps.box.open(record.secretCiphertext, String(userId));
    const step = matchTotp(seed, code, this.#now());
    if (step === null || step <= record.lastStep) return false;
    // the conditional update is the arbiter: of two requests with one code, one wins
    return this.deps.totp.acceptStep(userId, step);
  }

  async #spendRecoveryCode(userId: number, code: string): Promise<boolean> {
    const normalized = normalizeRecoveryCode(code);
    if (normalized === null) return false;
    return this.deps.totp.useRecoveryCode(userId, hashRecoveryCode(normalized));
  }
}

/**
 * The Key URI Format of authenticator apps:
 * `otpauth://totp/<issuer>:<account>?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30`.
 */
export function otpauthUri(issuer: string, account: string, secret: string): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  const params = `secret=${secret}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=${TOTP_DIGITS}&period=${TOTP_PERIOD_SECONDS}`;
  return `otpauth://totp/${label}?${params}`;
}

const alreadyEnabled = () =>
  new HttpError(AUTH_PROBLEMS.mfa_already_enabled, 'MFA is already on for this account.');
const notEnabled = (detail: string) => new HttpError(AUTH_PROBLEMS.mfa_not_enabled, detail);
const wrongCode = () =>
  new HttpError(AUTH_PROBLEMS.wrong_mfa_code, 'The code is wrong or was used already.');
