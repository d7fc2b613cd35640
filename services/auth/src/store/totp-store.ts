import { randomUUID } from 'node:crypto';
import { NOW_UTC, statement } from '@shardgate/shared';
import type { AuthDatabase } from './auth-database.js';

/** A user's TOTP enrolment as stored: the sealed seed, whether it is confirmed, the last step used. */
export interface TotpRecord {
  readonly secretCiphertext: string;
  readonly confirmed: boolean;
  /** The last time step accepted; no code of it or of an earlier step is accepted again. */
  readonly lastStep: bigint;
}

/** $1 user id. */
const FIND = statement(
  'totp.find',
  `SELECT secret_ciphertext AS "secretCiphertext", confirmed_at IS NOT NULL AS confirmed,
     last_step::text AS "lastStep"
   FROM user_totp WHERE user_id = $1`,
);
/**
 * $1 user id, $2 sealed seed: a new enrolment, or one replacing an unconfirmed one. No row when a
 * confirmed enrolment exists (the conditional upsert decides, whatever runs concurrently).
 */
const ENROL = statement(
  'totp.enrol',
  `INSERT INTO user_totp (user_id, secret_ciphertext, created_at) VALUES ($1, $2, ${NOW_UTC})
   ON CONFLICT (user_id) DO UPDATE
     SET secret_ciphertext = EXCLUDED.secret_ciphertext, created_at = EXCLUDED.created_at, last_step = 0
     WHERE user_totp.confirmed_at IS NULL
   RETURNING user_id`,
);
/**
 * $1 user id, $2 the sealed seed the code was checked against, $3 the code's step, $4 recovery
 * code ids, $5 their hashes: confirms the enrolment (when it is still that seed, unconfirmed, and
 * the step is new), replaces the user's recovery codes, in one statement. No row otherwise.
 */
const CONFIRM = statement(
  'totp.confirm',
  `WITH confirmed AS (
     UPDATE user_totp SET confirmed_at = ${NOW_UTC}, last_step = $3::bigint
     WHERE user_id = $1 AND secret_ciphertext = $2 AND confirmed_at IS NULL AND last_step < $3::bigint
     RETURNING user_id
   ), cleared AS (
     DELETE FROM recovery_codes r USING confirmed WHERE r.user_id = confirmed.user_id
   )
   INSERT INTO recovery_codes (id, user_id, code_hash, created_at)
   SELECT code.id, confirmed.user_id, code.hash, ${NOW_UTC}
   FROM confirmed, unnest($4::uuid[], $5::text[]) AS code(id, hash)
   RETURNING 1`,
);
/**
 * $1 user id, $2 step: records a code of step $2 as used, if MFA is on and no code of that step
 * or a later one was used before. The conditional update is what makes a code single-use.
 */
const ACCEPT_STEP = statement(
  'totp.acceptStep',
  `UPDATE user_totp SET last_step = $2::bigint
   WHERE user_id = $1 AND confirmed_at IS NOT NULL AND last_step < $2::bigint
   RETURNING 1`,
);
/** $1 user id, $2 code hash: spends an unused recovery code of a user whose MFA is on. */
const USE_RECOVERY_CODE = statement(
  'recoveryCode.use',
  `UPDATE recovery_codes r SET used_at = ${NOW_UTC}
   FROM user_totp t
   WHERE r.user_id = $1 AND r.code_hash = $2 AND r.used_at IS NULL
     AND t.user_id = r.user_id AND t.confirmed_at IS NOT NULL
   RETURNING 1`,
);
/** $1 user id: whether MFA is on. */
const ENABLED = statement(
  'totp.enabled',
  'SELECT EXISTS (SELECT 1 FROM user_totp WHERE user_id = $1 AND confirmed_at IS NOT NULL) AS enabled',
);
/** $1 user id: removes the seed, the recovery codes and the open challenges, in one statement. */
const REMOVE = statement(
  'totp.remove',
  `WITH totp AS (DELETE FROM user_totp WHERE user_id = $1 RETURNING 1),
     codes AS (DELETE FROM recovery_codes WHERE user_id = $1),
     challenges AS (DELETE FROM mfa_challenges WHERE user_id = $1)
   SELECT count(*)::int AS n FROM totp`,
);

/** TOTP enrolments and recovery codes, on the auth database's primary. */
export class TotpStore {
  constructor(private readonly db: AuthDatabase) {}

  /** A user's enrolment; null when there is none. */
  async find(userId: number): Promise<TotpRecord | null> {
    const [row] = await this.db.onPrimary('totp.find', (db) =>
      db.rows<{ secretCiphertext: string; confirmed: boolean; lastStep: string }>(FIND, [userId]),
    );
    return row ? { ...row, lastStep: BigInt(row.lastStep) } : null;
  }

  /** Stores a new unconfirmed enrolment; false when MFA is already on for the user. */
  async enrol(userId: number, secretCiphertext: string): Promise<boolean> {
    const rows = await this.db.onPrimary('totp.enrol', (db) =>
      db.rows(ENROL, [userId, secretCiphertext]),
    );
    return rows.length === 1;
  }

  /**
   * Turns MFA on with the code of `step` and stores the recovery codes' hashes, replacing any;
   * false when the enrolment changed, was confirmed meanwhile or the step is not new.
   */
  async confirm(
    userId: number,
    secretCiphertext: string,
    step: bigint,
    recoveryCodeHashes: readonly string[],
  ): Promise<boolean> {
    const rows = await this.db.onPrimary('totp.confirm', (db) =>
      db.rows(CONFIRM, [
        userId,
        secretCiphertext,
        String(step),
        recoveryCodeHashes.map(() => randomUUID()),
        recoveryCodeHashes,
      ]),
    );
    return rows.length === recoveryCodeHashes.length && rows.length > 0;
  }

  /** Records the use of a code of `step`; false when it (or a later one) was used already. */
  async acceptStep(userId: number, step: bigint): Promise<boolean> {
    const rows = await this.db.onPrimary('totp.acceptStep', (db) =>
      db.rows(ACCEPT_STEP, [userId, String(step)]),
    );
    return rows.length === 1;
  }

  /** Spends a recovery code by hash; false when it is unknown, used, or MFA is off. */
  async useRecoveryCode(userId: number, codeHash: string): Promise<boolean> {
    const rows = await this.db.onPrimary('recoveryCode.use', (db) =>
      db.rows(USE_RECOVERY_CODE, [userId, codeHash]),
    );
    return rows.length === 1;
  }

  /** Whether the user's MFA is on (a confirmed enrolment). */
  async enabled(userId: number): Promise<boolean> {
    const [row] = await this.db.onPrimary('totp.enabled', (db) =>
      db.rows<{ enabled: boolean }>(ENABLED, [userId]),
    );
    return row?.enabled === true;
  }

  /** Removes a user's MFA entirely; true when there was an enrolment. */
  async remove(userId: number): Promise<boolean> {
    const [row] = await this.db.onPrimary('totp.remove', (db) =>
      db.rows<{ n: number }>(REMOVE, [userId]),
    );
    return (row?.n ?? 0) > 0;
  }
}
