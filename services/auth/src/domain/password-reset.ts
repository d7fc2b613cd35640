import type { Logger } from '@shardgate/shared';
import { HttpError } from '@shardgate/shared';
import { noticeMail } from '../mail/templates/notice-mail.js';
import { AUTH_PROBLEMS } from '../problems.js';
import type { SessionsStore } from '../store/sessions-store.js';
import type { UsersStore } from '../store/users-store.js';
import { rateLimited } from './errors.js';
import type { IdentityState } from './identity-state.js';
import { invalidLinkToken, type LinkMailing, mailLink } from './mail-links.js';
import type { PasswordHasher } from './password-hasher.js';
import type { PasswordPolicy } from './password-policy.js';
import type { RateLimits } from './rate-limits.js';
import { hashSecretToken, isSecretTokenShaped } from './secret-token.js';

/** What {@link PasswordReset} works with. */
export interface PasswordResetDeps extends LinkMailing {
  readonly users: UsersStore;
  readonly sessions: SessionsStore;
  readonly hasher: PasswordHasher;
  readonly policy: PasswordPolicy;
  readonly state: IdentityState;
  readonly limits: RateLimits;
  readonly logger: Logger;
}

/**
 * Password reset by mail. A request answers the same, as fast, whether or not the address has an
 * account: after its rate limits it returns at once, and the lookup and the mail happen after the
 * answer. Following the link (a single-use token, 30 minutes by default) sets a new password that
 * passes the policy, proves the address, revokes every session (enforced at `/verify` within a
 * second) and mails a notice.
 */
export class PasswordReset {
  readonly #now: () => number;
  /** Requests still being handled after their answer; awaited by {@link settle}. */
  readonly #inFlight = new Set<Promise<void>>();

  constructor(private readonly deps: PasswordResetDeps) {
    this.#now = deps.now ?? Date.now;
  }

  /**
   * Asks for a reset link for `email` (normalised). 429 past PASSWORD_RESETS_PER_ADDRESS or
   * PASSWORD_RESETS_PER_IP an hour; otherwise resolves before anything about the address is
   * looked up.
   */
  async request(email: string, ip: string): Promise<void> {
    const wait = await this.deps.limits.passwordResetBlockedFor(email, ip);
    if (wait > 0) throw rateLimited(wait);
    const work = this.#mailLink(email)
      .catch((error: unknown) =>
        this.deps.logger.error({ err: error }, 'password reset request failed after its answer'),
      )
      .finally(() => this.#inFlight.delete(work));
    this.#inFlight.add(work);
  }

  /** Resolves once every request answered so far has been handled (shutdown, tests). */
  async settle(): Promise<void> {
    await Promise.all([...this.#inFlight]);
  }

  /**
   * Sets a new password with a link's token. 400 `invalid_link_token` for a token that is not
   * live; 422 `weak_password` (the token stays usable) for a password the policy refuses.
   */
  async complete(token: string, password: string): Promise<void> {
    if (!isSecretTokenShaped(token)) throw invalidLinkToken();
    const tokenHash = hashSecretToken(token);
    const { tokens, users, policy, hasher } = this.deps;
    const owner = await tokens.findLive(tokenHash, 'reset_password', new Date(this.#now()));
    const user = owner && (await users.findById(owner.userId, true));
    if (!owner || !user || user.email !== owner.email || !user.active) throw invalidLinkToken();
    const problems = await policy.problems(password, {
      field: 'password',
      userInputs: [user.email, user.email.split('@')[0] ?? '', user.name ?? ''],
    });
    if (problems.length > 0)
      throw new HttpError(AUTH_PROBLEMS.weak_password, 'The password does not meet the policy.', {
        errors: problems,
      });
    const passwordHash = await hasher.hash(policy.normalize(password));
    const now = new Date(this.#now());
    const done = await this.deps.db.transaction('passwordReset.complete', async (tx) => {
      // the token is used here, not above: of two concurrent resets with one link, one wins
      if (!(await tokens.consume(tx, tokenHash, 'reset_password', now))) return null;
      const updated = await users.resetPassword(tx, user.id, owner.email, passwordHash);
      if (!updated) return null;
      await tokens.useAll(tx, user.id, 'reset_password', now);
      const revoked = await this.deps.sessions.revokeAllOfUser(
        user.id,
        'password_reset',
        now,
        undefined,
        tx,
      );
      // no expiry: that the password changed is worth telling however late the mail goes out
      await this.deps.mail.enqueue(
        {
          to: updated.email,
          kind: 'password_changed',
          ...noticeMail({
            subject: 'Your password was changed',
            name: updated.name,
            paragraphs: [
              'The password of your account was just changed with a reset link, and every device was signed out.',
              'If you did not do this, reset your password again at once and tell us.',
            ],
          }),
        },
        tx,
      );
      return { updated, revoked };
    });
    if (!done) throw invalidLinkToken();
    this.deps.mail.deliverSoon();
    await this.deps.state.publishRevokedSessions(done.revoked);
    await this.deps.state.publishUser(done.updated.id, done.updated);
  }

  /** Mails a reset link when the address has an active account; nothing otherwise. */
  async #mailLink(email: string): Promise<void> {
    const user = await this.deps.users.findByEmail(email);
    if (!user?.active) return;
    await mailLink(this.deps, 'reset_password', user, (link, lifetime) => ({
      subject: 'Reset your password',
      name: user.name,
      paragraphs: [
        'Someone asked to reset the password of the account with this address. To choose a new password, follow the link below.',
        `The link works once, for ${lifetime}. Every device signed in to the account will be signed out.`,
        'If you did not ask for this, ignore this mail: your password stays as it is.',
      ],
      action: { label: 'Choose a new password', url: link },
    }));
  }
}
