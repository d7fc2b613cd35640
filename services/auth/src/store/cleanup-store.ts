import { type SqlRunner, statement, utcColumn, utcParam } from '@shardgate/shared';

/**
 * The advisory lock every cleanup run takes on the auth primary ("SGCLEAN" in ASCII, an arbitrary
 * constant of this project): two runs never delete at the same time.
 */
const CLEANUP_LOCK = '23458731214063950';

const TRY_LOCK = statement('cleanup.tryLock', 'SELECT pg_try_advisory_lock($1) AS locked');
const UNLOCK = statement('cleanup.unlock', 'SELECT pg_advisory_unlock($1)');

/** What the cleanup deletes, in the order it runs (sessions first: their tokens go with them). */
export type CleanupKind =
  | 'revoked_sessions'
  | 'expired_sessions'
  | 'expired_refresh_tokens'
  | 'one_time_tokens'
  | 'mfa_challenges'
  | 'mail'
  | 'runs';

/**
 * One batch of a kind, as a statement: `$1` the cutoff instant, `$2` the batch size; answers the
 * rows deleted. It selects up to `$2` rows of `table` (keyed by `key`) that match `victims` (a
 * condition on the table as `t`) and deletes them in the same statement, so a row is deleted by
 * one run once.
 */
function batchDelete(name: string, table: string, key: string, victims: string) {
  return statement(
    name,
    `WITH doomed AS (SELECT t.${key} FROM ${table} t WHERE ${victims} LIMIT $2),
       gone AS (DELETE FROM ${table} t USING doomed WHERE t.${key} = doomed.${key} RETURNING 1)
     SELECT count(*)::int AS n FROM gone`,
  );
}

const CUTOFF = utcParam(1);

/** The batch of each kind (run-cleanup.ts decides the order and the cutoffs). */
const BATCHES: Readonly<Record<CleanupKind, ReturnType<typeof statement>>> = {
  /** Sessions revoked before the cutoff (their refresh tokens cascade). */
  revoked_sessions: batchDelete(
    'cleanup.revokedSessions',
    'sessions',
    'id',
    `t.revoked_at < ${CUTOFF}`,
  ),
  /**
   * Live sessions that can never be used again: no refresh token valid at the cutoff (so no access
   * token either: each was issued with a refresh token that outlives it).
   */
  expired_sessions: batchDelete(
    'cleanup.expiredSessions',
    'sessions',
    'id',
    `t.revoked_at IS NULL AND t.created_at < ${CUTOFF} AND NOT EXISTS (
       SELECT 1 FROM refresh_tokens r WHERE r.session_id = t.id AND r.expires_at >= ${CUTOFF})`,
  ),
  /**
   * Expired refresh tokens of sessions that live on (spent links of the chain). Presented again,
   * an expired token is refused before reuse detection looks at it, so deleting it changes nothing.
   */
  expired_refresh_tokens: batchDelete(
    'cleanup.expiredRefreshTokens',
    'refresh_tokens',
    'id',
    `t.expires_at < ${CUTOFF}`,
  ),
  /** Tokens of verification and reset links that were used or expired before the cutoff. */
  one_time_tokens: batchDelete(
    'cleanup.oneTimeTokens',
    'one_time_tokens',
    'token_hash',
    `t.expires_at < ${CUTOFF} OR t.used_at < ${CUTOFF}`,
  ),
  /**
   * Challenges of a login's second step that can never be used again: expired, or consumed (a
   * consumed one refuses any further use whether or not its row exists).
   */
  mfa_challenges: batchDelete(
    'cleanup.mfaChallenges',
    'mfa_challenges',
    'token_hash',
    `t.expires_at < ${CUTOFF} OR t.consumed_at < ${CUTOFF}`,
  ),
  /**
   * Mail the outbox is done with: sent, given up on or expired before the cutoff; and pending
   * mail whose expiry is before the cutoff, which no loop will ever send (none ran to mark it
   * expired: no SMTP_HOST anywhere). Other pending mail is never touched, however old: it is what
   * the backlog gauges report.
   */
  mail: batchDelete(
    'cleanup.mail',
    'mail_outbox',
    'id',
    `(t.status = 'sent' AND t.sent_at < ${CUTOFF}) OR (t.status = 'failed' AND t.failed_at < ${CUTOFF})
     OR (t.status = 'expired' AND t.expired_at < ${CUTOFF})
     OR (t.status = 'pending' AND t.expires_at < ${CUTOFF})`,
  ),
  /** The job's own records, kept for a while after they stop being the latest. */
  runs: batchDelete('cleanup.runs', 'cleanup_runs', 'id', `t.finished_at < ${CUTOFF}`),
};

