import { HttpError, type Logger } from '@shardgate/shared';
import { AUTH_PROBLEMS } from '../problems.js';
import type { SessionsStore } from '../store/sessions-store.js';
import type { User } from '../store/users-store.js';
import type { AccessTokens, AuthMethod } from './access-tokens.js';
import type { Identity } from './identity.js';
import type { IdentityState } from './identity-state.js';
import { hashSecretToken, isSecretTokenShaped, newSecretToken } from './secret-token.js';

/** The body of every successful token answer (`/auth/token`, `/auth/login`, `/auth/refresh`). */
export interface TokenPair {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  readonly refresh_token: string;
  readonly user_id: string;
}

/** Settings of {@link Sessions}. */
export interface SessionOptions {
  readonly refreshTtlSeconds: number;
  readonly reuseGraceSeconds: number;
  readonly now?: () => number;
}

const invalidRefresh = () =>
  new HttpError(
    AUTH_PROBLEMS.invalid_refresh_token,
    'The refresh token is invalid, expired, spent or revoked.',
  );

/**
 * Logins as sessions: each is a chain of refresh tokens, rotated on every use, with at most one
 * unspent token (the head) at any moment. Presenting a spent token revokes the session (a stolen
 * token was used, or the client is broken), with one exception: the token just before the head,
 * within a short grace window after its rotation, means the client lost the answer to that
 * rotation. It gets a fresh pair that replaces the head, and the session stops accepting the
 * access tokens issued before it, so the pair it replaces is dead too.
 */
export class Sessions {
  readonly #now: () => number;

  constructor(
    private readonly store: SessionsStore,
    private readonly tokens: AccessTokens,
    private readonly state: IdentityState,
    private readonly logger: Logger,
    private readonly options: SessionOptions,
  ) {
    this.#now = options.now ?? Date.now;
  }

  /**
   * Opens a session for an authenticated user. `amr` (RFC 8176) says how: `['pwd']` for a
   * password, `['pwd', 'otp']` with a second factor; the session's access tokens carry it, those
   * of its refreshes too.
   */
  async start(user: User, amr: readonly AuthMethod[] = ['pwd']): Promise<TokenPair> {
    const refreshToken = newSecretToken();
    const sessionId = await this.store.create(
      user.id,
      hashSecretToken(refreshToken),
      this.#refreshExpiry(),
      amr,
    );
    return this.#pair(user, sessionId, refreshToken, 0, amr);
  }

  /**
   * Exchanges a refresh token for a new pair; the old token is spent.
   * @throws 401 `invalid_refresh_token` for anything but a live token of an active user, or the
   *   retry of the session's latest rotation within the grace window.
   */
  async refresh(refreshToken: string): Promise<TokenPair> {
    if (!isSecretTokenShaped(refreshToken)) throw invalidRefresh();
    const row = await this.store.findToken(hashSecretToken(refreshToken));
    const now = new Date(this.#now());
    if (
      !row ||
      row.session.revokedAt !== null ||
      !row.session.user.active ||
      row.expiresAt <= now
    ) {
      throw invalidRefresh();
    }
    const value = newSecretToken();
    const next = { tokenHash: hashSecretToken(value), expiresAt: this.#refreshExpiry() };
    let generation = row.spentAt === null ? await this.store.rotate(row.id, now, next) : null;
    if (generation === null) {
      const graceStart = new Date(now.getTime() - this.options.reuseGraceSeconds * 1000);
      generation = await this.store.retryRotation(row.id, graceStart, now, next);
      if (generation === null) {
        await this.store.revoke(row.sessionId, 'refresh_token_reuse', now);
        await this.state.publishRevokedSessions([row.sessionId]);
        this.logger.warn(
          { sessionId: row.sessionId, userId: row.session.userId },
          'spent refresh token reused; session revoked',
        );
        throw invalidRefresh();
      }
      await this.state.publishSessionMinGeneration(row.sessionId, generation);
      this.logger.info(
        { sessionId: row.sessionId, userId: row.session.userId },
        'latest refresh retried within the grace window; the pair it issued is replaced',
      );
    }
    return this.#pair(row.session.user, row.sessionId, value, generation, row.session.amr);
  }

  /** Revokes the caller's session: its access tokens stop passing `/verify` within a second. */
  async logout(identity: Identity): Promise<void> {
    await this.store.revoke(identity.sessionId, 'logout', new Date(this.#now()));
    await this.state.publishRevokedSessions([identity.sessionId]);
  }

  /**
   * Revokes the session a refresh token belongs to: a browser signs out with its refresh cookie
   * when its access cookie has already expired. An unknown token changes nothing.
   */
  async logoutByRefreshToken(refreshToken: string): Promise<void> {
    if (!isSecretTokenShaped(refreshToken)) return;
    const row = await this.store.findToken(hashSecretToken(refreshToken));
    if (!row || row.session.revokedAt !== null) return;
    await this.store.revoke(row.sessionId, 'logout', new Date(this.#now()));
    await this.state.publishRevokedSessions([row.sessionId]);
  }

  /** Revokes every session of a user, or all but `keepSessionId`. */
  async revokeAll(userId: number, reason: string, keepSessionId?: string): Promise<void> {
    const revoked = await this.store.revokeAllOfUser(
      userId,
      reason,
      new Date(this.#now()),
      keepSessionId,
    );
    await this.state.publishRevokedSessions(revoked);
  }

  async #pair(
    user: User,
    sessionId: string,
    refreshToken: string,
    generation: number,
    amr: readonly string[],
  ): Promise<TokenPair> {
    const access = await this.tokens.issue({
      userId: user.id,
      email: user.email,
      role: user.role,
      sessionId,
      generation,
      amr,
    });
    return {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: access.expiresIn,
      refresh_token: refreshToken,
      user_id: String(user.id),
    };
  }

  #refreshExpiry(): Date {
    return new Date(this.#now() + this.options.refreshTtlSeconds * 1000);
  }
}
