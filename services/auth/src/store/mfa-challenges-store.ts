import { statement, utcParam } from '@shardgate/shared';
import type { AuthDatabase } from './auth-database.js';
import { USER_COLUMNS, type User } from './users-store.js';

/** $1 token hash, $2 user id, $3 expiry, $4 when it is made. */
const CREATE = statement(
  'mfaChallenge.create',
  `INSERT INTO mfa_challenges (token_hash, user_id, created_at, expires_at)
   VALUES ($1, $2, ${utcParam(4)}, ${utcParam(3)})`,
);
/** $1 token hash, $2 now, $3 attempts allowed: a live challenge's user. */
const FIND_LIVE = statement(
  'mfaChallenge.findLive',
  `SELECT ${USER_COLUMNS}
   FROM mfa_challenges c JOIN users u ON u.id = c.user_id
   WHERE c.token_hash = $1 AND c.consumed_at IS NULL AND c.expires_at > ${utcParam(2)}
     AND c.attempts < $3`,
);
/**
 * $1 token hash, $2 now, $3 attempts allowed: counts one attempt on a live challenge before its
 * code is checked, so that concurrent guesses cannot exceed the allowance. No row when it is dead.
 */
const CLAIM_ATTEMPT = statement(
  'mfaChallenge.claimAttempt',
  `UPDATE mfa_challenges SET attempts = attempts + 1
   WHERE token_hash = $1 AND consumed_at IS NULL AND expires_at > ${utcParam(2)} AND attempts < $3
   RETURNING user_id AS "userId"`,
);
/** $1 token hash, $2 now: spends the challenge; no row when it was spent already. */
const CONSUME = statement(
  'mfaChallenge.consume',
  `UPDATE mfa_challenges SET consumed_at = ${utcParam(2)}
   WHERE token_hash = $1 AND consumed_at IS NULL RETURNING 1`,
);

/** The challenges of a login's second step, on the auth database's primary. */
export class MfaChallengesStore {
  constructor(private readonly db: AuthDatabase) {}

  /** Stores a challenge (by the hash of its token) for a user. */
  async create(tokenHash: string, userId: number, now: Date, expiresAt: Date): Promise<void> {
    await this.db.onPrimary('mfaChallenge.create', (db) =>
      db.rows(CREATE, [tokenHash, userId, expiresAt, now]),
    );
  }

  /** The user of a challenge that is unspent, unexpired and has attempts left; else null. */
  async findLive(tokenHash: string, now: Date, maxAttempts: number): Promise<User | null> {
    const [row] = await this.db.onPrimary('mfaChallenge.findLive', (db) =>
      db.rows<User>(FIND_LIVE, [tokenHash, now, maxAttempts]),
    );
    return row ?? null;
  }

  /** Counts an attempt; false when the challenge is spent, expired or out of attempts. */
  async claimAttempt(tokenHash: string, now: Date, maxAttempts: number): Promise<boolean> {
    const rows = await this.db.onPrimary('mfaChallenge.claimAttempt', (db) =>
      db.rows(CLAIM_ATTEMPT, [tokenHash, now, maxAttempts]),
    );
    return rows.length === 1;
  }

  /** Spends the challenge; false when another request spent it first. */
  async consume(tokenHash: string, now: Date): Promise<boolean> {
    const rows = await this.db.onPrimary('mfaChallenge.consume', (db) =>
      db.rows(CONSUME, [tokenHash, now]),
    );
    return rows.length === 1;
  }
}
