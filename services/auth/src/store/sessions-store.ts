import { randomUUID } from 'node:crypto';
import { NOW_UTC, type SqlRunner, statement, utcColumn, utcParam } from '@shardgate/shared';
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
    /** How the session's login was authenticated (`amr`), kept by every refresh. */
    readonly amr: readonly string[];
    readonly user: User;
  };
}

/**
 * $1 session id, $2 user id, $3 token id, $4 token hash, $5 expiry, $6 `amr`: the session and its
 * first token.
 */
const CREATE_SESSION = statement(
  'session.create',
  `WITH session AS (
     INSERT INTO sessions (id, user_id, created_at, amr) VALUES ($1, $2, ${NOW_UTC}, $6::text[])
     RETURNING id
   )
   INSERT INTO refresh_tokens (id, session_id, token_hash, created_at, expires_at)
   SELECT $3, session.id, $4, ${NOW_UTC}, ${utcParam(5)} FROM session`,
);
/** $1 token hash. */
const FIND_TOKEN = statement(
  'refreshToken.find',
  `SELECT t.id AS "tokenId", t.session_id AS "sessionId", ${utcColumn('t.expires_at', '"expiresAt"')},
     ${utcColumn('t.spent_at', '"spentAt"')}, s.user_id AS "userId",
     ${utcColumn('s.revoked_at', '"revokedAt"')}, s.amr, ${USER_COLUMNS}
   FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id JOIN users u ON u.id = s.user_id
   WHERE t.token_hash = $1`,
);
/**
 * $1 the presented token's id, $2 when, $3 the new token's id, $4 its hash, $5 its expiry: spends
 * the token if nobody did yet and adds its successor, in one statement (so never one without the
 * other). No row when the token was already spent.
 */
const ROTATE = statement(
  'refreshToken.rotate',
  `WITH spent AS (
     UPDATE refresh_tokens SET spent_at = ${utcParam(2)} WHERE id = $1 AND spent_at IS NULL
     RETURNING id, session_id, generation
   )
   INSERT INTO refresh_tokens (id, session_id, token_hash, created_at, expires_at, parent_id, generation)
   SELECT $3, spent.session_id, $4, ${NOW_UTC}, ${utcParam(5)}, spent.id, spent.generation + 1 FROM spent
   RETURNING generation`,
);
/**
 * $1 the presented (spent) token's id, $2 the earliest spend that still counts as recent, $3 when,
 * $4 the new token's id, $5 its hash, $6 its expiry. Replaces the token that the presented one's
 * rotation produced, if that rotation was recent and its product is still the unspent head: the
 * head is spent, a new head takes its place as the presented token's successor, and the session
 * stops accepting access tokens older than the new head. No row otherwise, nor for a session
 * revoked meanwhile (its new token is then as dead as the rest). The conditional update
 * of the head is the arbiter between concurrent retries.
 */
const RETRY_ROTATION = statement(
  'refreshToken.retryRotation',
  `WITH head AS (
     SELECT child.id FROM refresh_tokens presented
     JOIN refresh_tokens child ON child.parent_id = presented.id
     WHERE presented.id = $1 AND presented.spent_at >= ${utcParam(2)} AND child.spent_at IS NULL
   ), retired AS (
     UPDATE refresh_tokens t SET spent_at = ${utcParam(3)} FROM head
     WHERE t.id = head.id AND t.spent_at IS NULL
     RETURNING t.session_id, t.generation
   ), added AS (
     INSERT INTO refresh_tokens (id, session_id, token_hash, created_at, expires_at, parent_id, generation)
     SELECT $4, retired.session_id, $5, ${NOW_UTC}, ${utcParam(6)}, $1, retired.generation + 1
     FROM retired
     RETURNING session_id, generation
   )
   UPDATE sessions s SET min_generation = added.generation FROM added
   WHERE s.id = added.session_id AND s.revoked_at IS NULL
   RETURNING s.min_generation AS generation`,
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
  `SELECT user_id AS "userId", ${utcColumn('revoked_at', '"revokedAt"')},
     min_generation AS "minGeneration"
   FROM sessions WHERE id = $1`,
);

/** What `/verify` needs to know of a session. */
export interface SessionState {
  readonly userId: number;
  readonly revokedAt: Date | null;
  /** Access tokens issued with an older refresh-token generation are refused. */
  readonly minGeneration: number;
}

