import type { CleanupKind, CleanupOutcome, CleanupStore } from '../store/cleanup-store.js';

/** Settings of {@link runCleanup}. */
export interface CleanupOptions {
  /** Rows per delete statement: bounds each statement's locks and WAL, not the run's total. */
  readonly batchSize: number;
  /** How long revoked sessions are kept (operators read why they ended), in milliseconds. */
  readonly keepRevokedMs: number;
  /** How long sent, failed or expired mail stays in the outbox, in milliseconds. */
  readonly keepMailMs: number;
  /** How long the job's own run records are kept, in milliseconds. */
  readonly keepRunsMs: number;
  readonly now?: () => number;
}

/** What a run did. */
export interface CleanupReport {
  readonly outcome: CleanupOutcome;
  readonly deleted: Readonly<Record<CleanupKind, number>>;
  readonly durationMs: number;
}

/**
 * Deletes what no request can use any more, in batches, under the cleanup lock: revoked sessions
 * past their keeping time, sessions without a valid refresh token, expired refresh tokens, used or
 * expired tokens of verification and reset links, expired or consumed MFA challenges, mail the
 * outbox is done with (sent, failed or expired), old run records. The cutoffs are fixed when the run starts. When another run holds the lock it
 * deletes nothing (`skipped`). Every run is recorded; a run that fails is recorded as such (when
 * the database still answers) and its error rethrown. Rows deleted before a failure stay deleted:
 * each batch is its own statement, and nothing a request could use is among them.
 */
export async function runCleanup(
  store: CleanupStore,
  options: CleanupOptions,
): Promise<CleanupReport> {
  const now = options.now ?? Date.now;
  const startedAt = new Date(now());
  const deleted: Record<CleanupKind, number> = {
    revoked_sessions: 0,
    expired_sessions: 0,
    expired_refresh_tokens: 0,
    one_time_tokens: 0,
    mfa_challenges: 0,
    mail: 0,
    runs: 0,
  };
  const finish = async (outcome: CleanupOutcome): Promise<CleanupReport> => {
    const finishedAt = new Date(now());
    await store.recordRun({ outcome, startedAt, finishedAt, deleted });
    return { outcome, deleted, durationMs: finishedAt.getTime() - startedAt.getTime() };
  };
  if (!(await store.tryLock())) return finish('skipped');
  const cutoffs: ReadonlyArray<[CleanupKind, Date]> = [
    ['revoked_sessions', new Date(startedAt.getTime() - options.keepRevokedMs)],
    ['expired_sessions', startedAt],
    ['expired_refresh_tokens', startedAt],
    ['one_time_tokens', startedAt],
    ['mfa_challenges', startedAt],
    ['mail', new Date(startedAt.getTime() - options.keepMailMs)],
    ['runs', new Date(startedAt.getTime() - options.keepRunsMs)],
  ];
  try {
    for (const [kind, cutoff] of cutoffs) {
      for (;;) {
        const n = await store.deleteBatch(kind, cutoff, options.batchSize);
        deleted[kind] += n;
        if (n < options.batchSize) break;
      }
    }
  } catch (error) {
    await finish('failed').catch(() => {});
    throw error;
  } finally {
    await store.unlock().catch(() => {});
  }
  return finish('ok');
}
