import { HttpError, type Logger } from '@shardgate/shared';
import { AUTH_PROBLEMS } from '../problems.js';
import { EmailTakenError, type User, type UsersStore } from '../store/users-store.js';
import type { Role } from './access-tokens.js';
import { rateLimited } from './errors.js';
import type { Identity } from './identity.js';
import type { IdentityState } from './identity-state.js';
import type { PasswordHasher } from './password-hasher.js';
import type { PasswordPolicy } from './password-policy.js';
import type { RateLimits } from './rate-limits.js';
import type { Sessions } from './sessions.js';

/** Receives each login's outcome; the service's metrics implement it. */
export type LoginObserver = (outcome: 'success' | 'invalid_credentials' | 'rate_limited') => void;

/** What {@link Accounts} works with. */
export interface AccountsDeps {
  readonly users: UsersStore;
  readonly hasher: PasswordHasher;
  readonly policy: PasswordPolicy;
  readonly limits: RateLimits;
  readonly sessions: Sessions;
  readonly state: IdentityState;
  readonly logger: Logger;
  readonly observeLogin: LoginObserver;
}

const invalidCredentials = () =>
  new HttpError(AUTH_PROBLEMS.invalid_credentials, 'The email or password is incorrect.');

/** Accounts: registration, authentication, passwords, profile and administration. */
export class Accounts {
  constructor(private readonly deps: AccountsDeps) {}

  /**
   * Creates an account. The password must pass the policy (422 `weak_password` with reasons);
   * the email must be new (409 `email_taken`); an IP over its registration limit gets 429.
   */
  async register(
    input: { email: string; password: string; name: string | null },
    ip: string,
  ): Promise<User> {
    const blocked = await this.deps.limits.registrationBlockedFor(ip);
    if (blocked > 0) throw rateLimited(blocked);
    const problems = await this.deps.policy.problems(input.password, {
      field: 'password',
      userInputs: [input.email, input.email.split('@')[0] ?? '', input.name ?? ''],
    });
    if (problems.length > 0) {
      throw new HttpError(AUTH_PROBLEMS.weak_password, 'The password does not meet the policy.', {
        errors: problems,
      });
    }
    const passwordHash = await this.deps.hasher.hash(this.deps.policy.normalize(input.password));
    try {
      return await this.deps.users.create({ email: input.email, name: input.name, passwordHash });
    } catch (error) {
      if (error instanceof EmailTakenError) {
        throw new HttpError(
          AUTH_PROBLEMS.email_taken,
          'An account with this email already exists.',
        );
      }
      throw error;
    }
  }

  /**
   * Checks an email and password. Unknown emails cost one bcrypt comparison like wrong passwords,
   * and both get the same 401 `invalid_credentials`; so does a deactivated account. A hash of
   * another cost is upgraded after a successful check.
   */
  async authenticate(email: string, password: string, ip: string): Promise<User> {
    const { limits, hasher, users, observeLogin } = this.deps;
    const blocked = await limits.loginBlockedFor(email, ip);
    if (blocked > 0) {
      observeLogin('rate_limited');
      throw rateLimited(blocked);
    }
    const normalized = this.deps.policy.normalize(password);
    const user = await users.findByEmail(email);
    const matches = await hasher.verify(normalized, user?.passwordHash ?? null);
    if (!user || !matches) {
      await limits.recordLoginFailure(email, ip);
      observeLogin('invalid_credentials');
      throw invalidCredentials();
    }
    if (!user.active) {
      observeLogin('invalid_credentials');
      throw invalidCredentials();
    }
    await limits.recordLoginSuccess(email, ip);
    observeLogin('success');
    if (hasher.needsRehash(user.passwordHash)) void this.#upgradeHash(user.id, normalized);
    return user;
  }

  /** The caller's account, from the primary (their own recent change must show). */
  async me(identity: Identity): Promise<User> {
    const user = await this.deps.users.findById(identity.userId, true);
    if (!user) throw new HttpError(AUTH_PROBLEMS.not_found, 'The account no longer exists.');
    return user;
  }

  /** Changes the caller's display name (null clears it). */
  async updateProfile(identity: Identity, changes: { name?: string | null }): Promise<User> {
    const user = await this.deps.users.update(identity.userId, changes);
    if (!user) throw new HttpError(AUTH_PROBLEMS.not_found, 'The account no longer exists.');
    return user;
  }

  /**
   * Re-checks a signed-in caller's password before a change that a stolen access token alone must
   * not make (a new password, a new authenticator). A wrong one is 403 `wrong_password` and counts
   * as a failed login of the account from `ip`; past the login limits the answer is 429, the
   * password unchecked. Answers the account, read from the primary.
   */
  async confirmPassword(identity: Identity, password: string, ip: string): Promise<User> {
    const { hasher, policy, limits } = this.deps;
    const user = await this.me(identity);
    const blocked = await limits.loginBlockedFor(user.email, ip);
    if (blocked > 0) throw rateLimited(blocked);
    if (!(await hasher.verify(policy.normalize(password), user.passwordHash))) {
      await limits.recordLoginFailure(user.email, ip);
      throw new HttpError(AUTH_PROBLEMS.wrong_password, 'The current password is incorrect.');
    }
    return user;
  }

  /**
   * Changes the caller's password: the current one must match ({@link confirmPassword}), the new
   * one pass the policy. Every other session is revoked; this one stays.
   */
  async changePassword(
    identity: Identity,
    current: string,
    next: string,
    ip: string,
  ): Promise<void> {
    const { users, hasher, policy } = this.deps;
    const user = await this.confirmPassword(identity, current, ip);
    const problems = await policy.problems(next, {
      field: 'new_password',
      userInputs: [user.email, user.email.split('@')[0] ?? '', user.name ?? '', current],
    });
    if (problems.length > 0) {
      throw new HttpError(
        AUTH_PROBLEMS.weak_password,
        'The new password does not meet the policy.',
        {
          errors: problems,
        },
      );
    }
    await users.update(user.id, { passwordHash: await hasher.hash(policy.normalize(next)) });
    await this.deps.sessions.revokeAll(user.id, 'password_change', identity.sessionId);
  }

  /** An account, for an administrator; a replica may answer. */
  async find(id: number): Promise<User> {
    const user = await this.deps.users.findById(id, false);
    if (!user) throw new HttpError(AUTH_PROBLEMS.not_found, `No user with id ${id}.`);
    return user;
  }

  /**
   * Activates, deactivates or changes the role of an account. Deactivation revokes every session
   * and makes `/verify` answer 403 for the user's tokens on every auth process within a second.
   */
  async administer(id: number, changes: { active?: boolean; role?: Role }): Promise<User> {
    const user = await this.deps.users.update(id, changes);
    if (!user) throw new HttpError(AUTH_PROBLEMS.not_found, `No user with id ${id}.`);
    await this.deps.state.publishUser(id, user);
    if (changes.active === false) await this.deps.sessions.revokeAll(id, 'deactivated');
    return user;
  }

  async #upgradeHash(userId: number, password: string): Promise<void> {
    try {
      await this.deps.users.update(userId, { passwordHash: await this.deps.hasher.hash(password) });
    } catch (error) {
      this.deps.logger.warn(
        { err: error, userId },
        'password hash upgrade failed; will retry at next login',
      );
    }
  }
}