/** Sessions (refresh-token families) and refresh tokens, on the auth database's primary. */
export class SessionsStore {
  constructor(private readonly db: AuthDatabase) {}

  /**
   * Opens a session with its first refresh token; returns the session id. `amr` says how the
   * login was authenticated (`['pwd']`, or `['pwd', 'otp']` after a second factor).
   */
  async create(
    userId: number,
    tokenHash: string,
    expiresAt: Date,
    amr: readonly string[] = ['pwd'],
  ): Promise<string> {
    const id = randomUUID();
    await this.db.onPrimary('session.create', (db) =>
      db.rows(CREATE_SESSION, [id, userId, randomUUID(), tokenHash, expiresAt, amr]),
    );
    return id;
  }

  /** Finds a refresh token by hash, with its session and user. */
  async findToken(tokenHash: string): Promise<RefreshTokenWithSession | null> {
    const [row] = await this.db.onPrimary('refreshToken.find', (db) =>
      db.rows<FoundTokenRow>(FIND_TOKEN, [tokenHash]),
    );
    if (!row) return null;
    const { tokenId, sessionId, expiresAt, spentAt, userId, revokedAt, amr, ...user } = row;
    return {
      id: tokenId,
      sessionId,
      expiresAt,
      spentAt,
      session: { userId, revokedAt, amr, user },
    };
  }

  /**
   * Spends a token and adds its successor, atomically; returns the successor's generation, or null
   * when the token was already spent (of several concurrent callers, exactly one wins).
   */
  async rotate(
    tokenId: string,
    at: Date,
    next: { readonly tokenHash: string; readonly expiresAt: Date },
  ): Promise<number | null> {
    const [row] = await this.db.onPrimary('refreshToken.rotate', (db) =>
      db.rows<{ generation: number }>(ROTATE, [
        tokenId,
        at,
        randomUUID(),
        next.tokenHash,
        next.expiresAt,
      ]),
    );
    return row?.generation ?? null;
  }

  /**
   * Replays a spent token's rotation (the client lost the answer): when the token was spent at or
   * after `spentSince` and its successor is still unspent, that successor is spent and replaced,
   * and the session accepts no access token older than the replacement. Returns the replacement's
   * generation, or null when the token is not the one before the chain's head, was spent too long
   * ago, or a concurrent retry won.
   */
  async retryRotation(
    tokenId: string,
    spentSince: Date,
    at: Date,
    next: { readonly tokenHash: string; readonly expiresAt: Date },
  ): Promise<number | null> {
    const [row] = await this.db.onPrimary('refreshToken.retryRotation', (db) =>
      db.rows<{ generation: number }>(RETRY_ROTATION, [
        tokenId,
        spentSince,
        at,
        randomUUID(),
        next.tokenHash,
        next.expiresAt,
      ]),
    );
    return row?.generation ?? null;
  }

  /** Revokes one session; true when it was active. */
  async revoke(sessionId: string, reason: string, at: Date): Promise<boolean> {
    const rows = await this.db.onPrimary('session.revoke', (db) =>
      db.rows(REVOKE, [sessionId, reason, at]),
    );
    return rows.length === 1;
  }

  /**
   * Revokes every active session of a user but `exceptSessionId`; returns the ids revoked. With
   * `tx`, in the caller's transaction (publish the ids only after it commits).
   */
  async revokeAllOfUser(
    userId: number,
    reason: string,
    at: Date,
    exceptSessionId?: string,
    tx?: SqlRunner,
  ): Promise<string[]> {
    const values = [userId, reason, at, exceptSessionId ?? null];
    const rows = tx
      ? await tx.rows<{ id: string }>(REVOKE_ALL, values)
      : await this.db.onPrimary('session.revokeAll', (db) =>
          db.rows<{ id: string }>(REVOKE_ALL, values),
        );
    return rows.map((r) => r.id);
  }

  /** A session's owner, revocation and oldest accepted generation, for `/verify`; null when unknown. */
  async state(sessionId: string): Promise<SessionState | null> {
    const [row] = await this.db.onPrimary('session.state', (db) =>
      db.rows<SessionState>(STATE, [sessionId]),
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
  amr: string[];
};
