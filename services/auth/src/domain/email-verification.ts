import { HttpError, type Logger } from '@shardgate/shared';
import { AUTH_PROBLEMS } from '../problems.js';
import type { User, UsersStore } from '../store/users-store.js';
import { rateLimited } from './errors.js';
import type { IdentityState } from './identity-state.js';
import { invalidLinkToken, type LinkMailing, mailLink } from './mail-links.js';
import type { RateLimits } from './rate-limits.js';
import { hashSecretToken, isSecretTokenShaped } from './secret-token.js';

/** What {@link EmailVerification} works with. */
export interface EmailVerificationDeps extends LinkMailing {
  readonly users: UsersStore;
  readonly state: IdentityState;
  readonly limits: RateLimits;
  readonly logger: Logger;
}

/**
 * Email verification: a single-use link (its token stored only as a hash, bound to the address
 * it was sent to) mailed at registration and on request; following it marks the address verified.
 */
export class EmailVerification {
  readonly #now: () => number;

  constructor(private readonly deps: EmailVerificationDeps) {
    this.#now = deps.now ?? Date.now;
  }

  /**
   * Mails a new verification link to the account's address (token and mail in one transaction).
   */
  async send(user: User): Promise<void> {
    await mailLink(this.deps, 'verify_email', user, (link, lifetime) => ({
      subject: 'Confirm your email address',
      name: user.name,
      paragraphs: [
        'Confirm that this address is yours by following the link below.',
        `The link works once, for ${lifetime}.`,
      ],
      action: { label: 'Confirm my address', url: link },
      footer: 'You get this mail because an account was registered with this address.',
    }));
  }

  /**
   * A registration's mail: never fails the registration (the account exists either way, and
   * the user can ask for another link), but says when it could not be written.
   */
  async sendAfterRegistration(user: User): Promise<void> {
    await this.send(user).catch((error: unknown) =>
      this.deps.logger.warn(
        { err: error, userId: user.id },
        'verification mail not written at registration; the user can ask for another',
      ),
    );
  }

  /**
   * A new link for a signed-in user: 409 `email_already_verified` when there is nothing to
   * verify, 429 past VERIFICATION_MAILS_PER_USER an hour.
   */
  async resend(user: User): Promise<void> {
    if (user.emailVerifiedAt !== null)
      throw new HttpError(AUTH_PROBLEMS.email_already_verified, 'The address is already verified.');
    const wait = await this.deps.limits.verificationMailBlockedFor(user.id);
    if (wait > 0) throw rateLimited(wait);
    await this.send(user);
  }

  /**
   * Follows a link: the token is used and the address it was sent to marked verified, if the
   * account still has it. 400 `invalid_link_token` otherwise, whatever the reason.
   */
  async confirm(token: string): Promise<void> {
    if (!isSecretTokenShaped(token)) throw invalidLinkToken();
    const now = new Date(this.#now());
    const user = await this.deps.db.transaction('emailVerification.confirm', async (tx) => {
      const owner = await this.deps.tokens.consume(tx, hashSecretToken(token), 'verify_email', now);
      if (!owner) return null;
      return this.deps.users.markVerified(tx, owner.userId, owner.email);
    });
    if (!user) throw invalidLinkToken();
    await this.deps.state.publishUser(user.id, user);
  }
}
