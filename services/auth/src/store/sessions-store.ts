import { randomUUID } from 'node:crypto';
import type { Prisma } from '../generated/prisma/client.js';
import type { AuthDatabase } from './auth-database.js';

/** A refresh token with its session and user, as the refresh flow needs them. */
export type RefreshTokenWithSession = Prisma.RefreshTokenGetPayload<{
  include: { session: { include: { user: true } } };
}>;

/** Sessions (refresh-token families) and refresh tokens, on the auth database's primary. */
export class SessionsStore {
  constructor(private readonly db: AuthDatabase) {}

  /** Opens a session with its first refresh token; returns the session id. */
  async create(userId: number, tokenHash: string, expiresAt: Date): Promise<string> {
    const id = randomUUID();
    await this.db.onPrimary('session.create', (db) =>
      db.session.create({
        data: { id, userId, refreshTokens: { create: { id: randomUUID(), tokenHash, expiresAt } } },
      }),
    );
    return id;
  }

  /** Adds a refresh token to a session (rotation). */
  async addToken(sessionId: string, tokenHash: string, expiresAt: Date): Promise<void> {
    await this.db.onPrimary('refreshToken.create', (db) =>
      db.refreshToken.create({ data: { id: randomUUID(), sessionId, tokenHash, expiresAt } }),
    );
  }

  /** Finds a refresh token by hash, with its session and user. */
  findToken(tokenHash: string): Promise<RefreshTokenWithSession | null> {
    return this.db.onPrimary('refreshToken.find', (db) =>
      db.refreshToken.findUnique({
        where: { tokenHash },
        include: { session: { include: { user: true } } },
      }),
    );
  }

  /**
   * Marks a token spent if nobody did yet. Exactly one of several concurrent callers gets true:
   * the conditional update is the arbiter.
   */
  async spend(tokenId: string, at: Date): Promise<boolean> {
    const result = await this.db.onPrimary('refreshToken.spend', (db) =>
      db.refreshToken.updateMany({ where: { id: tokenId, spentAt: null }, data: { spentAt: at } }),
    );
    return result.count === 1;
  }

  /** When a token was spent (after losing a {@link spend} race). */
  async spentAt(tokenId: string): Promise<Date | null> {
    const token = await this.db.onPrimary('refreshToken.spentAt', (db) =>
      db.refreshToken.findUnique({ where: { id: tokenId }, select: { spentAt: true } }),
    );
    return token?.spentAt ?? null;
  }

  /** Revokes one session; true when it was active. */
  async revoke(sessionId: string, reason: string, at: Date): Promise<boolean> {
    const result = await this.db.onPrimary('session.revoke', (db) =>
      db.session.updateMany({
        where: { id: sessionId, revokedAt: null },
        data: { revokedAt: at, revokedReason: reason },
      }),
    );
    return result.count === 1;
  }

  /** Revokes every active session of a user but `exceptSessionId`; returns the ids revoked. */
  async revokeAllOfUser(
    userId: number,
    reason: string,
    at: Date,
    exceptSessionId?: string,
  ): Promise<string[]> {
    return this.db.onPrimary('session.revokeAll', (db) =>
      db.$transaction(async (tx) => {
        const where = {
          userId,
          revokedAt: null,
          ...(exceptSessionId ? { id: { not: exceptSessionId } } : {}),
        };
        const sessions = await tx.session.findMany({ where, select: { id: true } });
        await tx.session.updateMany({
          where: { id: { in: sessions.map((s) => s.id) } },
          data: { revokedAt: at, revokedReason: reason },
        });
        return sessions.map((s) => s.id);
      }),
    );
  }

  /** A session's owner and revocation, for `/verify`; null when unknown. */
  state(sessionId: string): Promise<{ userId: number; revokedAt: Date | null } | null> {
    return this.db.onPrimary('session.state', (db) =>
      db.session.findUnique({
        where: { id: sessionId },
        select: { userId: true, revokedAt: true },
      }),
    );
  }
}