/** $1 started, $2 finished, $3 outcome, $4 rows deleted per kind (JSON). */
const RECORD_RUN = statement(
  'cleanup.recordRun',
  `INSERT INTO cleanup_runs (started_at, finished_at, outcome, deleted)
   VALUES (${utcParam(1)}, ${utcParam(2)}, $3, $4::jsonb)`,
);

const RUN_COLUMNS = `outcome, ${utcColumn('started_at', '"startedAt"')},
  ${utcColumn('finished_at', '"finishedAt"')}, deleted`;
/** The latest run, and the latest that succeeded; `which` tells them apart. */
const LATEST_RUNS = statement(
  'cleanup.latestRuns',
  `(SELECT 'latest' AS which, ${RUN_COLUMNS} FROM cleanup_runs ORDER BY id DESC LIMIT 1)
   UNION ALL
   (SELECT 'ok' AS which, ${RUN_COLUMNS} FROM cleanup_runs WHERE outcome = 'ok' ORDER BY id DESC LIMIT 1)`,
);

/** How a run ended: `skipped` when another run held the lock. */
export type CleanupOutcome = 'ok' | 'failed' | 'skipped';

/** A recorded run. */
export interface CleanupRunRecord {
  readonly outcome: CleanupOutcome;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly deleted: Readonly<Partial<Record<CleanupKind, number>>>;
}

/**
 * The cleanup's statements, run on one connection of the auth primary (the advisory lock belongs
 * to the database session that took it).
 */
export class CleanupStore {
  constructor(private readonly connection: SqlRunner) {}

  /** Takes the cleanup lock if no other run holds it; true when taken. */
  async tryLock(): Promise<boolean> {
    const [row] = await this.connection.rows<{ locked: boolean }>(TRY_LOCK, [CLEANUP_LOCK]);
    return row?.locked === true;
  }

  /** Releases the lock {@link tryLock} took. */
  async unlock(): Promise<void> {
    await this.connection.rows(UNLOCK, [CLEANUP_LOCK]);
  }

  /** Deletes up to `limit` rows of a kind older than `cutoff`; returns how many it deleted. */
  async deleteBatch(kind: CleanupKind, cutoff: Date, limit: number): Promise<number> {
    const [row] = await this.connection.rows<{ n: number }>(BATCHES[kind], [cutoff, limit]);
    return row?.n ?? 0;
  }

  /** Records a run, for the service's metrics and for operators. */
  async recordRun(run: CleanupRunRecord): Promise<void> {
    await this.connection.rows(RECORD_RUN, [
      run.startedAt,
      run.finishedAt,
      run.outcome,
      JSON.stringify(run.deleted),
    ]);
  }
}

/**
 * The latest run and the latest successful one (null where there is none), for the auth service's
 * metrics: read from any connection, not only the job's.
 */
export async function latestCleanupRuns(
  db: SqlRunner,
): Promise<{ latest: CleanupRunRecord | null; latestOk: CleanupRunRecord | null }> {
  const rows = await db.rows<CleanupRunRecord & { which: 'latest' | 'ok' }>(LATEST_RUNS);
  const pick = (which: 'latest' | 'ok') => {
    const row = rows.find((r) => r.which === which);
    if (!row) return null;
    const { which: _, ...run } = row;
    return run;
  };
  return { latest: pick('latest'), latestOk: pick('ok') };
}
