import { NOW_UTC, type SqlRunner, statement, utcParam } from '@shardgate/shared';
import type { AuthDatabase } from './auth-database.js';

/** What a one-time token proves when its link is followed. */
export type OneTimePurpose = 'verify_email' | 'reset_password';

/** A live token's owner and the address its link was sent to. */
export interface OneTimeTokenOwner {
  readonly userId: number;
  readonly email: string;
}

/** $1 hash, $2 purpose, $3 user id, $4 address, $5 expiry. */
const CREATE = statement(
  'oneTimeToken.create',
  `INSERT INTO one_time_tokens (token_hash, purpose, user_id, email, created_at, expires_at)
   VALUES ($1, $2, $3, $4, ${NOW_UTC}, ${utcParam(5)})`,
);
/** $1 hash, $2 purpose, $3 now. */
const FIND_LIVE = statement(
  'oneTimeToken.findLive',
  `SELECT user_id AS "userId", email FROM one_time_tokens
   WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > ${utcParam(3)}`,
);
/** $1 hash, $2 purpose, $3 now: the conditional update makes the token single-use. */
const CONSUME = statement(
  'oneTimeToken.consume',
  `UPDATE one_time_tokens SET used_at = ${utcParam(3)}
   WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > ${utcParam(3)}
   RETURNING user_id AS "userId", email`,
);
/** $1 user id, $2 purpose, $3 now. */
const USE_ALL = statement(
  'oneTimeToken.useAll',
  `UPDATE one_time_tokens SET used_at = ${utcParam(3)}
   WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`,
);

/** The single-use tokens of verification and reset links, on the auth primary. */
export class OneTimeTokensStore {
  constructor(private readonly db: AuthDatabase) {}

  /** Stores a token's hash; with `tx`, in the caller's transaction (beside its mail). */
  async create(
    token: { tokenHash: string; purpose: OneTimePurpose; expiresAt: Date } & OneTimeTokenOwner,
    tx?: SqlRunner,
  ): Promise<void> {
    const values = [token.tokenHash, token.purpose, token.userId, token.email, token.expiresAt];
    if (tx) await tx.rows(CREATE, values);
    else await this.db.onPrimary('oneTimeToken.create', (db) => db.rows(CREATE, values));
  }

  /** The owner of a live (unused, unexpired) token, without using it; null otherwise. */
  async findLive(
    tokenHash: string,
    purpose: OneTimePurpose,
    now: Date,
  ): Promise<OneTimeTokenOwner | null> {
    const [row] = await this.db.onPrimary('oneTimeToken.findLive', (db) =>
      db.rows<OneTimeTokenOwner>(FIND_LIVE, [tokenHash, purpose, now]),
    );
    return row ?? null;
  }

  /** Uses a live token; its owner, or null when it was not live (of concurrent callers, one wins). */
  async consume(
    tx: SqlRunner,
    tokenHash: string,
    purpose: OneTimePurpose,
    now: Date,
  ): Promise<OneTimeTokenOwner | null> {
    const [row] = await tx.rows<OneTimeTokenOwner>(CONSUME, [tokenHash, purpose, now]);
    return row ?? null;
  }

  /** Uses every live token of a user for a purpose (a reset done makes the other links dead). */
  async useAll(tx: SqlRunner, userId: number, purpose: OneTimePurpose, now: Date): Promise<void> {
    await tx.rows(USE_ALL, [userId, purpose, now]);
  }
}
