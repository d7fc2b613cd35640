import { randomUUID } from 'node:crypto';
import { NOW_UTC, statement, utcColumn } from '@shardgate/shared';
import type { AuthDatabase } from './auth-database.js';
import { USER_COLUMNS, type User } from './users-store.js';

/** A refresh token with its session and user, as the refresh flow needs them. */
export interface RefreshTokenWithSession {
  readonly id: string;
  readonly sessionId: string;
  readonly expiresAt: Date;
  readonly spentAt: Date | null;
  readonly session: {
    readonly userId: number;
    readonly revokedAt: Date | null;
    readonly user: User;
  };
}

/**
 * An instant handed to Postgres (a `Date`, which `pg` sends with its offset) stored in a UTC
 * `timestamp(3)` column, whatever the session's time zone.
 */
const utcParam = (n: number) => `($${n}::timestamptz AT TIME ZONE 'UTC')`;

/** $1 session id, $2 user id, $3 token id, $4 token hash, $5 expiry: the session and its first token. */
const CREATE_SESSION = statement(
  'session.create',
  `WITH session AS (
     INSERT INTO sessions (id, user_id, created_at) VALUES ($1, $2, ${NOW_UTC}) RETURNING id
   )
   INSERT INTO refresh_tokens (id, session_id, token_hash, created_at, expires_at)
   SELECT $3, session.id, $4, ${NOW_UTC}, ${utcParam(5)} FROM session`,
);
/** $1 token id, $2 session id, $3 token hash, $4 expiry. */
const ADD_TOKEN = statement(
  'refreshToken.create',
  `INSERT INTO refresh_tokens (id, session_id, token_hash, created_at, expires_at)
   VALUES ($1, $2, $3, ${NOW_UTC}, ${utcParam(4)})`,
);
/** $1 token hash. */
const FIND_TOKEN = statement(
  'refreshToken.find',
  `SELECT t.id AS "tokenId", t.session_id AS "sessionId", ${utcColumn('t.expires_at', '"expiresAt"')},
     ${utcColumn('t.spent_at', '"spentAt"')}, s.user_id AS "userId",
     ${utcColumn('s.revoked_at', '"revokedAt"')}, ${USER_COLUMNS}
   FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id JOIN users u ON u.id = s.user_id
   WHERE t.token_hash = $1`,
);
/** $1 token id, $2 when. */
const SPEND = statement(
  'refreshToken.spend',
  `UPDATE refresh_tokens SET spent_at = ${utcParam(2)} WHERE id = $1 AND spent_at IS NULL RETURNING id`,
);
/** $1 token id. */
const SPENT_AT = statement(
  'refreshToken.spentAt',
  `SELECT ${utcColumn('spent_at', '"spentAt"')} FROM refresh_tokens WHERE id = $1`,
);
/** $1 session id, $2 reason, $3 when. */
const REVOKE = statement(
  'session.revoke',
  `UPDATE sessions SET revoked_at = ${utcParam(3)}, revoked_reason = $2
   WHERE id = $1 AND revoked_at IS NULL RETURNING id`,
);
/** $1 user id, $2 reason, $3 when, $4 a session to spare or null: one statement, so atomic. */
const REVOKE_ALL = statement(
  'session.revokeAll',
  `UPDATE sessions SET revoked_at = ${utcParam(3)}, revoked_reason = $2
   WHERE user_id = $1 AND revoked_at IS NULL AND ($4::uuid IS NULL OR id <> $4::uuid) RETURNING id`,
);
/** $1 session id. */
const STATE = statement(
  'session.state',
  `SELECT user_id AS "userId", ${utcColumn('revoked_at', '"revokedAt"')} FROM sessions WHERE id = $1`,
);

/** Sessions (refresh-token families) and refresh tokens, on the auth database's primary. */
export class SessionsStore {
  constructor(private readonly db: AuthDatabase) {}

  /** Opens a session with its first refresh token; returns the session id. */
  async create(userId: number, tokenHash: string, expiresAt: Date): Promise<string> {
    const id = randomUUID();
    await this.db.onPrimary('session.create', (db) =>
      db.rows(CREATE_SESSION, [id, userId, randomUUID(), tokenHash, expiresAt]),
    );
    return id;
  }

  /** Adds a refresh token to a session (rotation). */
  async addToken(sessionId: string, tokenHash: string, expiresAt: Date): Promise<void> {
    await this.db.onPrimary('refreshToken.create', (db) =>
      db.rows(ADD_TOKEN, [randomUUID(), sessionId, tokenHash, expiresAt]),
    );
  }

  /** Finds a refresh token by hash, with its session and user. */
  async findToken(tokenHash: string): Promise<RefreshTokenWithSession | null> {
    const [row] = await this.db.onPrimary('refreshToken.find', (db) =>
      db.rows<FoundTokenRow>(FIND_TOKEN, [tokenHash]),
    );
    if (!row) return null;
    const { tokenId, sessionId, expiresAt, spentAt, userId, revokedAt, ...user } = row;
    return { id: tokenId, sessionId, expiresAt, spentAt, session: { userId, revokedAt, user } };
  }

  /**
   * Marks a token spent if nobody did yet. Exactly one of several concurrent callers gets true:
   * the conditional update is the arbiter.
   */
  async spend(tokenId: string, at: Date): Promise<boolean> {
    const rows = await this.db.onPrimary('refreshToken.spend', (db) =>
      db.rows(SPEND, [tokenId, at]),
    );
    return rows.length === 1;
  }

  /** When a token was spent (after losing a {@link spend} race). */
  async spentAt(tokenId: string): Promise<Date | null> {
    const [row] = await this.db.onPrimary('refreshToken.spentAt', (db) =>
      db.rows<{ spentAt: Date | null }>(SPENT_AT, [tokenId]),
    );
    return row?.spentAt ?? null;
  }

  /** Revokes one session; true when it was active. */
  async revoke(sessionId: string, reason: string, at: Date): Promise<boolean> {
    const rows = await this.db.onPrimary('session.revoke', (db) =>
      db.rows(REVOKE, [sessionId, reason, at]),
    );
    return rows.length === 1;
  }

  /** Revokes every active session of a user but `exceptSessionId`; returns the ids revoked. */
  async revokeAllOfUser(
    userId: number,
    reason: string,
    at: Date,
    exceptSessionId?: string,
  ): Promise<string[]> {
    const rows = await this.db.onPrimary('session.revokeAll', (db) =>
      db.rows<{ id: string }>(REVOKE_ALL, [userId, reason, at, exceptSessionId ?? null]),
    );
    return rows.map((r) => r.id);
  }

  /** A session's owner and revocation, for `/verify`; null when unknown. */
  async state(sessionId: string): Promise<{ userId: number; revokedAt: Date | null } | null> {
    const [row] = await this.db.onPrimary('session.state', (db) =>
      db.rows<{ userId: number; revokedAt: Date | null }>(STATE, [sessionId]),
    );
    return row ?? null;
  }
}

/** A row of {@link FIND_TOKEN}: the token's fields, its session's, and the user's. */
type FoundTokenRow = User & {
  tokenId: string;
  sessionId: string;
  expiresAt: Date;
  spentAt: Date | null;
  userId: number;
  revokedAt: Date | null;
};
