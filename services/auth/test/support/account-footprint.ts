import { authSql } from './sql.js';

/**
 * Everything of one account that the account-lifecycle endpoints write, read with SQL on the auth
 * primary: two snapshots taken around refused requests must be equal (nothing half-written).
 */
export interface AccountFootprint {
  /** The users row: password hash, verification, last change. */
  readonly user: { passwordHash: string; emailVerifiedAt: string | null; updatedAt: string };
  /** Sessions: how many, how many revoked, their generations summed. */
  readonly sessions: { total: number; revoked: number; minGenerations: number };
  /** Refresh tokens of the user's sessions: how many, how many spent. */
  readonly refreshTokens: { total: number; spent: number };
  /** Link tokens by purpose: how many, how many used. */
  readonly linkTokens: { purpose: string; total: number; used: number }[];
  /** The TOTP enrolment, or null. */
  readonly totp: { ciphertext: string; confirmed: boolean; lastStep: string } | null;
  /** Recovery codes: how many, how many used. */
  readonly recoveryCodes: { total: number; used: number };
  /** Login challenges: how many, attempts summed, how many consumed. */
  readonly challenges: { total: number; attempts: number; consumed: number };
  /** Mail to the account's address, in the outbox (sent or not). */
  readonly mails: number;
}

/** The footprint of account `userId` (whose address is `email`). */
export async function accountFootprint(
  userId: number | string,
  email: string,
): Promise<AccountFootprint> {
  const id = Number(userId);
  const one = async <T extends Record<string, unknown>>(sql: string, params: unknown[] = [id]) =>
    (await authSql<T>(sql, params))[0] as T;
  const [user, sessions, refreshTokens, linkTokens, totp, recoveryCodes, challenges, mails] =
    await Promise.all([
      one<AccountFootprint['user']>(
        `SELECT password_hash AS "passwordHash", email_verified_at::text AS "emailVerifiedAt",
                updated_at::text AS "updatedAt"
         FROM users WHERE id = $1`,
      ),
      one<AccountFootprint['sessions']>(
        `SELECT count(*)::int AS total, count(revoked_at)::int AS revoked,
                coalesce(sum(min_generation), 0)::int AS "minGenerations"
         FROM sessions WHERE user_id = $1`,
      ),
      one<AccountFootprint['refreshTokens']>(
        `SELECT count(*)::int AS total, count(r.spent_at)::int AS spent
         FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id WHERE s.user_id = $1`,
      ),
      authSql<AccountFootprint['linkTokens'][number]>(
        `SELECT purpose, count(*)::int AS total, count(used_at)::int AS used
         FROM one_time_tokens WHERE user_id = $1 GROUP BY purpose ORDER BY purpose`,
        [id],
      ),
      authSql<NonNullable<AccountFootprint['totp']>>(
        `SELECT secret_ciphertext AS ciphertext, confirmed_at IS NOT NULL AS confirmed,
                last_step::text AS "lastStep"
         FROM user_totp WHERE user_id = $1`,
        [id],
      ),
      one<AccountFootprint['recoveryCodes']>(
        `SELECT count(*)::int AS total, count(used_at)::int AS used
         FROM recovery_codes WHERE user_id = $1`,
      ),
      one<AccountFootprint['challenges']>(
        `SELECT count(*)::int AS total, coalesce(sum(attempts), 0)::int AS attempts,
                count(consumed_at)::int AS consumed
         FROM mfa_challenges WHERE user_id = $1`,
      ),
      mailsTo(email),
    ]);
  return {
    user,
    sessions,
    refreshTokens,
    linkTokens,
    totp: totp[0] ?? null,
    recoveryCodes,
    challenges,
    mails,
  };
}

/** How many mails to `address` the outbox holds, whatever their state. */
export async function mailsTo(address: string): Promise<number> {
  const [row] = await authSql<{ n: number }>(
    'SELECT count(*)::int AS n FROM mail_outbox WHERE recipient = $1',
    [address],
  );
  return row?.n ?? -1;
}
